#include "create.h"
#include "error.h"
#include "express.h"
#include "firmware.h"
#include "library.h"
#include "media.h"
#include "presets.h"
#include "registry.h"
#include "util.h"
#include "validate.h"

static const char *machine_for(BvmArch arch)
{
  return arch == BVM_ARCH_AARCH64 ? "virt" : "q35";
}

static void append_notice(GString *notices, const char *text)
{
  if (text == NULL)
    return;
  if (notices->len > 0)
    g_string_append(notices, "; ");
  g_string_append(notices, text);
}

/* The plan, and with an express install its answer file (*out_answer). */
static BvmConfig *plan(const BvmCreateRequest *req, const BvmHostInfo *host,
                       const char *const *firmware_dirs, char **out_answer, char **out_notices,
                       GError **error)
{
  g_return_val_if_fail(req != NULL && host != NULL, NULL);
  if (!bvm_validate_name(req->name, error))
    return NULL;
  if (!bvm_validate_iso(req->iso_path, error))
    return NULL;

  g_autoptr(GString) notices = g_string_new(NULL);
  g_autoptr(BvmConfig) c = bvm_config_new();
  c->id = g_uuid_string_random();
  c->name = g_strdup(req->name);
  /* What the ISO is chooses what the user did not: OS, arch, preset. */
  g_autoptr(BvmMedia) media = bvm_media_identify(req->iso_path);
  c->os = req->os_set ? req->os : media->known ? media->os : BVM_OS_LINUX;
  c->arch = req->arch_set ? req->arch : media->arch_known ? media->arch : host->arch;
  g_autofree char *emulation = NULL;
  if (!bvm_media_check_arch(media, c->arch, req->arch_set, host->arch, &emulation, error))
    return NULL;
  append_notice(notices, emulation);

  BvmPreset preset = req->preset_set ? req->preset
                     : media->known  ? media->preset
                                     : BVM_PRESET_RECOMMENDED;
  g_autofree char *clamp_notice = NULL;
  bvm_preset_apply(preset, host, c, &clamp_notice);
  append_notice(notices, clamp_notice);
  gboolean custom = FALSE;
  if (req->cpus != 0) {
    c->cpus = req->cpus;
    custom = TRUE;
  }
  if (req->memory_mib != 0) {
    c->memory_mib = req->memory_mib;
    custom = TRUE;
  }
  if (req->disk_gib != 0) {
    c->disk_gib = req->disk_gib;
    custom = TRUE;
  }
  if (custom && !req->preset_set)
    c->preset = BVM_PRESET_CUSTOM;
  if (req->width != 0 && req->height != 0) {
    c->display_width = req->width;
    c->display_height = req->height;
  }
  c->tpm_enabled = !req->no_tpm;
  c->firmware.secure_boot = req->secure_boot_set ? req->secure_boot : c->os == BVM_OS_WINDOWS11;
  g_autofree char *iso = g_canonicalize_filename(req->iso_path, NULL);
  c->iso_path = g_steal_pointer(&iso);
  c->created_at = bvm_now_iso8601();
  if (req->accept_license)
    c->license_accepted_at = g_strdup(c->created_at);
  /* Windows' installer waits for a key before booting from the DVD. */
  c->press_key_on_boot = c->os == BVM_OS_WINDOWS11;
  c->accel = req->accel;

  if (!bvm_validate_resources(c, host, error) || !bvm_validate_windows11(c, error) ||
      !bvm_validate_accel(c, host, error))
    return NULL;

  /* Secure Boot means Microsoft's keys enrolled: Windows' boot manager and
   * the shims of the common Linux distributions are signed with them, and a
   * vars store without keys boots in setup mode, enforcing nothing. */
  gboolean want_keys = c->firmware.secure_boot;
  g_auto(GStrv) default_dirs = firmware_dirs ? NULL : bvm_firmware_default_dirs();
  g_autoptr(GPtrArray) list = bvm_firmware_discover(
      firmware_dirs ? firmware_dirs : (const char *const *)default_dirs, error);
  if (list == NULL)
    return NULL;
  g_autoptr(BvmFirmware) fw = bvm_firmware_select(list, c->arch, machine_for(c->arch),
                                                  c->firmware.secure_boot, want_keys, error);
  if (fw == NULL)
    return NULL;
  bvm_firmware_to_choice(fw, &c->firmware);

  if (req->drivers_iso_path != NULL) {
    if (!bvm_media_check_drivers(req->drivers_iso_path, error))
      return NULL;
    c->drivers_iso_path = g_canonicalize_filename(req->drivers_iso_path, NULL);
  }
  if (req->express.express) {
    g_autofree char *summary = NULL;
    g_autofree char *answer =
        bvm_express_answer_file(&req->express, c, c->drivers_iso_path != NULL, &summary, error);
    if (answer == NULL)
      return NULL;
    append_notice(notices, summary);
    if (out_answer != NULL)
      *out_answer = g_steal_pointer(&answer);
  }

  if (out_notices != NULL)
    *out_notices = notices->len ? g_strdup(notices->str) : NULL;
  return g_steal_pointer(&c);
}

BvmConfig *bvm_create_plan(const BvmCreateRequest *req, const BvmHostInfo *host,
                           const char *const *firmware_dirs, char **out_notices, GError **error)
{
  return plan(req, host, firmware_dirs, NULL, out_notices, error);
}

BvmConfig *bvm_create_vm(const char *library, const BvmCreateRequest *req, const BvmHostInfo *host,
                         const char *const *firmware_dirs, BvmProgressFunc progress,
                         gpointer user_data, char **out_path, char **out_notices, GError **error)
{
  g_autofree char *notices = NULL, *answer = NULL;
  g_autoptr(BvmConfig) c = plan(req, host, firmware_dirs, &answer, &notices, error);
  if (c == NULL)
    return NULL;

  int lock = bvm_library_lock(library, error);
  if (lock < 0)
    return NULL;
  bvm_registry_sweep_temps(library);
  g_autoptr(GPtrArray) entries = bvm_registry_list(library, error);
  if (entries == NULL) {
    bvm_library_unlock(lock);
    return NULL;
  }
  BvmVmEntry *same = bvm_registry_find_name(entries, c->name);
  if (same != NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                "a VM named '%s' already exists (names ignore case): choose another name",
                same->config->name);
    bvm_library_unlock(lock);
    return NULL;
  }
  g_autofree char *bundle_notice = NULL;
  g_autofree char *path = bvm_bundle_create(library, c, progress, user_data, &bundle_notice, error);
  bvm_library_unlock(lock);
  if (path == NULL)
    return NULL;
  /* The answer ISO goes into the finished bundle; when it cannot be made,
   * the VM is not half made: the bundle goes again. */
  if (answer != NULL && !bvm_express_write_iso(path, answer, error)) {
    bvm_remove_tree(path, NULL);
    return NULL;
  }

  if (out_notices != NULL) {
    if (notices != NULL && bundle_notice != NULL)
      *out_notices = g_strconcat(notices, "; ", bundle_notice, NULL);
    else
      *out_notices = g_strdup(notices != NULL ? notices : bundle_notice);
  }
  if (out_path != NULL)
    *out_path = g_steal_pointer(&path);
  return g_steal_pointer(&c);
}
