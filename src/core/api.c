#include "api.h"
#include "bundle.h"
#include "caps.h"
#include "clone.h"
#include "create.h"
#include "deps.h"
#include "disk.h"
#include "doctor.h"
#include "error.h"
#include "express.h"
#include "guest_agent.h"
#include "jsonread.h"
#include "library.h"
#include "libvirt_xml.h"
#include "logs.h"
#include "media.h"
#include "presets.h"
#include "qemu_cmd.h"
#include "registry.h"
#include "screen.h"
#include "sharing.h"
#include "snapshot_vm.h"
#include "state.h"
#include "update.h"
#include "util.h"
#include "validate.h"
#include "vm.h"

#include <string.h>

struct BvmApi {
  char *library;
  char *monitor_binary;
};

/* The progress sink of the call running on this thread (calls run on
 * several threads at once in serve). */
static _Thread_local struct {
  BvmApiProgressFunc func;
  gpointer data;
} progress_sink;

static void report(const char *step, gpointer unused)
{
  if (progress_sink.func != NULL)
    progress_sink.func(step, progress_sink.data);
}

char *bvm_api_progress_line(const char *step)
{
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), json_object_new());
  JsonObject *progress = json_object_new();
  json_object_set_string_member(progress, "step", step);
  json_object_set_object_member(json_node_get_object(node), "progress", progress);
  g_autofree char *text = json_to_string(node, FALSE);
  return g_strconcat(text, "\n", NULL);
}

char *bvm_api_final_line(JsonNode *result, const GError *error)
{
  g_autoptr(JsonNode) node = NULL;
  if (result != NULL) {
    node = json_node_init_object(json_node_alloc(), json_object_new());
    json_object_set_member(json_node_get_object(node), "result", json_node_ref(result));
  } else {
    node = bvm_api_error_to_json(error);
  }
  g_autofree char *text = json_to_string(node, FALSE);
  return g_strconcat(text, "\n", NULL);
}

BvmApi *bvm_api_new(const char *library, const char *monitor_binary)
{
  BvmApi *api = g_new0(BvmApi, 1);
  api->library = g_strdup(library);
  api->monitor_binary = g_strdup(monitor_binary);
  return api;
}

void bvm_api_free(BvmApi *api)
{
  if (api == NULL)
    return;
  g_free(api->library);
  g_free(api->monitor_binary);
  g_free(api);
}

JsonNode *bvm_api_error_to_json(const GError *error)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "error");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "code");
  json_builder_add_string_value(
      b, error->domain == BVM_ERROR ? bvm_error_code_name((BvmErrorCode)error->code) : "failed");
  json_builder_set_member_name(b, "message");
  json_builder_add_string_value(b, error->message);
  json_builder_end_object(b);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

/* Parameters ------------------------------------------------------------ */

/* What a parameter must be, for its error: "parameter 'cpus' must be a
 * whole number from 1 to 1024". */
static char *param_want(const BvmJsonFault *f)
{
  switch (f->kind) {
  case BVM_JSON_INT:
    return g_strdup_printf("a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, f->min,
                           f->max);
  case BVM_JSON_BOOL:
    return g_strdup("true or false");
  case BVM_JSON_OBJECT:
    return g_strdup("an object");
  case BVM_JSON_STRV:
    return g_strdup("a list of strings");
  case BVM_JSON_WORD:
    if (f->problem == BVM_JSON_UNKNOWN_WORD)
      return bvm_jsonread_words_join(f->words, " or ");
    break;
  case BVM_JSON_STRING:
    break;
  }
  return g_strdup("a string");
}

static void param_fault(const BvmJsonFault *f, GError **error)
{
  g_autofree char *want = param_want(f);
  if (f->problem == BVM_JSON_MISSING)
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "parameter '%s' must be given (%s)",
                f->name, want);
  else
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "parameter '%s' must be %s", f->name,
                want);
}

/* A null parameter is one not given. */
static const BvmJsonReader param_reader = {.report = param_fault, .null_is_absent = TRUE};

/* Each: @out untouched when the parameter is absent (or null) and not
 * required. */
static gboolean param_string(JsonObject *p, const char *key, gboolean required, const char **out,
                             GError **error)
{
  return bvm_jsonread_string(&param_reader, p, key, required, out, error);
}

static gboolean param_uint(JsonObject *p, const char *key, guint64 max, guint64 *out,
                           GError **error)
{
  gint64 v = (gint64)*out;
  if (!bvm_jsonread_int(&param_reader, p, key, FALSE, 1, (gint64)max, &v, error))
    return FALSE;
  *out = (guint64)v;
  return TRUE;
}

static gboolean param_bool(JsonObject *p, const char *key, gboolean *out, GError **error)
{
  return bvm_jsonread_bool(&param_reader, p, key, FALSE, out, error);
}

/* An enum's word; *out_set (optional) TRUE when given. */
static gboolean param_word(JsonObject *p, const char *key, const BvmJsonWords *words, guint *out,
                           gboolean *out_set, GError **error)
{
  if (!bvm_jsonread_word(&param_reader, p, key, FALSE, words, out, error))
    return FALSE;
  if (out_set != NULL && bvm_jsonread_has(&param_reader, p, key))
    *out_set = TRUE;
  return TRUE;
}

