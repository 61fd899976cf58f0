#include "snapshot_vm.h"
#include "error.h"
#include "guest_agent.h"
#include "qmp.h"
#include "util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000
/* The agent answers a ping at once when it runs; a guest without one must
 * not hold the snapshot up. */
#define AGENT_CONNECT_MS 2000
/* A freeze syncs the guest's filesystems first: give it time, but bound it
 * (the thaw follows anyway). */
#define FREEZE_TIMEOUT_MS 10000
/* The disk node qemu_cmd.c names (-blockdev ...,node-name=disk0). */
#define DISK_NODE "disk0"
/* In a live create's staging dir while it has the vCPUs paused. */
#define PAUSED_MARK "paused-by-snapshot"

void bvm_snapshot_taken_clear(BvmSnapshotTaken *t)
{
  g_clear_pointer(&t->snapshot, bvm_snapshot_free);
}

static void report(BvmProgressFunc progress, gpointer data, const char *step)
{
  if (progress != NULL)
    progress(step, data);
}

/* Both locks, or BUSY when the VM runs (*out_running then TRUE). */
static int lock_stopped(const BvmPaths *paths, gboolean *out_running, GError **error)
{
  g_autoptr(GError) local = NULL;
  int fd = bvm_bundle_lock(paths, &local);
  *out_running = fd < 0 && g_error_matches(local, BVM_ERROR, BVM_ERROR_BUSY);
  if (fd < 0) {
    g_propagate_error(error, g_steal_pointer(&local));
    return -1;
  }
  if (!bvm_snapshot_recover(paths, NULL, error)) {
    close(fd);
    return -1;
  }
  return fd;
}

static JsonNode *qmp_snapshot_args(const char *name)
{
  JsonNode *node = json_node_init_object(json_node_alloc(), json_object_new());
  json_object_set_string_member(json_node_get_object(node), "device", DISK_NODE);
  json_object_set_string_member(json_node_get_object(node), "name", name);
  return node;
}

static gboolean qmp_run(BvmQmp *qmp, const char *command, JsonNode *args, GError **error)
{
  g_autoptr(JsonNode) r = bvm_qmp_execute(qmp, command, args, QMP_TIMEOUT_MS, error);
  return r != NULL;
}

/* The live snapshot's critical section: the vCPUs paused (when running) so
 * that the disk, vars and TPM are taken at one moment. */
static gboolean take_live(BvmQmp *qmp, const BvmPaths *paths, const char *name, const char *stage,
                          GError **error)
{
  g_autoptr(JsonNode) status = bvm_qmp_execute(qmp, "query-status", NULL, QMP_TIMEOUT_MS, error);
  if (status == NULL)
    return FALSE;
  gboolean running =
      json_object_get_boolean_member_with_default(json_node_get_object(status), "running", FALSE);
  /* The intent first: a process killed while the VM is paused leaves this
   * for recover_live, which resumes the VM. */
  g_autofree char *paused_mark = g_build_filename(stage, PAUSED_MARK, NULL);
  if (running && !bvm_file_write_atomic(paused_mark, "", 0, 0600, error))
    return FALSE;
  if (running && !qmp_run(qmp, "stop", NULL, error))
    return FALSE;
  g_autoptr(JsonNode) args = qmp_snapshot_args(name);
  gboolean ok = qmp_run(qmp, "blockdev-snapshot-internal-sync", args, error);
  bvm_fault_point("snapshot-live-after-disk");
  if (ok && !bvm_snapshot_stage_copy_state(paths, stage, error)) {
    g_autoptr(JsonNode) del = qmp_snapshot_args(name);
    (void)qmp_run(qmp, "blockdev-snapshot-delete-internal-sync", del, NULL);
    ok = FALSE;
  }
  g_autoptr(GError) cont_error = NULL;
  if (running && !qmp_run(qmp, "cont", NULL, &cont_error) && ok) {
    g_propagate_prefixed_error(error, g_steal_pointer(&cont_error),
                               "snapshot taken, but the VM stays paused: ");
    ok = FALSE;
  }
  g_unlink(paused_mark);
  return ok;
}

static void thaw(const BvmPaths *paths, BvmAgent *agent)
{
  g_autoptr(BvmAgent) own =
      agent ? NULL : bvm_agent_connect(paths->qga_sock, AGENT_CONNECT_MS, NULL);
  if (agent == NULL)
    agent = own;
  if (agent == NULL)
    return;
  g_autoptr(JsonNode) r =
      bvm_agent_execute(agent, "guest-fsfreeze-thaw", NULL, FREEZE_TIMEOUT_MS, NULL);
  (void)r;
}

/* What a snapshot process killed while the VM runs left (docs/snapshots.md):
 * a live create's staging dir (the guest may be frozen, the vCPUs paused by
 * it) is undone, a live delete finished. Runs under the snapshot lock, so
 * nothing of it is in progress. */
