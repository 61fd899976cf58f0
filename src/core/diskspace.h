/* Free space on the host disk that holds a VM's disk image. QEMU's NVMe
 * device has no werror policy: when the host filesystem fills, a guest
 * write fails inside the guest (data lost, filesystems corrupted) instead of
 * pausing the VM. So BridgeVM keeps a reserve: a VM is paused before the
 * filesystem runs out, and does not start or resume below it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How often the monitor checks (a timer: free space has no event): every
 * 250 ms near the reserve (a guest writing 1 GiB/s takes a quarter of it
 * between two checks), less often the more room is left, up to 5 s. */
#define BVM_DISK_SPACE_CHECK_MS 250
#define BVM_DISK_SPACE_CHECK_MAX_MS 5000

/* The write rate the check interval is sized for: faster than a guest
 * writes through QEMU's qcow2 on the hosts we know. */
#define BVM_DISK_SPACE_WRITE_RATE (1024 * 1024 * 1024ULL) /* bytes per second */

/* The reserve for a filesystem of @fs_bytes: 5% of it, between 64 MiB and
 * 1 GiB; BRIDGEVM_DISK_RESERVE_MIB overrides it. */
guint64 bvm_disk_space_reserve(guint64 fs_bytes);

/* Free bytes for an unprivileged writer on the filesystem of @path, and its
 * size. FALSE when it cannot be asked (then nothing is paused for it). */
gboolean bvm_disk_space_get(const char *path, guint64 *out_free, guint64 *out_size);

/* NULL when the filesystem of @path has at least the reserve free; else
 * why not, as a sentence that ends with "free space, then @then". */
char *bvm_disk_space_check(const char *path, const char *then);

/* When to check again, in ms, with @free_bytes free and @reserve kept: half
 * the time a guest writing BVM_DISK_SPACE_WRITE_RATE needs to reach the
 * reserve, between BVM_DISK_SPACE_CHECK_MS and BVM_DISK_SPACE_CHECK_MAX_MS.
 * A monitor that woke every 250 ms with gigabytes free spent wakeups on an
 * idle VM for nothing. */
guint bvm_disk_space_next_check_ms(guint64 free_bytes, guint64 reserve);

G_END_DECLS
