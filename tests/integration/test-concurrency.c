/* Many front ends at once on one VM: the locks decide, and the library
 * stays consistent (one bundle, one QEMU, no orphan). */
#include "cli-harness.h"
#include "util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

static char *root, *library, *iso;

/* Run @n copies of bridgevm @args at once; count exit statuses. */
static void run_many(guint n, const char *const *args, guint *out_counts /* [256] */)
{
  g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func(g_object_unref);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)harness_binary());
  g_ptr_array_add(argv, (char *)"--library");
  g_ptr_array_add(argv, library);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add(argv, (char *)*a);
  g_ptr_array_add(argv, NULL);
  for (guint i = 0; i < n; i++) {
    g_autoptr(GError) error = NULL;
    GSubprocess *p = g_subprocess_newv(
        (const char *const *)argv->pdata,
        G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
    g_assert_no_error(error);
    g_ptr_array_add(procs, p);
  }
  memset(out_counts, 0, 256 * sizeof(guint));
  for (guint i = 0; i < n; i++) {
    GSubprocess *p = procs->pdata[i];
    g_assert_true(g_subprocess_wait(p, NULL, NULL));
    g_assert_true(g_subprocess_get_if_exited(p));
    out_counts[g_subprocess_get_exit_status(p) & 0xff]++;
  }
}

static guint count_processes(const char *needle)
{
  /* harness_process_mentioning: "PID: ARGV…" a line; count the QEMUs
   * (argv[0]) among them */
  g_autofree char *found = harness_process_mentioning(needle);
  g_auto(GStrv) lines = g_strsplit(found ? found : "", "\n", -1);
  guint n = 0;
  for (char **l = lines; *l; l++) {
    const char *argv0 = strstr(*l, ": ");
    if (argv0 != NULL && g_strstr_len(argv0 + 2, strcspn(argv0 + 2, " "), "qemu-system") != NULL)
      n++;
  }
  return n;
}

static void test_ten_creates_of_one_name(void)
{
  const char *create[] = {"create",   "Same", "--iso",  iso,  "--preset", "light",
                          "--memory", "1G",   "--disk", "1G", "--no-tpm", NULL};
  guint counts[256];
  run_many(10, create, counts);
  g_assert_cmpuint(counts[0], ==, 1);
  g_assert_cmpuint(counts[4], ==, 9);
  g_autofree char *listing = harness_list_dir(library);
  g_assert_cmpstr(listing, ==, ".lock\nSame.bridgevm");
}

static void test_ten_starts_of_one_vm(void)
{
  const char *start[] = {"start", "Same", "--display", "none", NULL};
  guint counts[256];
  run_many(10, start, counts);
  g_assert_cmpuint(counts[0], ==, 1);
  g_assert_cmpuint(counts[4], ==, 9);
  g_autofree char *bundle = g_build_filename(library, "Same.bridgevm", NULL);
  g_assert_cmpuint(count_processes(bundle), ==, 1);
  const char *killv[] = {"kill", "Same", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, killv);
  g_assert_cmpint(r.status, ==, 0);
  g_assert_cmpuint(count_processes(bundle), ==, 0);
}

static void test_start_and_delete_at_once(void)
{
  g_autofree char *bundle = g_build_filename(library, "Same.bridgevm", NULL);
  const char *start[] = {"start", "Same", "--display", "none", NULL};
  const char *del[] = {"delete", "Same", "--permanently", NULL};
  g_autoptr(GError) error = NULL;
  const char *sargv[] = {harness_binary(), "--library", library,  start[0],
                         start[1],         start[2],    start[3], NULL};
  const char *dargv[] = {harness_binary(), "--library", library, del[0], del[1], del[2], NULL};
  g_autoptr(GSubprocess) s = g_subprocess_newv(
      sargv, G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_autoptr(GSubprocess) d = g_subprocess_newv(
      dargv, G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_true(g_subprocess_wait(s, NULL, NULL) && g_subprocess_wait(d, NULL, NULL));
  int started = g_subprocess_get_exit_status(s), deleted = g_subprocess_get_exit_status(d);
  g_test_message("start %d, delete %d", started, deleted);
  gboolean exists = g_file_test(bundle, G_FILE_TEST_IS_DIR);
  if (deleted == 0) {
    /* deleted: no VM, and nothing of it runs */
    g_assert_false(exists);
    g_usleep(500 * 1000);
    g_assert_cmpuint(count_processes(bundle), ==, 0);
  } else {
    /* refused because it runs: the VM is whole and running; end it */
    g_assert_cmpint(deleted, ==, 4);
    g_assert_cmpint(started, ==, 0);
    g_assert_true(exists);
    const char *killv[] = {"kill", "Same", NULL};
    g_auto(BvmRun) r = {0};
    harness_run(&r, library, killv);
    g_assert_cmpint(r.status, ==, 0);
  }
  g_assert_cmpuint(count_processes(bundle), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-conc-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib", NULL);
  iso = harness_make_iso(root, "blank.iso");
  g_test_add_func("/concurrency/ten-creates-of-one-name", test_ten_creates_of_one_name);
  g_test_add_func("/concurrency/ten-starts-of-one-vm", test_ten_starts_of_one_vm);
  g_test_add_func("/concurrency/start-and-delete-at-once", test_start_and_delete_at_once);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  const char *killv[] = {"kill", "Same", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, killv);
  harness_cleanup(root);
  return rc;
}