static BvmVmEntry *param_vm(BvmApi *api, JsonObject *p, GError **error)
{
  const char *query = NULL;
  if (!param_string(p, "vm", TRUE, &query, error))
    return NULL;
  return bvm_registry_find(api->library, query, error);
}

/* param_vm, and the paths of the VM's bundle in @out_paths. */
static BvmVmEntry *param_vm_paths(BvmApi *api, JsonObject *p, BvmPaths **out_paths, GError **error)
{
  BvmVmEntry *e = param_vm(api, p, error);
  if (e != NULL)
    *out_paths = bvm_paths_new(e->path, e->config->id);
  return e;
}

static JsonNode *object_of(const char *key, JsonNode *value)
{
  JsonNode *node = json_node_new(JSON_NODE_OBJECT);
  JsonObject *o = json_object_new();
  json_object_set_member(o, key, value);
  json_node_take_object(node, o);
  return node;
}

static JsonNode *status_json(BvmVmEntry *e)
{
  g_autoptr(BvmConfig) fresh = bvm_config_load(e->path, NULL);
  BvmConfig *c = fresh ? fresh : e->config;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, c->id);
  g_auto(BvmVmStatus) st = {0};
  bvm_state_reconcile(c, paths);
  bvm_state_get(c, paths, &st);
  JsonNode *node = bvm_vm_status_to_json(&st, c);
  json_object_set_string_member(json_node_get_object(node), "name", c->name);
  json_object_set_string_member(json_node_get_object(node), "id", c->id);
  return node;
}

/* Operations ------------------------------------------------------------- */

static JsonNode *op_list_vms(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(GPtrArray) entries = bvm_registry_list(api->library, error);
  if (entries == NULL)
    return NULL;
  JsonArray *a = json_array_sized_new(entries->len);
  for (guint i = 0; i < entries->len; i++) {
    bvm_vm_reconcile(entries->pdata[i]);
    json_array_add_element(a, bvm_vm_to_json(entries->pdata[i]));
  }
  JsonNode *node = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(node, a);
  return node;
}

static JsonNode *op_show_vm(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL)
    return NULL;
  bvm_vm_reconcile(e);
  JsonNode *node = bvm_vm_to_json(e);
  /* the disk's capacity and what it holds on the host (snapshots included) */
  g_autofree char *disk = g_build_filename(e->path, "disk.qcow2", NULL);
  guint64 capacity = 0, allocated = 0;
  if (JSON_NODE_HOLDS_OBJECT(node) && bvm_disk_info(disk, &capacity, &allocated, NULL)) {
    JsonObject *usage = json_object_new();
    json_object_set_int_member(usage, "capacityBytes", (gint64)capacity);
    json_object_set_int_member(usage, "allocatedBytes", (gint64)allocated);
    json_object_set_object_member(json_node_get_object(node), "diskUsage", usage);
    /* each snapshot's time, consistency and the space it holds */
    g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
    JsonNode *snapshots = bvm_snapshot_vm_list_json(paths, NULL);
    if (snapshots != NULL)
      json_object_set_member(json_node_get_object(node), "snapshots", snapshots);
  }
  return node;
}

/* The bounds of the types only: validate.c answers a value out of range
 * with this host's limits ("4096 vCPUs is out of range: this host allows 1
 * to 2"), and every size the CLI's flags give (bytes in a guint64) gets
 * that answer too. */
#define MAX_CPUS G_MAXINT32
#define MAX_MEMORY_MIB (G_MAXUINT64 >> 20)
#define MAX_DISK_GIB (G_MAXUINT64 >> 30)

/* The driver CD and the express install (express.h): on by default when a
 * user name is given. The password comes as a file the server can read
 * (the CLI) or as text (the wizard); neither is kept or logged. */
static gboolean express_request(JsonObject *p, BvmCreateRequest *req, GError **error)
{
  BvmExpressRequest *x = &req->express;
  if (!param_string(p, "driversIsoPath", FALSE, &req->drivers_iso_path, error) ||
      !param_string(p, "user", FALSE, &x->user, error) ||
      !param_string(p, "passwordFile", FALSE, &x->password_file, error) ||
      !param_string(p, "password", FALSE, &x->password, error) ||
      !param_string(p, "locale", FALSE, &x->locale, error) ||
      !param_string(p, "timezone", FALSE, &x->timezone, error))
    return FALSE;
  x->express = x->user != NULL;
  return param_bool(p, "express", &x->express, error);
}

