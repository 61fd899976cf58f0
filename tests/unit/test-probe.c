/* The probes' parsers and the monitor's stop decision on what QEMU really
 * printed (tests/fixtures/probe), and the stop decision against a fake QMP
 * peer is in test-qmp-peers.c. */
#include "probe.h"
#include "vcpu_stop.h"

#include <string.h>

static char *fixture(const char *name)
{
  g_autofree char *path =
      g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "fixtures", "probe", name, NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static void assert_has(const char *text, const char *part)
{
  if (text == NULL || strstr(text, part) == NULL)
    g_error("'%s' lacks '%s'", text ? text : "(null)", part);
}

static void test_kvm_internal_error_is_firmware_failure(void)
{
  g_autofree char *out = fixture("kvm-internal-error.qmp");
  g_autofree char *err = fixture("kvm-internal-error.stderr");
  g_autofree char *v = bvm_probe_kvm_verdict("/usr/bin/qemu-system-x86_64", TRUE, out, err, FALSE);
  assert_has(v, "KVM is present but cannot run UEFI firmware on this host");
  assert_has(v, "\"KVM internal error. Suberror: 1\" (emulation failure)");
  /* the run state alone, without the stderr text, still says it stopped */
  g_autofree char *v2 = bvm_probe_kvm_verdict("qemu-system-x86_64", TRUE, out, "", FALSE);
  assert_has(v2, "run state internal-error");
}

static void test_msr_abort_names_the_msr(void)
{
  g_autofree char *out = fixture("msr-abort.qmp");
  g_autofree char *err = fixture("msr-abort.stderr");
  g_autofree char *v = bvm_probe_kvm_verdict("qemu-system-x86_64", TRUE, out, err, TRUE);
  assert_has(v, "QEMU cannot run UEFI firmware with it on this host: failed to set MSR 0x10a");
  g_autofree char *bare =
      bvm_probe_kvm_verdict("/usr/bin/qemu-system-x86_64", FALSE, out, err, TRUE);
  assert_has(bare, "cannot run a vCPU with it");
  /* nothing said at all */
  g_autofree char *silent = bvm_probe_kvm_verdict("qemu-system-x86_64", TRUE, "", "", TRUE);
  assert_has(silent, "ended at once without a message");
}

static void test_running_firmware_is_usable(void)
{
  g_autofree char *out = fixture("firmware-running.qmp");
  g_autofree char *err = fixture("firmware-running.stderr");
  g_assert_null(bvm_probe_kvm_verdict("qemu-system-x86_64", TRUE, out, err, FALSE));
  /* no answer to query-status is not a pass */
  g_autofree char *mute = bvm_probe_kvm_verdict("qemu-system-x86_64", TRUE, "", "", FALSE);
  assert_has(mute, "did not answer");
}

static void test_blob_complaint(void)
{
  g_autofree char *err = fixture("blob-refused.stderr");
  /* the warning line is passed over; the device location prefix goes */
  g_autofree char *why = bvm_probe_first_complaint("/usr/bin/qemu-system-x86_64", err);
  g_assert_cmpstr(why, ==, "cannot enable blob resources without udmabuf");
  g_assert_null(bvm_probe_first_complaint("qemu-system-x86_64", "\n\n"));
}

static void test_stop_decisions(void)
{
  g_autofree char *log = fixture("kvm-internal-error.stderr");
  struct {
    const char *status, *accel;
    gboolean disk_full, crashed, ignore;
    BvmVmState state;
    const char *reason_part;
  } cases[] = {
      {"internal-error", "kvm", FALSE, TRUE, FALSE, 0, "--accel tcg"},
      {"internal-error", "tcg", FALSE, TRUE, FALSE, 0, "internal error"},
      {"guest-panicked", "tcg", FALSE, TRUE, FALSE, 0, "the guest kernel panicked"},
      {"io-error", "kvm", FALSE, FALSE, FALSE, BVM_VM_PAUSED, "full (or failing)"},
      {"io-error", "kvm", TRUE, FALSE, FALSE, BVM_VM_PAUSED, "the host disk is full"},
      {"paused", "kvm", FALSE, FALSE, FALSE, BVM_VM_PAUSED, NULL},
      {"suspended", "tcg", FALSE, FALSE, FALSE, BVM_VM_PAUSED, "resume wakes it"},
      {"shutdown", "tcg", FALSE, FALSE, FALSE, BVM_VM_STOPPING, NULL},
      {"save-vm", "tcg", FALSE, FALSE, TRUE, 0, NULL},
      {"running", "tcg", FALSE, FALSE, TRUE, 0, NULL},
      {"debug", "tcg", FALSE, FALSE, FALSE, BVM_VM_PAUSED, "run state debug"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_auto(BvmVcpuStop) s = {0};
    bvm_vcpu_stop_decide(cases[i].status, cases[i].accel, cases[i].disk_full, log, "w, 1", &s);
    g_assert_cmpint(s.crashed, ==, cases[i].crashed);
    g_assert_cmpint(s.ignore, ==, cases[i].ignore);
    if (!s.crashed && !s.ignore)
      g_assert_cmpint(s.state, ==, cases[i].state);
    if (cases[i].reason_part != NULL)
      assert_has(s.reason, cases[i].reason_part);
    else
      g_assert_null(s.reason);
  }
  /* the KVM crash quotes QEMU and names the VM in the hint */
  g_auto(BvmVcpuStop) kvm = {0};
  bvm_vcpu_stop_decide("internal-error", "kvm", FALSE, log, "w, 1", &kvm);
  assert_has(kvm.reason, "\"KVM internal error. Suberror: 1\" (emulation failure)");
  assert_has(kvm.reason, "bridgevm set 'w, 1' --accel tcg");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/probe/kvm-internal-error-is-firmware-failure",
                  test_kvm_internal_error_is_firmware_failure);
  g_test_add_func("/probe/msr-abort-names-the-msr", test_msr_abort_names_the_msr);
  g_test_add_func("/probe/running-firmware-is-usable", test_running_firmware_is_usable);
  g_test_add_func("/probe/blob-complaint", test_blob_complaint);
  g_test_add_func("/probe/stop-decisions", test_stop_decisions);
  return g_test_run();
}
