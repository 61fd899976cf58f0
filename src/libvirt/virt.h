/* BridgeVM and libvirt through the libvirt C API (libvirt-dev): push a VM to
 * a libvirt host. Outside src/core, which depends on GLib only: built when
 * meson finds libvirt (BVM_HAVE_LIBVIRT), used by the CLI's push verb.
 * Errors are in BVM_ERROR; libvirt's own words are kept in the message. */
#pragma once

#include "caps.h"
#include "config.h"
#include "paths.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Bytes of the disk image sent so far, of @total (its allocated bytes). */
typedef void (*BvmVirtProgressFunc)(const char *what, guint64 sent, guint64 total, gpointer data);

typedef struct {
  const char *uri;  /* qemu:///system, qemu+ssh://root@host/system, ... */
  const char *name; /* the domain's name; NULL: the VM's */
  const char *pool; /* the storage pool; NULL: "default" (made as a dir pool when missing) */
  gboolean start;   /* start the domain once defined */
  BvmVirtProgressFunc progress;
  gpointer progress_data;
} BvmVirtPushOptions;

typedef struct {
  char *name;             /* the domain's name */
  char *disk_path;        /* the disk volume's path on the host */
  guint64 disk_size;      /* the image file's apparent size */
  guint64 disk_allocated; /* its allocated bytes (st_blocks) */
  guint64 disk_sent;      /* data bytes sent (holes are skipped: sparse stream) */
  gboolean started;
  GPtrArray *notes; /* char *: what the domain lacks (libvirt_xml's notes, the TPM state) */
} BvmVirtPushResult;

void bvm_virt_push_result_free(BvmVirtPushResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmVirtPushResult, bvm_virt_push_result_free)

/* Define VM (stopped) as a domain at @opts->uri: its disk and UEFI variables
 * uploaded into volumes of the pool (sparse, streaming), then the domain
 * defined and, if asked, started. On any failure, and on SIGINT/SIGTERM
 * during the upload, what this call made is removed again. */
/* {"name", "uri", "diskPath", "diskSize", "diskAllocated", "diskSent", "started", "notes"} */
JsonNode *bvm_virt_push_result_to_json(const BvmVirtPushResult *result, const char *uri);

BvmVirtPushResult *bvm_virt_push(const BvmConfig *config, const BvmPaths *paths,
                                 const BvmHostCaps *caps, const BvmVirtPushOptions *opts,
                                 GError **error);

typedef struct {
  const char *uri;     /* where the domain is */
  const char *domain;  /* its name there */
  const char *name;    /* the VM's name here; NULL: the domain's */
  const char *library; /* the library to make the bundle in */
} BvmVirtImportOptions;

typedef struct {
  char *name;
  char *path;            /* the bundle */
  guint64 disk_received; /* data bytes downloaded (holes are skipped) */
  GPtrArray *notes;      /* char *: what did not carry over */
} BvmVirtImportResult;

void bvm_virt_import_result_free(BvmVirtImportResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmVirtImportResult, bvm_virt_import_result_free)

/* A shut-off domain at @opts->uri made into a bundle: its settings mapped
 * back (refused with INVALID_ARGUMENT, before anything is made, when it has
 * what BridgeVM cannot run: several disks, host devices, BIOS, another
 * machine type), its disk and UEFI variables downloaded. */
/* {"name", "uri", "path", "diskReceived", "notes"} */
JsonNode *bvm_virt_import_result_to_json(const BvmVirtImportResult *result, const char *uri);

BvmVirtImportResult *bvm_virt_import(const BvmVirtImportOptions *opts, GError **error);

G_END_DECLS