/* The create request from API params: the same fields as the CLI flags. */
static gboolean create_request(JsonObject *p, BvmCreateRequest *req, GError **error)
{
  guint os = BVM_OS_LINUX, arch = 0, preset = 0, accel = BVM_ACCEL_AUTO;
  guint64 cpus = 0, mem = 0, disk = 0, w = 0, h = 0;
  if (!param_string(p, "name", TRUE, &req->name, error) ||
      !param_string(p, "isoPath", TRUE, &req->iso_path, error) ||
      !param_word(p, "os", &bvm_os_words, &os, &req->os_set, error) ||
      !param_word(p, "arch", &bvm_arch_words, &arch, &req->arch_set, error) ||
      !param_word(p, "preset", &bvm_preset_choice_words, &preset, &req->preset_set, error) ||
      !param_word(p, "accel", &bvm_accel_words, &accel, NULL, error) ||
      !param_uint(p, "cpus", MAX_CPUS, &cpus, error) ||
      !param_uint(p, "memoryMiB", MAX_MEMORY_MIB, &mem, error) ||
      !param_uint(p, "diskGiB", MAX_DISK_GIB, &disk, error) ||
      !param_uint(p, "width", 16384, &w, error) || !param_uint(p, "height", 16384, &h, error) ||
      !param_bool(p, "acceptLicense", &req->accept_license, error))
    return FALSE;
  if (p != NULL && json_object_has_member(p, "tpm")) {
    if (!param_bool(p, "tpm", &req->tpm, error))
      return FALSE;
    req->tpm_set = TRUE;
  }
  if (p != NULL && json_object_has_member(p, "secureBoot")) {
    if (!param_bool(p, "secureBoot", &req->secure_boot, error))
      return FALSE;
    req->secure_boot_set = TRUE;
  }
  req->os = (BvmOs)os;
  req->arch = (BvmArch)arch;
  req->preset = (BvmPreset)preset;
  req->cpus = (guint)cpus;
  req->memory_mib = mem;
  req->disk_gib = disk;
  req->width = (guint)w;
  req->height = (guint)h;
  req->accel = (BvmAccel)accel;
  return express_request(p, req, error);
}

static JsonNode *op_create_vm(BvmApi *api, JsonObject *p, GError **error)
{
  BvmCreateRequest req = {0};
  if (!create_request(p, &req, error))
    return NULL;
  BvmHostInfo host;
  bvm_host_info_probe(&host);
  g_autofree char *path = NULL, *notices = NULL;
  g_autoptr(BvmConfig) c =
      bvm_create_vm(api->library, &req, &host, NULL, report, NULL, &path, &notices, error);
  if (c == NULL)
    return NULL;
  BvmVmEntry entry = {.path = path, .config = c};
  JsonNode *node = bvm_vm_to_json(&entry);
  if (notices != NULL)
    json_object_set_string_member(json_node_get_object(node), "notice", notices);
  return node;
}

/* What createVm would make, without making it: the config and the exact
 * QEMU command with its reasons (the wizard's review step). */
static JsonNode *op_plan_vm(BvmApi *api, JsonObject *p, GError **error)
{
  guint display = BVM_DISPLAY_VNC;
  BvmCreateRequest req = {0};
  if (!create_request(p, &req, error) ||
      !param_word(p, "display", &bvm_display_mode_words, &display, NULL, error))
    return NULL;
  BvmHostInfo host;
  bvm_host_info_probe(&host);
  g_autofree char *notices = NULL;
  g_autoptr(BvmConfig) c = bvm_create_plan(&req, &host, NULL, &notices, error);
  if (c == NULL)
    return NULL;
  g_autoptr(GPtrArray) all = bvm_registry_list(api->library, error);
  if (all == NULL)
    return NULL;
  if (bvm_registry_find_name(all, c->name) != NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                "a VM named '%s' already exists (names ignore case): pick another name", c->name);
    return NULL;
  }
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(FALSE, error);
  if (caps == NULL)
    return NULL;
  g_autofree char *path = bvm_registry_bundle_path(api->library, c->name);
  g_autoptr(BvmPaths) paths = bvm_paths_new(path, c->id);
  /* An express VM's first start carries the answer CD: the review shows it. */
  g_autofree char *answer_iso = req.express.express ? bvm_express_iso_path(path) : NULL;
  BvmCmdOptions opts = {.display = (BvmDisplayMode)display, .answer_iso = answer_iso};
  if (!bvm_accel_from_env(&opts.accel, &opts.accel_override, error))
    return NULL;
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(c, caps, paths, &opts, error);
  if (cmd == NULL)
    return NULL;
  JsonNode *node = json_node_init_object(json_node_alloc(), json_object_new());
  JsonObject *o = json_node_get_object(node);
  json_object_set_member(o, "vm", bvm_config_to_json(c));
  json_object_set_member(o, "command", bvm_command_to_json(cmd));
  if (notices != NULL)
    json_object_set_string_member(o, "notice", notices);
  else
    json_object_set_null_member(o, "notice");
  return node;
}

