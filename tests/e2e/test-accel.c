/* End to end: accelerators that tell the truth, on one booted test guest.
 * The VM boots with accel auto on whatever this host's KVM is; pause stops
 * its agent and resume brings it back; a host disk filling up pauses it
 * with the reason before any guest write is lost; a guest panic is a crash
 * with its cause; --accel kvm on a host whose KVM cannot run the firmware is
 * a crash within seconds with QEMU's own words, and nothing is left. */
#include "cli-harness.h"
#include "error.h"
#include "guest_agent.h"
#include "paths.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define VM "accel, e2e"
/* The free space BridgeVM keeps (BRIDGEVM_DISK_RESERVE_MIB), and what the
 * guest writes past it: a whole write fits in the reserve, so the check
 * (every 250 ms this close to the reserve, diskspace.h) always comes
 * before the filesystem is full. */
#define RESERVE_MIB 64
#define WRITE_MIB 40

static char *root, *library, *plain_iso, *qga_sock;
static gboolean on_tmpfs; /* the library is on a small tmpfs of our own */
static gboolean disk_filled;
static JsonNode *doctor;

/* The VM's status; *out_state its state. */
static JsonNode *run_json(const char *const *args)
{
  return harness_run_json(library, args);
}

static void run_ok(const char *const *args)
{
  harness_run_ok(library, args);
}

static JsonNode *status(const char **out_state)
{
  const char *args[] = {"status", VM, "--json", NULL};
  JsonNode *n = run_json(args);
  *out_state = json_object_get_string_member(json_node_get_object(n), "state");
  return n;
}

/* Wait until the VM is @want, at most @seconds; stop waiting as soon as it
 * is stopped or crashed (it will not get there then). */
static JsonNode *wait_state(const char *want, guint seconds)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
  for (;;) {
    const char *state = NULL;
    JsonNode *n = status(&state);
    if (g_strcmp0(state, want) == 0)
      return n;
    gboolean over = g_strcmp0(state, "stopped") == 0 || g_strcmp0(state, "crashed") == 0;
    if (over || g_get_monotonic_time() > deadline) {
      g_autofree char *text = json_to_string(n, FALSE);
      g_error("VM is not %s %s: %s", want, over ? "(and never will be)" : "in time", text);
    }
    json_node_unref(n);
    g_usleep(100 * 1000);
  }
}

static gboolean agent_answers(guint timeout_s)
{
  g_autofree char *t = g_strdup_printf("%u", timeout_s);
  const char *args[] = {"agent", VM, "ping", "--timeout", t, NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  return r.status == 0;
}

/* Start @cmd in the guest through its agent (guest-exec); its pid. */
static gint64 guest_exec(const char *cmd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmAgent) a = bvm_agent_connect(qga_sock, 5000, &error);
  g_assert_no_error(error);
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "path");
  json_builder_add_string_value(b, "/bin/sh");
  json_builder_set_member_name(b, "arg");
  json_builder_begin_array(b);
  json_builder_add_string_value(b, "-c");
  json_builder_add_string_value(b, cmd);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "capture-output");
  json_builder_add_boolean_value(b, TRUE);
  json_builder_end_object(b);
  g_autoptr(JsonNode) args = json_builder_get_root(b);
  g_autoptr(JsonNode) r = bvm_agent_execute(a, "guest-exec", args, 5000, &error);
  g_assert_no_error(error);
  return json_object_get_int_member(json_node_get_object(r), "pid");
}

/* Wait for a guest-exec'd command; its exit code and output. */
static int guest_wait(gint64 pid, guint seconds, char **out_text)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BvmAgent) a = bvm_agent_connect(qga_sock, 5000, &error);
    g_assert_no_error(error);
    g_autofree char *json = g_strdup_printf("{\"pid\": %" G_GINT64_FORMAT "}", pid);
    g_autoptr(JsonNode) args = json_from_string(json, NULL);
    g_autoptr(JsonNode) r = bvm_agent_execute(a, "guest-exec-status", args, 5000, &error);
    g_assert_no_error(error);
    JsonObject *o = json_node_get_object(r);
    if (json_object_get_boolean_member_with_default(o, "exited", FALSE)) {
      const char *data = json_object_get_string_member_with_default(o, "out-data", "");
      gsize len = 0;
      g_autofree guchar *raw = g_base64_decode(data, &len);
      *out_text = g_strndup((const char *)raw, len);
      return (int)json_object_get_int_member_with_default(o, "exitcode", -1);
    }
    g_usleep(250 * 1000);
  }
  g_error("the guest command %" G_GINT64_FORMAT " did not end in %u s", pid, seconds);
}

static const char *doctor_kvm_error(void)
{
  JsonObject *d = json_node_get_object(doctor);
  return json_object_get_string_member_with_default(d, "kvmError", NULL);
}

