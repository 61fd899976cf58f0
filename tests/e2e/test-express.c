/* End to end, under TCG: the express answer CD reaches a guest exactly as
 * Windows Setup would meet it. A Linux test VM gets a Windows VM's answer
 * ISO, attached by the same builder code (AHCI port 1 on q35); inside, the
 * guest mounts that CD and its autounattend.xml hashes to the golden answer
 * file for the options. Once the guest has written to its disk (Setup's
 * first pass does), the next start leaves the CD out and removes the ISO. */
#include "cli-harness.h"
#include "paths.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define VM "e2e-express"

static char *root, *library, *plain_iso;

static char *read_text(const char *path)
{
  char *data = NULL;
  g_file_get_contents(path, &data, NULL, NULL);
  return data ? data : g_strdup("");
}

static char *wait_serial(const char *serial_path, const char *needle, int seconds)
{
  gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  char *serial = NULL;
  do {
    g_free(serial);
    serial = read_text(serial_path);
    if (strstr(serial, needle) != NULL)
      return serial;
    g_usleep(500 * 1000);
  } while (g_get_monotonic_time() < deadline);
  g_error("no '%s' on the guest's serial console within %d s: %s", needle, seconds, serial);
}

static JsonNode *show(const char *vm)
{
  const char *args[] = {"show", vm, "--json", NULL};
  return harness_run_json(library, args);
}

static void test_answer_cd_reaches_the_guest(void)
{
  /* A Windows VM's express install, with the options of the golden
   * tests/golden/unattend/x86_64-drivers.xml. */
  g_autofree char *win_iso = harness_make_media_iso(root, "win-x64.iso", "CCCOMA_X64FRE_EN-US_DV9",
                                                    "MICROSOFT CORPORATION", NULL);
  const char *dirs[] = {"viostor/w11/amd64", "NetKVM/w11/amd64", "viogpudo/w11/amd64",
                        "guest-agent", NULL};
  g_autofree char *virtio_win =
      harness_make_media_iso(root, "virtio-win.iso", "virtio-win-0.1.262", NULL, dirs);
  g_autofree char *pw = g_build_filename(root, "password", NULL);
  g_assert_true(g_file_set_contents(pw, "correct horse\n", -1, NULL));
  g_chmod(pw, 0600);
  const char *win[] = {"create",
                       "win",
                       "--iso",
                       win_iso,
                       "--arch",
                       "x86_64",
                       "--accept-license",
                       "--express",
                       "--user",
                       "Ada",
                       "--password-file",
                       pw,
                       "--locale",
                       "en-GB",
                       "--timezone",
                       "Europe/London",
                       "--drivers",
                       virtio_win,
                       NULL};
  harness_run_ok(library, win);

  /* The Linux test VM with that answer ISO in its bundle and the same
   * driver CD. */
  const char *create[] = {"create",   VM,   "--iso",  plain_iso, "--preset",         "light",
                          "--memory", "1G", "--disk", "2G",      "--no-secure-boot", NULL};
  harness_run_ok(library, create);
  const char *set[] = {"set", VM, "--drivers", virtio_win, NULL};
  harness_run_ok(library, set);
  g_autoptr(JsonNode) vm = show(VM);
  JsonObject *vo = json_node_get_object(vm);
  const char *bundle = json_object_get_string_member(vo, "path");
  g_autofree char *win_answer = g_build_filename(library, "win.bridgevm", "unattend.iso", NULL);
  g_autofree char *answer = g_build_filename(bundle, "unattend.iso", NULL);
  g_autofree char *iso_bytes = NULL;
  gsize iso_len = 0;
  g_assert_true(g_file_get_contents(win_answer, &iso_bytes, &iso_len, NULL));
  g_assert_true(g_file_set_contents_full(answer, iso_bytes, (gssize)iso_len,
                                         G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  g_autoptr(BvmPaths) paths = bvm_paths_new(bundle, json_object_get_string_member(vo, "id"));
  g_autofree char *serial_path = g_build_filename(bundle, "logs", "serial.log", NULL);

  const char *start[] = {"start", VM, "--wait-agent=240", "--display", "none", NULL};
  harness_run_ok(library, start);
  /* QEMU got the CD where a Windows x86_64 VM gets it. */
  g_autofree char *qemu = harness_process_mentioning(answer);
  g_assert_nonnull(qemu);
  assert_contains(qemu, "ide-cd,bus=ide.1,drive=answer");
  assert_contains(qemu, "ide-cd,bus=ide.2,drive=drivers");

  /* Inside: the CD with autounattend.xml at its root, on the AHCI port. */
  g_autoptr(GError) error = NULL;
  harness_guest_exec(
      paths->qga_sock,
      "mkdir -p /mnt/answer; for d in /dev/sr0 /dev/sr1 /dev/sr2 /dev/sr3; do "
      "mount -t iso9660 -o ro $d /mnt/answer 2>/dev/null || continue; "
      "if [ -f /mnt/answer/autounattend.xml ]; then "
      "echo \"BRIDGEVM-GUEST: answer-cd=$(readlink -f /sys/block/${d#/dev/}) "
      "sha256=$(sha256sum /mnt/answer/autounattend.xml | cut -d' ' -f1)\" > /dev/ttyS0; break; fi; "
      "umount /mnt/answer; done",
      &error);
  g_assert_no_error(error);
  g_autofree char *serial = wait_serial(serial_path, "BRIDGEVM-GUEST: answer-cd=", 60);
  g_autofree char *golden_path = g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "golden",
                                                  "unattend", "x86_64-drivers.xml", NULL);
  g_autofree char *golden = read_text(golden_path);
  g_autofree char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, golden, -1);
  g_autofree char *marker = g_strdup_printf("sha256=%s", want);
  assert_contains(serial, marker);
  /* ahci port 1 is the kernel's ata2 */
  const char *line = strstr(serial, "BRIDGEVM-GUEST: answer-cd=");
  g_autofree char *sysfs = g_strndup(line, strcspn(line, "\r\n"));
  assert_contains(sysfs, "/ata2/");

  /* Setup's first pass writes the disk; here the guest does. */
  harness_guest_exec(paths->qga_sock,
                     "dd if=/dev/urandom of=/dev/nvme0n1 bs=1M count=8 && sync && "
                     "echo 'BRIDGEVM-GUEST: disk-written' > /dev/ttyS0",
                     &error);
  g_assert_no_error(error);
  g_free(wait_serial(serial_path, "BRIDGEVM-GUEST: disk-written", 60));
  const char *stop[] = {"stop", VM, NULL};
  harness_run_ok(library, stop);
  g_assert_true(g_file_test(answer, G_FILE_TEST_EXISTS));

  /* The next start: no answer CD, and the ISO is gone. */
  harness_run_ok(library, start);
  g_assert_false(g_file_test(answer, G_FILE_TEST_EXISTS));
  g_autofree char *qemu2 = harness_process_mentioning(paths->qga_sock);
  g_assert_nonnull(qemu2);
  g_assert_null(strstr(qemu2, "drive=answer"));
  assert_contains(qemu2, "drive=drivers");
  const char *kill[] = {"kill", VM, NULL};
  harness_run_ok(library, kill);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-e2e-express-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib", NULL);
  plain_iso = harness_build_test_guest("plain");
  g_test_add_func("/e2e/express/answer-cd-reaches-the-guest", test_answer_cd_reaches_the_guest);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  g_auto(BvmRun) r = {0};
  const char *kill[] = {"kill", VM, NULL};
  harness_run(&r, library, kill);
  harness_cleanup(root);
  return rc;
}
