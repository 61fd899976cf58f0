/* Fault injection: SIGKILL at each point of create, start and stop (the
 * BRIDGEVM_FAULT hook), of the processes of a running VM, and a full disk
 * during create. After each: the library lists only whole VMs, no process
 * is orphaned, config.json parses, and the VM starts. The table is in
 * docs/reliability.md. */
#include "cli-harness.h"
#include "util.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static char *root, *library, *iso;

static int run_with_fault(const char *fault, const char *const *args)
{
  return harness_run_with_fault(library, fault, args);
}

static JsonNode *list_json(void)
{
  g_auto(BvmRun) r = {0};
  const char *args[] = {"list", "--json", NULL};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, ==, 0);
  return json_from_string(r.out, NULL);
}

/* Only whole VMs, each with a config that parses (none "broken"). */
static guint assert_library_whole(void)
{
  g_autoptr(JsonNode) list = list_json();
  JsonArray *a = json_node_get_array(list);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *vm = json_array_get_object_element(a, i);
    g_assert_cmpstr(json_object_get_string_member(vm, "state"), !=, "broken");
    g_assert_true(json_object_has_member(vm, "id"));
  }
  return json_array_get_length(a);
}

static void assert_nothing_runs(const char *vm)
{
  g_autofree char *bundle = g_strdup_printf("%s/%s.bridgevm", library, vm);
  g_autofree char *left = harness_process_mentioning(bundle);
  if (left != NULL)
    g_error("an orphan of %s: %s", vm, left);
}

static void start_then_kill(const char *vm)
{
  const char *start[] = {"start", vm, "--display", "none", NULL};
  const char *killv[] = {"kill", vm, NULL};
  g_assert_cmpint(run_with_fault(NULL, start), ==, 0);
  g_assert_cmpint(run_with_fault(NULL, killv), ==, 0);
  assert_nothing_runs(vm);
}

static void test_create_killed_at_each_point(void)
{
  const char *points[] = {"create-before-disk", "create-after-disk", "create-before-rename", NULL};
  for (const char **p = points; *p; p++) {
    g_test_message("create killed at %s", *p);
    const char *create[] = {"create",   "c",  "--iso",  iso,  "--preset", "light",
                            "--memory", "1G", "--disk", "1G", NULL};
    g_assert_cmpint(run_with_fault(*p, create), ==, 128 + SIGKILL);
    g_assert_cmpuint(assert_library_whole(), ==, 0);
    /* the next create works (and sweeps the dead creator's temp dir) */
    g_assert_cmpint(run_with_fault(NULL, create), ==, 0);
    g_assert_cmpuint(assert_library_whole(), ==, 1);
    g_autofree char *listing = harness_list_dir(library);
    g_assert_cmpstr(listing, ==, ".lock\nc.bridgevm");
    start_then_kill("c");
    const char *del[] = {"delete", "c", "--permanently", NULL};
    g_assert_cmpint(run_with_fault(NULL, del), ==, 0);
  }
}

static void test_start_killed_at_each_point(void)
{
  const char *create[] = {"create",   "s",  "--iso",  iso,  "--preset", "light",
                          "--memory", "1G", "--disk", "1G", NULL};
  g_assert_cmpint(run_with_fault(NULL, create), ==, 0);
  const char *points[] = {"start-after-swtpm", "start-before-qmp", NULL};
  for (const char **p = points; *p; p++) {
    g_test_message("monitor killed at %s", *p);
    const char *start[] = {"start", "s", "--display", "none", NULL};
    g_assert_cmpint(run_with_fault(*p, start), !=, 0);
    /* the next command reconciles: crashed, swtpm and QEMU ended */
    g_auto(BvmRun) r = {0};
    const char *status[] = {"status", "s", NULL};
    harness_run(&r, library, status);
    assert_contains(r.out, "s: crashed");
    assert_nothing_runs("s");
    g_assert_cmpuint(assert_library_whole(), ==, 1);
    start_then_kill("s");
  }
}