static JsonNode *op_update_vm(BvmApi *api, JsonObject *p, GError **error)
{
  BvmUpdateRequest req = {.press_key_on_boot = -1};
  guint64 cpus = 0, w = 0, h = 0;
  gboolean press = FALSE;
  guint accel = BVM_ACCEL_AUTO;
  if (!param_uint(p, "cpus", MAX_CPUS, &cpus, error) ||
      !param_uint(p, "memoryMiB", MAX_MEMORY_MIB, &req.memory_mib, error) ||
      !param_uint(p, "diskGiB", MAX_DISK_GIB, &req.disk_gib, error) ||
      !param_uint(p, "width", 16384, &w, error) || !param_uint(p, "height", 16384, &h, error) ||
      !param_string(p, "isoPath", FALSE, &req.iso_path, error) ||
      !param_bool(p, "eject", &req.eject, error) ||
      !param_string(p, "driversIsoPath", FALSE, &req.drivers_iso_path, error) ||
      !param_word(p, "accel", &bvm_accel_words, &accel, &req.accel_set, error))
    return NULL;
  req.accel = (BvmAccel)accel;
  if (p != NULL && json_object_has_member(p, "pressKeyOnBoot")) {
    if (!param_bool(p, "pressKeyOnBoot", &press, error))
      return NULL;
    req.press_key_on_boot = press;
  }
  req.cpus = (guint)cpus;
  req.width = (guint)w;
  req.height = (guint)h;
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL)
    return NULL;
  BvmHostInfo host;
  bvm_host_info_probe(&host);
  if (!bvm_update_vm(e, &req, &host, error))
    return NULL;
  bvm_vm_reconcile(e);
  return bvm_vm_to_json(e);
}

static JsonNode *op_delete_vm(BvmApi *api, JsonObject *p, GError **error)
{
  gboolean permanently = FALSE;
  if (!param_bool(p, "permanently", &permanently, error))
    return NULL;
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  int lock = bvm_library_lock(api->library, error);
  if (lock < 0)
    return NULL;
  gboolean ok = bvm_bundle_delete(e->config, paths, permanently, error);
  bvm_library_unlock(lock);
  if (!ok)
    return NULL;
  return object_of("deleted", json_node_init_string(json_node_alloc(), e->config->name));
}

static JsonNode *op_start_vm(BvmApi *api, JsonObject *p, GError **error)
{
  guint display = BVM_DISPLAY_AUTO;
  guint64 wait = 0;
  if (!param_word(p, "display", &bvm_display_mode_words, &display, NULL, error) ||
      !param_uint(p, "waitAgentSeconds", 3600, &wait, error))
    return NULL;
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  BvmStartOptions opts = {.display = (BvmDisplayMode)display};
  if (!bvm_sharing_check_start(e->config, paths, error))
    return NULL;
  report("starting swtpm and QEMU", NULL);
  if (!bvm_vm_start(api->monitor_binary, e->config, paths, &opts, NULL, error))
    return NULL;
  if (wait > 0) {
    report("the vCPUs run: waiting for the guest agent", NULL);
    if (!bvm_vm_wait_agent(e->config, paths, (guint)wait * 1000, error))
      return NULL;
  }
  return status_json(e);
}

static JsonNode *op_stop_vm(BvmApi *api, JsonObject *p, GError **error)
{
  guint64 timeout = 60;
  gboolean force = FALSE;
  if (!param_uint(p, "timeoutSeconds", 3600, &timeout, error) ||
      !param_bool(p, "force", &force, error))
    return NULL;
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  if (!bvm_vm_stop(e->config, paths, (guint)timeout, force, error))
    return NULL;
  return status_json(e);
}

static JsonNode *op_kill_vm(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  if (!bvm_vm_kill(e->config, paths, error))
    return NULL;
  return status_json(e);
}

static JsonNode *op_pause_vm(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  return bvm_vm_pause(e->config, paths, error) ? status_json(e) : NULL;
}

static JsonNode *op_resume_vm(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  return bvm_vm_resume(e->config, paths, error) ? status_json(e) : NULL;
}

static JsonNode *op_vm_status(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  return e ? status_json(e) : NULL;
}

static JsonNode *op_vm_command(BvmApi *api, JsonObject *p, GError **error)
{
  guint display = BVM_DISPLAY_AUTO;
  gboolean paused = FALSE;
  if (!param_word(p, "display", &bvm_display_mode_words, &display, NULL, error) ||
      !param_bool(p, "paused", &paused, error))
    return NULL;
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL)
    return NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(FALSE, error);
  if (caps == NULL)
    return NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autofree char *smbd = bvm_deps_locate("smbd");
  /* what the next start attaches: an express install's answer CD too */
  g_autofree char *answer_iso = bvm_express_pending_iso(e->path, paths->disk);
  BvmCmdOptions opts = {.display = (BvmDisplayMode)display,
                        .start_paused = paused,
                        .smbd = smbd,
                        .answer_iso = answer_iso};
  if (!bvm_accel_from_env(&opts.accel, &opts.accel_override, error))
    return NULL;
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(e->config, caps, paths, &opts, error);
  return cmd ? bvm_command_to_json(cmd) : NULL;
}

/* The VM as a libvirt domain (libvirt_xml.h), built from the same probed
 * caps as vmCommand: the accelerator is this host's. */
static JsonNode *op_export_vm(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL)
    return NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(FALSE, error);
  if (caps == NULL)
    return NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  BvmLibvirtXmlOptions opts = {0};
  g_autoptr(BvmLibvirtDomain) d = bvm_libvirt_xml_build(e->config, caps, paths, &opts, error);
  return d ? bvm_libvirt_domain_to_json(d) : NULL;
}

