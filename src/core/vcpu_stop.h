/* Why QEMU stopped a VM's vCPUs, and what that means for the VM: on every
 * STOP event the monitor asks QEMU's run state and shows as paused only
 * what can resume; a KVM internal error or a guest panic ends the run as a
 * crash with its cause. Kept apart from the monitor so the decision is
 * tested against a fake QMP peer (tests/unit/test-vcpu-stop.c). */
#pragma once

#include "qmp.h"
#include "state.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean ignore;  /* nothing to change (resumed already, a snapshot's pause) */
  gboolean crashed; /* QEMU will not run this guest again: end it */
  BvmVmState state; /* otherwise the VM's state now */
  char *reason;     /* why (crash reason, or why paused); NULL when plain */
} BvmVcpuStop;

void bvm_vcpu_stop_clear(BvmVcpuStop *stop);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BvmVcpuStop, bvm_vcpu_stop_clear)

/* Ask @qmp for the run state and decide. @accel is what QEMU runs with
 * (kvm: an internal error is KVM's, with the hint to use TCG); @disk_full
 * what the last BLOCK_IO_ERROR said; @qemu_log the log whose last KVM error
 * is quoted; @vm_name for the hint. */
void bvm_vcpu_stop_explain(BvmQmp *qmp, guint timeout_ms, const char *accel, gboolean disk_full,
                           const char *qemu_log, const char *vm_name, BvmVcpuStop *out);

/* The same decision from a run state word ("" when QMP did not answer). */
void bvm_vcpu_stop_decide(const char *status, const char *accel, gboolean disk_full,
                          const char *qemu_log_text, const char *vm_name, BvmVcpuStop *out);

G_END_DECLS
