#include "util.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean write_all(int fd, const char *data, gsize len, const char *path, GError **error)
{
  while (len > 0) {
    gssize n = write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int saved = errno;
      g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot write %s: %s", path, g_strerror(saved));
      return FALSE;
    }
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

gboolean bvm_file_write_atomic(const char *path, const char *data, gssize len, int mode,
                               GError **error)
{
  g_return_val_if_fail(path != NULL, FALSE);
  g_return_val_if_fail(data != NULL, FALSE);

  if (len < 0)
    len = (gssize)strlen(data);
  g_autofree char *tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
  int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create a temp file beside %s: %s", path,
                g_strerror(saved));
    return FALSE;
  }
  if (fchmod(fd, (mode_t)mode) != 0 || !write_all(fd, data, (gsize)len, path, error) ||
      fsync(fd) != 0) {
    int saved = errno;
    if (error != NULL && *error == NULL)
      g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot write %s: %s", path, g_strerror(saved));
    close(fd);
    g_unlink(tmp);
    return FALSE;
  }
  close(fd);
  if (g_rename(tmp, path) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot rename %s into place: %s", path,
                g_strerror(saved));
    g_unlink(tmp);
    return FALSE;
  }
  /* The rename is durable only once the directory entry is on disk. */
  g_autofree char *dir = g_path_get_dirname(path);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return TRUE;
}

char *bvm_qemu_escape(const char *value)
{
  g_return_val_if_fail(value != NULL, NULL);
  GString *out = g_string_sized_new(strlen(value) + 8);
  for (const char *p = value; *p; p++) {
    if (*p == ',')
      g_string_append_c(out, ',');
    g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

gboolean bvm_parse_size(const char *text, char default_unit, guint64 *out_bytes, GError **error)
{
  g_return_val_if_fail(text != NULL, FALSE);
  g_return_val_if_fail(out_bytes != NULL, FALSE);

  const char *p = text;
  while (g_ascii_isspace(*p))
    p++;
  if (!g_ascii_isdigit(*p)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "invalid size '%s': use a number with an optional unit, like 8G or 512M", text);
    return FALSE;
  }
  char *end = NULL;
  errno = 0;
  double number = g_ascii_strtod(p, &end);
  if (errno != 0 || end == p || number < 0 || number > 1e15) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "invalid size '%s': use a number with an optional unit, like 8G or 512M", text);
    return FALSE;
  }
  while (g_ascii_isspace(*end))
    end++;
  char unit = *end ? g_ascii_toupper(*end) : g_ascii_toupper(default_unit);
  const char *rest = *end ? end + 1 : end;
  if (*end && (g_ascii_strcasecmp(rest, "") != 0 && g_ascii_strcasecmp(rest, "B") != 0 &&
               g_ascii_strcasecmp(rest, "iB") != 0)) {
    unit = '?';
  }
  double mult;
  switch (unit) {
  case 'B':
    mult = 1;
    break;
  case 'K':
    mult = 1024.0;
    break;
  case 'M':
    mult = 1024.0 * 1024;
    break;
  case 'G':
    mult = 1024.0 * 1024 * 1024;
    break;
  case 'T':
    mult = 1024.0 * 1024 * 1024 * 1024;
    break;
  default:
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "invalid size '%s': the unit must be K, M, G or T (like 8G)", text);
    return FALSE;
  }
  double bytes = number * mult;
  if (bytes > (double)G_MAXINT64) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "size '%s' is too large", text);
    return FALSE;
  }
  *out_bytes = (guint64)bytes;
  return TRUE;
}

