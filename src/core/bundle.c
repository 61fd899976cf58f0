#include "bundle.h"
#include "disk.h"
#include "error.h"
#include "library.h"
#include "registry.h"
#include "tpm.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

/* NVRAM templates are 128 KiB to 4 MiB; a larger file is not a template. */
#define VARS_MAX_BYTES (64 * 1024 * 1024)

static gboolean copy_vars(const char *template_path, const char *dest, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(template_path, &data, &len, &local)) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
        "cannot read the firmware's NVRAM template %s: %s: reinstall the firmware package (ovmf or qemu-efi-aarch64)",
        template_path, local->message);
    return FALSE;
  }
  if (len == 0 || len > VARS_MAX_BYTES) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
                "the NVRAM template %s has %" G_GSIZE_FORMAT " bytes: reinstall the firmware",
                template_path, len);
    return FALSE;
  }
  return bvm_file_write_atomic(dest, data, (gssize)len, 0600, error);
}

static gboolean make_dir(const char *path, GError **error)
{
  if (g_mkdir(path, 0700) != 0 && errno != EEXIST) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create %s: %s", path, g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

/* swtpm_setup leaves its state group-readable: the TPM's secrets are not. */
static void private_files(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_chmod(path, 0600);
  }
}

static void report(BvmProgressFunc progress, gpointer data, const char *step)
{
  if (progress != NULL)
    progress(step, data);
}

/* rename() replaces an empty directory silently; creating a VM must never
 * replace anything, so ask for no-replace where the kernel offers it. */
static int rename_noreplace(const char *from, const char *to)
{
#if defined(__linux__) && defined(RENAME_NOREPLACE)
  return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
#else
  if (g_file_test(to, G_FILE_TEST_EXISTS)) {
    errno = EEXIST;
    return -1;
  }
  return rename(from, to);
#endif
}

static gboolean fill_bundle(const char *tmp, const BvmConfig *config, BvmProgressFunc progress,
                            gpointer user_data, GString *notices, GError **error)
{
  g_autoptr(BvmPaths) paths = bvm_paths_new(tmp, config->id);
  if (!make_dir(paths->logs_dir, error))
    return FALSE;

  g_autofree char *disk_step =
      g_strdup_printf("creating a %" G_GUINT64_FORMAT " GiB disk", config->disk_gib);
  report(progress, user_data, disk_step);
  bvm_fault_point("create-before-disk");
  if (!bvm_disk_create(paths->disk, config->disk_gib, error))
    return FALSE;
  bvm_fault_point("create-after-disk");
  /* A VM's disk is its owner's data alone (qemu-img follows the umask). */
  g_chmod(paths->disk, 0600);

  report(progress, user_data, "copying the firmware's NVRAM template");
  if (config->firmware.vars_template == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
                "no UEFI firmware was chosen for '%s': run 'bridgevm doctor'", config->name);
    return FALSE;
  }
  if (!copy_vars(config->firmware.vars_template, paths->vars, error))
    return FALSE;

  if (config->tpm_enabled) {
    report(progress, user_data, "setting up the TPM 2.0");
    g_autofree char *notice = NULL;
    if (!bvm_bundle_make_tpm(paths->tpm_dir, &notice, error))
      return FALSE;
    if (notice != NULL)
      g_string_append_printf(notices, "%s%s", notices->len ? "; " : "", notice);
  }

  report(progress, user_data, "writing config.json");
  return bvm_config_save(config, tmp, error);
}

gboolean bvm_bundle_make_tpm(const char *tpm_dir, char **out_notice, GError **error)
{
  if (!make_dir(tpm_dir, error) || !bvm_tpm_setup(tpm_dir, out_notice, error))
    return FALSE;
  private_files(tpm_dir);
  return TRUE;
}

char *bvm_bundle_make_temp(const char *library, GError **error)
{
  if (!bvm_library_ensure(library, error))
    return NULL;
  g_autofree char *tmp = g_strdup_printf("%s/" BVM_TEMP_PREFIX "%d-XXXXXX", library, (int)getpid());
  if (g_mkdtemp_full(tmp, 0700) == NULL) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create a temp dir in %s: %s", library,
                g_strerror(saved));
    return NULL;
  }
  return g_steal_pointer(&tmp);
}

