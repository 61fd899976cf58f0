#include "express.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWORD_FILE_MAX 4096

char *bvm_express_iso_path(const char *bundle_dir)
{
  return g_build_filename(bundle_dir, BVM_EXPRESS_ISO_NAME, NULL);
}

gboolean bvm_express_disk_untouched(const char *disk)
{
  GStatBuf st;
  return g_stat(disk, &st) == 0 && st.st_size < 2 * 1024 * 1024;
}

char *bvm_express_pending_iso(const char *bundle_dir, const char *disk)
{
  g_autofree char *iso = bvm_express_iso_path(bundle_dir);
  if (!g_file_test(iso, G_FILE_TEST_EXISTS) || !bvm_express_disk_untouched(disk))
    return NULL;
  return g_steal_pointer(&iso);
}

char *bvm_express_read_password(const char *path, GError **error)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR,
                saved == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_INVALID_ARGUMENT,
                "password file %s: %s: check --password-file", path, g_strerror(saved));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "password file %s is not a regular file: give a file holding the password", path);
    return NULL;
  }
  if (st.st_mode & (S_IROTH | S_IWOTH)) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_PERMISSION,
        "password file %s is readable by every user of this machine: chmod 600 it, then pick a new password",
        path);
    return NULL;
  }
  if (st.st_size > PASSWORD_FILE_MAX) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "password file %s is larger than %d bytes: it should hold one password", path,
                PASSWORD_FILE_MAX);
    return NULL;
  }
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, NULL, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "password file %s cannot be read: %s: fix its permissions", path, local->message);
    return NULL;
  }
  size_t len = strlen(text);
  if (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0';
  if (len > 0 && text[len - 1] == '\r')
    text[--len] = '\0';
  if (len == 0) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "password file %s is empty: write the password into it (or leave out --password-file for an account without one)",
        path);
    return NULL;
  }
  return g_steal_pointer(&text);
}

char *bvm_express_host_locale(void)
{
  /* "de_DE.UTF-8", "de_DE", ... "C": the first ll_CC one. */
  const char *const *names = g_get_language_names();
  for (guint i = 0; names[i] != NULL; i++) {
    g_autofree char *tag = g_strdelimit(g_strndup(names[i], strcspn(names[i], ".@")), "_", '-');
    if (bvm_unattend_check_locale(tag, NULL))
      return g_steal_pointer(&tag);
  }
  return g_strdup("en-US");
}

char *bvm_express_host_timezone(void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local();
  const char *id = g_time_zone_get_identifier(tz);
  const char *windows = bvm_unattend_timezone_from_iana(id);
  return g_strdup(windows != NULL ? windows : "UTC");
}

char *bvm_express_answer_file(const BvmExpressRequest *req, const BvmConfig *c, gboolean drivers,
                              char **out_summary, GError **error)
{
  if (c->os != BVM_OS_WINDOWS11) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "an express install is for Windows 11, and VM '%s' is %s: drop --express or use a Windows 11 ISO",
        c->name, bvm_os_to_string(c->os));
    return NULL;
  }
  if (req->user == NULL || *req->user == '\0') {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "an express install needs the local account's name: pass --user NAME");
    return NULL;
  }
  g_autofree char *password = NULL;
  if (req->password_file != NULL) {
    password = bvm_express_read_password(req->password_file, error);
    if (password == NULL)
      return NULL;
  } else {
    password = g_strdup(req->password != NULL ? req->password : "");
  }
  g_autofree char *locale = req->locale ? g_strdup(req->locale) : bvm_express_host_locale();
  g_autofree char *tz = req->timezone ? g_strdup(req->timezone) : bvm_express_host_timezone();
  BvmUnattendOptions o = {.arch = c->arch,
                          .user = req->user,
                          .password = password,
                          .locale = locale,
                          .timezone = tz,
                          .drivers = drivers};
  char *xml = bvm_unattend_generate(&o, error);
  gboolean has_password = *password != '\0';
  /* The clear password leaves memory as soon as it is encoded. */
  memset(password, 0, strlen(password));
  if (xml == NULL) {
    g_prefix_error(error, "express install: ");
    return NULL;
  }
  if (out_summary != NULL) {
    g_autofree char *windows_tz = bvm_unattend_windows_timezone(tz, NULL);
    *out_summary = g_strdup_printf(
        "express install: local administrator '%s'%s, %s, time zone %s%s", req->user,
        has_password ? " with a password" : " without a password", locale, windows_tz,
        drivers
            ? (c->arch == BVM_ARCH_AARCH64
                   ? ", virtio drivers (storage, network, display; no guest agent installer exists for ARM64)"
                   : ", virtio drivers and the guest agent")
            : ", no virtio drivers (no network until they are installed)");
  }
  return xml;
}

gboolean bvm_express_write_iso(const char *bundle_dir, const char *xml, GError **error)
{
  g_autofree char *tmpl = g_build_filename(bundle_dir, ".unattend-XXXXXX", NULL);
  if (g_mkdtemp_full(tmpl, 0700) == NULL) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "cannot make a temp dir in %s: %s: check the library's permissions", bundle_dir,
                g_strerror(saved));
    return FALSE;
  }
  g_autofree char *tree = g_build_filename(tmpl, "tree", NULL);
  g_autofree char *file = g_build_filename(tree, "autounattend.xml", NULL);
  g_autofree char *iso = bvm_express_iso_path(bundle_dir);
  g_autofree char *tmp_iso = g_build_filename(tmpl, BVM_EXPRESS_ISO_NAME, NULL);
  gboolean ok = TRUE;
  /* The image exists 0600 before xorriso writes into it. */
  int fd = g_mkdir(tree, 0700) == 0 ? g_open(tmp_iso, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)
                                    : -1;
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "cannot write in %s: %s", tmpl,
                g_strerror(saved));
    ok = FALSE;
  } else {
    close(fd);
  }
  if (ok)
    ok = bvm_file_write_atomic(file, xml, -1, 0600, error);
  if (ok) {
    const char *argv[] = {"xorriso", "-as", "mkisofs", "-quiet", "-V", BVM_EXPRESS_ISO_VOLUME,
                          "-J",      "-r",  "-o",      tmp_iso,  tree, NULL};
    ok = bvm_run_tool(argv, "install xorriso (scripts/install-deps)", NULL, error);
  }
  if (ok && (g_chmod(tmp_iso, 0600) != 0 || g_rename(tmp_iso, iso) != 0)) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "cannot place %s: %s", iso,
                g_strerror(saved));
    ok = FALSE;
  }
  bvm_remove_tree(tmpl, NULL);
  if (!ok)
    g_prefix_error(error, "the answer ISO: ");
  return ok;
}
