#include "config.h"
#include "error.h"
#include "registry.h"
#include "util.h"
#include "vm.h"

#include <glib/gstdio.h>

static const char *full_json =
    "{\"schemaVersion\":1,\"id\":\"0b0a4d4e-3c2f-4a43-9a1e-2d6a1f0b9c11\",\"name\":\"Win, 11\","
    "\"os\":\"windows11\",\"arch\":\"aarch64\",\"cpus\":4,\"memoryMiB\":8192,\"diskGiB\":128,"
    "\"preset\":\"recommended\",\"display\":{\"width\":2560,\"height\":1600},"
    "\"firmware\":{\"secureBoot\":true,\"enrolledKeys\":true,\"requiresSmm\":false,"
    "\"code\":\"/fw/CODE.fd\",\"varsTemplate\":\"/fw/VARS.fd\"},\"tpm\":{\"enabled\":true},"
    "\"isoPath\":\"/isos/win11.iso\",\"licenseAcceptedAt\":\"2026-11-24T00:00:00Z\","
    "\"createdAt\":\"2026-11-24T00:00:00Z\",\"startedAt\":null,\"commandVersion\":1,"
    "\"pressKeyOnBoot\":true,\"accel\":\"tcg\",\"lastExit\":{\"reason\":\"guest powered "
    "off\",\"status\":0,"
    "\"signal\":0,\"at\":\"2026-11-24T01:00:00Z\"}}";

