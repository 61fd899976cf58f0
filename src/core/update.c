#include "update.h"
#include "bundle.h"
#include "disk.h"
#include "error.h"
#include "media.h"
#include "validate.h"

#include <unistd.h>

static gboolean apply(BvmConfig *c, const BvmConfig *old, const BvmUpdateRequest *req,
                      GError **error)
{
  if (req->cpus > 0)
    c->cpus = req->cpus;
  if (req->memory_mib > 0)
    c->memory_mib = req->memory_mib;
  if (req->disk_gib > 0) {
    if (req->disk_gib < old->disk_gib) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                  "VM '%s' has a %" G_GUINT64_FORMAT
                  " GiB disk; shrinking it would lose data: give %" G_GUINT64_FORMAT "G or more",
                  c->name, old->disk_gib, old->disk_gib);
      return FALSE;
    }
    c->disk_gib = req->disk_gib;
  }
  if (req->width > 0 && req->height > 0) {
    c->display_width = req->width;
    c->display_height = req->height;
  }
  if (req->iso_path != NULL) {
    if (!bvm_validate_iso(req->iso_path, error))
      return FALSE;
    g_free(c->iso_path);
    c->iso_path = g_canonicalize_filename(req->iso_path, NULL);
  }
  if (req->eject)
    g_clear_pointer(&c->iso_path, g_free);
  if (req->drivers_iso_path != NULL) {
    if (!bvm_media_check_drivers(req->drivers_iso_path, error))
      return FALSE;
    g_free(c->drivers_iso_path);
    c->drivers_iso_path = g_canonicalize_filename(req->drivers_iso_path, NULL);
  }
  if (req->press_key_on_boot >= 0)
    c->press_key_on_boot = req->press_key_on_boot != 0;
  if (req->accel_set)
    c->accel = req->accel;
  if (req->cpus > 0 || req->memory_mib > 0 || req->disk_gib > 0)
    c->preset = BVM_PRESET_CUSTOM;
  return TRUE;
}

gboolean bvm_update_vm(BvmVmEntry *e, const BvmUpdateRequest *req, const BvmHostInfo *host,
                       GError **error)
{
  g_return_val_if_fail(e != NULL && e->config != NULL && req != NULL, FALSE);
  if (req->iso_path != NULL && req->eject) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "attaching an ISO and ejecting it contradict each other: give one");
    return FALSE;
  }
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  int lock = bvm_bundle_lock(paths, NULL);
  if (lock < 0) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY,
                "VM '%s' is running: stop it first (bridgevm stop '%s') to change its settings",
                e->config->name, e->config->name);
    return FALSE;
  }
  g_autoptr(BvmConfig) c = bvm_config_copy(e->config);
  gboolean ok = apply(c, e->config, req, error) && bvm_validate_resources(c, host, error) &&
                bvm_validate_windows11(c, error) &&
                (!req->accel_set || bvm_validate_accel(c, host, error));
  /* The disk first: if growing fails, the config still tells the truth. */
  if (ok && c->disk_gib != e->config->disk_gib)
    ok = bvm_disk_grow(paths->disk, c->disk_gib, error);
  if (ok)
    ok = bvm_config_save(c, e->path, error);
  close(lock);
  if (!ok)
    return FALSE;
  bvm_config_free(e->config);
  e->config = g_steal_pointer(&c);
  /* The parsed file no longer says what the VM is. */
  g_clear_pointer(&e->json, json_node_unref);
  return TRUE;
}
