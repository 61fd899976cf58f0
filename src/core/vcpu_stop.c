#include "vcpu_stop.h"
#include "logs.h"
#include "probe.h"

#include <string.h>

void bvm_vcpu_stop_clear(BvmVcpuStop *stop)
{
  g_clear_pointer(&stop->reason, g_free);
}

static void set(BvmVcpuStop *out, BvmVmState state, char *reason)
{
  out->state = state;
  out->reason = reason;
}

void bvm_vcpu_stop_decide(const char *status, const char *accel, gboolean disk_full,
                          const char *qemu_log_text, const char *vm_name, BvmVcpuStop *out)
{
  memset(out, 0, sizeof *out);
  if (strcmp(status, "running") == 0 || strcmp(status, "save-vm") == 0 ||
      strcmp(status, "restore-vm") == 0 || strcmp(status, "finish-migrate") == 0 ||
      strcmp(status, "prelaunch") == 0) {
    /* resumed already, or a snapshot or migration holds the vCPUs a
     * moment: RESUME follows */
    out->ignore = TRUE;
  } else if (strcmp(status, "internal-error") == 0) {
    out->crashed = TRUE;
    if (g_strcmp0(accel, "kvm") == 0) {
      g_autofree char *what = bvm_probe_kvm_internal_error(qemu_log_text);
      out->reason = g_strdup_printf("KVM internal error: QEMU stopped the vCPU%s%s; KVM cannot "
                                    "run this guest on this host: bridgevm set '%s' --accel tcg",
                                    what ? " with " : "", what ? what : "", vm_name);
    } else {
      out->reason = g_strdup("QEMU stopped the vCPU with an internal error (see qemu.log)");
    }
  } else if (strcmp(status, "guest-panicked") == 0) {
    out->crashed = TRUE;
    out->reason = g_strdup("the guest kernel panicked");
  } else if (strcmp(status, "io-error") == 0) {
    set(out, BVM_VM_PAUSED,
        g_strdup(disk_full ? "the host disk is full: free space on it, then resume"
                           : "the host disk is full (or failing): free space, then resume"));
  } else if (strcmp(status, "shutdown") == 0) {
    set(out, BVM_VM_STOPPING, NULL);
  } else if (strcmp(status, "suspended") == 0) {
    set(out, BVM_VM_PAUSED, g_strdup("the guest suspended itself (sleep): resume wakes it"));
  } else if (strcmp(status, "watchdog") == 0) {
    set(out, BVM_VM_PAUSED, g_strdup("the guest's watchdog expired: resume, or stop it"));
  } else if (strcmp(status, "paused") == 0 || *status == '\0') {
    /* by the user (pause), or QMP did not answer: QEMU is on its way out
     * and its exit will say more */
    set(out, BVM_VM_PAUSED, NULL);
  } else {
    set(out, BVM_VM_PAUSED, g_strdup_printf("QEMU stopped the vCPUs (run state %s)", status));
  }
}

void bvm_vcpu_stop_explain(BvmQmp *qmp, guint timeout_ms, const char *accel, gboolean disk_full,
                           const char *qemu_log, const char *vm_name, BvmVcpuStop *out)
{
  g_autoptr(JsonNode) r =
      qmp != NULL ? bvm_qmp_execute(qmp, "query-status", NULL, timeout_ms, NULL) : NULL;
  const char *status =
      r != NULL && JSON_NODE_HOLDS_OBJECT(r)
          ? json_object_get_string_member_with_default(json_node_get_object(r), "status", "")
          : "";
  /* Only a KVM error quotes the log: read it then alone. */
  g_autofree char *log = strcmp(status, "internal-error") == 0 && qemu_log != NULL
                             ? bvm_log_tail(qemu_log, 200, NULL)
                             : NULL;
  bvm_vcpu_stop_decide(status, accel, disk_full, log, vm_name, out);
}