static void test_running_vm_loses_a_process(void)
{
  const char *start[] = {"start", "s", "--display", "none", NULL};
  const char *status_json[] = {"status", "s", "--json", NULL};
  /* the monitor dies: the next command ends its QEMU and says so */
  g_assert_cmpint(run_with_fault(NULL, start), ==, 0);
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, status_json);
  g_autoptr(JsonNode) st = json_from_string(r.out, NULL);
  int monitor = (int)json_object_get_int_member(json_node_get_object(st), "monitorPid");
  g_assert_cmpint(kill(monitor, SIGKILL), ==, 0);
  g_usleep(300 * 1000);
  g_auto(BvmRun) r2 = {0};
  const char *status[] = {"status", "s", NULL};
  harness_run(&r2, library, status);
  assert_contains(r2.out, "s: crashed");
  assert_contains(r2.out, "monitor vanished");
  assert_nothing_runs("s");
  start_then_kill("s");

  /* swtpm dies: QEMU runs on (the guest loses its TPM); stop still works */
  g_assert_cmpint(run_with_fault(NULL, start), ==, 0);
  g_auto(BvmRun) r3 = {0};
  harness_run(&r3, library, status_json);
  g_autofree char *swtpm = harness_process_mentioning("swtpm socket");
  g_assert_nonnull(swtpm);
  int swtpm_pid = atoi(swtpm);
  g_assert_cmpint(kill(swtpm_pid, SIGKILL), ==, 0);
  const char *killv[] = {"kill", "s", NULL};
  g_assert_cmpint(run_with_fault(NULL, killv), ==, 0);
  assert_nothing_runs("s");
  g_assert_cmpuint(assert_library_whole(), ==, 1);

  /* stop is killed after the power button: the VM runs on, and kill ends it */
  g_assert_cmpint(run_with_fault(NULL, start), ==, 0);
  const char *stop[] = {"stop", "s", "--timeout", "5", NULL};
  g_assert_cmpint(run_with_fault("stop-after-powerdown", stop), ==, 128 + SIGKILL);
  g_assert_cmpint(run_with_fault(NULL, killv), ==, 0);
  assert_nothing_runs("s");
  start_then_kill("s");
}

static void test_full_disk_during_create(void)
{
  if (geteuid() != 0) {
    g_test_skip("mounting a small tmpfs needs root");
    return;
  }
  g_autofree char *small = g_build_filename(root, "small", NULL);
  g_mkdir(small, 0700);
  /* room for the disk's metadata, not for the 528 KiB NVRAM copy */
  if (mount("tmpfs", small, "tmpfs", 0, "size=300k") != 0) {
    g_test_skip("cannot mount a tmpfs here");
    return;
  }
  g_autofree char *lib = g_build_filename(small, "lib", NULL);
  const char *create[] = {
      harness_binary(), "--library", lib,        "create", "full",   "--iso", iso,
      "--preset",       "light",     "--memory", "1G",     "--disk", "1G",    NULL};
  g_autofree char *err = NULL;
  int wait_status = 0;
  g_assert_true(
      g_spawn_sync(NULL, (char **)create, NULL, 0, NULL, NULL, NULL, &err, &wait_status, NULL));
  g_assert_true(WIFEXITED(wait_status));
  g_assert_cmpint(WEXITSTATUS(wait_status), ==, 1);
  assert_contains(err, "No space left on device");
  g_autofree char *listing = harness_list_dir(lib);
  g_assert_cmpstr(listing, ==, ".lock");
  umount(small);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-faults-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib", NULL);
  iso = harness_make_iso(root, "blank.iso");
  g_test_add_func("/faults/create-killed-at-each-point", test_create_killed_at_each_point);
  g_test_add_func("/faults/start-killed-at-each-point", test_start_killed_at_each_point);
  g_test_add_func("/faults/running-vm-loses-a-process", test_running_vm_loses_a_process);
  g_test_add_func("/faults/full-disk-during-create", test_full_disk_during_create);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  const char *killv[] = {"kill", "s", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, killv);
  harness_cleanup(root);
  return rc;
}