static gboolean doctor_kvm_works(void)
{
  g_autofree char *accels =
      json_to_string(json_object_get_member(json_node_get_object(doctor), "accelerators"), FALSE);
  return strstr(accels, "\"kvm\"") != NULL;
}

static void test_auto_boots_to_agent(void)
{
  const char *create[] = {"create",   VM,   "--iso",  plain_iso, "--preset",         "light",
                          "--memory", "1G", "--disk", "2G",      "--no-secure-boot", "--no-tpm",
                          NULL};
  run_ok(create);
  /* the agent's socket: run/ may live under $XDG_RUNTIME_DIR (a comma in
   * the bundle path) */
  const char *show[] = {"show", VM, "--json", NULL};
  g_autoptr(JsonNode) vm = run_json(show);
  JsonObject *vo = json_node_get_object(vm);
  g_autoptr(BvmPaths) paths = bvm_paths_new(json_object_get_string_member(vo, "path"),
                                            json_object_get_string_member(vo, "id"));
  qga_sock = g_strdup(paths->qga_sock);
  const char *start[] = {"start", VM, "--wait-agent=240", "--display", "none", NULL};
  run_ok(start);
  const char *cmd[] = {"command", VM, "--json", NULL};
  g_autoptr(JsonNode) c = run_json(cmd);
  JsonObject *co = json_node_get_object(c);
  const char *accel = json_object_get_string_member(co, "accel");
  const char *forced = g_getenv("BRIDGEVM_ACCEL");
  if (forced != NULL && g_strcmp0(forced, "auto") != 0)
    g_assert_cmpstr(accel, ==, forced);
  else
    g_assert_cmpstr(accel, ==, doctor_kvm_works() ? "kvm" : "tcg");
  /* where /dev/kvm is there but unusable, the command says why TCG */
  if (doctor_kvm_error() != NULL && g_strcmp0(accel, "tcg") == 0) {
    g_autofree char *dropped = json_to_string(json_object_get_member(co, "dropped"), FALSE);
    assert_contains(dropped, "using TCG");
  }
  g_assert_true(agent_answers(5));
}

static void test_pause_stops_the_guest_and_resume_brings_it_back(void)
{
  const char *pause[] = {"pause", VM, "--json", NULL};
  g_autoptr(JsonNode) p = run_json(pause);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(p), "state"), ==, "paused");
  g_assert_true(json_object_get_null_member(json_node_get_object(p), "reason"));
  /* the vCPUs do not run: the agent cannot answer */
  g_assert_false(agent_answers(2));
  const char *resume[] = {"resume", VM, "--json", NULL};
  g_autoptr(JsonNode) r = run_json(resume);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(r), "state"), ==, "running");
  g_assert_true(agent_answers(10));
  /* resume of a running VM, pause of a paused one: no harm, no error */
  g_autoptr(JsonNode) again = run_json(resume);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(again), "state"), ==,
                  "running");
}

static guint64 free_mib(const char *path)
{
  struct statvfs st;
  g_assert_cmpint(statvfs(path, &st), ==, 0);
  return (guint64)st.f_bavail * st.f_frsize / (1024 * 1024);
}

static void test_full_host_disk_pauses_and_loses_nothing(void)
{
  if (!on_tmpfs) {
    g_test_skip("a full host disk is simulated on a tmpfs in a private mount namespace (root)");
    return;
  }
  /* Leave the reserve plus 24 MiB; the guest writes 40 MiB of 0xab. */
  guint64 avail = free_mib(library);
  g_assert_cmpuint(avail, >, RESERVE_MIB + 24 + 8);
  g_autofree char *filler = g_build_filename(library, "filler", NULL);
  g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "M", avail - RESERVE_MIB - 24);
  const char *fallocate[] = {"fallocate", "-l", size, filler, NULL};
  int ws = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)fallocate, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                             NULL, &ws, NULL));
  g_assert_true(g_spawn_check_wait_status(ws, NULL));
  g_autofree char *cmd =
      g_strdup_printf("head -c %d /dev/zero | tr '\\000' '\\253' > /tmp/p && "
                      "dd if=/tmp/p of=/dev/nvme0n1 bs=1M oflag=direct 2>&1 && sync",
                      WRITE_MIB * 1024 * 1024);
  gint64 pid = guest_exec(cmd);
  disk_filled = TRUE;

  g_autoptr(JsonNode) paused = wait_state("paused", 120);
  const char *reason = json_object_get_string_member(json_node_get_object(paused), "reason");
  assert_contains(reason, "the host disk is full");
  assert_contains(reason, "free space, then resume");
  /* still full: resume is refused with the same reason, and it stays paused */
  g_auto(BvmRun) early = {0};
  const char *resume[] = {"resume", VM, NULL};
  harness_run(&early, library, resume);
  g_assert_cmpint(early.status, !=, 0);
  assert_contains(early.err, "stays paused: the host disk is full");
  const char *state = NULL;
  g_autoptr(JsonNode) still = status(&state);
  g_assert_cmpstr(state, ==, "paused");

  g_assert_cmpint(g_unlink(filler), ==, 0);
  run_ok(resume);
  g_autofree char *out = NULL;
  g_assert_cmpint(guest_wait(pid, 120, &out), ==, 0);
  g_autofree char *records = g_strdup_printf("%d+0 records out", WRITE_MIB);
  assert_contains(out, records);
  g_assert_true(agent_answers(10));
}

