#include "filecopy.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>
#include <sys/ioctl.h>
#endif
#ifdef __APPLE__
#include <sys/clonefile.h>
#endif

#define COPY_CHUNK (8 * 1024 * 1024)

const char *bvm_filecopy_method_to_string(BvmFilecopyMethod method)
{
  return method == BVM_FILECOPY_REFLINK ? "reflink" : "sparse";
}

static gboolean fail_errno(GError **error, int saved, const char *what, const char *path)
{
  g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot %s %s: %s", what, path, g_strerror(saved));
  return FALSE;
}

/* Copy [@off, @off + @len) of @in to the same offset of @out. copy_file_range
 * stays in the kernel (and shares blocks itself on filesystems that can);
 * read/write is for kernels or filesystem pairs that refuse it. */
static gboolean copy_range(int in, int out, off_t off, off_t len, const char *src, GError **error)
{
  static gboolean no_cfr = FALSE;
  while (len > 0) {
    size_t want = (size_t)MIN(len, (off_t)COPY_CHUNK);
    ssize_t n = -1;
#ifdef __linux__
    if (!no_cfr) {
      loff_t in_off = off, out_off = off;
      n = copy_file_range(in, &in_off, out, &out_off, want, 0);
      if (n < 0 && (errno == ENOSYS || errno == EXDEV || errno == EOPNOTSUPP || errno == EINVAL)) {
        no_cfr = TRUE;
        n = -1;
      } else if (n < 0) {
        return fail_errno(error, errno, "copy", src);
      }
    }
#else
    (void)no_cfr;
#endif
    if (n < 0) {
      g_autofree char *buf = g_malloc(want);
      n = pread(in, buf, want, off);
      if (n < 0)
        return fail_errno(error, errno, "read", src);
      for (ssize_t done = 0; done < n;) {
        ssize_t w = pwrite(out, buf + done, (size_t)(n - done), off + done);
        if (w < 0)
          return fail_errno(error, errno, "write the copy of", src);
        done += w;
      }
    }
    if (n == 0) /* the file shrank under us */
      break;
    off += n;
    len -= n;
  }
  return TRUE;
}

/* Walk the data extents; a filesystem without SEEK_DATA reports the whole
 * file as one extent, which is still a correct (dense) copy. */
static gboolean copy_sparse(int in, int out, off_t size, const char *src, guint64 *out_copied,
                            GError **error)
{
  if (ftruncate(out, size) != 0)
    return fail_errno(error, errno, "size the copy of", src);
  off_t pos = 0;
  while (pos < size) {
    off_t data = lseek(in, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) /* only a hole is left */
        break;
      if (errno != EINVAL)
        return fail_errno(error, errno, "read the extents of", src);
      data = pos; /* no SEEK_DATA here */
    }
    off_t hole = lseek(in, data, SEEK_HOLE);
    if (hole < 0)
      hole = size;
    if (!copy_range(in, out, data, hole - data, src, error))
      return FALSE;
    *out_copied += (guint64)(hole - data);
    pos = hole;
  }
  return TRUE;
}

gboolean bvm_filecopy_file(const char *src, const char *dest, gboolean no_reflink,
                           BvmFilecopyStats *out_stats, GError **error)
{
  BvmFilecopyStats stats = {.method = BVM_FILECOPY_SPARSE};
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0)
    return fail_errno(error, errno, "open", src);
  struct stat st;
  if (fstat(in, &st) != 0) {
    int saved = errno;
    close(in);
    return fail_errno(error, saved, "stat", src);
  }
  stats.size = (guint64)st.st_size;
#ifdef __APPLE__
  if (!no_reflink && clonefile(src, dest, 0) == 0) {
    close(in);
    g_chmod(dest, 0600);
    stats.method = BVM_FILECOPY_REFLINK;
    if (out_stats != NULL)
      *out_stats = stats;
    return TRUE;
  }
#endif
  int out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    int saved = errno;
    close(in);
    return fail_errno(error, saved, "create", dest);
  }
  gboolean ok = FALSE;
#ifdef FICLONE
  if (!no_reflink && ioctl(out, FICLONE, in) == 0) {
    stats.method = BVM_FILECOPY_REFLINK;
    ok = TRUE;
  }
#endif
  if (!ok)
    ok = copy_sparse(in, out, st.st_size, src, &stats.bytes_copied, error);
  if (ok && fsync(out) != 0)
    ok = fail_errno(error, errno, "sync", dest);
  close(in);
  close(out);
  if (!ok) {
    g_unlink(dest);
    return FALSE;
  }
  if (out_stats != NULL)
    *out_stats = stats;
  return TRUE;
}

gboolean bvm_filecopy_dir(const char *src, const char *dest, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) dir = g_dir_open(src, 0, &local);
  if (dir == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot read %s: %s", src, local->message);
    return FALSE;
  }
  if (g_mkdir(dest, 0700) != 0)
    return fail_errno(error, errno, "create", dest);
  const char *name;
  while ((name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *from = g_build_filename(src, name, NULL);
    g_autofree char *to = g_build_filename(dest, name, NULL);
    if (!g_file_test(from, G_FILE_TEST_IS_REGULAR) || g_file_test(from, G_FILE_TEST_IS_SYMLINK))
      continue;
    if (!bvm_filecopy_file(from, to, FALSE, NULL, error))
      return FALSE;
  }
  bvm_filecopy_sync_dir(dest);
  return TRUE;
}

void bvm_filecopy_sync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}
