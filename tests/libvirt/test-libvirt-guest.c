/* The test guest through libvirt and back (suite e2e: boots guests; run it
 * under the guest lock). Pushed with --start to a libvirtd the test starts:
 * libvirt boots it (TCG here), its guest agent answers through libvirt
 * (virsh qemu-agent-command is virDomainQemuAgentCommand), the guest shows
 * its disk serial and TPM on the serial log and writes a marker to its
 * disk; bridgevm stop VM@REMOTE shuts it down through libvirt (ACPI);
 * imported back, the bundle boots under
 * bridgevm start and reads the marker the guest wrote under libvirt. */
#include "cli-harness.h"
#include "libvirt-harness.h"
#include "paths.h"

#include <string.h>

static char *root;
static char *library;
static HarnessLibvirt *lv;

#define MARKER "BVM-LIBVIRT-MARKER-5f3a"

static char *virsh_agent(const char *domain, const char *json, gboolean may_fail)
{
  const char *args[] = {"virsh", "-q", "-c", lv->uri, "qemu-agent-command", domain, json, NULL};
  g_autoptr(GSubprocess) p = g_subprocess_newv(
      args, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
  g_autofree char *out = NULL;
  g_subprocess_communicate_utf8(p, NULL, NULL, &out, NULL, NULL);
  gboolean ok = g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0;
  if (!ok && !may_fail)
    g_error("virsh qemu-agent-command %s %s failed", domain, json);
  return ok ? g_steal_pointer(&out) : NULL;
}

/* Poll @path until it holds @needle (a guest's serial log: no event). */
static char *wait_for_text(const char *path, const char *needle, int seconds)
{
  gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  char *text = NULL;
  do {
    g_clear_pointer(&text, g_free);
    g_file_get_contents(path, &text, NULL, NULL);
    if (text != NULL && strstr(text, needle) != NULL)
      return text;
    g_usleep(500 * 1000);
  } while (g_get_monotonic_time() < deadline);
  g_error("'%s' did not appear in %s within %d s; it holds:\n%s", needle, path, seconds,
          text ? text : "(nothing)");
}

static void test_push_boot_and_back(void)
{
  g_autofree char *iso = harness_build_test_guest("plain");
  const char *create[] = {"create",   "roundtrip", "--iso",  iso,  "--preset",         "light",
                          "--memory", "1G",        "--disk", "2G", "--no-secure-boot", "--tpm",
                          NULL};
  harness_run_ok(library, create);

  const char *push[] = {"push", "roundtrip", lv->uri, "--start", "--json", NULL};
  g_autoptr(JsonNode) pushed = harness_run_json(library, push);
  gint64 deadline;
  g_assert_true(json_object_get_boolean_member(json_node_get_object(pushed), "started"));

  /* the guest agent, through libvirt */
  deadline = g_get_monotonic_time() + 240 * G_USEC_PER_SEC;
  g_autofree char *pong = NULL;
  while (pong == NULL && g_get_monotonic_time() < deadline) {
    pong = virsh_agent("roundtrip", "{\"execute\":\"guest-ping\"}", TRUE);
    if (pong == NULL)
      g_usleep(1000 * 1000);
  }
  g_assert_nonnull(pong);
  assert_contains(pong, "\"return\"");

  /* what the guest sees: the disk's serial (virtio-blk stands in for NVMe)
   * and the TPM, on its serial console; then the marker on its disk, 1 MiB
   * in (the guest runs from its CD: the disk holds nothing else) */
  g_autofree char *serial_log =
      harness_libvirt_host_path(lv, "/var/log/libvirt/qemu/roundtrip-serial.log");
  g_autofree char *ready = wait_for_text(serial_log, "BRIDGEVM-GUEST: ready", 120);
  const char *exec =
      "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\","
      "\"echo BVM-DISK-SERIAL=$(cat /sys/block/vda/serial) > /dev/console; "
      "echo BVM-TPM=$(ls /sys/class/tpm 2>/dev/null) > /dev/console; "
      "printf " MARKER " | dd of=/dev/vda bs=512 seek=2048 conv=notrunc,fsync 2>/dev/null; "
      "echo BVM-MARKER-WRITTEN > /dev/console\"]}}";
  g_autofree char *started = virsh_agent("roundtrip", exec, FALSE);
  assert_contains(started, "pid");
  g_autofree char *seen = wait_for_text(serial_log, "BVM-MARKER-WRITTEN", 60);
  g_autofree char *bundle = g_build_filename(library, "roundtrip.bridgevm", NULL);
  g_autofree char *config = g_build_filename(bundle, "config.json", NULL);
  g_autofree char *cfg = NULL;
  g_assert_true(g_file_get_contents(config, &cfg, NULL, NULL));
  const char *id = strstr(cfg, "\"id\"");
  g_assert_nonnull(id);
  assert_contains(seen, "BVM-DISK-SERIAL=BVM");
  g_test_message("the guest under libvirt: %s",
                 strstr(seen, "BVM-TPM=") ? strstr(seen, "BVM-TPM=") : "(no TPM line)");
  assert_contains(seen, "BVM-TPM=tpm0");

  /* shut down through libvirt (virDomainShutdown: ACPI, the guest's power
   * button) as bridgevm stop VM@REMOTE, which waits for it to be off */
  const char *add[] = {"remote", "add", "lab", lv->uri, NULL};
  harness_run_ok(library, add);
  const char *stop[] = {"stop", "roundtrip@lab", "--timeout", "120", NULL};
  harness_run_ok(library, stop);
  const char *domstate[] = {"domstate", "roundtrip", NULL};
  g_autofree char *state = g_strstrip(harness_virsh(lv, domstate));
  g_assert_cmpstr(state, ==, "shut off");

  /* back: a bundle that boots under bridgevm with the marker */
  const char *import[] = {"import", lv->uri, "roundtrip", "--name", "back", NULL};
  harness_run_ok(library, import);
  const char *start[] = {"start", "back", "--wait-agent=240", "--display", "none", NULL};
  harness_run_ok(library, start);
  const char *show[] = {"show", "back", "--json", NULL};
  g_autoptr(JsonNode) shown = harness_run_json(library, show);
  JsonObject *vm = json_node_get_object(shown);
  g_autofree char *back = g_build_filename(library, "back.bridgevm", NULL);
  g_autoptr(BvmPaths) paths = bvm_paths_new(back, json_object_get_string_member(vm, "id"));
  g_autoptr(GError) error = NULL;
  g_assert_true(harness_guest_exec(
      paths->qga_sock,
      "echo BVM-READ=$(dd if=/dev/nvme0n1 bs=512 skip=2048 count=1 2>/dev/null | head -c 23) "
      "> /dev/console",
      &error));
  g_assert_no_error(error);
  g_autofree char *read_back = wait_for_text(paths->serial_log, "BVM-READ=", 60);
  assert_contains(read_back, "BVM-READ=" MARKER);
  const char *kill[] = {"kill", "back", NULL};
  harness_run_ok(library, kill);
}

static void teardown(void)
{
  harness_libvirt_stop(g_steal_pointer(&lv));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-libvirt-guest-XXXXXX");
  library = g_build_filename(root, "VMs", NULL);
  g_free(harness_env_dir(root, "XDG_RUNTIME_DIR", "run"));
  g_free(harness_env_dir(root, "XDG_DATA_HOME", "data"));
  g_autofree char *skip = NULL;
  lv = harness_libvirt_start(root, &skip);
  if (lv == NULL) {
    g_test_skip(skip);
    harness_cleanup(root);
    return 77;
  }
  g_test_add_func("/libvirt/push-boot-and-back", test_push_boot_and_back);
  harness_add_final_check(root, teardown);
  int status = g_test_run();
  harness_cleanup(root);
  return status;
}