static void recover_live(const BvmPaths *paths)
{
  g_autofree char *dir = bvm_snapshot_dir(paths);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *entry;
  g_autoptr(BvmQmp) qmp = NULL;
  while (d != NULL && (entry = g_dir_read_name(d)) != NULL) {
    gboolean create = g_str_has_prefix(entry, BVM_SNAPSHOT_STAGE_PREFIX);
    if (!create && !g_str_has_prefix(entry, BVM_SNAPSHOT_DELETE_PREFIX))
      continue;
    const char *name =
        entry + strlen(create ? BVM_SNAPSHOT_STAGE_PREFIX : BVM_SNAPSHOT_DELETE_PREFIX);
    g_autofree char *path = g_build_filename(dir, entry, NULL);
    if (qmp == NULL)
      qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, NULL);
    if (qmp == NULL)
      return;
    g_autofree char *paused_mark = g_build_filename(path, PAUSED_MARK, NULL);
    if (create && g_file_test(paused_mark, G_FILE_TEST_EXISTS))
      (void)qmp_run(qmp, "cont", NULL, NULL);
    if (create)
      thaw(paths, NULL);
    if (bvm_snapshot_validate_name(name, NULL)) {
      g_autoptr(JsonNode) del = qmp_snapshot_args(name);
      (void)qmp_run(qmp, "blockdev-snapshot-delete-internal-sync", del, NULL);
    }
    (void)bvm_remove_tree(path, NULL);
  }
}

static gboolean create_live(const BvmConfig *config, const BvmPaths *paths, const char *name,
                            BvmSnapshot *meta, BvmProgressFunc progress, gpointer user_data,
                            guint *out_paused_ms, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, &local);
  if (qmp == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY,
                "VM '%s' is starting, stopping or being changed (%s): try again in a moment",
                config->name, local->message);
    return FALSE;
  }
  g_autofree char *stage = bvm_snapshot_stage_begin(paths, name, error);
  if (stage == NULL)
    return FALSE;

  report(progress, user_data, "asking the guest agent to freeze the filesystems");
  g_autoptr(BvmAgent) agent = bvm_agent_connect(paths->qga_sock, AGENT_CONNECT_MS, NULL);
  gint64 start = g_get_monotonic_time();
  gboolean frozen = FALSE;
  if (agent != NULL) {
    g_autoptr(JsonNode) r =
        bvm_agent_execute(agent, "guest-fsfreeze-freeze", NULL, FREEZE_TIMEOUT_MS, NULL);
    frozen = r != NULL;
  }
  report(progress, user_data, "taking the disk snapshot and copying the vars and TPM");
  gboolean ok = take_live(qmp, paths, name, stage, error);
  /* Always thawed, also after an error or a freeze that timed out (it may
   * have completed in the guest since). */
  if (agent != NULL)
    thaw(paths, agent);
  *out_paused_ms = (guint)((g_get_monotonic_time() - start) / 1000);
  meta->live = TRUE;
  meta->consistency = frozen ? BVM_SNAPSHOT_FILESYSTEM : BVM_SNAPSHOT_CRASH;
  if (ok && !bvm_snapshot_stage_commit(paths, stage, meta, error)) {
    g_autoptr(JsonNode) del = qmp_snapshot_args(name);
    (void)qmp_run(qmp, "blockdev-snapshot-delete-internal-sync", del, NULL);
    ok = FALSE;
  }
  if (!ok)
    (void)bvm_remove_tree(stage, NULL);
  return ok;
}

/* One snapshot operation on a VM, for run_locked. */
typedef struct {
  const BvmConfig *config;
  const BvmPaths *paths;
  const char *name;
  const char *description;
  BvmProgressFunc progress;
  gpointer user_data;
  BvmSnapshot *meta; /* create */
  guint paused_ms;   /* create, live */
} Op;

typedef gboolean (*OpStep)(Op *op, GError **error);

/* Check the name and take the snapshot lock; then @stopped under the bundle
 * lock, after recovery, or @running when the VM runs (its monitor holds the
 * bundle lock). */
static gboolean run_locked(Op *op, OpStep stopped, OpStep running, GError **error)
{
  if (!bvm_snapshot_validate_name(op->name, error))
    return FALSE;
  int slock = bvm_snapshot_lock(op->paths, error);
  if (slock < 0)
    return FALSE;
  gboolean is_running = FALSE, ok = FALSE;
  g_autoptr(GError) local = NULL;
  int block = lock_stopped(op->paths, &is_running, &local);
  if (block >= 0) {
    ok = stopped(op, error);
    close(block);
  } else if (is_running) {
    recover_live(op->paths);
    ok = running(op, error);
  } else {
    g_propagate_error(error, g_steal_pointer(&local));
  }
  close(slock);
  return ok;
}

