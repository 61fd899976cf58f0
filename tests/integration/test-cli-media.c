/* Install media recognition (libosinfo + data/osinfo) and the wrong-arch
 * refusal, through the real binary: validate-iso --json and create, on
 * ISOs made here by xorriso with real installers' volume descriptors, and
 * on real bootable ISOs from Debian packages that libosinfo does not know. */
#include "cli-harness.h"

#include <json-glib/json-glib.h>
#include <string.h>

static char *root, *library;
static char *win_a64, *win_x64, *debian;

static JsonObject *media_of(JsonNode *answer)
{
  JsonObject *o = json_node_get_object(answer);
  g_assert_true(json_object_get_boolean_member(o, "valid"));
  return json_object_get_object_member(o, "media");
}

static JsonNode *validate(const char *iso)
{
  const char *args[] = {"validate-iso", iso, "--json", NULL};
  return harness_run_json(library, args);
}

static void assert_needs(JsonObject *media, const char *member, gint64 cpus, gint64 mem,
                         gint64 disk)
{
  JsonObject *n = json_object_get_object_member(media, member);
  g_assert_nonnull(n);
  g_assert_cmpint(json_object_get_int_member(n, "cpus"), ==, cpus);
  g_assert_cmpint(json_object_get_int_member(n, "memoryMiB"), ==, mem);
  g_assert_cmpint(json_object_get_int_member(n, "diskGiB"), ==, disk);
}

static void test_windows11_arm64_media(void)
{
  g_autoptr(JsonNode) answer = validate(win_a64);
  JsonObject *m = media_of(answer);
  g_assert_true(json_object_get_boolean_member(m, "known"));
  g_assert_cmpstr(json_object_get_string_member(m, "shortId"), ==, "win11");
  g_assert_cmpstr(json_object_get_string_member(m, "name"), ==, "Windows 11 (ARM64)");
  g_assert_cmpstr(json_object_get_string_member(m, "os"), ==, "windows11");
  g_assert_cmpstr(json_object_get_string_member(m, "arch"), ==, "aarch64");
  assert_needs(m, "minimum", 2, 4096, 64);
  assert_needs(m, "recommended", 4, 8192, 128);
  g_assert_cmpstr(json_object_get_string_member(m, "preset"), ==, "recommended");
}

static void test_windows11_x64_media(void)
{
  g_autoptr(JsonNode) answer = validate(win_x64);
  JsonObject *m = media_of(answer);
  g_assert_cmpstr(json_object_get_string_member(m, "shortId"), ==, "win11");
  g_assert_cmpstr(json_object_get_string_member(m, "name"), ==, "Windows 11 (x64)");
  g_assert_cmpstr(json_object_get_string_member(m, "arch"), ==, "x86_64");
  assert_needs(m, "minimum", 2, 4096, 64);
}

static void test_debian_media(void)
{
  g_autoptr(JsonNode) answer = validate(debian);
  JsonObject *m = media_of(answer);
  g_assert_true(g_str_has_prefix(json_object_get_string_member(m, "shortId"), "debian"));
  g_assert_cmpstr(json_object_get_string_member(m, "os"), ==, "linux");
  g_assert_cmpstr(json_object_get_string_member(m, "arch"), ==, "x86_64");
  g_assert_cmpstr(json_object_get_string_member(m, "preset"), ==, "light");
  g_assert_true(json_object_get_null_member(m, "archWarning"));
}

/* Real bootable ISOs libosinfo has no entry for: accepted, as "other". */
static void test_unknown_media_are_other(gconstpointer data)
{
  const char *iso = data;
  if (!g_file_test(iso, G_FILE_TEST_IS_REGULAR)) {
    g_test_skip("the hold-out ISO is not installed: run scripts/install-deps");
    return;
  }
  g_autoptr(JsonNode) answer = validate(iso);
  JsonObject *m = media_of(answer);
  g_assert_false(json_object_get_boolean_member(m, "known"));
  g_assert_cmpstr(json_object_get_string_member(m, "os"), ==, "other");
  g_assert_true(json_object_get_null_member(m, "shortId"));
  const char *text_args[] = {"validate-iso", iso, NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, text_args);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "os other");
}

static const char *host_arch(void)
{
#if defined(__aarch64__)
  return "aarch64";
#else
  return "x86_64";
#endif
}

/* The ISO for the other architecture than this host's. */
static const char *foreign_iso(const char **out_arch)
{
  gboolean arm = strcmp(host_arch(), "aarch64") == 0;
  *out_arch = arm ? "x86_64" : "aarch64";
  return arm ? win_x64 : win_a64;
}

