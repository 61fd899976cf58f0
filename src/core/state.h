/* A VM's run state: run/state.json written by its monitor, the bundle lock,
 * and reconciliation after a crash of anything. */
#pragma once

#include "config.h"
#include "paths.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  BVM_VM_STOPPED,
  BVM_VM_STARTING,
  BVM_VM_RUNNING,
  BVM_VM_PAUSED,
  BVM_VM_STOPPING,
  BVM_VM_CRASHED,
  BVM_VM_STATE_N
} BvmVmState;
const char *bvm_vm_state_to_string(BvmVmState state);
gboolean bvm_vm_state_from_string(const char *s, BvmVmState *out_state);

/* What the monitor writes to run/state.json. */
typedef struct {
  BvmVmState state;
  int monitor_pid;
  int qemu_pid;     /* 0 until spawned */
  int swtpm_pid;    /* 0 without a TPM */
  char *started_at; /* ISO-8601 UTC, when QEMU was spawned */
  char *display;    /* "window", "vnc", "none" */
  char *reason;     /* why paused, when QEMU paused it (disk full): NULL else */
} BvmRunState;

void bvm_run_state_free(BvmRunState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmRunState, bvm_run_state_free)
gboolean bvm_run_state_save(const BvmPaths *paths, const BvmRunState *state, GError **error);
/* NULL with NOT_FOUND when there is no state file. */
BvmRunState *bvm_run_state_load(const BvmPaths *paths, GError **error);

/* What status/list/show report. */
typedef struct {
  BvmVmState state;
  int monitor_pid;
  int qemu_pid;
  int swtpm_pid;
  gint64 uptime_seconds; /* -1 when not running */
  char *display;
  char *reason; /* why the VM is in its state, when that needs saying */
} BvmVmStatus;

void bvm_vm_status_clear(BvmVmStatus *status);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BvmVmStatus, bvm_vm_status_clear)

/* After a crash of anything: with the bundle lock free but run/ left behind
 * (the host or the monitor crashed), an orphaned swtpm whose command line
 * names this VM's state dir is killed (and a QEMU carrying the VM's id),
 * run/ is removed, and @config's lastExit records the crash (saved to
 * config.json). Does nothing while a monitor holds the lock or without run/.
 * Commands call it before reading the state (bvm_state_get), so they never
 * act on a stale one. Returns TRUE when it changed @config. */
gboolean bvm_state_reconcile(BvmConfig *config, const BvmPaths *paths);

/* The VM's state as the bundle tells it now: run/state.json while a monitor
 * holds the lock, else stopped or crashed from @config's lastExit. Reads
 * only; a run/ left behind by a crash reads as stopped until reconciled. */
void bvm_state_get(const BvmConfig *config, const BvmPaths *paths, BvmVmStatus *out_status);

/* stopped, or crashed when the last run ended in a crash or failed start. */
BvmVmState bvm_vm_state_when_stopped(const BvmConfig *config);

/* {"state","pid","monitorPid","uptimeSeconds","display","reason","lastExit"} */
JsonNode *bvm_vm_status_to_json(const BvmVmStatus *status, const BvmConfig *config);

G_END_DECLS
