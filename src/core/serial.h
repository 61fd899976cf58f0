/* The guest's serial console shared by many: QEMU's socket chardev serves
 * one client, so the VM's monitor holds that one connection and fans it out
 * on run/console.sock (BvmSerialHub). Every client reads the same bytes;
 * one at a time has the keyboard.
 *
 * The protocol on run/console.sock: the client sends one line, "rw\n" (it
 * wants to type) or "ro\n" (it only watches); the hub answers one line,
 * "rw\n" when the client has the keyboard or "ro\n" when it does not (it
 * asked for ro, or another client has the keyboard: a second interactive
 * attach watches rather than being refused). Then raw bytes both ways;
 * what a read-only client sends is dropped. When the keyboard's holder
 * leaves, the keyboard is free for the next "rw" attach. A client that
 * cannot keep up (BVM_SERIAL_CLIENT_BACKLOG bytes unsent) is disconnected
 * rather than slowing the guest's console for the others. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BVM_SERIAL_CLIENT_BACKLOG (1024 * 1024)
/* Bytes of the console's recent output a new client is shown first, so a
 * fresh attach sees the prompt it is typing at. */
#define BVM_SERIAL_HISTORY 4096

typedef struct BvmSerialHub BvmSerialHub;

/* Serve @qemu_fd (connected to QEMU's serial chardev; the hub owns it) on a
 * unix socket at @path, in the thread-default main context. */
BvmSerialHub *bvm_serial_hub_new(int qemu_fd, const char *path, GError **error);
void bvm_serial_hub_free(BvmSerialHub *hub);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmSerialHub, bvm_serial_hub_free)
/* Clients attached now (handshake done). */
guint bvm_serial_hub_n_clients(BvmSerialHub *hub);
/* TRUE while QEMU's end is open. */
gboolean bvm_serial_hub_is_connected(BvmSerialHub *hub);

/* Attach to a hub at @path: connect, ask for the keyboard when @want_write,
 * and return the connected fd (close-on-exec, blocking) after the hub's
 * answer; @out_writer says whether this client has the keyboard. */
int bvm_serial_attach(const char *path, gboolean want_write, gboolean *out_writer, GError **error);

/* The offset of the first @escape byte in @buf (a terminal's detach key,
 * Ctrl-] = 0x1d), or -1: what comes before it is still sent. */
gssize bvm_serial_find_escape(const guint8 *buf, gsize len, guint8 escape);

G_END_DECLS
