/* Creating a VM: the request every front end fills (CLI flags, API JSON),
 * checked, planned into a config, then made into a bundle. */
#pragma once

#include "bundle.h"
#include "caps.h"
#include "config.h"
#include "express.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;
  const char *iso_path;
  gboolean os_set;
  BvmOs os; /* default: what the ISO is (libosinfo), else linux */
  gboolean arch_set;
  BvmArch arch; /* default: the ISO's when known, else the host's */
  gboolean preset_set;
  BvmPreset preset;    /* default: what the ISO's OS needs, else recommended */
  guint cpus;          /* 0: from the preset */
  guint64 memory_mib;  /* 0: from the preset */
  guint64 disk_gib;    /* 0: from the preset */
  guint width, height; /* 0: 1920x1080 */
  gboolean no_tpm;
  gboolean secure_boot_set;
  gboolean secure_boot; /* default: on for Windows 11, off otherwise */
  gboolean accept_license;
  BvmAccel accel;               /* default: auto */
  const char *drivers_iso_path; /* a virtio-win ISO attached as a CD, or NULL */
  BvmExpressRequest express;    /* an unattended Windows 11 install */
} BvmCreateRequest;

/* Validate @req against @host and the firmware found in @firmware_dirs (NULL:
 * the default search dirs) and return the config it would create; no side
 * effects. *out_notices (optional) lists what was adjusted (clamped preset). */
BvmConfig *bvm_create_plan(const BvmCreateRequest *req, const BvmHostInfo *host,
                           const char *const *firmware_dirs, char **out_notices, GError **error);

/* Plan, then build the bundle under the library lock after checking the name
 * is free ignoring case. Returns the created config; *out_path the bundle. */
BvmConfig *bvm_create_vm(const char *library, const BvmCreateRequest *req, const BvmHostInfo *host,
                         const char *const *firmware_dirs, BvmProgressFunc progress,
                         gpointer user_data, char **out_path, char **out_notices, GError **error);

G_END_DECLS
