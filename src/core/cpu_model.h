/* The CPU model a guest gets under TCG, per architecture, guest OS and
 * QEMU version. PURE. Under KVM and HVF the guest gets -cpu host (the real
 * CPU, nothing to emulate); under TCG every feature the model offers is
 * emulated in software, so the model is the cheapest one that still meets
 * the guest's needs (docs/performance.md has the measurements). */
#pragma once

#include "config.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *model;  /* the -cpu value */
  const char *reason; /* why this one, for --explain */
} BvmCpuModel;

/* The TCG CPU model for @arch and @os on a QEMU of @qemu_version_code
 * (major * 10000 + minor * 100 + micro). Static strings. */
BvmCpuModel bvm_cpu_model_for_tcg(BvmArch arch, BvmOs os, guint qemu_version_code);

G_END_DECLS