gboolean bvm_bundle_move_into_place(const char *tmp, const char *final, GError **error)
{
  if (rename_noreplace(tmp, final) != 0) {
    int saved = errno;
    (void)bvm_remove_tree(tmp, NULL);
    g_set_error(error, BVM_ERROR,
                saved == EEXIST || saved == ENOTEMPTY ? BVM_ERROR_ALREADY_EXISTS : BVM_ERROR_IO,
                "cannot move the new VM into place at %s: %s", final, g_strerror(saved));
    return FALSE;
  }
  g_autofree char *library = g_path_get_dirname(final);
  int dfd = open(library, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return TRUE;
}

char *bvm_bundle_create(const char *library, const BvmConfig *config, BvmProgressFunc progress,
                        gpointer user_data, char **out_notice, GError **error)
{
  g_return_val_if_fail(library != NULL && config != NULL, NULL);
  g_return_val_if_fail(config->id != NULL && config->name != NULL, NULL);

  g_autofree char *final = bvm_registry_bundle_path(library, config->name);
  if (g_file_test(final, G_FILE_TEST_EXISTS)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                "%s already exists: choose another name or delete that VM", final);
    return NULL;
  }
  g_autofree char *tmp = bvm_bundle_make_temp(library, error);
  if (tmp == NULL)
    return NULL;
  g_autoptr(GString) notices = g_string_new(NULL);
  if (!fill_bundle(tmp, config, progress, user_data, notices, error)) {
    (void)bvm_remove_tree(tmp, NULL);
    return NULL;
  }
  bvm_fault_point("create-before-rename");
  if (!bvm_bundle_move_into_place(tmp, final, error))
    return NULL;
  if (out_notice != NULL)
    *out_notice = notices->len ? g_strdup(notices->str) : NULL;
  return g_steal_pointer(&final);
}

int bvm_bundle_lock(const BvmPaths *paths, GError **error)
{
  int fd = open(paths->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, saved == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_IO,
                "cannot open %s: %s", paths->bundle, g_strerror(saved));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int saved = errno;
    close(fd);
    g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY, "%s is in use: %s", paths->bundle,
                saved == EWOULDBLOCK ? "the VM is running" : g_strerror(saved));
    return -1;
  }
  return fd;
}

gboolean bvm_bundle_is_locked(const BvmPaths *paths)
{
  int fd = open(paths->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  gboolean locked = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return locked;
}

gboolean bvm_bundle_check_stopped(const BvmConfig *config, const BvmPaths *paths,
                                  const char *action, GError **error)
{
  if (!bvm_bundle_is_locked(paths))
    return TRUE;
  g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY,
              "VM '%s' is running: stop it first (bridgevm stop '%s') to %s", config->name,
              config->name, action);
  return FALSE;
}

gboolean bvm_bundle_reset_nvram(const BvmConfig *config, const BvmPaths *paths, GError **error)
{
  if (!bvm_bundle_check_stopped(config, paths, "reset its NVRAM", error))
    return FALSE;
  if (config->firmware.vars_template == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "VM '%s' records no NVRAM template: its config.json lacks firmware.varsTemplate",
                config->name);
    return FALSE;
  }
  return copy_vars(config->firmware.vars_template, paths->vars, error);
}

gboolean bvm_bundle_delete(const BvmConfig *config, const BvmPaths *paths, gboolean permanently,
                           GError **error)
{
  /* Hold the bundle lock while the bundle goes: a start racing us then
   * finds it taken (or gone), never half a bundle. */
  g_autoptr(GError) lock_error = NULL;
  int lock = bvm_bundle_lock(paths, &lock_error);
  if (lock < 0) {
    if (g_error_matches(lock_error, BVM_ERROR, BVM_ERROR_BUSY))
      g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY,
                  "VM '%s' is running: stop it first (bridgevm stop '%s') to delete it",
                  config->name, config->name);
    else
      g_propagate_error(error, g_steal_pointer(&lock_error));
    return FALSE;
  }
  gboolean ok = TRUE;
  if (permanently) {
    ok = bvm_remove_tree(paths->bundle, error);
  } else {
    g_autoptr(GFile) file = g_file_new_for_path(paths->bundle);
    g_autoptr(GError) local = NULL;
    if (!g_file_trash(file, NULL, &local)) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_IO,
                  "cannot move VM '%s' to the Trash: %s: use --permanently to delete it for good",
                  config->name, local->message);
      ok = FALSE;
    }
  }
  close(lock);
  return ok;
}
