/* End to end, under TCG: the real bridgevm, QEMU, swtpm, OVMF and a test
 * guest built from Debian packages (tools/build-test-guest.sh), one VM at a
 * time. Each step asserts what a person would check. */
#include "cli-harness.h"
#include "error.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static char *root, *library, *plain_iso, *sb_iso;

static JsonNode *run_json(const char *const *args, int expect_status)
{
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  if (r.status != expect_status)
    g_error("%s: exit %d, expected %d: %s", args[0], r.status, expect_status, r.err);
  if (expect_status != 0)
    return NULL;
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, r.out, -1, NULL));
  return json_node_copy(json_parser_get_root(p));
}

static JsonObject *status_of(const char *vm, JsonNode **keep)
{
  const char *args[] = {"status", vm, "--json", NULL};
  *keep = run_json(args, 0);
  return json_node_get_object(*keep);
}

static char *serial_log(const char *vm)
{
  g_autofree char *base = g_strconcat(vm, ".bridgevm", NULL);
  g_autofree char *path = g_build_filename(library, base, "logs", "serial.log", NULL);
  char *data = NULL;
  g_file_get_contents(path, &data, NULL, NULL);
  return data ? data : g_strdup("");
}

/* The guest prints its facts on the serial console after its agent starts:
 * wait for the last marker. */
static char *wait_serial_ready(const char *vm)
{
  gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  char *serial = NULL;
  do {
    g_free(serial);
    serial = serial_log(vm);
    if (strstr(serial, "BRIDGEVM-GUEST: ready") != NULL)
      break;
    g_usleep(500 * 1000);
  } while (g_get_monotonic_time() < deadline);
  return serial;
}

/* No process on the machine mentions the VM's id or its TPM dir. */
static void assert_no_process_of(const char *id, const char *tpm_dir)
{
  const char *needles[] = {id, tpm_dir, NULL};
  for (const char **n = needles; *n; n++) {
    g_autofree char *left = harness_process_mentioning(*n);
    if (left != NULL)
      g_error("a process of the VM is still running: %s", left);
  }
}

static char *vm_id(const char *vm)
{
  const char *args[] = {"show", vm, "--json", NULL};
  g_autoptr(JsonNode) n = run_json(args, 0);
  return g_strdup(json_object_get_string_member(json_node_get_object(n), "id"));
}

static void test_boot_inspect_and_acpi_stop(void)
{
  const char *create[] = {
      "create", "e2e, plain", "--iso", plain_iso,          "--preset", "light", "--memory",
      "1G",     "--disk",     "2G",    "--no-secure-boot", "--tpm",    NULL};
  harness_run_ok(library, create);
  g_autofree char *id = vm_id("e2e, plain");
  const char *start[] = {"start",  "e2e, plain", "--wait-agent=240", "--display", "vnc",
                         "--json", NULL};
  g_autoptr(JsonNode) started = run_json(start, 0);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(started), "state"), ==,
                  "running");

  /* A second start is refused as a conflict. */
  g_auto(BvmRun) again = {0};
  const char *start2[] = {"start", "e2e, plain", NULL};
  harness_run(&again, library, start2);
  g_assert_cmpint(again.status, ==, 4);
  assert_contains(again.err, "already running");

  /* What the guest saw, from its serial console. */
  g_autofree char *serial = wait_serial_ready("e2e, plain");
  assert_contains(serial, "BRIDGEVM-GUEST: tpm=yes");
  assert_contains(serial, "BRIDGEVM-GUEST: virtio-gpu=yes");
  const char *cmd[] = {"command", "e2e, plain", "--json", NULL};
  g_autoptr(JsonNode) cmdj = run_json(cmd, 0);
  g_autofree char *argv_text = json_to_string(cmdj, FALSE);
  const char *serial_opt = strstr(argv_text, "serial=");
  g_assert_nonnull(serial_opt);
  g_autofree char *nvme_serial = g_strndup(serial_opt + 7, strcspn(serial_opt + 7, ",\""));
  g_autofree char *marker = g_strdup_printf("BRIDGEVM-GUEST: nvme-serial=%s", nvme_serial);
  assert_contains(serial, marker);

  /* The guest agent: info, OS, network. */
  const char *info[] = {"agent", "e2e, plain", "info", "--json", NULL};
  g_autoptr(JsonNode) infoj = run_json(info, 0);
  g_assert_nonnull(json_object_get_string_member(json_node_get_object(infoj), "version"));
  const char *net[] = {"agent", "e2e, plain", "network", "--json", NULL};
  g_autoptr(JsonNode) netj = run_json(net, 0);
  g_autofree char *net_text = json_to_string(netj, FALSE);
  assert_contains(net_text, "10.0.2.15");
  const char *os[] = {"agent", "e2e, plain", "osinfo", "--json", NULL};
  g_autoptr(JsonNode) osj = run_json(os, 0);
  g_autofree char *os_text = json_to_string(osj, FALSE);
  assert_contains(os_text, "kernel-release");

  /* Status while running; logs from each source. */
  JsonNode *keep = NULL;
  JsonObject *st = status_of("e2e, plain", &keep);
  g_assert_cmpstr(json_object_get_string_member(st, "state"), ==, "running");
  g_assert_cmpint(json_object_get_int_member(st, "pid"), >, 0);
  g_assert_cmpint(json_object_get_int_member(st, "uptimeSeconds"), >=, 0);
  json_node_unref(keep);
  g_auto(BvmRun) logs = {0};
  const char *mon[] = {"logs", "e2e, plain", "--source", "monitor", "--lines", "100", NULL};
  harness_run(&logs, library, mon);
  g_assert_cmpint(logs.status, ==, 0);
  assert_contains(logs.out, "VM running: QEMU pid");

  /* ACPI stop: the guest powers off; nothing of the VM is left. */
  const char *stop[] = {"stop", "e2e, plain", "--timeout", "90", NULL};
  harness_run_ok(library, stop);
  st = status_of("e2e, plain", &keep);
  g_assert_cmpstr(json_object_get_string_member(st, "state"), ==, "stopped");
  JsonObject *le = json_object_get_object_member(st, "lastExit");
  g_assert_cmpstr(json_object_get_string_member(le, "reason"), ==, "stopped by the user");
  json_node_unref(keep);
  g_autofree char *tpm = g_build_filename(library, "e2e, plain.bridgevm", "tpm", NULL);
  assert_no_process_of(id, tpm);
  g_autofree char *run_dir = g_build_filename(library, "e2e, plain.bridgevm", "run", NULL);
  g_assert_false(g_file_test(run_dir, G_FILE_TEST_EXISTS));
}