static JsonNode *op_vm_logs(BvmApi *api, JsonObject *p, GError **error)
{
  guint source = BVM_LOG_QEMU;
  guint64 lines = 200;
  if (!param_word(p, "source", &bvm_log_source_words, &source, NULL, error) ||
      !param_uint(p, "lines", 100000, &lines, error))
    return NULL;
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  g_autoptr(GError) local = NULL;
  goffset end = 0;
  g_autofree char *text =
      bvm_log_tail_lines(bvm_log_path(paths, (BvmLogSource)source), (guint)lines, &end, &local);
  if (text == NULL && !g_error_matches(local, BVM_ERROR, BVM_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "source");
  json_builder_add_string_value(b, bvm_log_source_to_string((BvmLogSource)source));
  json_builder_set_member_name(b, "text");
  /* logs may hold any bytes a guest printed: only valid UTF-8 goes out */
  g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
  json_builder_add_string_value(b, valid);
  json_builder_set_member_name(b, "end");
  json_builder_add_int_value(b, text != NULL ? end : 0);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

static JsonNode *op_reset_nvram(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  if (!bvm_bundle_reset_nvram(e->config, paths, error))
    return NULL;
  return object_of("reset", json_node_init_boolean(json_node_alloc(), TRUE));
}

static JsonNode *op_doctor(BvmApi *api, JsonObject *p, GError **error)
{
  gboolean refresh = FALSE;
  if (!param_bool(p, "refresh", &refresh, error))
    return NULL;
  g_autoptr(BvmDoctor) d = bvm_doctor_run(refresh, error);
  return d ? bvm_doctor_to_json(d) : NULL;
}

static JsonNode *op_presets(BvmApi *api, JsonObject *p, GError **error)
{
  BvmHostInfo host;
  bvm_host_info_probe(&host);
  return bvm_presets_to_json(&host);
}

static JsonNode *op_validate_iso(BvmApi *api, JsonObject *p, GError **error)
{
  const char *path = NULL;
  if (!param_string(p, "path", TRUE, &path, error))
    return NULL;
  g_autoptr(GError) invalid = NULL;
  (void)bvm_validate_iso(path, &invalid);
  JsonNode *node = bvm_validate_iso_result_to_json(path, invalid);
  if (invalid == NULL) {
    BvmHostInfo host;
    bvm_host_info_probe(&host);
    json_object_set_member(json_node_get_object(node), "media",
                           bvm_media_describe(path, host.arch));
  }
  return node;
}

static JsonNode *op_host_info(BvmApi *api, JsonObject *p, GError **error)
{
  BvmHostInfo h;
  bvm_host_info_probe(&h);
  g_autofree char *kvm_error = NULL;
  gboolean dev_kvm = h.kvm;
  if (h.kvm) {
    /* /dev/kvm is not enough: the (cached) caps say whether QEMU booted
     * the firmware with it */
    g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(FALSE, NULL);
    h.kvm = caps != NULL && bvm_host_caps_kvm_usable(caps, caps->qemu[h.arch]);
    if (caps != NULL && caps->qemu[h.arch] != NULL)
      kvm_error = g_strdup(caps->qemu[h.arch]->kvm_error);
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "os");
  json_builder_add_string_value(b, bvm_host_os_to_string(h.os));
  json_builder_set_member_name(b, "arch");
  json_builder_add_string_value(b, bvm_arch_to_string(h.arch));
  json_builder_set_member_name(b, "cores");
  json_builder_add_int_value(b, h.cores);
  json_builder_set_member_name(b, "memoryMiB");
  json_builder_add_int_value(b, (gint64)h.memory_mib);
  json_builder_set_member_name(b, "kvm");
  json_builder_add_boolean_value(b, h.kvm);
  json_builder_set_member_name(b, "hvf");
  json_builder_add_boolean_value(b, h.hvf);
  json_builder_set_member_name(b, "desktop");
  json_builder_add_boolean_value(b, h.desktop);
  json_builder_set_member_name(b, "kvmError");
  if (kvm_error != NULL)
    json_builder_add_string_value(b, kvm_error);
  else
    json_builder_add_null_value(b);
  /* What a VM of the host's arch may ask for besides auto (validate.c):
   * kvm where /dev/kvm is, even when the probe failed (shown, not hidden). */
  json_builder_set_member_name(b, "accels");
  json_builder_begin_array(b);
  if (h.os == BVM_HOST_OS_LINUX && dev_kvm)
    json_builder_add_string_value(b, "kvm");
  if (h.os == BVM_HOST_OS_MACOS && h.hvf)
    json_builder_add_string_value(b, "hvf");
  json_builder_add_string_value(b, "tcg");
  json_builder_end_array(b);
  /* The limits validation applies, so a form can show them. */
  json_builder_set_member_name(b, "limits");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "maxCpus");
  json_builder_add_int_value(b, h.cores);
  json_builder_set_member_name(b, "minMemoryMiB");
  json_builder_add_int_value(b, BVM_MEMORY_MIN_MIB);
  json_builder_set_member_name(b, "maxMemoryMiB");
  json_builder_add_int_value(b, (gint64)bvm_validate_memory_max_mib(&h));
  json_builder_set_member_name(b, "minDiskGiB");
  json_builder_add_int_value(b, BVM_DISK_MIN_GIB);
  json_builder_set_member_name(b, "maxDiskGiB");
  json_builder_add_int_value(b, BVM_DISK_MAX_GIB);
  /* what createVm/updateVm ask of Windows 11, so a form need not repeat it */
  json_builder_set_member_name(b, "windows11");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "minCpus");
  json_builder_add_int_value(b, BVM_WINDOWS11_MIN_CPUS);
  json_builder_set_member_name(b, "minMemoryMiB");
  json_builder_add_int_value(b, BVM_WINDOWS11_MIN_MEMORY_MIB);
  json_builder_set_member_name(b, "minDiskGiB");
  json_builder_add_int_value(b, BVM_WINDOWS11_MIN_DISK_GIB);
  json_builder_end_object(b);
  json_builder_end_object(b);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

static const char *const agent_calls[] = {"ping", "info", "osinfo", "hostname", "network"};
static const BvmJsonWords agent_call_words = {agent_calls, G_N_ELEMENTS(agent_calls), NULL};

static JsonNode *op_agent(BvmApi *api, JsonObject *p, GError **error)
{
  guint index = 0;
  guint64 timeout = 5;
  if (!bvm_jsonread_word(&param_reader, p, "call", TRUE, &agent_call_words, &index, error) ||
      !param_uint(p, "timeoutSeconds", 600, &timeout, error))
    return NULL;
  const char *call = agent_calls[index];
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  guint ms = (guint)timeout * 1000;
  g_autoptr(BvmAgent) agent = bvm_agent_connect(paths->qga_sock, ms, error);
  if (agent == NULL)
    return NULL;
  if (strcmp(call, "ping") == 0)
    return bvm_agent_ping(agent, ms, error)
               ? object_of("ok", json_node_init_boolean(json_node_alloc(), TRUE))
               : NULL;
  if (strcmp(call, "info") == 0)
    return bvm_agent_info(agent, ms, error);
  if (strcmp(call, "osinfo") == 0)
    return bvm_agent_osinfo(agent, ms, error);
  if (strcmp(call, "hostname") == 0)
    return bvm_agent_hostname(agent, ms, error);
  return bvm_agent_network(agent, ms, error);
}

static JsonNode *op_vm_screenshot(BvmApi *api, JsonObject *p, GError **error)
{
  gint64 max_age = 0;
  gboolean last_screen = FALSE, thumbnail = FALSE;
  if (!bvm_jsonread_int(&param_reader, p, "maxAgeSeconds", FALSE, 0, BVM_SCREEN_MAX_AGE_SECONDS,
                        &max_age, error) ||
      !param_bool(p, "lastScreen", &last_screen, error) ||
      !param_bool(p, "thumbnail", &thumbnail, error))
    return NULL;
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  return bvm_screen_to_json(e->config, paths, thumbnail, (guint)max_age * 1000, last_screen, error);
}

/* Port forwards and shared folders (sharing.c) --------------------------- */

static JsonNode *op_add_forward(BvmApi *api, JsonObject *p, GError **error)
{
  guint proto = BVM_FORWARD_TCP;
  gint64 host_port = 0, guest_port = 0;
  const char *bind = NULL;
  if (!param_word(p, "proto", &bvm_forward_proto_words, &proto, NULL, error) ||
      !bvm_jsonread_int(&param_reader, p, "hostPort", TRUE, 1, 65535, &host_port, error) ||
      !bvm_jsonread_int(&param_reader, p, "guestPort", TRUE, 1, 65535, &guest_port, error) ||
      !param_string(p, "bind", FALSE, &bind, error))
    return NULL;
  g_autoptr(BvmForward) f =
      bvm_forward_new((BvmForwardProto)proto, (guint)host_port, (guint)guest_port, bind);
  if (!bvm_forward_check(NULL, f, error))
    return NULL;
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL || !bvm_sharing_add_forward(api->library, e, f, error))
    return NULL;
  bvm_vm_reconcile(e);
  return bvm_vm_to_json(e);
}

