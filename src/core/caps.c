#include "caps.h"
#include "error.h"
#include "firmware.h"
#include "jsonfields.h"
#include "probe.h"
#include "util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <string.h>

void bvm_qemu_caps_free(BvmQemuCaps *c)
{
  if (c == NULL)
    return;
  g_free(c->binary);
  g_free(c->version);
  g_strfreev(c->accels);
  g_strfreev(c->machines);
  g_strfreev(c->displays);
  g_clear_pointer(&c->devices, g_hash_table_unref);
  g_free(c->kvm_error);
  g_free(c->gpu_blob_error);
  g_free(c);
}

void bvm_host_caps_free(BvmHostCaps *c)
{
  if (c == NULL)
    return;
  for (int i = 0; i < BVM_ARCH_N; i++)
    bvm_qemu_caps_free(c->qemu[i]);
  g_free(c);
}

gboolean bvm_qemu_caps_has_accel(const BvmQemuCaps *c, const char *accel)
{
  return c != NULL && c->accels != NULL && g_strv_contains((const char *const *)c->accels, accel);
}

gboolean bvm_qemu_caps_has_machine(const BvmQemuCaps *c, const char *machine)
{
  return c != NULL && c->machines != NULL &&
         g_strv_contains((const char *const *)c->machines, machine);
}

gboolean bvm_qemu_caps_has_display(const BvmQemuCaps *c, const char *display)
{
  return c != NULL && c->displays != NULL &&
         g_strv_contains((const char *const *)c->displays, display);
}

gboolean bvm_qemu_caps_has_device(const BvmQemuCaps *c, const char *device)
{
  return c != NULL && c->devices != NULL && g_hash_table_contains(c->devices, device);
}

gboolean bvm_qemu_caps_has_property(const BvmQemuCaps *c, const char *device, const char *prop)
{
  if (c == NULL || c->devices == NULL)
    return FALSE;
  GStrv props = g_hash_table_lookup(c->devices, device);
  return props != NULL && g_strv_contains((const char *const *)props, prop);
}

/* JSON ---------------------------------------------------------------- */

static void caps_fault(const BvmJsonFault *fault, GError **error)
{
  g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "caps: '%s' is missing or mistyped",
              fault->name);
}

static const BvmJsonReader caps_reader = {.report = caps_fault};

static int compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* device name -> its properties, an object of string arrays */
static void devices_write(JsonBuilder *b, gconstpointer base)
{
  const BvmQemuCaps *c = base;
  json_builder_begin_object(b);
  /* Sorted, so a recorded fixture diffs cleanly. */
  g_autoptr(GPtrArray) names = g_ptr_array_new();
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, c->devices);
  while (g_hash_table_iter_next(&it, &key, NULL))
    g_ptr_array_add(names, key);
  g_ptr_array_sort(names, compare_strings);
  for (guint i = 0; i < names->len; i++) {
    json_builder_set_member_name(b, names->pdata[i]);
    json_builder_begin_array(b);
    for (char **p = g_hash_table_lookup(c->devices, names->pdata[i]); p && *p; p++)
      json_builder_add_string_value(b, *p);
    json_builder_end_array(b);
  }
  json_builder_end_object(b);
}

static gboolean devices_read(const BvmJsonReader *r, JsonObject *o, const char *key, gpointer base,
                             GError **error)
{
  BvmQemuCaps *c = base;
  JsonObject *devs = NULL;
  if (!bvm_jsonread_object(r, o, key, TRUE, &devs, error))
    return FALSE;
  g_autoptr(GList) names = json_object_get_members(devs);
  for (GList *l = names; l; l = l->next) {
    GStrv props = NULL;
    if (!bvm_jsonread_strv(r, devs, l->data, TRUE, &props, error))
      return FALSE;
    g_hash_table_insert(c->devices, g_strdup(l->data), props);
  }
  return TRUE;
}

#define QEMU(member) offsetof(BvmQemuCaps, member)

