#include "clone.h"
#include "disk.h"
#include "error.h"
#include "library.h"
#include "snapshot.h"
#include "util.h"
#include "validate.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

void bvm_clone_result_clear(BvmCloneResult *r)
{
  g_clear_pointer(&r->config, bvm_config_free);
  g_clear_pointer(&r->path, g_free);
  g_clear_pointer(&r->notice, g_free);
}

static void report(BvmProgressFunc progress, gpointer data, const char *step)
{
  if (progress != NULL)
    progress(step, data);
}

/* Bytes the file holds on the host (its allocated blocks). */
static guint64 allocated_bytes(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? (guint64)st.st_blocks * 512 : 0;
}

/* The disk as it was at snapshot @name: qemu-img convert reads that
 * snapshot's clusters (-l) and writes only the allocated ones, with no
 * snapshots; -U because the source may run (a snapshot's clusters do not
 * change under it). */
static gboolean convert_from_snapshot(const char *src, const char *name, const char *dest,
                                      GError **error)
{
  g_autofree char *tool = bvm_disk_qemu_img(error);
  if (tool == NULL)
    return FALSE;
  g_autofree char *snap = g_strconcat("snapshot.name=", name, NULL);
  const char *argv[] = {
      tool, "convert", "-U", "-f", "qcow2", "-O", "qcow2", "-o", "cluster_size=65536",
      "-l", snap,      src,  dest, NULL};
  if (!bvm_run_tool(argv, BVM_QEMU_IMG_HINT, NULL, error)) {
    g_prefix_error(error, "copying the disk of snapshot '%s': ", name);
    return FALSE;
  }
  return TRUE;
}

static gboolean fill_clone(const char *tmp, const BvmVmEntry *source, const BvmPaths *src,
                           const char *snap, const BvmCloneRequest *req, BvmConfig *c,
                           BvmProgressFunc progress, gpointer user_data, BvmCloneResult *r,
                           GError **error)
{
  g_autoptr(BvmPaths) paths = bvm_paths_new(tmp, c->id);
  if (g_mkdir(paths->logs_dir, 0700) != 0) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create %s: %s", paths->logs_dir,
                g_strerror(errno));
    return FALSE;
  }
  report(progress, user_data, "copying the disk");
  r->disk_allocated = allocated_bytes(src->disk);
  if (snap != NULL) {
    if (!convert_from_snapshot(src->disk, req->from_snapshot, paths->disk, error))
      return FALSE;
    g_chmod(paths->disk, 0600);
    r->method = "convert";
    r->disk_bytes_copied = allocated_bytes(paths->disk);
  } else {
    BvmFilecopyStats stats = {0};
    if (!bvm_filecopy_file(src->disk, paths->disk, req->no_reflink, &stats, error))
      return FALSE;
    r->method = bvm_filecopy_method_to_string(stats.method);
    r->disk_bytes_copied = stats.bytes_copied;
    /* the source's snapshots stay with it: their vars and TPM are its own */
    if (!bvm_snapshot_disk_drop_all(paths->disk, error))
      return FALSE;
  }
  bvm_fault_point("clone-after-disk");

  report(progress, user_data, "copying the UEFI variables");
  g_autofree char *vars = snap ? bvm_snapshot_vars_copy(snap) : g_strdup(src->vars);
  if (g_file_test(vars, G_FILE_TEST_EXISTS) &&
      !bvm_filecopy_file(vars, paths->vars, FALSE, NULL, error))
    return FALSE;

  if (c->tpm_enabled) {
    g_autofree char *tpm = snap ? bvm_snapshot_tpm_copy(snap) : g_strdup(src->tpm_dir);
    if (req->keep_tpm && g_file_test(tpm, G_FILE_TEST_IS_DIR)) {
      report(progress, user_data, "copying the TPM");
      if (!bvm_filecopy_dir(tpm, paths->tpm_dir, error))
        return FALSE;
      r->notice = g_strdup_printf(
          "the clone keeps the TPM of '%s': both VMs now share one TPM identity (its endorsement key), so software that trusts the TPM cannot tell them apart",
          source->config->name);
    } else {
      report(progress, user_data, "setting up a fresh TPM 2.0");
      g_autofree char *notice = NULL;
      if (!bvm_bundle_make_tpm(paths->tpm_dir, &notice, error))
        return FALSE;
      r->notice = g_steal_pointer(&notice);
    }
  }
  report(progress, user_data, "writing config.json");
  return bvm_config_save(c, tmp, error);
}

