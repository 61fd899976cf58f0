#include "diskspace.h"
#include "util.h"

#include <stdlib.h>
#include <sys/statvfs.h>

guint64 bvm_disk_space_reserve(guint64 fs_bytes)
{
  const char *env = g_getenv("BRIDGEVM_DISK_RESERVE_MIB");
  if (env != NULL && *env != '\0') {
    char *end = NULL;
    guint64 mib = g_ascii_strtoull(env, &end, 10);
    if (end != NULL && *end == '\0')
      return mib * BVM_MIB;
  }
  return CLAMP(fs_bytes / 20, 64 * BVM_MIB, BVM_GIB);
}

gboolean bvm_disk_space_get(const char *path, guint64 *out_free, guint64 *out_size)
{
  struct statvfs st;
  if (statvfs(path, &st) != 0)
    return FALSE;
  *out_free = (guint64)st.f_bavail * st.f_frsize;
  *out_size = (guint64)st.f_blocks * st.f_frsize;
  return TRUE;
}

guint bvm_disk_space_next_check_ms(guint64 free_bytes, guint64 reserve)
{
  guint64 room = free_bytes > reserve ? free_bytes - reserve : 0;
  guint64 ms = room / (BVM_DISK_SPACE_WRITE_RATE / 1000) / 2;
  return (guint)CLAMP(ms, BVM_DISK_SPACE_CHECK_MS, BVM_DISK_SPACE_CHECK_MAX_MS);
}

char *bvm_disk_space_check(const char *path, const char *then)
{
  guint64 free_bytes = 0, size = 0;
  if (!bvm_disk_space_get(path, &free_bytes, &size))
    return NULL;
  guint64 reserve = bvm_disk_space_reserve(size);
  if (free_bytes >= reserve)
    return NULL;
  g_autofree char *dir = g_path_get_dirname(path);
  return g_strdup_printf("the host disk is full: %" G_GUINT64_FORMAT " MiB free where %s is, "
                         "below the %" G_GUINT64_FORMAT " MiB BridgeVM keeps so the guest never "
                         "loses a write: free space, then %s",
                         free_bytes / BVM_MIB, dir, reserve / BVM_MIB, then);
}