/* One QEMU binary's caps, in the order they are written. */
static const BvmJsonField qemu_fields[] = {
    {"binary", BVM_FIELD_STRING, QEMU(binary), BVM_FIELD_REQUIRED},
    {"version", BVM_FIELD_STRING, QEMU(version), BVM_FIELD_REQUIRED},
    {"accels", BVM_FIELD_STRV, QEMU(accels), BVM_FIELD_REQUIRED},
    {"machines", BVM_FIELD_STRV, QEMU(machines), BVM_FIELD_REQUIRED},
    {"displays", BVM_FIELD_STRV, QEMU(displays), BVM_FIELD_REQUIRED},
    {"sandbox", BVM_FIELD_BOOL, QEMU(sandbox), BVM_FIELD_REQUIRED},
    /* optional: absent in caps recorded before the KVM check */
    {"kvmChecked", BVM_FIELD_BOOL, QEMU(kvm_checked), BVM_FIELD_OMIT_UNSET},
    {"kvmError", BVM_FIELD_STRING, QEMU(kvm_error), BVM_FIELD_OMIT_UNSET},
    /* optional: absent in caps recorded before the blob probe */
    {"gpuBlob", BVM_FIELD_BOOL, QEMU(gpu_blob), BVM_FIELD_SEEN, .seen = QEMU(gpu_blob_checked)},
    {"gpuBlobError", BVM_FIELD_STRING, QEMU(gpu_blob_error), BVM_FIELD_OMIT_UNSET},
    {"devices", BVM_FIELD_CUSTOM, .write = devices_write, .read = devices_read},
    {NULL},
};

static BvmQemuCaps *qemu_from_json(JsonObject *o, BvmArch arch, GError **error)
{
  g_autoptr(BvmQemuCaps) c = g_new0(BvmQemuCaps, 1);
  c->arch = arch;
  c->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  if (!bvm_jsonfields_read(qemu_fields, &caps_reader, o, c, error))
    return NULL;
  c->version_code = bvm_caps_parse_version_code(c->version);
  return g_steal_pointer(&c);
}

/* arch -> the caps of its QEMU, null where none is installed */
static void qemus_write(JsonBuilder *b, gconstpointer base)
{
  const BvmHostCaps *c = base;
  json_builder_begin_object(b);
  for (int i = 0; i < BVM_ARCH_N; i++) {
    json_builder_set_member_name(b, bvm_arch_to_string((BvmArch)i));
    if (c->qemu[i] != NULL)
      bvm_jsonfields_write(qemu_fields, c->qemu[i], b);
    else
      json_builder_add_null_value(b);
  }
  json_builder_end_object(b);
}

static gboolean qemus_read(const BvmJsonReader *r, JsonObject *o, const char *key, gpointer base,
                           GError **error)
{
  BvmHostCaps *c = base;
  JsonNode *qn = json_object_get_member(o, key);
  if (qn == NULL || !JSON_NODE_HOLDS_OBJECT(qn))
    return TRUE;
  JsonObject *q = json_node_get_object(qn);
  for (int i = 0; i < BVM_ARCH_N; i++) {
    const char *arch = bvm_arch_to_string((BvmArch)i);
    JsonNode *an = json_object_get_member(q, arch);
    JsonObject *ao = NULL;
    if (an == NULL || JSON_NODE_HOLDS_NULL(an))
      continue;
    if (!bvm_jsonread_object(r, q, arch, TRUE, &ao, error))
      return FALSE;
    c->qemu[i] = qemu_from_json(ao, (BvmArch)i, error);
    if (c->qemu[i] == NULL) {
      g_prefix_error(error, "qemu.%s: ", arch);
      return FALSE;
    }
  }
  return TRUE;
}

#define HOST(member) offsetof(BvmHostCaps, host.member)
G_STATIC_ASSERT(sizeof(BvmHostOs) == sizeof(guint));

static const BvmJsonField host_fields[] = {
    {"os", BVM_FIELD_WORD, HOST(os), BVM_FIELD_REQUIRED, .words = &bvm_host_os_words},
    {"arch", BVM_FIELD_WORD, HOST(arch), BVM_FIELD_REQUIRED, .words = &bvm_arch_words},
    {"cores", BVM_FIELD_UINT, HOST(cores), BVM_FIELD_REQUIRED, 0, G_MAXINT64},
    {"memoryMiB", BVM_FIELD_UINT64, HOST(memory_mib), BVM_FIELD_REQUIRED, 0, G_MAXINT64},
    {"kvm", BVM_FIELD_BOOL, HOST(kvm), BVM_FIELD_REQUIRED},
    {"hvf", BVM_FIELD_BOOL, HOST(hvf), BVM_FIELD_REQUIRED},
    {"udmabuf", BVM_FIELD_BOOL, HOST(udmabuf), BVM_FIELD_REQUIRED},
    {"desktop", BVM_FIELD_BOOL, HOST(desktop), BVM_FIELD_REQUIRED},
    {NULL},
};

static const BvmJsonField host_caps_fields[] = {
    {"host", BVM_FIELD_OBJECT, .flags = BVM_FIELD_REQUIRED, .fields = host_fields},
    {"qemu", BVM_FIELD_CUSTOM, .write = qemus_write, .read = qemus_read},
    {NULL},
};

JsonNode *bvm_host_caps_to_json(const BvmHostCaps *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  bvm_jsonfields_write(host_caps_fields, c, b);
  return json_builder_get_root(b);
}