static gboolean create_stopped(Op *op, GError **error)
{
  report(op->progress, op->user_data, "taking the snapshot of the stopped VM");
  return bvm_snapshot_create_stopped(op->paths, op->name, op->description, error);
}

static gboolean create_running(Op *op, GError **error)
{
  return create_live(op->config, op->paths, op->name, op->meta, op->progress, op->user_data,
                     &op->paused_ms, error);
}

gboolean bvm_snapshot_vm_create(const BvmConfig *config, const BvmPaths *paths, const char *name,
                                const char *description, BvmProgressFunc progress,
                                gpointer user_data, BvmSnapshotTaken *out_taken, GError **error)
{
  g_autoptr(BvmSnapshot) meta = g_new0(BvmSnapshot, 1);
  meta->name = g_strdup(name);
  meta->description = g_strdup(description);
  meta->created_at = bvm_now_iso8601();
  Op op = {config, paths, name, description, progress, user_data, meta, 0};
  if (!run_locked(&op, create_stopped, create_running, error))
    return FALSE;
  if (out_taken != NULL) {
    g_autoptr(GPtrArray) all = bvm_snapshot_list(paths, NULL);
    for (guint i = 0; all != NULL && i < all->len; i++)
      if (g_strcmp0(((BvmSnapshot *)all->pdata[i])->name, name) == 0)
        out_taken->snapshot = g_ptr_array_steal_index(all, i);
    if (out_taken->snapshot == NULL) /* the list could not read the disk */
      out_taken->snapshot = g_steal_pointer(&meta);
    out_taken->paused_ms = op.paused_ms;
  }
  return TRUE;
}

static gboolean revert_stopped(Op *op, GError **error)
{
  return bvm_snapshot_revert_stopped(op->paths, op->name, error);
}

static gboolean revert_refused(Op *op, GError **error)
{
  g_set_error(
      error, BVM_ERROR, BVM_ERROR_BUSY,
      "VM '%s' is running: stop it first (bridgevm stop '%s') to revert it to snapshot '%s'",
      op->config->name, op->config->name, op->name);
  return FALSE;
}

gboolean bvm_snapshot_vm_revert(const BvmConfig *config, const BvmPaths *paths, const char *name,
                                GError **error)
{
  Op op = {config, paths, name};
  return run_locked(&op, revert_stopped, revert_refused, error);
}

static gboolean delete_live(Op *op, GError **error)
{
  const BvmConfig *config = op->config;
  const BvmPaths *paths = op->paths;
  const char *name = op->name;
  g_autofree char *snap = bvm_snapshot_find(paths, name, error);
  if (snap == NULL)
    return FALSE;
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, error);
  if (qmp == NULL)
    return FALSE;
  /* the same journal as a stopped delete: a crash after the rename is
   * finished by the next recovery */
  g_autofree char *dir = g_path_get_dirname(snap);
  g_autofree char *doomed = g_strdup_printf("%s/" BVM_SNAPSHOT_DELETE_PREFIX "%s", dir, name);
  if (g_rename(snap, doomed) != 0) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot rename %s: %s", snap, g_strerror(errno));
    return FALSE;
  }
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) args = qmp_snapshot_args(name);
  if (!qmp_run(qmp, "blockdev-snapshot-delete-internal-sync", args, &local) &&
      !strstr(local->message, "not found")) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "deleting snapshot '%s' of running VM '%s': %s", name, config->name,
                local->message);
    return FALSE;
  }
  return bvm_remove_tree(doomed, error);
}

static gboolean delete_stopped(Op *op, GError **error)
{
  return bvm_snapshot_delete_stopped(op->paths, op->name, error);
}

gboolean bvm_snapshot_vm_delete(const BvmConfig *config, const BvmPaths *paths, const char *name,
                                GError **error)
{
  Op op = {config, paths, name};
  return run_locked(&op, delete_stopped, delete_live, error);
}

JsonNode *bvm_snapshot_vm_to_json(const BvmSnapshot *s)
{
  JsonNode *node = bvm_snapshot_to_json(s);
  JsonObject *o = json_node_get_object(node);
  json_object_set_int_member(o, "stateBytes", (gint64)s->state_bytes);
  json_object_set_int_member(o, "diskHeldBytes", (gint64)s->disk_held_bytes);
  return node;
}

JsonNode *bvm_snapshot_vm_list_json(const BvmPaths *paths, GError **error)
{
  g_autoptr(GPtrArray) list = bvm_snapshot_list(paths, error);
  if (list == NULL)
    return NULL;
  JsonArray *a = json_array_sized_new(list->len);
  for (guint i = 0; i < list->len; i++)
    json_array_add_element(a, bvm_snapshot_vm_to_json(list->pdata[i]));
  JsonNode *node = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(node, a);
  return node;
}
