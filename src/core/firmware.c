#include "firmware.h"
#include "bvm-build-config.h"
#include "error.h"

#include <glib/gstdio.h>
#include <string.h>

void bvm_firmware_free(BvmFirmware *fw)
{
  if (fw == NULL)
    return;
  g_free(fw->descriptor);
  g_free(fw->description);
  g_strfreev(fw->machines);
  g_free(fw->code);
  g_free(fw->vars_template);
  g_free(fw);
}

/* The standard dirs, lowest priority first (QEMU's docs/interop/firmware.json:
 * $XDG_CONFIG_HOME/qemu/firmware overrides /etc/qemu/firmware, which
 * overrides /usr/share/qemu/firmware). */
static GStrv standard_dirs(void)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  g_strv_builder_add(b, "/usr/share/qemu/firmware");
#ifdef __APPLE__
  /* Homebrew's QEMU ships descriptors in its own prefix. */
  g_strv_builder_add(b, "/opt/homebrew/share/qemu/firmware");
  g_strv_builder_add(b, "/usr/local/share/qemu/firmware");
#endif
  g_strv_builder_add(b, "/etc/qemu/firmware");
  g_autofree char *user = g_build_filename(g_get_user_config_dir(), "qemu", "firmware", NULL);
  g_strv_builder_add(b, user);
  return g_strv_builder_end(b);
}

#define STANDARD_MARK "std:"

GStrv bvm_firmware_default_dirs(void)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  const char *env = g_getenv("BRIDGEVM_FIRMWARE_DIR");
  if (env != NULL && *env != '\0') {
    g_auto(GStrv) parts = g_strsplit(env, ":", -1);
    for (char **p = parts; *p; p++)
      if (**p)
        g_strv_builder_add(b, *p);
  }
  const char *res = g_getenv("BRIDGEVM_RESOURCE_DIR");
  if (res != NULL && *res != '\0') {
    g_autofree char *d = g_build_filename(res, "firmware", NULL);
    g_strv_builder_add(b, d);
  }
  g_autofree char *bundled = g_build_filename(BVM_DATADIR, "firmware", NULL);
  g_strv_builder_add(b, bundled);
  /* The standard dirs are merged by file name: mark them. */
  g_auto(GStrv) std = standard_dirs();
  for (char **p = std; *p; p++) {
    g_autofree char *marked = g_strconcat(STANDARD_MARK, *p, NULL);
    g_strv_builder_add(b, marked);
  }
  return g_strv_builder_end(b);
}

static gboolean arch_from_descriptor(const char *s, BvmArch *out)
{
  if (g_strcmp0(s, "x86_64") == 0) {
    *out = BVM_ARCH_X86_64;
    return TRUE;
  }
  if (g_strcmp0(s, "aarch64") == 0) {
    *out = BVM_ARCH_AARCH64;
    return TRUE;
  }
  return FALSE;
}

static gboolean array_has_string(JsonObject *o, const char *member, const char *value)
{
  if (!json_object_has_member(o, member))
    return FALSE;
  JsonNode *n = json_object_get_member(o, member);
  if (!JSON_NODE_HOLDS_ARRAY(n))
    return FALSE;
  JsonArray *a = json_node_get_array(n);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING &&
        g_strcmp0(json_node_get_string(e), value) == 0)
      return TRUE;
  }
  return FALSE;
}

static const char *file_of(JsonObject *mapping, const char *member)
{
  if (!json_object_has_member(mapping, member))
    return NULL;
  JsonNode *n = json_object_get_member(mapping, member);
  if (!JSON_NODE_HOLDS_OBJECT(n))
    return NULL;
  return json_object_get_string_member_with_default(json_node_get_object(n), "filename", NULL);
}

