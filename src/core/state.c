#include "state.h"
#include "bundle.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *const state_names[BVM_VM_STATE_N] = {"stopped", "starting", "running",
                                                        "paused",  "stopping", "crashed"};

const char *bvm_vm_state_to_string(BvmVmState state)
{
  return (guint)state < BVM_VM_STATE_N ? state_names[state] : "stopped";
}

gboolean bvm_vm_state_from_string(const char *s, BvmVmState *out_state)
{
  guint i;
  if (!bvm_enum_from_string(state_names, BVM_VM_STATE_N, s, &i))
    return FALSE;
  *out_state = (BvmVmState)i;
  return TRUE;
}

void bvm_run_state_free(BvmRunState *s)
{
  if (s == NULL)
    return;
  g_free(s->started_at);
  g_free(s->display);
  g_free(s->reason);
  g_free(s);
}

gboolean bvm_run_state_save(const BvmPaths *paths, const BvmRunState *s, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, bvm_vm_state_to_string(s->state));
  json_builder_set_member_name(b, "monitorPid");
  json_builder_add_int_value(b, s->monitor_pid);
  json_builder_set_member_name(b, "qemuPid");
  json_builder_add_int_value(b, s->qemu_pid);
  json_builder_set_member_name(b, "swtpmPid");
  json_builder_add_int_value(b, s->swtpm_pid);
  json_builder_set_member_name(b, "startedAt");
  json_builder_add_string_value(b, s->started_at ? s->started_at : "");
  json_builder_set_member_name(b, "display");
  json_builder_add_string_value(b, s->display ? s->display : "none");
  if (s->reason != NULL) {
    json_builder_set_member_name(b, "reason");
    json_builder_add_string_value(b, s->reason);
  }
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, TRUE);
  return bvm_file_write_atomic(paths->state, text, -1, 0600, error);
}

BvmRunState *bvm_run_state_load(const BvmPaths *paths, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(paths->state, &data, &len, NULL)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND, "no run state at %s", paths->state);
    return NULL;
  }
  g_autoptr(JsonParser) parser = json_parser_new();
  if (len > 65536 || !json_parser_load_from_data(parser, data, (gssize)len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "%s is not a run state", paths->state);
    return NULL;
  }
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  BvmRunState *s = g_new0(BvmRunState, 1);
  if (!bvm_vm_state_from_string(json_object_get_string_member_with_default(o, "state", ""),
                                &s->state))
    s->state = BVM_VM_STARTING;
  s->monitor_pid = (int)json_object_get_int_member_with_default(o, "monitorPid", 0);
  s->qemu_pid = (int)json_object_get_int_member_with_default(o, "qemuPid", 0);
  s->swtpm_pid = (int)json_object_get_int_member_with_default(o, "swtpmPid", 0);
  s->started_at = g_strdup(json_object_get_string_member_with_default(o, "startedAt", ""));
  s->display = g_strdup(json_object_get_string_member_with_default(o, "display", "none"));
  s->reason = g_strdup(json_object_get_string_member_with_default(o, "reason", NULL));
  return s;
}

void bvm_vm_status_clear(BvmVmStatus *st)
{
  g_clear_pointer(&st->display, g_free);
  g_clear_pointer(&st->reason, g_free);
}

static gint64 seconds_since(const char *iso)
{
  if (iso == NULL || *iso == '\0')
    return -1;
  g_autoptr(GDateTime) then = g_date_time_new_from_iso8601(iso, NULL);
  if (then == NULL)
    return -1;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  return g_date_time_difference(now, then) / G_TIME_SPAN_SECOND;
}

/* The bundle lock is free, yet run/ is still there: whoever ran the VM died
 * without cleaning up. Hold the lock while tidying so no start races us. */