/* The clone's record: the source's, with a new identity. */
static BvmConfig *clone_config(const BvmConfig *source, const char *name)
{
  BvmConfig *c = bvm_config_copy(source);
  g_free(c->id);
  c->id = g_uuid_string_random();
  g_free(c->name);
  c->name = g_strdup(name);
  g_free(c->created_at);
  c->created_at = bvm_now_iso8601();
  g_clear_pointer(&c->started_at, g_free);
  if (c->last_exit != NULL) {
    g_free(c->last_exit->reason);
    g_free(c->last_exit->at);
    g_clear_pointer(&c->last_exit, g_free);
  }
  return c;
}

static gboolean clone_locked(const char *library, const BvmVmEntry *source, const BvmPaths *src,
                             const char *snap, const BvmCloneRequest *req, BvmProgressFunc progress,
                             gpointer user_data, BvmCloneResult *r, GError **error)
{
  g_autoptr(GPtrArray) entries = bvm_registry_list(library, error);
  if (entries == NULL)
    return FALSE;
  BvmVmEntry *same = bvm_registry_find_name(entries, req->name);
  if (same != NULL) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
        "a VM named '%s' already exists (names ignore case): choose another name for the clone",
        same->config->name);
    return FALSE;
  }
  bvm_registry_sweep_temps(library);
  g_autoptr(BvmConfig) c = clone_config(source->config, req->name);
  g_autofree char *final = bvm_registry_bundle_path(library, c->name);
  g_autofree char *tmp = bvm_bundle_make_temp(library, error);
  if (tmp == NULL)
    return FALSE;
  if (!fill_clone(tmp, source, src, snap, req, c, progress, user_data, r, error)) {
    (void)bvm_remove_tree(tmp, NULL);
    return FALSE;
  }
  bvm_fault_point("clone-before-rename");
  if (!bvm_bundle_move_into_place(tmp, final, error))
    return FALSE;
  r->config = g_steal_pointer(&c);
  r->path = g_steal_pointer(&final);
  return TRUE;
}

gboolean bvm_clone_vm(const char *library, const BvmVmEntry *source, const BvmCloneRequest *req,
                      BvmProgressFunc progress, gpointer user_data, BvmCloneResult *out_result,
                      GError **error)
{
  g_return_val_if_fail(source != NULL && source->config != NULL && req != NULL, FALSE);
  if (!bvm_validate_name(req->name, error))
    return FALSE;
  if (req->from_snapshot != NULL && !bvm_snapshot_validate_name(req->from_snapshot, error))
    return FALSE;
  g_autoptr(BvmPaths) src = bvm_paths_new(source->path, source->config->id);
  /* The snapshot lock keeps the snapshot cloned from in place; the bundle
   * lock keeps a stopped source stopped while its disk is copied. */
  int slock = bvm_snapshot_lock(src, error);
  if (slock < 0)
    return FALSE;
  g_autoptr(GError) local = NULL;
  int block = bvm_bundle_lock(src, &local);
  gboolean ok = FALSE;
  g_autofree char *snap = NULL;
  if (block < 0 && !g_error_matches(local, BVM_ERROR, BVM_ERROR_BUSY)) {
    g_propagate_error(error, g_steal_pointer(&local));
  } else if (block < 0 && req->from_snapshot == NULL) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_BUSY,
        "VM '%s' is running: stop it first, or clone one of its snapshots (bridgevm clone '%s' %s --from SNAPSHOT)",
        source->config->name, source->config->name, req->name);
  } else if ((block < 0 || bvm_snapshot_recover(src, NULL, error)) &&
             (req->from_snapshot == NULL ||
              (snap = bvm_snapshot_find(src, req->from_snapshot, error)) != NULL)) {
    int llock = bvm_library_lock(library, error);
    if (llock >= 0) {
      ok = clone_locked(library, source, src, snap, req, progress, user_data, out_result, error);
      bvm_library_unlock(llock);
    }
  }
  if (block >= 0)
    close(block);
  close(slock);
  return ok;
}