static JsonNode *op_remove_forward(BvmApi *api, JsonObject *p, GError **error)
{
  guint proto = BVM_FORWARD_TCP;
  gboolean proto_set = FALSE;
  gint64 host_port = 0;
  if (!param_word(p, "proto", &bvm_forward_proto_words, &proto, &proto_set, error) ||
      !bvm_jsonread_int(&param_reader, p, "hostPort", TRUE, 1, 65535, &host_port, error))
    return NULL;
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL ||
      !bvm_sharing_remove_forward(e, (BvmForwardProto)proto, !proto_set, (guint)host_port, error))
    return NULL;
  bvm_vm_reconcile(e);
  return bvm_vm_to_json(e);
}

static JsonNode *op_add_share(BvmApi *api, JsonObject *p, GError **error)
{
  const char *path = NULL, *tag = NULL;
  gboolean ro = FALSE;
  if (!param_string(p, "path", TRUE, &path, error) || !param_string(p, "tag", FALSE, &tag, error) ||
      !param_bool(p, "readOnly", &ro, error))
    return NULL;
  /* the tag defaults as the CLI's PATH[:TAG] does */
  g_autofree char *default_tag = bvm_share_default_tag(path);
  g_autoptr(BvmShare) s = bvm_share_new(path, tag != NULL ? tag : default_tag, ro);
  if (!g_path_is_absolute(s->path)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "parameter 'path' must be an absolute directory, not '%s'", s->path);
    return NULL;
  }
  if (!bvm_share_check_tag(s->tag, error))
    return NULL;
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL || !bvm_sharing_add_share(e, s, error))
    return NULL;
  bvm_vm_reconcile(e);
  return bvm_vm_to_json(e);
}