static gboolean reconcile(BvmConfig *config, const BvmPaths *paths)
{
  int lock = bvm_bundle_lock(paths, NULL);
  if (lock < 0)
    return FALSE;
  g_autoptr(BvmRunState) rs = bvm_run_state_load(paths, NULL);
  gboolean qemu_alive = FALSE;
  if (rs != NULL) {
    /* swtpm's command line names this VM's state alias in its run dir; QEMU's the VM id. */
    if (bvm_pid_matches(rs->swtpm_pid, paths->tpm_alias))
      kill(rs->swtpm_pid, SIGKILL);
    qemu_alive = bvm_pid_matches(rs->qemu_pid, config->id);
    if (qemu_alive)
      kill(rs->qemu_pid, SIGKILL);
  }
  (void)bvm_remove_tree(paths->run_dir, NULL);
  if (rs != NULL) {
    bvm_config_set_last_exit(config, BVM_EXIT_KIND_CRASH,
                             qemu_alive ? "BridgeVM's monitor vanished; QEMU was ended"
                                        : "the VM ended with its monitor (host crash?)",
                             -1, 0);
    (void)bvm_config_save(config, paths->bundle, NULL);
  }
  close(lock);
  return rs != NULL;
}

BvmVmState bvm_vm_state_when_stopped(const BvmConfig *config)
{
  gboolean crashed = config->last_exit != NULL && (config->last_exit->kind == BVM_EXIT_KIND_CRASH ||
                                                   config->last_exit->kind == BVM_EXIT_KIND_FAILED);
  return crashed ? BVM_VM_CRASHED : BVM_VM_STOPPED;
}

gboolean bvm_state_reconcile(BvmConfig *config, const BvmPaths *paths)
{
  /* No run dir: nothing runs and nothing is left to reconcile; one access()
   * keeps `list` over a large library cheap. The monitor makes run/ right
   * after taking the lock. */
  if (g_access(paths->run_dir, F_OK) != 0 || bvm_bundle_is_locked(paths))
    return FALSE;
  return reconcile(config, paths);
}

void bvm_state_get(const BvmConfig *config, const BvmPaths *paths, BvmVmStatus *out)
{
  memset(out, 0, sizeof *out);
  out->uptime_seconds = -1;
  if (g_access(paths->run_dir, F_OK) == 0 && bvm_bundle_is_locked(paths)) {
    g_autoptr(BvmRunState) rs = bvm_run_state_load(paths, NULL);
    out->state = rs ? rs->state : BVM_VM_STARTING;
    if (rs != NULL) {
      out->monitor_pid = rs->monitor_pid;
      out->qemu_pid = rs->qemu_pid;
      out->swtpm_pid = rs->swtpm_pid;
      out->display = g_strdup(rs->display);
      out->reason = g_strdup(rs->reason);
      if (rs->state != BVM_VM_STARTING)
        out->uptime_seconds = seconds_since(rs->started_at);
    }
    return;
  }
  out->state = bvm_vm_state_when_stopped(config);
}

JsonNode *bvm_vm_status_to_json(const BvmVmStatus *st, const BvmConfig *config)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "state");
  json_builder_add_string_value(b, bvm_vm_state_to_string(st->state));
  json_builder_set_member_name(b, "pid");
  if (st->qemu_pid > 0)
    json_builder_add_int_value(b, st->qemu_pid);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "monitorPid");
  if (st->monitor_pid > 0)
    json_builder_add_int_value(b, st->monitor_pid);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "uptimeSeconds");
  if (st->uptime_seconds >= 0)
    json_builder_add_int_value(b, st->uptime_seconds);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "display");
  if (st->display != NULL)
    json_builder_add_string_value(b, st->display);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "reason");
  if (st->reason != NULL)
    json_builder_add_string_value(b, st->reason);
  else
    json_builder_add_null_value(b);
  json_builder_end_object(b);
  JsonNode *node = json_builder_get_root(b);
  if (config != NULL && config->last_exit != NULL) {
    g_autoptr(JsonNode) cfg = bvm_config_to_json(config);
    JsonNode *le = json_object_dup_member(json_node_get_object(cfg), "lastExit");
    json_object_set_member(json_node_get_object(node), "lastExit", le);
  } else {
    json_object_set_null_member(json_node_get_object(node), "lastExit");
  }
  return node;
}