BvmHostCaps *bvm_host_caps_from_json(JsonNode *node, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "caps: not a JSON object");
    return NULL;
  }
  g_autoptr(BvmHostCaps) c = g_new0(BvmHostCaps, 1);
  if (!bvm_jsonfields_read(host_caps_fields, &caps_reader, json_node_get_object(node), c, error))
    return NULL;
  return g_steal_pointer(&c);
}

BvmHostCaps *bvm_host_caps_load_file(const char *path, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  if (!json_parser_load_from_file(parser, path, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "cannot read caps %s: %s", path,
                local->message);
    return NULL;
  }
  BvmHostCaps *c = bvm_host_caps_from_json(json_parser_get_root(parser), error);
  if (c == NULL)
    g_prefix_error(error, "%s: ", path);
  return c;
}

/* Probing ----------------------------------------------------------------- */

static char *run_help(const char *binary, const char *option, GError **error)
{
  const char *argv[] = {binary, option, "help", NULL};
  char *out = NULL;
  if (!bvm_run_tool(argv, NULL, &out, error))
    return NULL;
  return out;
}

/* All the rest comes from one QEMU process asked over QMP on stdio: one
 * spawn instead of one per device keeps the probe well under a second. */
static gboolean probe_qmp(BvmQemuCaps *c, GError **error)
{
  g_autofree char *in = bvm_caps_parse_qmp_input();
  const char *argv[] = {c->binary, "-machine", "none", "-nodefaults", "-display", "none",
                        "-accel",  "tcg",      "-qmp", "stdio",       NULL};
  g_autoptr(GError) local = NULL;
  g_autoptr(GSubprocess) p =
      g_subprocess_newv(argv,
                        G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        &local);
  g_autofree char *out = NULL;
  if (p == NULL || !g_subprocess_communicate_utf8(p, in, NULL, &out, NULL, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "cannot probe the capabilities of %s over QMP: %s", c->binary, local->message);
    return FALSE;
  }
  return bvm_caps_parse_qmp(c, out, error);
}

const char *bvm_caps_gpu_device(BvmArch arch)
{
  return arch == BVM_ARCH_AARCH64 ? "virtio-gpu-pci" : "virtio-vga";
}

/* Boot the firmware a VM of this arch would get (plain, no Secure Boot)
 * under KVM: SeaBIOS or a bare vCPU can run where OVMF cannot. */
static void probe_kvm(BvmQemuCaps *c)
{
  c->kvm_checked = TRUE;
  g_auto(GStrv) dirs = bvm_firmware_default_dirs();
  g_autoptr(GPtrArray) list = bvm_firmware_discover((const char *const *)dirs, NULL);
  g_autoptr(BvmFirmware) fw =
      list ? bvm_firmware_select(list, c->arch, c->arch == BVM_ARCH_AARCH64 ? "virt" : "q35", FALSE,
                                 FALSE, NULL)
           : NULL;
  c->kvm_error =
      bvm_probe_kvm(c->binary, c->arch, fw ? fw->code : NULL, fw ? fw->vars_template : NULL);
}

static void probe_gpu_blob(BvmQemuCaps *c)
{
  const char *gpu = bvm_caps_gpu_device(c->arch);
  if (!bvm_qemu_caps_has_property(c, gpu, "blob"))
    return;
  c->gpu_blob_checked = TRUE;
  c->gpu_blob_error = bvm_probe_gpu_blob(c->binary, c->arch, gpu);
  c->gpu_blob = c->gpu_blob_error == NULL;
}

gboolean bvm_accel_from_env(BvmAccel *out_accel, gboolean *out_set, GError **error)
{
  const char *word = g_getenv("BRIDGEVM_ACCEL");
  if (word == NULL || *word == '\0')
    return TRUE;
  if (!bvm_accel_from_string(word, out_accel)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "BRIDGEVM_ACCEL is '%s'; it must be auto, kvm, hvf or tcg (or unset)", word);
    return FALSE;
  }
  *out_set = TRUE;
  return TRUE;
}

gboolean bvm_host_caps_kvm_usable(const BvmHostCaps *caps, const BvmQemuCaps *q)
{
  return caps->host.os == BVM_HOST_OS_LINUX && caps->host.kvm && q != NULL &&
         q->arch == caps->host.arch && bvm_qemu_caps_has_accel(q, "kvm") && q->kvm_error == NULL;
}

