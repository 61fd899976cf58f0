/* Changing a stopped VM: what `set` and the API's updateVm share. */
#pragma once

#include "caps.h"
#include "config.h"
#include "registry.h"

G_BEGIN_DECLS

typedef struct {
  guint cpus;                   /* 0: unchanged */
  guint64 memory_mib;           /* 0: unchanged */
  guint64 disk_gib;             /* 0: unchanged; never smaller than now */
  guint width, height;          /* 0: unchanged */
  const char *iso_path;         /* NULL: unchanged */
  gboolean eject;               /* detach the ISO */
  const char *drivers_iso_path; /* NULL: unchanged; a virtio-win ISO (media.h) */
  int press_key_on_boot;        /* -1: unchanged, 0 off, 1 on */
  gboolean accel_set;
  BvmAccel accel;
} BvmUpdateRequest;

/* Validate the changed config against @host and the Windows 11 rules, grow
 * the disk through qemu-img when asked, save config.json; all while holding
 * the bundle lock, so a start cannot race it. BUSY when the VM runs. Updates
 * @entry's config on success. */
gboolean bvm_update_vm(BvmVmEntry *entry, const BvmUpdateRequest *req, const BvmHostInfo *host,
                       GError **error);

G_END_DECLS
