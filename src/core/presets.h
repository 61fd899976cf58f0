/* Presets: light / recommended / pro, clamped to what the host has. */
#pragma once

#include "caps.h"
#include "config.h"

G_BEGIN_DECLS

typedef struct {
  BvmPreset preset;
  guint cpus;
  guint64 memory_mib;
  guint64 disk_gib;
  const char *summary;
} BvmPresetSpec;

/* NULL for BVM_PRESET_CUSTOM. */
const BvmPresetSpec *bvm_preset_spec(BvmPreset preset);

/* Set cpus/memory/disk of @config from @preset, clamped so the VM fits @host
 * (cpus <= cores, memory <= host memory - 2 GiB). When anything was clamped,
 * *out_notice (if given) says what and why; otherwise it is set to NULL. */
void bvm_preset_apply(BvmPreset preset, const BvmHostInfo *host, BvmConfig *config,
                      char **out_notice);

/* [{"name","cpus","memoryMiB","diskGiB","summary","clamped": {...}|null}] for this host. */
JsonNode *bvm_presets_to_json(const BvmHostInfo *host);

G_END_DECLS
