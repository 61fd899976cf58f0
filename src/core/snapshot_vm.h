/* A VM's snapshots as a user asks for them: stopped or running. A stopped
 * VM's are taken, reverted and deleted with qemu-img under the bundle lock
 * (snapshot.c); a running VM's disk part is taken over QMP
 * (blockdev-snapshot-internal-sync) with its filesystems frozen by the
 * guest agent when it answers, the vCPUs paused while the vars and TPM are
 * copied. No memory state: QEMU's NVMe device cannot be migrated. */
#pragma once

#include "bundle.h"
#include "config.h"
#include "paths.h"
#include "snapshot.h"

G_BEGIN_DECLS

/* What the user is told about a live snapshot. */
#define BVM_SNAPSHOT_LIVE_NOTICE                                                                   \
  "disk, UEFI variables and TPM only: the memory state is not saved (QEMU's NVMe disk cannot "     \
  "be migrated), so reverting is like a power cut at this moment"

typedef struct {
  BvmSnapshot *snapshot;
  guint paused_ms; /* live: how long the guest was frozen or paused */
} BvmSnapshotTaken;

void bvm_snapshot_taken_clear(BvmSnapshotTaken *t);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BvmSnapshotTaken, bvm_snapshot_taken_clear)

/* Take snapshot @name of @config's VM: stopped, or live when it runs. */
gboolean bvm_snapshot_vm_create(const BvmConfig *config, const BvmPaths *paths, const char *name,
                                const char *description, BvmProgressFunc progress,
                                gpointer user_data, BvmSnapshotTaken *out_taken, GError **error);

/* Revert a stopped VM to @name: disk, vars and TPM all, or none. BUSY
 * naming the VM while it runs, changing nothing. */
gboolean bvm_snapshot_vm_revert(const BvmConfig *config, const BvmPaths *paths, const char *name,
                                GError **error);

/* Delete @name (stopped: qemu-img; running: over QMP). */
gboolean bvm_snapshot_vm_delete(const BvmConfig *config, const BvmPaths *paths, const char *name,
                                GError **error);

/* The snapshots as JSON: [{name, description, createdAt, consistency,
 * live, stateBytes, diskHeldBytes}]. */
JsonNode *bvm_snapshot_vm_list_json(const BvmPaths *paths, GError **error);

/* One snapshot's JSON (meta plus the sizes). */
JsonNode *bvm_snapshot_vm_to_json(const BvmSnapshot *s);

G_END_DECLS