static void test_guest_panic_is_a_crash(void)
{
  g_autofree char *serial_path =
      g_build_filename(library, VM ".bridgevm", "logs", "serial.log", NULL);
  g_autofree char *serial = NULL;
  g_assert_true(g_file_get_contents(serial_path, &serial, NULL, NULL));
  assert_contains(serial, "BRIDGEVM-GUEST: pvpanic=yes");
  /* harness_guest_exec: the agent's reply can be lost when QEMU ends at
   * once on the panic (seen 1 in 4 boots here). */
  g_autoptr(GError) error = NULL;
  harness_guest_exec(qga_sock, "echo c > /proc/sysrq-trigger", &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) crashed = wait_state("crashed", 60);
  JsonObject *le = json_object_get_object_member(json_node_get_object(crashed), "lastExit");
  g_assert_cmpstr(json_object_get_string_member(le, "kind"), ==, "crash");
  g_assert_cmpstr(json_object_get_string_member(le, "reason"), ==, "the guest kernel panicked");
  g_autofree char *left = harness_process_mentioning(root);
  if (left != NULL)
    g_error("a process of the VM is still running: %s", left);

  if (disk_filled) {
    /* every byte the guest wrote across the full disk is on the disk */
    g_autofree char *disk = g_build_filename(library, VM ".bridgevm", "disk.qcow2", NULL);
    g_autofree char *read = g_strdup_printf("read -P 0xab 0 %dM", WRITE_MIB);
    const char *qemu_io[] = {"qemu-io", "-r", "-f", "qcow2", "-c", read, disk, NULL};
    g_autofree char *out = NULL, *err = NULL;
    int ws = 0;
    g_assert_true(g_spawn_sync(NULL, (char **)qemu_io, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &ws, NULL));
    g_assert_null(strstr(out, "Pattern verification failed"));
    assert_contains(out, "read ");
  }
}

/* A QEMU that leaves out -cpu host: on a host whose KVM aborts on the host
 * CPU's MSRs, the firmware then runs into the same KVM internal error as
 * on a host that stops in UEFI (both are nested KVMs). */
static char *qemu_without_cpu_host(void)
{
  g_autofree char *real = g_find_program_in_path("qemu-system-x86_64");
  char *path = g_build_filename(root, "qemu-no-cpu-host", NULL);
  g_autofree char *script = g_strdup_printf("#!/bin/sh\n"
                                            "for a in \"$@\"; do\n"
                                            "  case $a in host) a=qemu64 ;; esac\n"
                                            "  set -- \"$@\" \"$a\"; shift\n"
                                            "done\n"
                                            "exec '%s' \"$@\"\n",
                                            real);
  g_assert_true(g_file_set_contents(path, script, -1, NULL));
  g_assert_cmpint(g_chmod(path, 0755), ==, 0);
  return path;
}

/* --accel kvm where KVM stops in the firmware: crashed within 5 s, QEMU's
 * own words in the reason, nothing left. */
static void expect_kvm_crash(void)
{
  const char *start[] = {"start", VM, "--display", "none", NULL};
  g_auto(BvmRun) r = {0};
  gint64 t0 = g_get_monotonic_time();
  harness_run(&r, library, start);
  const char *state = NULL;
  JsonNode *n = NULL;
  while ((n = status(&state)) != NULL && g_strcmp0(state, "crashed") != 0 &&
         g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC) {
    json_node_unref(n);
    g_usleep(100 * 1000);
  }
  g_autoptr(JsonNode) keep = n;
  g_assert_cmpstr(state, ==, "crashed");
  JsonObject *le = json_object_get_object_member(json_node_get_object(keep), "lastExit");
  const char *reason = json_object_get_string_member(le, "reason");
  assert_contains(reason, "KVM internal error");
  assert_contains(reason, "--accel tcg");
  g_autofree char *left = harness_process_mentioning(root);
  if (left != NULL)
    g_error("a process of the VM is still running: %s", left);
}

