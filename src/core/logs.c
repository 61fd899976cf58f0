#include "logs.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const source_names[BVM_LOG_N] = {"qemu", "swtpm", "monitor", "serial"};
const BvmJsonWords bvm_log_source_words = {source_names, BVM_LOG_N, NULL};

const char *bvm_log_source_to_string(BvmLogSource source)
{
  return (guint)source < BVM_LOG_N ? source_names[source] : "qemu";
}

gboolean bvm_log_source_from_string(const char *s, BvmLogSource *out_source)
{
  guint i;
  if (!bvm_enum_from_string(source_names, BVM_LOG_N, s, &i))
    return FALSE;
  *out_source = (BvmLogSource)i;
  return TRUE;
}

const char *bvm_log_path(const BvmPaths *paths, BvmLogSource source)
{
  switch (source) {
  case BVM_LOG_SWTPM:
    return paths->swtpm_log;
  case BVM_LOG_MONITOR:
    return paths->monitor_log;
  case BVM_LOG_SERIAL:
    return paths->serial_log;
  case BVM_LOG_QEMU:
  default:
    return paths->qemu_log;
  }
}

void bvm_log_rotate_if_large(const char *path)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0 || st.st_size <= BVM_LOG_MAX_BYTES)
    return;
  g_autofree char *old = g_strconcat(path, ".1", NULL);
  (void)g_rename(path, old);
}

gboolean bvm_log_copytruncate_if_large(const char *path)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0 || st.st_size <= BVM_LOG_MAX_BYTES)
    return FALSE;
  g_autofree char *old = g_strconcat(path, ".1", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, NULL))
    return FALSE;
  if (!g_file_set_contents_full(old, data, (gssize)len, G_FILE_SET_CONTENTS_NONE, 0600, NULL))
    return FALSE;
  /* Lines written between the copy and here are lost: a few bytes, at most
   * once per rotation. */
  return truncate(path, 0) == 0;
}

int bvm_log_open_append(const char *path, GError **error)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot open log %s: %s", path, g_strerror(saved));
  }
  return fd;
}

#define TAIL_WINDOW (1024 * 1024)

/* The last TAIL_WINDOW bytes of @path as it is now (bytes written while
 * reading are left for next time); *out_end: the offset after them. */
static char *read_tail_window(const char *path, goffset *out_end, GError **error)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, saved == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_IO,
                "cannot read log %s: %s", path, g_strerror(saved));
    return NULL;
  }
  struct stat st;
  off_t size = fstat(fd, &st) == 0 ? st.st_size : 0;
  off_t start = size > TAIL_WINDOW ? size - TAIL_WINDOW : 0;
  GString *out = g_string_new(NULL);
  char buf[65536];
  ssize_t n;
  off_t off = start;
  while (off < size && (n = pread(fd, buf, (size_t)MIN((off_t)sizeof buf, size - off), off)) > 0) {
    g_string_append_len(out, buf, n);
    off += n;
  }
  close(fd);
  if (out_end != NULL)
    *out_end = (goffset)off;
  return g_string_free(out, FALSE);
}

/* The start of the last @lines lines of @data (a trailing newline does not
 * count). */
static const char *last_lines(const char *data, gsize len, guint lines)
{
  if (lines == 0)
    return data + len;
  gssize i = (gssize)len - 1;
  if (i >= 0 && data[i] == '\n')
    i--;
  guint seen = 0;
  for (; i >= 0; i--) {
    if (data[i] == '\n' && ++seen == lines)
      break;
  }
  return data + i + 1;
}

char *bvm_log_tail(const char *path, guint lines, GError **error)
{
  g_autofree char *data = read_tail_window(path, NULL, error);
  if (data == NULL)
    return NULL;
  return g_strdup(last_lines(data, strlen(data), lines));
}

char *bvm_log_tail_lines(const char *path, guint lines, goffset *out_end, GError **error)
{
  goffset end = 0;
  g_autofree char *data = read_tail_window(path, &end, error);
  if (data == NULL)
    return NULL;
  /* whole lines only: a line still being written is the follower's */
  gsize len = strlen(data);
  char *nl = g_strrstr_len(data, (gssize)len, "\n");
  gsize whole = nl != NULL ? (gsize)(nl - data) + 1 : 0;
  *out_end = end - (goffset)(len - whole);
  data[whole] = '\0';
  return g_strdup(last_lines(data, whole, lines));
}

char *bvm_log_last_line(const char *path)
{
  g_autofree char *tail = bvm_log_tail(path, 1, NULL);
  if (tail == NULL)
    return NULL;
  g_strstrip(tail);
  return *tail ? g_steal_pointer(&tail) : NULL;
}