char *bvm_now_iso8601(void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

char *bvm_format_mib(guint64 mib)
{
  if (mib >= 1024 * 1024 && mib % (1024 * 1024) == 0)
    return g_strdup_printf("%" G_GUINT64_FORMAT " TiB", mib / (1024 * 1024));
  if (mib >= 1024 && mib % 1024 == 0)
    return g_strdup_printf("%" G_GUINT64_FORMAT " GiB", mib / 1024);
  return g_strdup_printf("%" G_GUINT64_FORMAT " MiB", mib);
}

char *bvm_find_tool(const char *program, const char *env_override, const char *install_hint,
                    GError **error)
{
  const char *override = env_override ? g_getenv(env_override) : NULL;
  if (override != NULL && *override != '\0')
    return g_strdup(override);
  char *path = g_find_program_in_path(program);
  if (path == NULL)
    g_set_error(error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING, "%s is not installed: %s", program,
                install_hint);
  return path;
}

/* Output of a helper tool beyond this is not ours to keep. */
#define TOOL_OUTPUT_MAX (4 * 1024 * 1024)

gboolean bvm_run_tool(const char *const *argv, const char *install_hint, char **out_stdout,
                      GError **error)
{
  g_return_val_if_fail(argv != NULL && argv[0] != NULL, FALSE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr(GError) local = NULL;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL,
                    NULL, NULL, &out, &err, &status, &local)) {
    if (g_error_matches(local, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
      g_set_error(error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING, "%s is not installed: %s",
                  argv[0], install_hint ? install_hint : "install it");
    else
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "cannot run %s: %s", argv[0],
                  local->message);
    return FALSE;
  }
  if (!g_spawn_check_wait_status(status, NULL)) {
    g_strchomp(err);
    const char *last = strrchr(err, '\n');
    last = last ? last + 1 : err;
    g_autofree char *base = g_path_get_basename(argv[0]);
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "%s failed: %s", base,
                *last ? last : "(no message)");
    return FALSE;
  }
  if (out_stdout != NULL) {
    if (strlen(out) > TOOL_OUTPUT_MAX)
      out[TOOL_OUTPUT_MAX] = '\0';
    *out_stdout = g_steal_pointer(&out);
  }
  return TRUE;
}

gboolean bvm_enum_from_string(const char *const *table, guint n, const char *s, guint *out_index)
{
  if (s == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++) {
    if (g_strcmp0(table[i], s) == 0) {
      *out_index = i;
      return TRUE;
    }
  }
  return FALSE;
}

void bvm_fault_point(const char *point)
{
  const char *want = g_getenv("BRIDGEVM_FAULT");
  if (want != NULL && strcmp(want, point) == 0)
    kill(getpid(), SIGKILL);
}

gboolean bvm_remove_tree(const char *path, GError **error)
{
  GStatBuf st;
  if (g_lstat(path, &st) != 0)
    return TRUE;
  if (S_ISDIR(st.st_mode)) {
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &local);
    if (dir == NULL) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot remove %s: %s", path, local->message);
      return FALSE;
    }
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      if (!bvm_remove_tree(child, error))
        return FALSE;
    }
    if (g_rmdir(path) != 0) {
      int saved = errno;
      g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot remove %s: %s", path, g_strerror(saved));
      return FALSE;
    }
    return TRUE;
  }
  if (g_unlink(path) != 0 && errno != ENOENT) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot remove %s: %s", path, g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

const char *bvm_content_type_for_path(const char *path)
{
  static const struct {
    const char *suffix, *type;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript"},
      {".mjs", "text/javascript"},
      {".css", "text/css"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".wasm", "application/wasm"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(types); i++)
    if (g_str_has_suffix(path, types[i].suffix))
      return types[i].type;
  return "application/octet-stream";
}

gboolean bvm_pid_matches(int pid, const char *needle)
{
  if (pid <= 0 || kill(pid, 0) != 0)
    return FALSE;
#ifdef __linux__
  g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", pid);
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, NULL))
    return FALSE;
  /* The arguments are NUL-separated: search each. */
  for (gsize i = 0; i < len; i += strlen(data + i) + 1)
    if (strstr(data + i, needle) != NULL)
      return TRUE;
  return FALSE;
#else
  return TRUE;
#endif
}
