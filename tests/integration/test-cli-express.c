/* create --express and the driver CD through the real binary: the answer
 * ISO in the bundle (0600) holds exactly the golden answer file for its
 * options, the password is nowhere else, the CDs sit where Windows Setup
 * finds them, and bad input is refused before anything is made. */
#include "cli-harness.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

static char *root, *library;
static char *win_x64, *win_a64, *debian, *virtio_win, *not_drivers, *password_file;

#define PASSWORD "correct horse"

static char *read_answer_file(const char *bundle)
{
  g_autofree char *iso = g_build_filename(bundle, "unattend.iso", NULL);
  g_autofree char *out = g_build_filename(root, "autounattend.xml", NULL);
  g_unlink(out);
  const char *argv[] = {"xorriso",  "-osirrox",          "on", "-indev", iso,
                        "-extract", "/autounattend.xml", out,  NULL};
  int status = 0;
  g_assert_true(
      g_spawn_sync(NULL, (char **)argv, NULL,
                   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                   NULL, NULL, NULL, NULL, &status, NULL));
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  char *text = NULL;
  g_assert_true(g_file_get_contents(out, &text, NULL, NULL));
  return text;
}

static char *golden(const char *name)
{
  g_autofree char *path =
      g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "golden", "unattend", name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static char *read_file(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static char *command_of(const char *vm)
{
  g_auto(BvmRun) r = {0};
  const char *args[] = {"command", vm, NULL};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, ==, 0);
  return g_steal_pointer(&r.out);
}

/* x86_64 with drivers: the options of tests/golden/unattend/x86_64-drivers. */
static void test_express_x86_64_with_drivers(void)
{
  const char *args[] = {"create",          "win-x64",          "--iso",     win_x64,  "--arch",
                        "x86_64",          "--accept-license", "--express", "--user", "Ada",
                        "--password-file", password_file,      "--locale",  "en-GB",  "--timezone",
                        "Europe/London",   "--drivers",        virtio_win,  "--json", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.out, "express install: local administrator 'Ada' with a password");
  g_autofree char *bundle = g_build_filename(library, "win-x64.bridgevm", NULL);
  g_autofree char *iso = g_build_filename(bundle, "unattend.iso", NULL);
  GStatBuf st;
  g_assert_cmpint(g_stat(iso, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_autofree char *xml = read_answer_file(bundle);
  g_autofree char *expected = golden("x86_64-drivers.xml");
  g_assert_cmpstr(xml, ==, expected);

  /* The password only ever inside the answer ISO, and obscured there. */
  g_assert_null(strstr(xml, PASSWORD));
  g_autofree char *config = read_file(bundle, "config.json");
  g_assert_null(strstr(config, PASSWORD));
  g_assert_null(strstr(r.out, PASSWORD));
  g_assert_null(strstr(r.err, PASSWORD));
  assert_contains(config, "\"driversIsoPath\"");

  /* The answer and drivers CDs on AHCI, out of the boot order: what the
   * first start (disk still empty) attaches. */
  g_autofree char *cmd = command_of("win-x64");
  g_autofree char *answer_arg = g_strdup_printf("filename=%s,", iso);
  assert_contains(cmd, answer_arg);
  assert_contains(cmd, "ide-cd,bus=ide.1,drive=answer\n");
  assert_contains(cmd, "ide-cd,bus=ide.2,drive=drivers\n");
}

static void test_express_aarch64(void)
{
  const char *args[] = {"create",
                        "win-arm",
                        "--iso",
                        win_a64,
                        "--arch",
                        "aarch64",
                        "--accept-license",
                        "--express",
                        "--user",
                        "Ada",
                        "--password-file",
                        password_file,
                        "--locale",
                        "de-DE",
                        "--timezone",
                        "W. Europe Standard Time",
                        NULL};
  harness_run_ok(library, args);
  g_autofree char *bundle = g_build_filename(library, "win-arm.bridgevm", NULL);
  g_autofree char *xml = read_answer_file(bundle);
  g_autofree char *expected = golden("aarch64.xml");
  g_assert_cmpstr(xml, ==, expected);
  /* set --drivers attaches the CD later, on USB like every aarch64 CD. */
  const char *set[] = {"set", "win-arm", "--drivers", virtio_win, NULL};
  harness_run_ok(library, set);
  g_autofree char *cmd = command_of("win-arm");
  assert_contains(cmd, "usb-storage,bus=xhci.0,drive=answer,removable=on\n");
  assert_contains(cmd, "usb-storage,bus=xhci.0,drive=drivers,removable=on\n");
}

static void expect_refused(const char *const *args, const char *words)
{
  g_autofree char *before = harness_list_dir(library);
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, !=, 0);
  assert_contains(r.err, words);
  g_assert_true(strchr(r.err, '\n') == r.err + strlen(r.err) - 1); /* one line */
  g_autofree char *after = harness_list_dir(library);
  g_assert_cmpstr(after, ==, before);
}

static void test_bad_input_refused(void)
{
  g_autofree char *missing = g_build_filename(root, "no-such-password", NULL);
  g_autofree char *empty = g_build_filename(root, "empty-password", NULL);
  g_assert_true(g_file_set_contents(empty, "", 0, NULL));
  g_chmod(empty, 0600);
  g_autofree char *world = g_build_filename(root, "world-password", NULL);
  g_assert_true(g_file_set_contents(world, "pw\n", -1, NULL));
  g_chmod(world, 0644);
#define CREATE                                                                                     \
  "create", "bad", "--iso", win_x64, "--arch", "x86_64", "--accept-license", "--express"
  const char *a1[] = {CREATE, "--user", "Ada", "--password-file", missing, NULL};
  expect_refused(a1, "No such file");
  const char *a2[] = {CREATE, "--user", "Ada", "--password-file", empty, NULL};
  expect_refused(a2, "is empty");
  const char *a3[] = {CREATE, "--user", "Ada", "--password-file", world, NULL};
  expect_refused(a3, "readable by every user");
  const char *a4[] = {CREATE, "--user", "a</Name><x>", NULL};
  expect_refused(a4, "does not allow");
  const char *a5[] = {CREATE, "--user", "Ada", "--locale", "en-US\"><x", NULL};
  expect_refused(a5, "locale");
  const char *a6[] = {CREATE, "--user", "Ada", "--timezone", "UTC</TimeZone>", NULL};
  expect_refused(a6, "time zone");
  const char *a7[] = {CREATE, "--user", "Ada", "--drivers", win_a64, NULL};
  expect_refused(a7, "not the virtio-win driver ISO");
  const char *a8[] = {CREATE, "--user", "Ada", "--drivers", not_drivers, NULL};
  expect_refused(a8, "no 'viostor' directory");
  const char *a9[] = {"create", "bad", "--iso", debian, "--express", "--user", "Ada", NULL};
  expect_refused(a9, "express install is for Windows 11");
#undef CREATE
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-express-XXXXXX");
  g_autofree char *data = harness_env_dir(root, "XDG_DATA_HOME", "data");
  library = g_build_filename(data, "lib", NULL);
  win_x64 = harness_make_media_iso(root, "win-x64.iso", "CCCOMA_X64FRE_EN-US_DV9",
                                   "MICROSOFT CORPORATION", NULL);
  win_a64 = harness_make_media_iso(root, "win-a64.iso", "CCCOMA_A64FRE_EN-US_DV9",
                                   "MICROSOFT CORPORATION", NULL);
  debian = harness_make_media_iso(root, "debian.iso", "Debian 11.7.0 amd64 n", NULL, NULL);
  const char *drivers[] = {"viostor/w11/amd64",
                           "viostor/w11/ARM64",
                           "NetKVM/w11/amd64",
                           "NetKVM/w11/ARM64",
                           "viogpudo/w11/amd64",
                           "guest-agent",
                           NULL};
  virtio_win =
      harness_make_media_iso(root, "virtio-win-0.1.262.iso", "virtio-win-0.1.262", NULL, drivers);
  const char *half[] = {"NetKVM/w11/amd64", NULL};
  not_drivers = harness_make_media_iso(root, "virtio-win-half.iso", "virtio-win-0.1.1", NULL, half);
  password_file = g_build_filename(root, "password", NULL);
  g_assert_true(g_file_set_contents(password_file, PASSWORD "\n", -1, NULL));
  g_chmod(password_file, 0600);
  g_test_add_func("/express/x86_64-with-drivers", test_express_x86_64_with_drivers);
  g_test_add_func("/express/aarch64-and-set-drivers", test_express_aarch64);
  g_test_add_func("/express/bad-input-refused", test_bad_input_refused);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  harness_cleanup(root);
  return rc;
}