static JsonNode *op_remove_share(BvmApi *api, JsonObject *p, GError **error)
{
  const char *tag = NULL;
  if (!param_string(p, "tag", TRUE, &tag, error))
    return NULL;
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL || !bvm_sharing_remove_share(e, tag, error))
    return NULL;
  bvm_vm_reconcile(e);
  return bvm_vm_to_json(e);
}

/* Snapshots and clones (snapshot_vm.h, clone.h) ------------------------ */

static JsonNode *op_list_snapshots(BvmApi *api, JsonObject *p, GError **error)
{
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_vm_paths(api, p, &paths, error);
  if (e == NULL)
    return NULL;
  return bvm_snapshot_vm_list_json(paths, error);
}

/* The VM and the snapshot @name of an operation on one snapshot. */
static BvmVmEntry *param_snapshot(BvmApi *api, JsonObject *p, const char **out_name,
                                  BvmPaths **out_paths, GError **error)
{
  if (!param_string(p, "name", TRUE, out_name, error))
    return NULL;
  return param_vm_paths(api, p, out_paths, error);
}

static JsonNode *op_create_snapshot(BvmApi *api, JsonObject *p, GError **error)
{
  const char *name = NULL, *description = NULL;
  g_autoptr(BvmPaths) paths = NULL;
  if (!param_string(p, "description", FALSE, &description, error))
    return NULL;
  g_autoptr(BvmVmEntry) e = param_snapshot(api, p, &name, &paths, error);
  if (e == NULL)
    return NULL;
  g_auto(BvmSnapshotTaken) taken = {0};
  if (!bvm_snapshot_vm_create(e->config, paths, name, description, report, NULL, &taken, error))
    return NULL;
  JsonNode *node = bvm_snapshot_vm_to_json(taken.snapshot);
  JsonObject *o = json_node_get_object(node);
  if (taken.snapshot->live) {
    json_object_set_int_member(o, "pausedMs", taken.paused_ms);
    json_object_set_string_member(o, "notice", BVM_SNAPSHOT_LIVE_NOTICE);
  }
  return node;
}

static JsonNode *op_revert_snapshot(BvmApi *api, JsonObject *p, GError **error)
{
  const char *name = NULL;
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_snapshot(api, p, &name, &paths, error);
  if (e == NULL || !bvm_snapshot_vm_revert(e->config, paths, name, error))
    return NULL;
  return object_of("reverted", json_node_init_string(json_node_alloc(), name));
}

static JsonNode *op_delete_snapshot(BvmApi *api, JsonObject *p, GError **error)
{
  const char *name = NULL;
  g_autoptr(BvmPaths) paths = NULL;
  g_autoptr(BvmVmEntry) e = param_snapshot(api, p, &name, &paths, error);
  if (e == NULL || !bvm_snapshot_vm_delete(e->config, paths, name, error))
    return NULL;
  return object_of("deleted", json_node_init_string(json_node_alloc(), name));
}

static JsonNode *op_clone_vm(BvmApi *api, JsonObject *p, GError **error)
{
  BvmCloneRequest req = {0};
  if (!param_string(p, "name", TRUE, &req.name, error) ||
      !param_string(p, "fromSnapshot", FALSE, &req.from_snapshot, error) ||
      !param_bool(p, "keepTpm", &req.keep_tpm, error) ||
      !param_bool(p, "noReflink", &req.no_reflink, error))
    return NULL;
  g_autoptr(BvmVmEntry) e = param_vm(api, p, error);
  if (e == NULL)
    return NULL;
  g_auto(BvmCloneResult) r = {0};
  if (!bvm_clone_vm(api->library, e, &req, report, NULL, &r, error))
    return NULL;
  BvmVmEntry entry = {.path = r.path, .config = r.config};
  JsonNode *node = bvm_vm_to_json(&entry);
  JsonObject *o = json_node_get_object(node);
  JsonObject *copy = json_object_new();
  json_object_set_string_member(copy, "method", r.method);
  json_object_set_int_member(copy, "diskBytesCopied", (gint64)r.disk_bytes_copied);
  json_object_set_int_member(copy, "sourceAllocatedBytes", (gint64)r.disk_allocated);
  json_object_set_object_member(o, "copy", copy);
  if (r.notice != NULL)
    json_object_set_string_member(o, "notice", r.notice);
  return node;
}

typedef JsonNode *(*OpFunc)(BvmApi *api, JsonObject *params, GError **error);

