/* Host ports: whether one is free to listen on, and when it is not, who
 * holds it, as far as the OS tells (Linux: /proc/net and /proc/PID/fd). */
#pragma once

#include "forwards.h"

#include <glib.h>

G_BEGIN_DECLS

/* Who listens on @proto port @port: "VM 'web' (QEMU, pid 123)" for another
 * BridgeVM VM's QEMU, "nginx (pid 99)" for another program, NULL when the
 * OS does not say (another user's process, or not Linux). */
char *bvm_ports_owner(BvmForwardProto proto, guint port);

/* QEMU can listen on @bind:@port: tried with a socket of our own, as slirp
 * makes it. BUSY naming the owner when the port is taken; INVALID_ARGUMENT
 * when this user may not bind it (a privileged port) or the address is
 * not this host's. */
gboolean bvm_ports_check_free(BvmForwardProto proto, const char *bind, guint port, GError **error);

G_END_DECLS
