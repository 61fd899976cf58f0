/* bridgevm create and the library verbs, with the real qemu-img and
 * swtpm_setup, on a temp library. */
#include "cli-harness.h"
#include "error.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

static char *root;    /* temp dir for everything */
static char *library; /* root/lib */
static char *iso;     /* root/installer.iso */

static JsonObject *parse_object(const char *text, JsonParser **out_parser)
{
  JsonParser *parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
  *out_parser = parser;
  return json_node_get_object(json_parser_get_root(parser));
}

static void test_create_builds_a_whole_bundle(void)
{
  g_auto(BvmRun) r = {0};
  const char *args[] = {"create", "Deb, test", "--iso",  iso, "--preset",
                        "light",  "--tpm",     "--json", NULL};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonParser) p = NULL;
  JsonObject *vm = parse_object(r.out, &p);
  g_assert_cmpstr(json_object_get_string_member(vm, "name"), ==, "Deb, test");
  g_assert_cmpint(json_object_get_int_member(vm, "cpus"), ==, 2);
  g_assert_cmpint(json_object_get_int_member(vm, "memoryMiB"), ==, 4096);
  g_assert_cmpint(json_object_get_int_member(vm, "diskGiB"), ==, 64);
  g_assert_cmpstr(json_object_get_string_member(vm, "state"), ==, "stopped");
  g_assert_true(g_uuid_string_is_valid(json_object_get_string_member(vm, "id")));
  const char *created = json_object_get_string_member(vm, "createdAt");
  g_assert_true(g_str_has_suffix(created, "Z"));
  g_assert_cmpint(json_object_get_int_member(vm, "commandVersion"), >=, 1);

  g_autofree char *bundle = g_build_filename(library, "Deb, test.bridgevm", NULL);
  g_assert_cmpstr(json_object_get_string_member(vm, "path"), ==, bundle);
  GStatBuf st;
  g_assert_cmpint(g_stat(bundle, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0700);

  /* The disk: a real qcow2 of the preset's size. */
  g_autofree char *disk = g_build_filename(bundle, "disk.qcow2", NULL);
  g_autofree char *info_out = NULL;
  const char *info[] = {"qemu-img", "info", "--output=json", disk, NULL};
  g_assert_true(g_spawn_sync(NULL, (char **)info, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &info_out,
                             NULL, NULL, NULL));
  g_autoptr(JsonParser) ip = NULL;
  JsonObject *img = parse_object(info_out, &ip);
  g_assert_cmpstr(json_object_get_string_member(img, "format"), ==, "qcow2");
  g_assert_cmpint(json_object_get_int_member(img, "virtual-size"), ==, 64LL << 30);
  g_assert_cmpint(json_object_get_int_member(img, "cluster-size"), ==, 65536);
  g_assert_cmpint(g_stat(disk, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);

  /* NVRAM vars: the template's bytes, private. */
  JsonObject *fw = json_object_get_object_member(vm, "firmware");
  const char *tmpl = json_object_get_string_member(fw, "varsTemplate");
  g_autofree char *vars = g_build_filename(bundle, "efi-vars.fd", NULL);
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  g_assert_true(g_file_get_contents(tmpl, &a, &la, NULL));
  g_assert_true(g_file_get_contents(vars, &b, &lb, NULL));
  g_assert_cmpmem(a, la, b, lb);
  g_assert_cmpint(g_stat(vars, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_assert_true(g_file_test(json_object_get_string_member(fw, "code"), G_FILE_TEST_EXISTS));

  /* TPM state manufactured by swtpm_setup. */
  g_autofree char *tpm_state = g_build_filename(bundle, "tpm", "tpm2-00.permall", NULL);
  g_assert_true(g_file_test(tpm_state, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint(g_stat(tpm_state, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_autofree char *logs = g_build_filename(bundle, "logs", NULL);
  g_assert_true(g_file_test(logs, G_FILE_TEST_IS_DIR));

  /* Nothing but the bundle (and the library lock) in the library. */
  g_autofree char *listing = harness_list_dir(library);
  g_assert_cmpstr(listing, ==, ".lock\nDeb, test.bridgevm");
}

/* Each bad input: a clear message, the documented exit status, and the
 * library exactly as it was. */
static void expect_refusal(const char *const *args, int status, const char *fragment)
{
  g_autofree char *before = harness_list_dir(library);
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, ==, status);
  assert_contains(r.err, fragment);
  g_assert_cmpstr(r.out, ==, "");
  g_autofree char *after = harness_list_dir(library);
  g_assert_cmpstr(after, ==, before);
}

/* A TPM where the guest needs one: Windows 11 gets it without asking, a
 * Linux guest only with --tpm (under TCG it costs seconds of boot). */
static void test_create_tpm_follows_os(void)
{
  const char *lin[] = {"create", "tpm-linux", "--iso", iso, "--preset", "light", "--json", NULL};
  const char *win[] = {"create", "tpm-win",          "--iso",  iso, "--os", "windows11", "--preset",
                       "light",  "--accept-license", "--json", NULL};
  const struct {
    const char *const *args;
    const char *bundle;
    gboolean tpm;
  } cases[] = {{lin, "tpm-linux.bridgevm", FALSE}, {win, "tpm-win.bridgevm", TRUE}};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_auto(BvmRun) r = {0};
    harness_run(&r, library, cases[i].args);
    g_assert_cmpint(r.status, ==, 0);
    g_autoptr(JsonParser) p = NULL;
    JsonObject *vm = parse_object(r.out, &p);
    g_assert_cmpint(
        json_object_get_boolean_member(json_object_get_object_member(vm, "tpm"), "enabled"), ==,
        cases[i].tpm);
    g_autofree char *state = g_build_filename(library, cases[i].bundle, "tpm", NULL);
    g_assert_cmpint(g_file_test(state, G_FILE_TEST_IS_DIR), ==, cases[i].tpm);
    const char *del[] = {"delete", cases[i].tpm ? "tpm-win" : "tpm-linux", "--permanently", NULL};
    g_auto(BvmRun) d = {0};
    harness_run(&d, library, del);
    g_assert_cmpint(d.status, ==, 0);
  }
}

static void test_create_refuses_bad_input(void)
{
  g_autofree char *text = g_build_filename(root, "notes.iso", NULL);
  g_assert_true(g_file_set_contents(text, "just text\n", -1, NULL));
  g_autofree char *missing = g_build_filename(root, "missing.iso", NULL);

  const char *not_iso[] = {"create", "a", "--iso", text, NULL};
  expect_refusal(not_iso, 1, "is not an ISO image");
  const char *no_file[] = {"create", "a", "--iso", missing, NULL};
  expect_refusal(no_file, 3, "No such file or directory");
  const char *dir[] = {"create", "a", "--iso", root, NULL};
  expect_refusal(dir, 1, "is not a regular file but a directory");
  const char *slash[] = {"create", "a/b", "--iso", iso, NULL};
  expect_refusal(slash, 1, "contains '/'");
  const char *dup[] = {"create", "DEB, TEST", "--iso", iso, NULL};
  expect_refusal(dup, 4, "already exists (names ignore case)");
  const char *cpus[] = {"create", "a", "--iso", iso, "--cpus", "4096", NULL};
  expect_refusal(cpus, 1, "4096 vCPUs is out of range");
  const char *mem[] = {"create", "a", "--iso", iso, "--memory", "64T", NULL};
  expect_refusal(mem, 1, "is out of range");
  const char *disk[] = {"create", "a", "--iso", iso, "--disk", "100T", NULL};
  expect_refusal(disk, 1, "use 1 GiB to 16 TiB");
  const char *tiny[] = {"create", "a", "--iso", iso, "--memory", "100M", NULL};
  expect_refusal(tiny, 1, "use 512 MiB");
  const char *win[] = {"create", "w", "--iso", iso, "--os", "windows11", NULL};
  expect_refusal(win, 1, "--accept-license");
  const char *win_tpm[] = {"create",           "w", "--iso", iso, "--os", "windows11", "--no-tpm",
                           "--accept-license", NULL};
  expect_refusal(win_tpm, 1, "needs a TPM 2.0");
  const char *both_tpm[] = {"create", "a", "--iso", iso, "--tpm", "--no-tpm", NULL};
  expect_refusal(both_tpm, 2, "--tpm and --no-tpm contradict each other");
  const char *bad_os[] = {"create", "a", "--iso", iso, "--os", "beos", NULL};
  expect_refusal(bad_os, 2, "--os must be");
  const char *no_iso[] = {"create", "a", NULL};
  expect_refusal(no_iso, 2, "--iso PATH is required");
  const char *bad_size[] = {"create", "a", "--iso", iso, "--disk", "big", NULL};
  expect_refusal(bad_size, 1, "invalid size 'big'");
  /* hostile names never become paths outside the library */
  const char *up[] = {"create", "../escape", "--iso", iso, NULL};
  expect_refusal(up, 1, "contains '/'");
  const char *nl[] = {"create", "a\nb", "--iso", iso, NULL};
  expect_refusal(nl, 1, "control character");
  const char *bad_utf8[] = {"create", "\xff\xfe", "--iso", iso, NULL};
  expect_refusal(bad_utf8, 1, "not valid UTF-8");
  g_autofree char *huge = g_strnfill(4096, 'x');
  const char *big_name[] = {"create", huge, "--iso", iso, NULL};
  expect_refusal(big_name, 1, "use at most 64");
}

static void test_create_refuses_unreadable_iso(void)
{
  g_autofree char *locked = harness_make_iso(root, "locked.iso");
  g_chmod(locked, 0);
  if (geteuid() == 0) {
    /* root reads anything: run the CLI as nobody to see a real refusal. */
    g_autofree char *lib2 = g_build_filename(root, "nobody-lib", NULL);
    g_mkdir(lib2, 0777);
    g_chmod(lib2, 0777);
    g_chmod(root, 0755);
    const char *argv[] = {"setpriv",
                          "--reuid=65534",
                          "--regid=65534",
                          "--clear-groups",
                          harness_binary(),
                          "--library",
                          lib2,
                          "create",
                          "a",
                          "--iso",
                          locked,
                          NULL};
    g_autofree char *err = NULL;
    int wait_status = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               &err, &wait_status, NULL));
    g_assert_true(WIFEXITED(wait_status));
    g_assert_cmpint(WEXITSTATUS(wait_status), ==, 1);
    assert_contains(err, "cannot be read: Permission denied");
    g_autofree char *listing = harness_list_dir(lib2);
    g_assert_cmpstr(listing, ==, "");
  } else {
    const char *args[] = {"create", "a", "--iso", locked, NULL};
    expect_refusal(args, 1, "cannot be read");
  }
}

static void test_list_show_set_reset_delete(void)
{
  /* a symlinked entry could point anywhere: it is not a bundle */
  g_autofree char *elsewhere = g_build_filename(root, "elsewhere.bridgevm", NULL);
  g_autofree char *real = g_build_filename(library, "Deb, test.bridgevm", NULL);
  g_autofree char *cmd = g_strdup_printf("cp -r '%s' '%s'", real, elsewhere);
  g_assert_cmpint(system(cmd), ==, 0);
  g_autofree char *link = g_build_filename(library, "linked.bridgevm", NULL);
  g_assert_cmpint(symlink(elsewhere, link), ==, 0);

  g_auto(BvmRun) r = {0};
  const char *list[] = {"list", "--json", NULL};
  harness_run(&r, library, list);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, r.out, -1, NULL));
  JsonArray *vms = json_node_get_array(json_parser_get_root(p));
  g_assert_cmpuint(json_array_get_length(vms), ==, 1);
  g_unlink(link);
  const char *id = json_object_get_string_member(json_array_get_object_element(vms, 0), "id");
  g_autofree char *prefix = g_strndup(id, 6);
  bvm_run_clear(&r);

  /* show by id prefix */
  const char *show[] = {"show", prefix, NULL};
  harness_run(&r, library, show);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "Deb, test");
  bvm_run_clear(&r);

  const char *missing[] = {"show", "nope", NULL};
  harness_run(&r, library, missing);
  g_assert_cmpint(r.status, ==, 3);
  assert_contains(r.err, "no VM named 'nope'");
  bvm_run_clear(&r);

  /* grow the disk; shrinking is refused */
  const char *grow[] = {"set", "deb, test", "--disk", "80G", "--cpus", "1", "--json", NULL};
  harness_run(&r, library, grow);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "\"diskGiB\" : 80");
  assert_contains(r.out, "\"preset\" : \"custom\"");
  bvm_run_clear(&r);
  g_autofree char *disk = g_build_filename(library, "Deb, test.bridgevm", "disk.qcow2", NULL);
  g_autofree char *info_out = NULL;
  const char *info[] = {"qemu-img", "info", "--output=json", disk, NULL};
  g_assert_true(g_spawn_sync(NULL, (char **)info, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &info_out,
                             NULL, NULL, NULL));
  assert_contains(info_out, "\"virtual-size\": 85899345920");
  const char *shrink[] = {"set", "Deb, test", "--disk", "10G", NULL};
  harness_run(&r, library, shrink);
  g_assert_cmpint(r.status, ==, 1);
  assert_contains(r.err, "shrinking it would lose data");
  bvm_run_clear(&r);
  const char *nothing[] = {"set", "Deb, test", NULL};
  harness_run(&r, library, nothing);
  g_assert_cmpint(r.status, ==, 2);
  bvm_run_clear(&r);

  /* reset-nvram restores the template's bytes */
  g_autofree char *vars = g_build_filename(library, "Deb, test.bridgevm", "efi-vars.fd", NULL);
  g_assert_true(g_file_set_contents(vars, "garbage", -1, NULL));
  const char *reset[] = {"reset-nvram", "Deb, test", NULL};
  harness_run(&r, library, reset);
  g_assert_cmpint(r.status, ==, 0);
  bvm_run_clear(&r);
  GStatBuf st;
  g_assert_cmpint(g_stat(vars, &st), ==, 0);
  g_assert_cmpint(st.st_size, >, 100000);

  /* delete for good */
  const char *del[] = {"delete", "Deb, test", "--permanently", NULL};
  harness_run(&r, library, del);
  g_assert_cmpint(r.status, ==, 0);
  bvm_run_clear(&r);
  g_autofree char *listing = harness_list_dir(library);
  g_assert_cmpstr(listing, ==, ".lock");
}

