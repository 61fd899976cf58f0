/* The library: the directory that holds the VM bundles (registry.h finds
 * and lists them). Where it is, making it, and the lock that serialises the
 * name checks and renames of create and delete. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* --library DIR, else $BRIDGEVM_LIBRARY, else $XDG_DATA_HOME/bridgevm/VMs
 * (~/Library/Application Support/BridgeVM/VMs on macOS). Absolute. */
char *bvm_library_resolve(const char *override);
/* mkdir -p, mode 0700. */
gboolean bvm_library_ensure(const char *library, GError **error);

/* Exclusive lock on LIBRARY/.lock for name checks + renames (create, delete).
 * Returns an fd to pass to bvm_library_unlock, or -1 with @error. */
int bvm_library_lock(const char *library, GError **error);
void bvm_library_unlock(int fd);

G_END_DECLS
