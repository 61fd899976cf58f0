/* Cloning a VM: a new bundle, built in a temp dir and renamed into place
 * like create, with a new identity (uuid, hence MAC and NVMe serial, and
 * name) and a fresh TPM unless asked to keep it. */
#pragma once

#include "bundle.h"
#include "config.h"
#include "filecopy.h"
#include "registry.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* the clone's */
  const char *from_snapshot; /* NULL: the source's disk now (the source must be stopped) */
  gboolean keep_tpm;         /* share the source's TPM identity */
  gboolean no_reflink;       /* the bench: force the sparse copy */
} BvmCloneRequest;

typedef struct {
  BvmConfig *config;
  char *path;
  char *notice;              /* NULL, or what the user must know (a shared TPM) */
  const char *method;        /* reflink, sparse or convert */
  guint64 disk_bytes_copied; /* bytes of the disk read and written */
  guint64 disk_allocated;    /* bytes the source's disk holds */
} BvmCloneResult;

void bvm_clone_result_clear(BvmCloneResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BvmCloneResult, bvm_clone_result_clear)

gboolean bvm_clone_vm(const char *library, const BvmVmEntry *source, const BvmCloneRequest *req,
                      BvmProgressFunc progress, gpointer user_data, BvmCloneResult *out_result,
                      GError **error);

G_END_DECLS