static void test_delete_moves_to_trash(void)
{
  g_auto(BvmRun) r = {0};
  const char *create[] = {"create",   "trash-me", "--iso",    iso,
                          "--preset", "light",    "--no-tpm", NULL};
  harness_run(&r, library, create);
  g_assert_cmpint(r.status, ==, 0);
  bvm_run_clear(&r);
  const char *del[] = {"delete", "trash-me", NULL};
  harness_run(&r, library, del);
  g_assert_cmpint(r.status, ==, 0);
  /* XDG_DATA_HOME is the test's, so the Trash is too. */
  g_autofree char *trashed = g_build_filename(g_get_user_data_dir(), "Trash", "files",
                                              "trash-me.bridgevm", "config.json", NULL);
  g_assert_true(g_file_test(trashed, G_FILE_TEST_IS_REGULAR));
  g_autofree char *listing = harness_list_dir(library);
  g_assert_cmpstr(listing, ==, ".lock");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-cli-XXXXXX");
  /* The Trash lives beside the data dir; keep both in our temp root. */
  g_autofree char *data = harness_env_dir(root, "XDG_DATA_HOME", "data");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(data, "lib", NULL);
  iso = harness_make_iso(root, "installer.iso");
  g_test_add_func("/cli/create/builds-a-whole-bundle", test_create_builds_a_whole_bundle);
  g_test_add_func("/cli/create/tpm-follows-os", test_create_tpm_follows_os);
  g_test_add_func("/cli/create/refuses-bad-input", test_create_refuses_bad_input);
  g_test_add_func("/cli/create/refuses-unreadable-iso", test_create_refuses_unreadable_iso);
  g_test_add_func("/cli/library/list-show-set-reset-delete", test_list_show_set_reset_delete);
  g_test_add_func("/cli/library/delete-moves-to-trash", test_delete_moves_to_trash);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  harness_cleanup(root);
  return rc;
}
