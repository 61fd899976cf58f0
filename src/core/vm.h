/* A VM as every front end sees it: its view (JSON) and its lifecycle
 * (start spawns the monitor, stop, pause, resume, kill). The CLI, server and
 * app stay stateless: they read the bundle and talk to QEMU over its client
 * QMP socket and to the guest agent over its socket. */
#pragma once

#include "config.h"
#include "paths.h"
#include "qemu_cmd.h"
#include "registry.h"
#include "state.h"

G_BEGIN_DECLS

/* Reconcile @entry's VM after a crash of anything (bvm_state_reconcile:
 * may kill an orphaned swtpm and rewrite config.json). Call it before
 * showing or acting on a VM found in the library. A broken entry, or one
 * without run/, is left alone. Returns TRUE when it changed the config; the
 * entry's parsed config.json is then dropped, as it is stale. */
gboolean bvm_vm_reconcile(BvmVmEntry *entry);

/* The VM object every front end shows: config fields plus "path", "state"
 * and "status" (pid, uptime); a broken bundle is {"path","state","problem"}.
 * Reads the run state and changes nothing (reconcile first). Takes the
 * entry's parsed config.json rather than copying it: one view per entry. */
JsonNode *bvm_vm_to_json(BvmVmEntry *entry);

typedef struct {
  BvmDisplayMode display;
  guint wait_agent_seconds; /* 0: return once the vCPUs run */
} BvmStartOptions;

/* Spawn `@monitor_binary __monitor BUNDLE` and wait until it reports the VM
 * running (or failing), then optionally until the guest agent answers.
 * BUSY when already running. *out_pid (optional) is QEMU's pid. */
gboolean bvm_vm_start(const char *monitor_binary, BvmConfig *config, const BvmPaths *paths,
                      const BvmStartOptions *opts, int *out_pid, GError **error);

/* ACPI power button; the agent's guest-shutdown if the guest ignores it and
 * its agent answers; after @timeout_seconds, with @force, QEMU is ended.
 * TIMEOUT without @force. A paused VM is resumed first so it can hear the
 * button; a starting one has no guest yet and is ended at once. Returns
 * once swtpm, run/ and the lock are gone. */
gboolean bvm_vm_stop(BvmConfig *config, const BvmPaths *paths, guint timeout_seconds,
                     gboolean force, GError **error);

/* Pause the vCPUs of a running VM (QMP stop) / resume a paused one (QMP
 * cont; system_wakeup for a guest that suspended itself). Return once the
 * monitor recorded the new state. INVALID_ARGUMENT in another state. */
gboolean bvm_vm_pause(BvmConfig *config, const BvmPaths *paths, GError **error);
gboolean bvm_vm_resume(BvmConfig *config, const BvmPaths *paths, GError **error);

/* End QEMU at once (SIGKILL), then wait for the monitor to clean up. */
gboolean bvm_vm_kill(BvmConfig *config, const BvmPaths *paths, GError **error);

/* Wait up to @timeout_ms for the guest agent to answer guest-ping. */
gboolean bvm_vm_wait_agent(const BvmConfig *config, const BvmPaths *paths, guint timeout_ms,
                           GError **error);

G_END_DECLS
