/* A VM's snapshots on disk: the disk part is a qcow2 internal snapshot in
 * disk.qcow2; the UEFI variables and the TPM state are copied beside it in
 * snapshots/NAME/ with meta.json. Every change is journalled so that a
 * crash at any point leaves the state before or the state after
 * (docs/snapshots.md): the next snapshot operation or start of the VM
 * finishes or undoes what was left (bvm_snapshot_recover). */
#pragma once

#include "jsonfields.h"
#include "paths.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BVM_SNAPSHOT_NAME_MAX 64
/* The journal's entries in snapshots/ for a create and a delete under way
 * (docs/snapshots.md); a snapshot's name never starts with '.'. */
#define BVM_SNAPSHOT_STAGE_PREFIX ".tmp-"
#define BVM_SNAPSHOT_DELETE_PREFIX ".del-"

typedef enum {
  BVM_SNAPSHOT_STOPPED,    /* taken with the VM stopped: disk, vars, TPM as shut down */
  BVM_SNAPSHOT_FILESYSTEM, /* live, the guest's filesystems frozen by its agent */
  BVM_SNAPSHOT_CRASH,      /* live without the agent: as after a power cut */
  BVM_SNAPSHOT_CONSISTENCY_N
} BvmSnapshotConsistency;

extern const BvmJsonWords bvm_snapshot_consistency_words;
const char *bvm_snapshot_consistency_to_string(BvmSnapshotConsistency c);

typedef struct {
  char *name;
  char *description; /* NULL: none */
  char *created_at;  /* ISO 8601, UTC */
  BvmSnapshotConsistency consistency;
  gboolean live; /* taken while the VM ran (disk only: no memory state) */
  /* Filled by bvm_snapshot_list, not stored: */
  guint64 state_bytes;     /* the vars and TPM copies */
  guint64 disk_held_bytes; /* disk clusters that only this snapshot references */
} BvmSnapshot;

void bvm_snapshot_free(BvmSnapshot *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmSnapshot, bvm_snapshot_free)

/* Pure. 1 to 64 of A-Z a-z 0-9 . _ - , not starting with . or -:
 * INVALID_ARGUMENT naming the name and the rule otherwise. */
gboolean bvm_snapshot_validate_name(const char *name, GError **error);

/* meta.json <-> BvmSnapshot (pure). */
const BvmJsonField *bvm_snapshot_json_fields(void);
JsonNode *bvm_snapshot_to_json(const BvmSnapshot *s);
BvmSnapshot *bvm_snapshot_from_json(JsonNode *node, GError **error);

/* BUNDLE/snapshots. */
char *bvm_snapshot_dir(const BvmPaths *paths);

/* flock on snapshots/ (made when missing): one snapshot operation on a VM at
 * a time. Waits for the one running. Returns the fd to close, or -1. */
int bvm_snapshot_lock(const BvmPaths *paths, GError **error);

/* Finish or undo what a crash left (journal in snapshots/: .tmp-NAME,
 * .del-NAME, .revert-stage, .revert). Call with the snapshot lock and the
 * bundle lock held: the VM is stopped. *out_did (optional): something was
 * left. */
gboolean bvm_snapshot_recover(const BvmPaths *paths, gboolean *out_did, GError **error);

/* The snapshots, oldest first, with their sizes. A snapshot whose disk part
 * is missing is left out. */
GPtrArray *bvm_snapshot_list(const BvmPaths *paths, GError **error);

/* The snapshots' qcow2 names in @disk, through qemu-img info (-U: also
 * while QEMU runs). */
GStrv bvm_snapshot_disk_tags(const char *disk, GError **error);

/* Remove every internal snapshot of @disk (a clone's copy starts with
 * none: its snapshots' vars and TPM stay with the source). */
gboolean bvm_snapshot_disk_drop_all(const char *disk, GError **error);

/* snapshots/NAME/efi-vars.fd and snapshots/NAME/tpm of snapshot dir @snap. */
char *bvm_snapshot_vars_copy(const char *snap);
char *bvm_snapshot_tpm_copy(const char *snap);

/* The stopped operations; call with both locks held. */
gboolean bvm_snapshot_create_stopped(const BvmPaths *paths, const char *name,
                                     const char *description, GError **error);
gboolean bvm_snapshot_revert_stopped(const BvmPaths *paths, const char *name, GError **error);
gboolean bvm_snapshot_delete_stopped(const BvmPaths *paths, const char *name, GError **error);

/* The steps a live snapshot (snapshot_live.c) takes around QMP's: a staging
 * dir snapshots/.tmp-NAME after checking the name is free; the vars and TPM
 * copied into it; meta.json written and the dir renamed into place. */
char *bvm_snapshot_stage_begin(const BvmPaths *paths, const char *name, GError **error);
gboolean bvm_snapshot_stage_copy_state(const BvmPaths *paths, const char *stage, GError **error);
gboolean bvm_snapshot_stage_commit(const BvmPaths *paths, const char *stage,
                                   const BvmSnapshot *meta, GError **error);

/* snapshots/NAME when the snapshot exists, else NOT_FOUND naming it. */
char *bvm_snapshot_find(const BvmPaths *paths, const char *name, GError **error);

G_END_DECLS