static const struct {
  BvmApiOp op;
  OpFunc run;
} ops[] = {
    {{"listVms", "Every VM in the library, with its state"}, op_list_vms},
    {{"showVm", "One VM by name or id prefix"}, op_show_vm},
    {{"createVm", "Create a VM from an installer ISO"}, op_create_vm},
    {{"planVm", "What createVm would make: the config and the QEMU command, nothing made"},
     op_plan_vm},
    {{"updateVm", "Change a stopped VM's resources, resolution or ISO"}, op_update_vm},
    {{"deleteVm", "Move a stopped VM to the Trash, or delete it for good"}, op_delete_vm},
    {{"startVm", "Start a VM; returns once its vCPUs run (or its agent answers)"}, op_start_vm},
    {{"stopVm", "ACPI power button, then the guest agent, then (force) QEMU ends"}, op_stop_vm},
    {{"killVm", "End a VM's QEMU at once"}, op_kill_vm},
    {{"pauseVm", "Pause a running VM's vCPUs"}, op_pause_vm},
    {{"resumeVm", "Resume a paused VM"}, op_resume_vm},
    {{"vmStatus", "State, pid, uptime, display and the last exit"}, op_vm_status},
    {{"vmCommand", "The QEMU argv with a reason per flag group"}, op_vm_command},
    {{"exportVm", "The VM as a libvirt domain XML, each choice with its reason"}, op_export_vm},
    {{"vmLogs", "The last lines of one of a VM's logs"}, op_vm_logs},
    {{"resetNvram", "Restore a stopped VM's UEFI variables from the template"}, op_reset_nvram},
    {{"doctor", "Host, accelerators, tools and firmware, with how to fix what is missing"},
     op_doctor},
    {{"presets", "The presets and how they fit this host"}, op_presets},
    {{"validateIso", "Whether a file is an installer ISO"}, op_validate_iso},
    {{"hostInfo", "This host's facts and the limits validation applies"}, op_host_info},
    {{"agent", "Ask a running VM's guest agent"}, op_agent},
    {{"vmScreenshot", "A running VM's screen as PNG (or the last one kept when it stopped)"},
     op_vm_screenshot},
    {{"addForward", "Forward a host port into a VM (live while it runs)"}, op_add_forward},
    {{"removeForward", "Stop forwarding a host port (live while it runs)"}, op_remove_forward},
    {{"addShare", "Share a host directory with a stopped VM"}, op_add_share},
    {{"removeShare", "Stop sharing a directory with a stopped VM"}, op_remove_share},
    {{"listSnapshots", "A VM's snapshots with their consistency and the space each holds"},
     op_list_snapshots},
    {{"createSnapshot", "Snapshot a VM's disk, UEFI variables and TPM, stopped or live"},
     op_create_snapshot},
    {{"revertSnapshot", "Return a stopped VM to a snapshot: disk, vars and TPM, or nothing"},
     op_revert_snapshot},
    {{"deleteSnapshot", "Delete a snapshot and free the space it holds"}, op_delete_snapshot},
    {{"cloneVm", "Copy a VM (or one of its snapshots) into a new VM with a new identity"},
     op_clone_vm},
};

#define MAX_EXTENSIONS 16
static const BvmApiExtension *extensions;
static guint n_extensions;

void bvm_api_add_extensions(const BvmApiExtension *ext, guint n)
{
  g_return_if_fail(n <= MAX_EXTENSIONS && extensions == NULL);
  extensions = ext;
  n_extensions = n;
}

void bvm_api_progress(const char *step)
{
  report(step, NULL);
}

gboolean bvm_api_param_string(JsonObject *params, const char *key, gboolean required,
                              const char **out, GError **error)
{
  return param_string(params, key, required, out, error);
}

const BvmApiOp *bvm_api_operations(guint *out_count)
{
  static BvmApiOp list[G_N_ELEMENTS(ops) + MAX_EXTENSIONS + 1];
  for (guint i = 0; i < G_N_ELEMENTS(ops); i++)
    list[i] = ops[i].op;
  for (guint i = 0; i < n_extensions; i++)
    list[G_N_ELEMENTS(ops) + i] = extensions[i].op;
  if (out_count != NULL)
    *out_count = G_N_ELEMENTS(ops) + n_extensions;
  return list;
}

JsonNode *bvm_api_call_progress(BvmApi *api, const char *op, JsonNode *params,
                                BvmApiProgressFunc progress, gpointer user_data, GError **error)
{
  progress_sink.func = progress;
  progress_sink.data = user_data;
  JsonNode *result = bvm_api_call(api, op, params, error);
  progress_sink.func = NULL;
  progress_sink.data = NULL;
  return result;
}

JsonNode *bvm_api_call(BvmApi *api, const char *op, JsonNode *params, GError **error)
{
  g_return_val_if_fail(api != NULL && op != NULL, NULL);
  if (params != NULL && !JSON_NODE_HOLDS_OBJECT(params) && !JSON_NODE_HOLDS_NULL(params)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the parameters of %s must be a JSON object", op);
    return NULL;
  }
  JsonObject *p = params && JSON_NODE_HOLDS_OBJECT(params) ? json_node_get_object(params) : NULL;
  for (guint i = 0; i < G_N_ELEMENTS(ops); i++)
    if (strcmp(ops[i].op.name, op) == 0)
      return ops[i].run(api, p, error);
  for (guint i = 0; i < n_extensions; i++)
    if (strcmp(extensions[i].op.name, op) == 0)
      return extensions[i].run(api->library, p, error);
  g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
              "no API operation '%s': see docs/api.md for the list", op);
  return NULL;
}
