/* Snapshots and clones end to end, under TCG, with the test guest: markers
 * written to the NVMe disk from inside the guest, a live snapshot with the
 * agent's fsfreeze (filesystem-consistent, the guest writable after) and
 * one with the agent stopped (crash-consistent), a clone from the live
 * snapshot running beside its source with its own uuid, MAC and NVMe
 * serial, and a revert that brings back the disk, the vars and the TPM. Three
 * boots in all. */
#include "cli-harness.h"
#include "error.h"
#include "guest_agent.h"
#include "paths.h"

#include <glib/gstdio.h>
#include <string.h>

static char *root, *library, *iso;

static char *bundle_file(const char *vm, const char *name)
{
  g_autofree char *dir = g_strdup_printf("%s.bridgevm", vm);
  return g_build_filename(library, dir, name, NULL);
}

static char *qga_sock(const char *vm)
{
  g_autoptr(JsonNode) st = harness_run_json(library, (const char *[]){"show", vm, "--json", NULL});
  const char *id = json_object_get_string_member(json_node_get_object(st), "id");
  g_autofree char *path = bundle_file(vm, NULL);
  g_autoptr(BvmPaths) paths = bvm_paths_new(path, id);
  return g_strdup(paths->qga_sock);
}

/* Run @cmd in the guest through its agent and return what it printed. */
static char *guest_run(const char *vm, const char *cmd)
{
  g_autofree char *sock = qga_sock(vm);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmAgent) agent = bvm_agent_connect(sock, 10000, &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) args = json_from_string("{}", NULL);
  JsonObject *o = json_node_get_object(args);
  json_object_set_string_member(o, "path", "/bin/sh");
  JsonArray *argv = json_array_new();
  json_array_add_string_element(argv, "-c");
  json_array_add_string_element(argv, cmd);
  json_object_set_array_member(o, "arg", argv);
  json_object_set_boolean_member(o, "capture-output", TRUE);
  g_autoptr(JsonNode) started = bvm_agent_execute(agent, "guest-exec", args, 10000, &error);
  g_assert_no_error(error);
  gint64 pid = json_object_get_int_member(json_node_get_object(started), "pid");
  g_autofree char *status_args = g_strdup_printf("{\"pid\": %" G_GINT64_FORMAT "}", pid);
  for (int i = 0; i < 300; i++) {
    g_autoptr(JsonNode) sa = json_from_string(status_args, NULL);
    g_autoptr(JsonNode) st = bvm_agent_execute(agent, "guest-exec-status", sa, 10000, &error);
    g_assert_no_error(error);
    JsonObject *so = json_node_get_object(st);
    if (!json_object_get_boolean_member(so, "exited")) {
      g_usleep(100 * 1000);
      continue;
    }
    const char *b64 = json_object_get_string_member_with_default(so, "out-data", "");
    gsize len = 0;
    g_autofree guchar *out = g_base64_decode(b64, &len);
    return g_strndup((const char *)out, len);
  }
  g_error("guest command did not end: %s", cmd);
}

static char *agent_call(const char *vm, const char *command)
{
  g_autofree char *sock = qga_sock(vm);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmAgent) agent = bvm_agent_connect(sock, 10000, &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) r = bvm_agent_execute(agent, command, NULL, 10000, &error);
  g_assert_no_error(error);
  return json_to_string(r, FALSE);
}

static void start(const char *vm)
{
  harness_run_ok(library,
                 (const char *[]){"start", vm, "--display", "none", "--wait-agent=240", NULL});
}

/* The guest's view of its identity: SMBIOS uuid, MAC, NVMe serial. */
static char *identity(const char *vm)
{
  return guest_run(vm, "cat /sys/class/dmi/id/product_uuid /sys/class/net/eth0/address "
                       "/sys/class/nvme/nvme0/serial");
}

static char *sector(const char *vm, int n)
{
  g_autofree char *cmd =
      g_strdup_printf("dd if=/dev/nvme0n1 bs=512 skip=%d count=1 2>/dev/null | head -c 10", n);
  return guest_run(vm, cmd);
}

static gboolean same_file(const char *a, const char *b)
{
  g_autofree char *x = NULL, *y = NULL;
  gsize lx = 0, ly = 0;
  g_assert_true(g_file_get_contents(a, &x, &lx, NULL));
  g_assert_true(g_file_get_contents(b, &y, &ly, NULL));
  return lx == ly && memcmp(x, y, lx) == 0;
}