/* One descriptor becomes zero or more BvmFirmware (one per target arch). */
static gboolean parse_descriptor(const char *path, GPtrArray *out, char **out_why)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_file(parser, path, &error)) {
    *out_why = g_strdup_printf("malformed JSON (%s)", error->message);
    return FALSE;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
    *out_why = g_strdup("not a JSON object");
    return FALSE;
  }
  JsonObject *o = json_node_get_object(root);
  if (!array_has_string(o, "interface-types", "uefi")) {
    *out_why = g_strdup("not UEFI firmware");
    return FALSE;
  }
  JsonObject *mapping = json_object_has_member(o, "mapping") &&
                                JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "mapping"))
                            ? json_object_get_object_member(o, "mapping")
                            : NULL;
  if (mapping == NULL ||
      g_strcmp0(json_object_get_string_member_with_default(mapping, "device", ""), "flash") != 0) {
    *out_why = g_strdup("not a flash (pflash) mapping");
    return FALSE;
  }
  const char *mode = json_object_get_string_member_with_default(mapping, "mode", "split");
  if (g_strcmp0(mode, "split") != 0) {
    *out_why = g_strdup_printf("flash mode '%s' (BridgeVM uses split code/vars)", mode);
    return FALSE;
  }
  const char *code = file_of(mapping, "executable");
  const char *vars = file_of(mapping, "nvram-template");
  if (code == NULL || vars == NULL) {
    *out_why = g_strdup("no executable or nvram-template file");
    return FALSE;
  }
  if (!g_file_test(code, G_FILE_TEST_IS_REGULAR)) {
    *out_why = g_strdup_printf("%s is missing", code);
    return FALSE;
  }
  if (!g_file_test(vars, G_FILE_TEST_IS_REGULAR)) {
    *out_why = g_strdup_printf("%s is missing", vars);
    return FALSE;
  }
  JsonNode *targets = json_object_get_member(o, "targets");
  if (targets == NULL || !JSON_NODE_HOLDS_ARRAY(targets)) {
    *out_why = g_strdup("no targets");
    return FALSE;
  }
  JsonArray *ta = json_node_get_array(targets);
  guint added = 0;
  for (guint i = 0; i < json_array_get_length(ta); i++) {
    JsonNode *tn = json_array_get_element(ta, i);
    if (!JSON_NODE_HOLDS_OBJECT(tn))
      continue;
    JsonObject *t = json_node_get_object(tn);
    BvmArch arch;
    if (!arch_from_descriptor(json_object_get_string_member_with_default(t, "architecture", ""),
                              &arch))
      continue;
    BvmFirmware *fw = g_new0(BvmFirmware, 1);
    fw->descriptor = g_strdup(path);
    fw->description = g_strdup(json_object_get_string_member_with_default(o, "description", ""));
    fw->arch = arch;
    g_autoptr(GStrvBuilder) mb = g_strv_builder_new();
    JsonNode *mn = json_object_get_member(t, "machines");
    if (mn != NULL && JSON_NODE_HOLDS_ARRAY(mn)) {
      JsonArray *ma = json_node_get_array(mn);
      for (guint j = 0; j < json_array_get_length(ma); j++) {
        JsonNode *m = json_array_get_element(ma, j);
        if (JSON_NODE_HOLDS_VALUE(m) && json_node_get_value_type(m) == G_TYPE_STRING)
          g_strv_builder_add(mb, json_node_get_string(m));
      }
    }
    fw->machines = g_strv_builder_end(mb);
    fw->code = g_strdup(code);
    fw->vars_template = g_strdup(vars);
    fw->secure_boot = array_has_string(o, "features", "secure-boot");
    fw->enrolled_keys = array_has_string(o, "features", "enrolled-keys");
    fw->requires_smm = array_has_string(o, "features", "requires-smm");
    g_ptr_array_add(out, fw);
    added++;
  }
  if (added == 0) {
    *out_why = g_strdup("no x86_64 or aarch64 target");
    return FALSE;
  }
  return TRUE;
}

static int compare_basenames(gconstpointer a, gconstpointer b)
{
  g_autofree char *ba = g_path_get_basename(*(char *const *)a);
  g_autofree char *bb = g_path_get_basename(*(char *const *)b);
  return strcmp(ba, bb);
}

static void list_json_files(const char *dir, GPtrArray *out_paths)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (d == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name(d)) != NULL)
    if (g_str_has_suffix(name, ".json"))
      g_ptr_array_add(out_paths, g_build_filename(dir, name, NULL));
}

static gboolean is_masked(const char *path)
{
  /* An empty file (or a link to /dev/null) hides the same name below it. */
  GStatBuf st;
  return g_stat(path, &st) == 0 && st.st_size == 0;
}

static void add_file(const char *path, GPtrArray *list, GPtrArray *skipped)
{
  g_autofree char *why = NULL;
  if (is_masked(path))
    return;
  if (!parse_descriptor(path, list, &why)) {
    g_autofree char *base = g_path_get_basename(path);
    g_ptr_array_add(skipped, g_strdup_printf("%s: %s", base, why));
  }
}

GPtrArray *bvm_firmware_discover_full(const char *const *dirs, GStrv *out_skipped, GError **error)
{
  g_return_val_if_fail(dirs != NULL, NULL);
  GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_firmware_free);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func(g_free);
  /* Standard dirs: a name seen in a later (higher-priority) dir replaces
   * the earlier one. */
  g_autoptr(GHashTable) by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (const char *const *d = dirs; *d; d++) {
    if (g_str_has_prefix(*d, STANDARD_MARK)) {
      g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
      list_json_files(*d + strlen(STANDARD_MARK), files);
      for (guint i = 0; i < files->len; i++)
        g_hash_table_insert(by_name, g_path_get_basename(files->pdata[i]),
                            g_strdup(files->pdata[i]));
      continue;
    }
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    list_json_files(*d, files);
    g_ptr_array_sort(files, compare_basenames);
    for (guint i = 0; i < files->len; i++)
      add_file(files->pdata[i], list, skipped);
  }
  g_autoptr(GPtrArray) merged = g_ptr_array_new();
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, by_name);
  while (g_hash_table_iter_next(&it, NULL, &value))
    g_ptr_array_add(merged, value);
  g_ptr_array_sort(merged, compare_basenames);
  for (guint i = 0; i < merged->len; i++)
    add_file(merged->pdata[i], list, skipped);

  if (out_skipped != NULL) {
    g_ptr_array_add(skipped, NULL);
    *out_skipped = (GStrv)g_ptr_array_steal(skipped, NULL);
  }
  (void)error;
  return list;
}

