/* Lifecycle verbs on their failure paths, with the real QEMU and swtpm but
 * no guest OS (a blank ISO: the firmware just idles). Each failure is a
 * clear message with its exit status, and leaves no process behind. */
#include "cli-harness.h"
#include "util.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

static char *root, *library, *iso;

static void run_expect(const char *const *args, int status, const char *fragment)
{
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, ==, status);
  if (fragment != NULL)
    assert_contains(r.err, fragment);
}

static gboolean process_mentions(const char *needle)
{
  g_autofree char *left = harness_process_mentioning(needle);
  if (left != NULL)
    g_test_message("still running: %s", left);
  return left != NULL;
}

static void test_failure_paths(void)
{
  const char *create[] = {"create",   "idle", "--iso",  iso,  "--preset", "light",
                          "--memory", "1G",   "--disk", "1G", "--tpm",    NULL};
  run_expect(create, 0, NULL);
  g_autofree char *bundle = g_build_filename(library, "idle.bridgevm", NULL);

  /* not running: stop, kill and the agent say so */
  const char *stop[] = {"stop", "idle", NULL};
  run_expect(stop, 1, "is not running");
  const char *killv[] = {"kill", "idle", NULL};
  run_expect(killv, 1, "is not running");
  const char *agent[] = {"agent", "idle", "ping", "--timeout", "1", NULL};
  run_expect(agent, 3, "cannot reach the guest agent");

  /* a missing ISO is caught before anything starts */
  g_autofree char *moved = g_strconcat(iso, ".away", NULL);
  g_assert_cmpint(g_rename(iso, moved), ==, 0);
  const char *start[] = {"start", "idle", "--display", "none", NULL};
  run_expect(start, 3, "attach another with 'bridgevm set idle --iso PATH'");
  g_assert_cmpint(g_rename(moved, iso), ==, 0);

  /* swtpm missing: dependency error (5), nothing left running */
  g_autofree char *bin = g_build_filename(root, "bin", NULL);
  g_mkdir(bin, 0700);
  g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
  g_autofree char *link = g_build_filename(bin, "qemu-system-x86_64", NULL);
  g_assert_cmpint(symlink(qemu, link), ==, 0);
  g_autofree char *old_path = g_strdup(g_getenv("PATH"));
  g_setenv("PATH", bin, TRUE);
  run_expect(start, 5, "swtpm is not installed: apt-get install -y swtpm");
  g_setenv("PATH", old_path, TRUE);
  g_assert_false(process_mentions(bundle));

  /* a real start answers "Press any key to boot from CD" when asked to
   * (the default for Windows): Enter goes to the guest over QMP */
  const char *press[] = {"set", "idle", "--press-key-on-boot", "on", NULL};
  run_expect(press, 0, NULL);
  run_expect(start, 0, NULL);
  g_autofree char *monitor_log = g_build_filename(bundle, "logs", "monitor.log", NULL);
  g_autofree char *mlog = NULL;
  for (int i = 0; i < 50; i++) {
    g_free(mlog);
    mlog = NULL;
    g_file_get_contents(monitor_log, &mlog, NULL, NULL);
    if (mlog != NULL && strstr(mlog, "pressed Enter") != NULL)
      break;
    g_usleep(100 * 1000);
  }
  assert_contains(mlog, "pressed Enter for the installer's boot prompt");
  /* what QEMU creates in the bundle is private too, whatever our umask */
  {
    g_autofree char *serial_log = g_build_filename(bundle, "logs", "serial.log", NULL);
    GStatBuf sb;
    g_assert_cmpint(g_stat(serial_log, &sb), ==, 0);
    g_assert_cmpint(sb.st_mode & 0777, ==, 0600);
  }
  /* a second start is a conflict (4); kill ends it */
  run_expect(start, 4, "already running");
  const char *delete[] = {"delete", "idle", "--permanently", NULL};
  run_expect(delete, 4, "is running: stop it first");
  const char *set[] = {"set", "idle", "--cpus", "1", NULL};
  run_expect(set, 4, "is running: stop it first");
  /* logs QEMU writes are bounded while it runs: 3 MiB of serial output
   * is rotated to serial.log.1 within a few seconds */
  g_autofree char *serial = g_build_filename(bundle, "logs", "serial.log", NULL);
  g_autofree char *rotated = g_strconcat(serial, ".1", NULL);
  {
    FILE *f = fopen(serial, "a");
    g_assert_nonnull(f);
    g_autofree char *line = g_strnfill(1023, 'x');
    for (int i = 0; i < 3 * 1024; i++)
      fprintf(f, "%s\n", line);
    fclose(f);
  }
  /* the copy lands first, then the log is truncated: wait for both */
  GStatBuf st = {0};
  for (int i = 0; i < 100; i++) {
    if (g_file_test(rotated, G_FILE_TEST_EXISTS) && g_stat(serial, &st) == 0 &&
        st.st_size < 2 * 1024 * 1024)
      break;
    g_usleep(100 * 1000);
  }
  g_assert_true(g_file_test(rotated, G_FILE_TEST_EXISTS));
  g_assert_cmpint(g_stat(serial, &st), ==, 0);
  g_assert_cmpint(st.st_size, <, 2 * 1024 * 1024);
  run_expect(killv, 0, NULL);
  g_assert_false(process_mentions(bundle));
  g_autofree char *run_dir = g_build_filename(bundle, "run", NULL);
  g_assert_false(g_file_test(run_dir, G_FILE_TEST_EXISTS));
  const char *status[] = {"status", "idle", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, status);
  assert_contains(r.out, "idle: stopped");
  assert_contains(r.out, "killed by the user");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-life-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib", NULL);
  iso = harness_make_iso(root, "blank.iso");
  g_test_add_func("/cli/lifecycle/failure-paths", test_failure_paths);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  const char *killv[] = {"kill", "idle", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, killv);
  harness_cleanup(root);
  return rc;
}