BvmQemuCaps *bvm_qemu_caps_probe(const char *binary, BvmArch arch, GError **error)
{
  g_autoptr(BvmQemuCaps) c = g_new0(BvmQemuCaps, 1);
  c->binary = g_strdup(binary);
  c->arch = arch;
  c->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  g_autofree char *accels = run_help(binary, "-accel", error);
  if (accels == NULL)
    return NULL;
  c->accels = bvm_caps_parse_help_list(accels);
  g_autofree char *displays = run_help(binary, "-display", error);
  if (displays == NULL)
    return NULL;
  c->displays = bvm_caps_parse_help_list(displays);
  if (!probe_qmp(c, error))
    return NULL;
  probe_gpu_blob(c);
  BvmHostInfo host;
  bvm_host_info_probe(&host);
  if (host.os == BVM_HOST_OS_LINUX && host.kvm && host.arch == arch &&
      bvm_qemu_caps_has_accel(c, "kvm"))
    probe_kvm(c);
  return g_steal_pointer(&c);
}

/* The cache ---------------------------------------------------------------- */

/* The binary's path, size and mtime, and the mtime of QEMU's module dirs:
 * installing a module package (qemu-system-gui brings -display gtk) changes
 * what the same binary can do. */
static char *cache_key(const char *binary)
{
  GStatBuf st;
  if (g_stat(binary, &st) != 0)
    return NULL;
  GString *key = g_string_new(NULL);
  /* "probe2": caps probed before the firmware and blob probes are stale */
  g_string_printf(key, "probe2:%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, binary,
                  (gint64)st.st_size, (gint64)st.st_mtime);
  g_autofree char *bindir = g_path_get_dirname(binary);
  g_autofree char *prefix = g_path_get_dirname(bindir);
  static const char *const moddirs[] = {"lib/x86_64-linux-gnu/qemu", "lib/aarch64-linux-gnu/qemu",
                                        "lib64/qemu", "lib/qemu", NULL};
  for (const char *const *m = moddirs; *m; m++) {
    g_autofree char *dir = g_build_filename(prefix, *m, NULL);
    GStatBuf ds;
    if (g_stat(dir, &ds) == 0)
      g_string_append_printf(key, ":%s@%" G_GINT64_FORMAT, *m, (gint64)ds.st_mtime);
  }
  return g_string_free(key, FALSE);
}

static BvmQemuCaps *cache_load(const char *path, const char *key, BvmArch arch)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_file(parser, path, NULL))
    return NULL;
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
    return NULL;
  JsonObject *o = json_node_get_object(root);
  if (g_strcmp0(json_object_get_string_member_with_default(o, "key", ""), key) != 0 ||
      !json_object_has_member(o, "caps") ||
      !JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "caps")))
    return NULL;
  return qemu_from_json(json_object_get_object_member(o, "caps"), arch, NULL);
}

static void cache_save(const char *path, const char *key, const BvmQemuCaps *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "key");
  json_builder_add_string_value(b, key);
  json_builder_set_member_name(b, "caps");
  bvm_jsonfields_write(qemu_fields, c, b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  g_autofree char *dir = g_path_get_dirname(path);
  g_mkdir_with_parents(dir, 0700);
  (void)bvm_file_write_atomic(path, text, -1, 0600, NULL);
}

static const char *const qemu_names[BVM_ARCH_N] = {"qemu-system-x86_64", "qemu-system-aarch64"};
static const char *const qemu_env[BVM_ARCH_N] = {"BRIDGEVM_QEMU_X86_64", "BRIDGEVM_QEMU_AARCH64"};

BvmHostCaps *bvm_host_caps_get(gboolean refresh, GError **error)
{
  g_autoptr(BvmHostCaps) caps = g_new0(BvmHostCaps, 1);
  bvm_host_info_probe(&caps->host);
  for (int i = 0; i < BVM_ARCH_N; i++) {
    g_autofree char *binary = bvm_find_tool(qemu_names[i], qemu_env[i], "", NULL);
    if (binary == NULL)
      continue;
    g_autofree char *key = cache_key(binary);
    if (key == NULL)
      continue;
    g_autofree char *name = g_strdup_printf("qemu-caps-%s.json", bvm_arch_to_string((BvmArch)i));
    g_autofree char *path = g_build_filename(g_get_user_cache_dir(), "bridgevm", name, NULL);
    if (!refresh)
      caps->qemu[i] = cache_load(path, key, (BvmArch)i);
    /* /dev/kvm appeared since the probe: try it */
    if (caps->qemu[i] != NULL && caps->host.kvm && caps->host.arch == (BvmArch)i &&
        !caps->qemu[i]->kvm_checked)
      g_clear_pointer(&caps->qemu[i], bvm_qemu_caps_free);
    if (caps->qemu[i] == NULL) {
      caps->qemu[i] = bvm_qemu_caps_probe(binary, (BvmArch)i, error);
      if (caps->qemu[i] == NULL)
        return NULL;
      cache_save(path, key, caps->qemu[i]);
    }
  }
  return g_steal_pointer(&caps);
}
