#include "library.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

char *bvm_library_resolve(const char *override)
{
  const char *dir = override;
  if (dir == NULL || *dir == '\0')
    dir = g_getenv("BRIDGEVM_LIBRARY");
  if (dir != NULL && *dir != '\0')
    return g_canonicalize_filename(dir, NULL);
#ifdef __APPLE__
  return g_build_filename(g_get_home_dir(), "Library", "Application Support", "BridgeVM", "VMs",
                          NULL);
#else
  return g_build_filename(g_get_user_data_dir(), "bridgevm", "VMs", NULL);
#endif
}

gboolean bvm_library_ensure(const char *library, GError **error)
{
  if (g_mkdir_with_parents(library, 0700) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create the library %s: %s", library,
                g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

int bvm_library_lock(const char *library, GError **error)
{
  if (!bvm_library_ensure(library, error))
    return -1;
  g_autofree char *path = g_build_filename(library, ".lock", NULL);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot lock the library %s: %s", library,
                g_strerror(saved));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  return fd;
}

void bvm_library_unlock(int fd)
{
  if (fd >= 0)
    close(fd); /* closing drops the flock */
}