static void test_wrong_arch_is_refused_before_anything_is_made(void)
{
  const char *arch;
  const char *iso = foreign_iso(&arch);
  g_autoptr(JsonNode) answer = validate(iso);
  const char *warning = json_object_get_string_member(media_of(answer), "archWarning");
  g_assert_nonnull(warning);
  assert_contains(warning, "emulated");

  g_autofree char *before = harness_list_dir(library);
  g_auto(BvmRun) r = {0};
  const char *create[] = {"create", "foreign", "--iso", iso, "--accept-license", NULL};
  harness_run(&r, library, create);
  g_assert_cmpint(r.status, !=, 0);
  assert_contains(r.err, "wrong architecture");
  g_autofree char *hint = g_strdup_printf("--arch %s", arch);
  assert_contains(r.err, hint);
  g_autofree char *after = harness_list_dir(library);
  g_assert_cmpstr(after, ==, before);

  /* An --arch that is not the ISO's cannot boot it either. */
  g_auto(BvmRun) r2 = {0};
  const char *mismatch[] = {"create",    "foreign",          "--iso", iso, "--arch",
                            host_arch(), "--accept-license", NULL};
  harness_run(&r2, library, mismatch);
  g_assert_cmpint(r2.status, !=, 0);
  assert_contains(r2.err, "cannot boot");
}

static void test_wrong_arch_accepted_with_explicit_arch(void)
{
  const char *arch;
  const char *iso = foreign_iso(&arch);
  g_auto(BvmRun) r = {0};
  const char *create[] = {"create", "emulated",         "--iso",  iso, "--arch",
                          arch,     "--accept-license", "--json", NULL};
  harness_run(&r, library, create);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, r.out, -1, NULL));
  JsonObject *vm = json_node_get_object(json_parser_get_root(p));
  g_assert_cmpstr(json_object_get_string_member(vm, "arch"), ==, arch);
  g_assert_cmpstr(json_object_get_string_member(vm, "os"), ==, "windows11");
  assert_contains(json_object_get_string_member(vm, "notice"), "10 to 50 times slower");
}

/* Nothing said but the ISO: OS, arch and preset come from the media. */
static void test_create_preselects_from_media(void)
{
  const char *iso = strcmp(host_arch(), "aarch64") == 0 ? win_a64 : win_x64;
  const char *create[] = {"create", "native", "--iso", iso, "--accept-license", "--json", NULL};
  g_autoptr(JsonNode) answer = harness_run_json(library, create);
  JsonObject *vm = json_node_get_object(answer);
  g_assert_cmpstr(json_object_get_string_member(vm, "os"), ==, "windows11");
  g_assert_cmpstr(json_object_get_string_member(vm, "arch"), ==, host_arch());
  g_assert_cmpstr(json_object_get_string_member(vm, "preset"), ==, "recommended");
  g_assert_cmpint(json_object_get_int_member(vm, "memoryMiB"), >=, 4096);
  g_assert_true(
      json_object_get_boolean_member(json_object_get_object_member(vm, "tpm"), "enabled"));

  const char *deb[] = {"create", "deb", "--iso", debian, "--json", NULL};
  g_autoptr(JsonNode) d = harness_run_json(library, deb);
  JsonObject *dvm = json_node_get_object(d);
  g_assert_cmpstr(json_object_get_string_member(dvm, "os"), ==, "linux");
  g_assert_cmpstr(json_object_get_string_member(dvm, "preset"), ==, "light");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-media-XXXXXX");
  g_autofree char *data = harness_env_dir(root, "XDG_DATA_HOME", "data");
  library = g_build_filename(data, "lib", NULL);
  win_a64 = harness_make_media_iso(root, "Win11_24H2_English_Arm64.iso", "CCCOMA_A64FRE_EN-US_DV9",
                                   "MICROSOFT CORPORATION", NULL);
  win_x64 = harness_make_media_iso(root, "Win11_24H2_English_x64.iso", "CCCOMA_X64FRE_EN-US_DV9",
                                   "MICROSOFT CORPORATION", NULL);
  debian = harness_make_media_iso(root, "debian-11.7.0-amd64-netinst.iso", "Debian 11.7.0 amd64 n",
                                  NULL, NULL);
  g_test_add_func("/media/windows11-arm64", test_windows11_arm64_media);
  g_test_add_func("/media/windows11-x64", test_windows11_x64_media);
  g_test_add_func("/media/debian", test_debian_media);
  g_test_add_data_func("/media/other/grub-rescue", "/usr/lib/grub-rescue/grub-rescue-cdrom.iso",
                       test_unknown_media_are_other);
  g_test_add_data_func("/media/other/ipxe", "/usr/lib/ipxe/ipxe.iso", test_unknown_media_are_other);
  g_test_add_data_func("/media/other/memtest86+", "/usr/lib/memtest86+/memtest86+x64.iso",
                       test_unknown_media_are_other);
  g_test_add_func("/media/wrong-arch/refused", test_wrong_arch_is_refused_before_anything_is_made);
  g_test_add_func("/media/wrong-arch/explicit-arch", test_wrong_arch_accepted_with_explicit_arch);
  g_test_add_func("/media/create-preselects", test_create_preselects_from_media);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  harness_cleanup(root);
  return rc;
}