GPtrArray *bvm_firmware_discover(const char *const *dirs, GError **error)
{
  return bvm_firmware_discover_full(dirs, NULL, error);
}

static gboolean machine_matches(const BvmFirmware *fw, const char *machine)
{
  /* Descriptors name versioned machine types ("pc-q35-*", "virt-*"); our
   * machines are the unversioned aliases of the newest. */
  g_autofree char *versioned = g_strcmp0(machine, "q35") == 0 ? g_strdup("pc-q35-99.0")
                                                              : g_strdup_printf("%s-99.0", machine);
  for (char **m = fw->machines; m && *m; m++)
    if (g_pattern_match_simple(*m, machine) || g_pattern_match_simple(*m, versioned))
      return TRUE;
  return FALSE;
}

BvmFirmware *bvm_firmware_select(GPtrArray *list, BvmArch arch, const char *machine,
                                 gboolean secure_boot, gboolean enrolled_keys, GError **error)
{
  const BvmFirmware *fallback = NULL;
  for (guint i = 0; i < list->len; i++) {
    const BvmFirmware *fw = list->pdata[i];
    if (fw->arch != arch || !machine_matches(fw, machine))
      continue;
    if (secure_boot && !fw->secure_boot)
      continue;
    if (enrolled_keys && !fw->enrolled_keys)
      continue;
    if (!secure_boot && fw->secure_boot) {
      /* Usable (secure boot can stay off with empty keys), but a plain
       * build boots faster under TCG and needs no SMM. */
      if (fallback == NULL && !fw->enrolled_keys)
        fallback = fw;
      continue;
    }
    fallback = fw;
    break;
  }
  if (fallback == NULL) {
    const char *pkg = arch == BVM_ARCH_AARCH64 ? "qemu-efi-aarch64" : "ovmf";
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
        "no UEFI firmware for %s (%s)%s%s: install it (apt-get install -y %s; on macOS brew install qemu), or point $BRIDGEVM_FIRMWARE_DIR at QEMU firmware descriptors",
        bvm_arch_to_string(arch), machine, secure_boot ? " with Secure Boot" : "",
        enrolled_keys ? " and Microsoft keys enrolled" : "", pkg);
    return NULL;
  }
  BvmFirmware *copy = g_new0(BvmFirmware, 1);
  copy->descriptor = g_strdup(fallback->descriptor);
  copy->description = g_strdup(fallback->description);
  copy->arch = fallback->arch;
  copy->machines = g_strdupv(fallback->machines);
  copy->code = g_strdup(fallback->code);
  copy->vars_template = g_strdup(fallback->vars_template);
  copy->secure_boot = fallback->secure_boot;
  copy->enrolled_keys = fallback->enrolled_keys;
  copy->requires_smm = fallback->requires_smm;
  return copy;
}

void bvm_firmware_to_choice(const BvmFirmware *fw, BvmFirmwareChoice *out)
{
  gboolean wanted = out->secure_boot;
  g_free(out->code);
  g_free(out->vars_template);
  out->code = g_strdup(fw->code);
  out->vars_template = g_strdup(fw->vars_template);
  out->enrolled_keys = fw->enrolled_keys;
  out->requires_smm = fw->requires_smm;
  out->secure_boot = wanted && fw->secure_boot;
}

JsonNode *bvm_firmware_to_json(const BvmFirmware *fw)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "descriptor");
  json_builder_add_string_value(b, fw->descriptor);
  json_builder_set_member_name(b, "description");
  json_builder_add_string_value(b, fw->description);
  json_builder_set_member_name(b, "arch");
  json_builder_add_string_value(b, bvm_arch_to_string(fw->arch));
  json_builder_set_member_name(b, "machines");
  json_builder_begin_array(b);
  for (char **m = fw->machines; m && *m; m++)
    json_builder_add_string_value(b, *m);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "code");
  json_builder_add_string_value(b, fw->code);
  json_builder_set_member_name(b, "varsTemplate");
  json_builder_add_string_value(b, fw->vars_template);
  json_builder_set_member_name(b, "secureBoot");
  json_builder_add_boolean_value(b, fw->secure_boot);
  json_builder_set_member_name(b, "enrolledKeys");
  json_builder_add_boolean_value(b, fw->enrolled_keys);
  json_builder_set_member_name(b, "requiresSmm");
  json_builder_add_boolean_value(b, fw->requires_smm);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}