static int qemu_pid_of(const char *vm)
{
  JsonNode *keep = NULL;
  JsonObject *st = status_of(vm, &keep);
  int pid = (int)json_object_get_int_member_with_default(st, "pid", 0);
  json_node_unref(keep);
  return pid;
}

static void test_sigkill_is_a_crash_and_restart_works(void)
{
  const char *start[] = {"start", "e2e, plain", "--display", "none", NULL};
  harness_run_ok(library, start);
  int pid = qemu_pid_of("e2e, plain");
  g_assert_cmpint(pid, >, 0);
  g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
  /* The monitor notices and records it within 2 s. */
  gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  const char *state = NULL;
  JsonNode *keep = NULL;
  while (g_get_monotonic_time() < deadline) {
    g_clear_pointer(&keep, json_node_unref);
    JsonObject *st = status_of("e2e, plain", &keep);
    state = json_object_get_string_member(st, "state");
    if (g_strcmp0(state, "crashed") == 0)
      break;
    g_usleep(100 * 1000);
  }
  g_assert_cmpstr(state, ==, "crashed");
  JsonObject *le = json_object_get_object_member(json_node_get_object(keep), "lastExit");
  g_assert_cmpstr(json_object_get_string_member(le, "reason"), ==, "QEMU killed by signal 9");
  json_node_unref(keep);
  g_autofree char *id = vm_id("e2e, plain");
  g_autofree char *tpm = g_build_filename(library, "e2e, plain.bridgevm", "tpm", NULL);
  assert_no_process_of(id, tpm);

  /* A later start works; `kill` then ends it as the user's choice. */
  harness_run_ok(library, start);
  const char *killv[] = {"kill", "e2e, plain", NULL};
  harness_run_ok(library, killv);
  JsonObject *st = status_of("e2e, plain", &keep);
  g_assert_cmpstr(json_object_get_string_member(st, "state"), ==, "stopped");
  json_node_unref(keep);
  assert_no_process_of(id, tpm);
}