static void test_kvm_asked_for_where_it_cannot_run(void)
{
  const char *set_kvm[] = {"set", VM, "--accel", "kvm", NULL};
  const char *set_auto[] = {"set", VM, "--accel", "auto", NULL};
  const char *kvm_error = doctor_kvm_error();
  g_auto(BvmRun) set = {0};
  harness_run(&set, library, set_kvm);
  if (!doctor_kvm_works() && kvm_error == NULL) {
    /* no /dev/kvm: refused, nothing changed */
    g_assert_cmpint(set.status, ==, 1);
    assert_contains(set.err, "no usable /dev/kvm");
    return;
  }
  g_assert_cmpint(set.status, ==, 0);
  if (kvm_error == NULL) {
    /* KVM works here: it boots under it */
    const char *start[] = {"start", VM, "--wait-agent=240", "--display", "none", NULL};
    run_ok(start);
    const char *kill[] = {"kill", VM, NULL};
    run_ok(kill);
  } else if (strstr(kvm_error, "KVM internal error") != NULL) {
    expect_kvm_crash();
  } else {
    /* KVM aborts on -cpu host: the start fails with QEMU's words and the fix */
    const char *start[] = {"start", VM, "--display", "none", NULL};
    g_auto(BvmRun) r = {0};
    harness_run(&r, library, start);
    g_assert_cmpint(r.status, !=, 0);
    assert_contains(r.err, "--accel auto, or tcg");
    g_autofree char *left = harness_process_mentioning(root);
    if (left != NULL)
      g_error("a process of the VM is still running: %s", left);
    /* and without -cpu host its firmware stops as on the hosts of kind (c) */
    g_autofree char *qemu = qemu_without_cpu_host();
    g_setenv("BRIDGEVM_QEMU_X86_64", qemu, TRUE);
    expect_kvm_crash();
    g_unsetenv("BRIDGEVM_QEMU_X86_64");
  }
  run_ok(set_auto);
}

/* Whatever fails, no VM of the test outlives it. */
static void kill_vm(void)
{
  g_auto(BvmRun) r = {0};
  const char *args[] = {"kill", VM, NULL};
  harness_run(&r, library, args);
}

static gboolean on_fatal(const char *domain, GLogLevelFlags level, const char *message,
                         gpointer data)
{
  kill_vm();
  return TRUE;
}

/* As root: the library on a tmpfs of our own, in a mount namespace of this
 * process alone (its children inherit it); the machine's mounts are not
 * touched and the tmpfs goes with the last process in it. */
static gboolean library_on_tmpfs(void)
{
  if (getuid() != 0 || unshare(CLONE_NEWNS) != 0)
    return FALSE;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    return FALSE;
  g_mkdir_with_parents(library, 0700);
  return mount("bvm-e2e", library, "tmpfs", 0, "size=192m,mode=0700") == 0;
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-e2e-accel-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  g_autofree char *cache = harness_env_dir(root, "XDG_CACHE_HOME", "cache");
  g_setenv("BRIDGEVM_DISK_RESERVE_MIB", G_STRINGIFY(RESERVE_MIB), TRUE);
  /* BVM_E2E_ACCEL picks the accelerator (default auto: KVM where it works) */
  if (g_getenv("BVM_E2E_ACCEL") != NULL)
    g_setenv("BRIDGEVM_ACCEL", g_getenv("BVM_E2E_ACCEL"), TRUE);
  library = g_build_filename(root, "lib", NULL);
  on_tmpfs = library_on_tmpfs();
  plain_iso = harness_build_test_guest("plain");
  const char *doc[] = {"doctor", "--json", NULL};
  g_auto(BvmRun) d = {0};
  harness_run(&d, library, doc);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, d.out, -1, NULL));
  doctor = json_node_copy(json_parser_get_root(p));

  g_test_add_func("/e2e-accel/auto-boots-to-agent", test_auto_boots_to_agent);
  g_test_add_func("/e2e-accel/pause-stops-the-guest-and-resume-brings-it-back",
                  test_pause_stops_the_guest_and_resume_brings_it_back);
  g_test_add_func("/e2e-accel/full-host-disk-pauses-and-loses-nothing",
                  test_full_host_disk_pauses_and_loses_nothing);
  g_test_add_func("/e2e-accel/guest-panic-is-a-crash", test_guest_panic_is_a_crash);
  g_test_add_func("/e2e-accel/kvm-asked-for-where-it-cannot-run",
                  test_kvm_asked_for_where_it_cannot_run);
  /* Last: the VM killed, nothing else of the test may name its temp dir. */
  harness_add_final_check(root, kill_vm);
  g_test_log_set_fatal_handler(on_fatal, NULL);
  int rc = g_test_run();
  kill_vm();
  if (on_tmpfs)
    (void)umount2(library, MNT_DETACH);
  harness_cleanup(root);
  json_node_unref(doctor);
  return rc;
}
