/* EDK2 firmware discovery from QEMU's firmware descriptors (the interop
 * JSON format libvirt uses), and the choice of a code/vars pair. */
#pragma once

#include "config.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *descriptor; /* path of the JSON file */
  char *description;
  BvmArch arch;
  GStrv machines; /* glob patterns: "pc-q35-*", "virt-*" */
  char *code;
  char *vars_template;
  gboolean secure_boot;
  gboolean enrolled_keys;
  gboolean requires_smm;
} BvmFirmware;

void bvm_firmware_free(BvmFirmware *fw);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmFirmware, bvm_firmware_free)

/* $BRIDGEVM_FIRMWARE_DIR (':'-separated), the bundled resource dir, then
 * QEMU's standard dirs in their priority order. */
GStrv bvm_firmware_default_dirs(void);

/* Usable UEFI descriptors in @dirs, in priority order: our dirs first; then
 * the standard ones merged by file name (a name in a later-listed, higher-
 * priority standard dir overrides; an empty file masks), sorted by name.
 * Descriptors that are malformed, not UEFI flash, or name a missing file
 * are skipped; *out_skipped (optional) gets "NAME: why" for each. */
GPtrArray *bvm_firmware_discover_full(const char *const *dirs, GStrv *out_skipped, GError **error);
GPtrArray *bvm_firmware_discover(const char *const *dirs, GError **error);

/* The first descriptor for @arch and @machine ("q35" or "virt") that has
 * secure-boot when @secure_boot and enrolled-keys when @enrolled_keys; with
 * @secure_boot FALSE one without secure boot is preferred. */
BvmFirmware *bvm_firmware_select(GPtrArray *list, BvmArch arch, const char *machine,
                                 gboolean secure_boot, gboolean enrolled_keys, GError **error);

void bvm_firmware_to_choice(const BvmFirmware *fw, BvmFirmwareChoice *out_choice);
JsonNode *bvm_firmware_to_json(const BvmFirmware *fw);

G_END_DECLS