static void test_stale_run_dir_after_host_crash_is_reconciled(void)
{
  g_autofree char *id = vm_id("e2e, plain");
  g_autofree char *bundle = g_build_filename(library, "e2e, plain.bridgevm", NULL);
  g_autofree char *tpm = g_build_filename(bundle, "tpm", NULL);
  /* A host crash leaves run/ with dead pids, and an swtpm can be left on
   * the VM's state dir. The bundle path has a comma: run/ is elsewhere. */
  const char *show[] = {"status", "e2e, plain", "--json", NULL};
  g_autoptr(JsonNode) sj = run_json(show, 0);
  g_autofree char *rt = g_build_filename(g_get_user_runtime_dir(), "bridgevm", id, NULL);
  g_mkdir_with_parents(rt, 0700);
  g_autofree char *alias = g_build_filename(rt, "tpm-state", NULL);
  g_assert_cmpint(symlink(tpm, alias), ==, 0);
  g_autofree char *ctrl = g_strdup_printf("type=unixio,path=%s/swtpm.sock", rt);
  g_autofree char *state_opt = g_strdup_printf("dir=%s", alias);
  const char *swtpm[] = {"swtpm",   "socket", "--tpm2", "--tpmstate",
                         state_opt, "--ctrl", ctrl,     NULL};
  GPid orphan = 0;
  g_assert_true(g_spawn_async(NULL, (char **)swtpm, NULL,
                              G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &orphan,
                              NULL));
  g_usleep(500 * 1000);
  g_autofree char *state = g_strdup_printf(
      "{\"state\":\"running\",\"monitorPid\":999999,\"qemuPid\":999998,\"swtpmPid\":%d,"
      "\"startedAt\":\"2026-01-01T00:00:00Z\",\"display\":\"none\"}",
      orphan);
  g_autofree char *state_path = g_build_filename(rt, "state.json", NULL);
  g_assert_true(g_file_set_contents(state_path, state, -1, NULL));

  JsonNode *keep = NULL;
  JsonObject *st = status_of("e2e, plain", &keep);
  g_assert_cmpstr(json_object_get_string_member(st, "state"), ==, "crashed");
  json_node_unref(keep);
  g_assert_false(g_file_test(rt, G_FILE_TEST_EXISTS));
  /* The orphaned swtpm was killed (and only after its command line named
   * this VM's TPM state). */
  int wait_status = 0;
  pid_t reaped = 0;
  for (int i = 0; i < 100 && reaped == 0; i++) {
    reaped = waitpid(orphan, &wait_status, WNOHANG);
    if (reaped == 0)
      g_usleep(50 * 1000);
  }
  if (reaped != orphan) {
    kill(orphan, SIGKILL);
    waitpid(orphan, NULL, 0);
    g_error("the orphaned swtpm %d was left running", orphan);
  }
  g_assert_true(WIFSIGNALED(wait_status));
  const char *start[] = {"start", "e2e, plain", "--display", "none", NULL};
  harness_run_ok(library, start);
  const char *killv[] = {"kill", "e2e, plain", NULL};
  harness_run_ok(library, killv);
}

static void test_reset_nvram_and_grown_disk(void)
{
  g_autofree char *bundle = g_build_filename(library, "e2e, plain.bridgevm", NULL);
  g_autofree char *vars = g_build_filename(bundle, "efi-vars.fd", NULL);
  const char *show[] = {"show", "e2e, plain", "--json", NULL};
  g_autoptr(JsonNode) sj = run_json(show, 0);
  const char *tmpl = json_object_get_string_member(
      json_object_get_object_member(json_node_get_object(sj), "firmware"), "varsTemplate");
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  /* The boots above wrote boot entries into the vars. */
  g_assert_true(g_file_get_contents(tmpl, &a, &la, NULL));
  g_assert_true(g_file_get_contents(vars, &b, &lb, NULL));
  g_assert_false(la == lb && memcmp(a, b, la) == 0);
  const char *reset[] = {"reset-nvram", "e2e, plain", NULL};
  harness_run_ok(library, reset);
  g_free(b);
  g_assert_true(g_file_get_contents(vars, &b, &lb, NULL));
  g_assert_cmpmem(a, la, b, lb);

  const char *grow[] = {"set", "e2e, plain", "--disk", "3G", NULL};
  harness_run_ok(library, grow);
  g_autofree char *serial_path = g_build_filename(bundle, "logs", "serial.log", NULL);
  g_assert_true(g_file_set_contents(serial_path, "", 0, NULL));
  const char *start[] = {"start", "e2e, plain", "--display", "none", "--wait-agent=240", NULL};
  harness_run_ok(library, start);
  g_autofree char *serial = wait_serial_ready("e2e, plain");
  assert_contains(serial, "BRIDGEVM-GUEST: disk-bytes=3221225472");
  const char *stop[] = {"stop", "e2e, plain", "--timeout", "90", "--force", NULL};
  harness_run_ok(library, stop);
}