static void test_live_snapshot_clone_and_revert(void)
{
  harness_run_ok(library, (const char *[]){"create", "src", "--iso", iso, "--preset", "light",
                                           "--memory", "1G", "--disk", "1G", NULL});
  start("src");
  g_autofree char *w1 = guest_run(
      "src",
      "printf MARKER-ONE | dd of=/dev/nvme0n1 bs=512 seek=0 conv=fsync 2>/dev/null; echo ok");
  g_assert_cmpstr(w1, ==, "ok\n");

  /* live, the agent answering: frozen and thawed, the guest writable after */
  g_autoptr(JsonNode) one = harness_run_json(
      library, (const char *[]){"snapshot", "src", "create", "one", "--json", NULL});
  JsonObject *o = json_node_get_object(one);
  g_assert_true(json_object_get_boolean_member(o, "live"));
  g_assert_cmpstr(json_object_get_string_member(o, "consistency"), ==, "filesystem");
  assert_contains(json_object_get_string_member(o, "notice"), "memory state is not saved");
  g_test_message("live snapshot: guest frozen/paused %" G_GINT64_FORMAT " ms",
                 json_object_get_int_member(o, "pausedMs"));
  g_autofree char *fs = agent_call("src", "guest-fsfreeze-status");
  g_assert_cmpstr(fs, ==, "\"thawed\"");
  g_autofree char *writable = guest_run("src", "echo fine > /root/after && cat /root/after");
  g_assert_cmpstr(writable, ==, "fine\n");

  g_autofree char *w2 = guest_run(
      "src",
      "printf MARKER-TWO | dd of=/dev/nvme0n1 bs=512 seek=8 conv=fsync 2>/dev/null; echo ok");
  g_assert_cmpstr(w2, ==, "ok\n");

  /* a running VM's revert is refused, changing nothing */
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, (const char *[]){"snapshot", "src", "revert", "one", NULL});
  g_assert_cmpint(r.status, ==, BVM_EXIT_CONFLICT);
  assert_contains(r.err, "is running: stop it first");
  g_autofree char *still = sector("src", 8);
  g_assert_cmpstr(still, ==, "MARKER-TWO");

  /* a clone from the live snapshot runs beside its source */
  g_auto(BvmRun) refused = {0};
  harness_run(&refused, library, (const char *[]){"clone", "src", "cl", NULL});
  g_assert_cmpint(refused.status, ==, BVM_EXIT_CONFLICT);
  harness_run_ok(library, (const char *[]){"clone", "src", "cl", "--from", "one", NULL});
  start("cl");
  g_autofree char *id_src = identity("src");
  g_autofree char *id_cl = identity("cl");
  g_test_message("source: %s\nclone: %s", id_src, id_cl);
  g_auto(GStrv) a = g_strsplit(id_src, "\n", -1);
  g_auto(GStrv) b = g_strsplit(id_cl, "\n", -1);
  g_assert_cmpuint(g_strv_length(a), >=, 3);
  g_assert_cmpuint(g_strv_length(b), >=, 3);
  for (int i = 0; i < 3; i++)
    g_assert_cmpstr(a[i], !=, b[i]);
  g_autofree char *cl0 = sector("cl", 0);
  g_autofree char *cl8 = sector("cl", 8);
  g_assert_cmpstr(cl0, ==, "MARKER-ONE");
  g_assert_cmpstr(cl8, !=, "MARKER-TWO");
  harness_run_ok(library, (const char *[]){"kill", "cl", NULL});
  harness_run_ok(library, (const char *[]){"delete", "cl", "--permanently", NULL});

  /* with the agent stopped: crash-consistent */
  g_autoptr(GError) error = NULL;
  g_autofree char *sock = qga_sock("src");
  harness_guest_exec(sock, "kill $(pidof qemu-ga)", &error);
  g_assert_no_error(error);
  g_usleep(500 * 1000);
  g_autoptr(JsonNode) crash = harness_run_json(
      library, (const char *[]){"snapshot", "src", "create", "nofreeze", "--json", NULL});
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(crash), "consistency"), ==,
                  "crash");

  /* stopped: revert brings back the disk, the vars and the TPM of 'one' */
  harness_run_ok(library, (const char *[]){"kill", "src", NULL});
  harness_run_ok(library, (const char *[]){"snapshot", "src", "revert", "one", NULL});
  g_autofree char *vars = bundle_file("src", "efi-vars.fd");
  g_autofree char *vars_copy = bundle_file("src", "snapshots/one/efi-vars.fd");
  g_assert_true(same_file(vars, vars_copy));
  g_autofree char *tpm = bundle_file("src", "tpm/tpm2-00.permall");
  g_autofree char *tpm_copy = bundle_file("src", "snapshots/one/tpm/tpm2-00.permall");
  g_assert_true(same_file(tpm, tpm_copy));
  start("src");
  g_autofree char *s0 = sector("src", 0);
  g_autofree char *s8 = sector("src", 8);
  g_assert_cmpstr(s0, ==, "MARKER-ONE");
  g_assert_cmpstr(s8, !=, "MARKER-TWO");
  harness_run_ok(library, (const char *[]){"kill", "src", NULL});

  /* deleting a snapshot frees it from the image */
  harness_run_ok(library, (const char *[]){"snapshot", "src", "delete", "nofreeze", NULL});
  g_autofree char *disk = bundle_file("src", "disk.qcow2");
  g_autofree char *out = NULL;
  const char *info[] = {"qemu-img", "info", "-U", disk, NULL};
  g_assert_true(g_spawn_sync(NULL, (char **)info, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                             NULL, NULL));
  assert_contains(out, "one");
  g_assert_null(strstr(out, "nofreeze"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-e2e-snap-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  g_autofree char *data = harness_env_dir(root, "XDG_DATA_HOME", "data");
  library = g_build_filename(root, "lib", NULL);
  iso = harness_build_test_guest("plain");
  g_test_add_func("/e2e/snapshots/live-snapshot-clone-and-revert",
                  test_live_snapshot_clone_and_revert);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  const char *vms[] = {"src", "cl", NULL};
  for (const char **v = vms; *v; v++) {
    g_auto(BvmRun) r = {0};
    harness_run(&r, library, (const char *[]){"kill", *v, NULL});
  }
  harness_cleanup(root);
  return rc;
}