static void test_config_parses_every_field(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data(full_json, -1, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(c->name, ==, "Win, 11");
  g_assert_cmpint(c->os, ==, BVM_OS_WINDOWS11);
  g_assert_cmpint(c->arch, ==, BVM_ARCH_AARCH64);
  g_assert_cmpuint(c->cpus, ==, 4);
  g_assert_cmpuint(c->memory_mib, ==, 8192);
  g_assert_cmpuint(c->disk_gib, ==, 128);
  g_assert_cmpint(c->preset, ==, BVM_PRESET_RECOMMENDED);
  g_assert_cmpuint(c->display_width, ==, 2560);
  g_assert_cmpuint(c->display_height, ==, 1600);
  g_assert_true(c->firmware.secure_boot);
  g_assert_true(c->firmware.enrolled_keys);
  g_assert_false(c->firmware.requires_smm);
  g_assert_cmpstr(c->firmware.code, ==, "/fw/CODE.fd");
  g_assert_cmpstr(c->firmware.vars_template, ==, "/fw/VARS.fd");
  g_assert_true(c->tpm_enabled);
  g_assert_cmpstr(c->iso_path, ==, "/isos/win11.iso");
  g_assert_null(c->started_at);
  g_assert_true(c->press_key_on_boot);
  g_assert_cmpint(c->accel, ==, BVM_ACCEL_TCG);
  g_assert_nonnull(c->last_exit);
  g_assert_cmpstr(c->last_exit->reason, ==, "guest powered off");
}

static void test_config_round_trip_is_stable(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data(full_json, -1, &error);
  g_assert_no_error(error);
  g_autofree char *once = bvm_config_to_data(c, NULL);
  g_autoptr(BvmConfig) again = bvm_config_from_data(once, -1, &error);
  g_assert_no_error(error);
  g_autofree char *twice = bvm_config_to_data(again, NULL);
  g_assert_cmpstr(once, ==, twice);
  /* camelCase keys, as the API promises */
  g_assert_nonnull(strstr(once, "\"memoryMiB\" : 8192"));
  g_assert_nonnull(strstr(once, "\"schemaVersion\" : 1"));
  g_assert_nonnull(strstr(once, "\"licenseAcceptedAt\""));
}

static void expect_error(const char *json, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data(json, -1, &error);
  g_assert_null(c);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  if (strstr(error->message, fragment) == NULL)
    g_error("message '%s' lacks '%s'", error->message, fragment);
}

static char *with(const char *from, const char *to)
{
  g_autoptr(GString) s = g_string_new(full_json);
  g_assert_cmpuint(g_string_replace(s, from, to, 1), ==, 1);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static void test_config_rejects_bad_fields_by_name(void)
{
  expect_error("[1,2]", "not a JSON object");
  expect_error("{", "invalid JSON");
  g_autofree char *a = with("\"cpus\":4", "\"cpus\":\"4\"");
  expect_error(a, "'cpus' must be an integer");
  g_autofree char *b = with("\"os\":\"windows11\"", "\"os\":\"beos\"");
  expect_error(b, "'os' is 'beos'");
  g_autofree char *c = with("\"cpus\":4", "\"cpus\":0");
  expect_error(c, "'cpus' is 0");
  g_autofree char *d = with("\"id\":\"0b0a4d4e-3c2f-4a43-9a1e-2d6a1f0b9c11\"", "\"id\":\"x\"");
  expect_error(d, "not a UUID");
  g_autofree char *e = with("\"name\":\"Win, 11\",", "");
  expect_error(e, "'name' is missing");
  g_autofree char *f = with("\"secureBoot\":true", "\"secureBoot\":1");
  expect_error(f, "'secureBoot' must be true or false");
  g_autofree char *g = with("\"accel\":\"tcg\"", "\"accel\":\"warp\"");
  expect_error(g, "'accel' is 'warp'; it must be one of auto, kvm, hvf, tcg");
}

static void test_config_refuses_newer_schema(void)
{
  g_autofree char *json = with("\"schemaVersion\":1", "\"schemaVersion\":99");
  expect_error(json, "newer than this BridgeVM understands");
}

static void test_config_save_is_atomic_and_private(void)
{
  g_autofree char *dir = g_dir_make_tmp("bvm-config-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data(full_json, -1, &error);
  g_assert_no_error(error);
  g_assert_true(bvm_config_save(c, dir, &error));
  g_assert_no_error(error);
  g_autofree char *path = g_build_filename(dir, "config.json", NULL);
  GStatBuf st;
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  /* no temp file left beside it */
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name(d) != NULL)
    n++;
  g_assert_cmpint(n, ==, 1);
  g_autoptr(BvmConfig) loaded = bvm_config_load(dir, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(loaded->id, ==, c->id);
  g_unlink(path);
  g_rmdir(dir);
}

static void test_config_load_missing_is_not_found(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_load("/nonexistent/dir", &error);
  g_assert_null(c);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND);
}

static void test_config_enum_words(void)
{
  BvmArch arch;
  g_assert_true(bvm_arch_from_string("arm64", &arch));
  g_assert_cmpint(arch, ==, BVM_ARCH_AARCH64);
  g_assert_true(bvm_arch_from_string("amd64", &arch));
  g_assert_cmpint(arch, ==, BVM_ARCH_X86_64);
  g_assert_false(bvm_arch_from_string("mips", &arch));
  for (int i = 0; i < BVM_OS_N; i++) {
    BvmOs os;
    g_assert_true(bvm_os_from_string(bvm_os_to_string((BvmOs)i), &os));
    g_assert_cmpint(os, ==, i);
  }
}

/* list's shortcut (the parsed file instead of a rebuilt tree) must show
 * exactly what a rebuild would, and never a non-canonical spelling. */
static void test_listed_json_equals_rebuilt(void)
{
  g_autofree char *lib = g_dir_make_tmp("bvm-reg-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data(full_json, -1, &error);
  g_assert_no_error(error);
  g_autofree char *a = g_build_filename(lib, "a.bridgevm", NULL);
  g_mkdir(a, 0700);
  g_assert_true(bvm_config_save(c, a, &error));
  /* b: hand-written, with an alias spelling of the arch */
  g_autofree char *b = g_build_filename(lib, "b.bridgevm", NULL);
  g_mkdir(b, 0700);
  g_autoptr(GString) hand = g_string_new(full_json);
  g_string_replace(hand, "\"arch\":\"aarch64\"", "\"arch\":\"arm64\"", 1);
  g_string_replace(hand, "\"name\":\"Win, 11\"", "\"name\":\"b\"", 1);
  g_string_replace(hand, "\"id\":\"0b0a4d4e", "\"id\":\"1b0a4d4e", 1);
  g_autofree char *bpath = g_build_filename(b, "config.json", NULL);
  g_assert_true(g_file_set_contents(bpath, hand->str, -1, NULL));

  g_autoptr(GPtrArray) entries = bvm_registry_list(lib, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(entries->len, ==, 2);
  for (guint i = 0; i < entries->len; i++) {
    BvmVmEntry *e = entries->pdata[i];
    g_autoptr(JsonNode) rebuilt = bvm_config_to_json(e->config);
    g_autoptr(JsonNode) listed = bvm_vm_to_json(e);
    JsonObject *lo = json_node_get_object(listed);
    json_object_remove_member(lo, "path");
    json_object_remove_member(lo, "state");
    json_object_remove_member(lo, "status");
    g_autofree char *x = json_to_string(rebuilt, FALSE);
    g_autofree char *y = json_to_string(listed, FALSE);
    g_assert_cmpstr(x, ==, y);
    g_assert_nonnull(strstr(y, "\"arch\":\"aarch64\""));
  }
  bvm_remove_tree(lib, NULL);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/config/parses-every-field", test_config_parses_every_field);
  g_test_add_func("/config/round-trip-is-stable", test_config_round_trip_is_stable);
  g_test_add_func("/config/rejects-bad-fields-by-name", test_config_rejects_bad_fields_by_name);
  g_test_add_func("/config/refuses-newer-schema", test_config_refuses_newer_schema);
  g_test_add_func("/config/save-is-atomic-and-private", test_config_save_is_atomic_and_private);
  g_test_add_func("/config/load-missing-is-not-found", test_config_load_missing_is_not_found);
  g_test_add_func("/config/enum-words", test_config_enum_words);
  g_test_add_func("/config/listed-json-equals-rebuilt", test_listed_json_equals_rebuilt);
  return g_test_run();
}