static void test_secure_boot(void)
{
  const char *create[] = {"create",   "e2e-sb", "--iso",  sb_iso, "--preset",      "light",
                          "--memory", "1G",     "--disk", "1G",   "--secure-boot", NULL};
  harness_run_ok(library, create);
  const char *start[] = {"start", "e2e-sb", "--display", "none", "--wait-agent=300", NULL};
  harness_run_ok(library, start);
  g_autofree char *serial = wait_serial_ready("e2e-sb");
  assert_contains(serial, "BRIDGEVM-GUEST: secureboot=enabled");
  const char *stop[] = {"stop", "e2e-sb", "--timeout", "90", "--force", NULL};
  harness_run_ok(library, stop);

  /* The unsigned ISO under Secure Boot: refused by the firmware, and
   * BridgeVM says the guest never reached its agent, with a hint. */
  const char *create2[] = {"create",   "e2e-unsigned", "--iso",         plain_iso,
                           "--preset", "light",        "--memory",      "1G",
                           "--disk",   "1G",           "--secure-boot", NULL};
  harness_run_ok(library, create2);
  g_auto(BvmRun) r = {0};
  const char *start2[] = {"start", "e2e-unsigned", "--display", "none", "--wait-agent=60", NULL};
  harness_run(&r, library, start2);
  g_assert_cmpint(r.status, ==, 1);
  assert_contains(r.err, "never reached its agent");
  assert_contains(r.err, "Secure Boot");
  g_autofree char *serial2 = serial_log("e2e-unsigned");
  g_assert_null(strstr(serial2, "BRIDGEVM-GUEST: boot"));
  const char *killv[] = {"kill", "e2e-unsigned", NULL};
  harness_run_ok(library, killv);
}

/* On a desktop session the VM's screen is a GTK window: a real X server
 * (Xvfb), and QEMU must stay up with it (seccomp and GTK agree). */
static void test_window_display_on_a_desktop(void)
{
  g_autofree char *xvfb = g_find_program_in_path("Xvfb");
  if (xvfb == NULL) {
    g_test_skip("Xvfb is not installed (scripts/install-deps installs xvfb)");
    return;
  }
  const char *xargv[] = {xvfb, ":93", "-screen", "0", "1280x800x24", "-nolisten", "tcp", NULL};
  g_autoptr(GError) error = NULL;
  /* Xvfb ends with this test even when an assertion aborts it. */
  g_autoptr(GSubprocess) x = harness_spawn_tied(
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, xargv, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 100 && !g_file_test("/tmp/.X11-unix/X93", G_FILE_TEST_EXISTS); i++)
    g_usleep(50 * 1000);
  g_autofree char *old_display = g_strdup(g_getenv("DISPLAY"));
  g_setenv("DISPLAY", ":93", TRUE);
  const char *cmd[] = {"command", "e2e, plain", NULL};
  g_auto(BvmRun) c = {0};
  harness_run(&c, library, cmd);
  assert_contains(c.out, "-display\ngtk\n");
  const char *start[] = {"start", "e2e, plain", NULL};
  harness_run_ok(library, start);
  g_usleep(3 * G_USEC_PER_SEC);
  JsonNode *keep = NULL;
  JsonObject *st = status_of("e2e, plain", &keep);
  g_assert_cmpstr(json_object_get_string_member(st, "state"), ==, "running");
  g_assert_cmpstr(json_object_get_string_member(st, "display"), ==, "window");
  json_node_unref(keep);
  const char *killv[] = {"kill", "e2e, plain", NULL};
  harness_run_ok(library, killv);
  if (old_display != NULL)
    g_setenv("DISPLAY", old_display, TRUE);
  else
    g_unsetenv("DISPLAY");
  g_subprocess_force_exit(x);
  (void)g_subprocess_wait(x, NULL, NULL);
}

/* After the run (or a -p selection of it): no VM of the test outlives it.
 * A failed assertion is covered by the harness: it kills whatever names the
 * test's temp dir before the process dies. */
static void kill_all_vms(void)
{
  static const char *const names[] = {"e2e, plain", "e2e-sb", "e2e-unsigned", NULL};
  for (const char *const *n = names; *n; n++) {
    g_auto(BvmRun) r = {0};
    const char *args[] = {"kill", *n, NULL};
    harness_run(&r, library, args);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-e2e-XXXXXX");
  /* One runtime dir for every step: the VMs' run dirs live there. */
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib", NULL);
  plain_iso = harness_build_test_guest("plain");
  sb_iso = harness_build_test_guest("secureboot");
  g_test_add_func("/e2e/boot-inspect-and-acpi-stop", test_boot_inspect_and_acpi_stop);
  g_test_add_func("/e2e/sigkill-is-a-crash-and-restart-works",
                  test_sigkill_is_a_crash_and_restart_works);
  g_test_add_func("/e2e/stale-run-dir-after-host-crash-is-reconciled",
                  test_stale_run_dir_after_host_crash_is_reconciled);
  g_test_add_func("/e2e/reset-nvram-and-grown-disk", test_reset_nvram_and_grown_disk);
  g_test_add_func("/e2e/window-display-on-a-desktop", test_window_display_on_a_desktop);
  g_test_add_func("/e2e/secure-boot", test_secure_boot);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  kill_all_vms();
  harness_cleanup(root);
  return rc;
}
