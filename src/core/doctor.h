/* What this host can run: the facts `bridgevm doctor` and the API show. */
#pragma once

#include "caps.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  BvmHostCaps *caps;
  GPtrArray *deps;      /* BvmDep * (deps.h) */
  GPtrArray *firmware;  /* BvmFirmware * (firmware.h) */
  GStrv skipped;        /* "NAME: why" for descriptors not usable */
  GStrv accels;         /* usable accelerators: kvm, hvf, tcg */
  char *kvm_error;      /* /dev/kvm is there but QEMU could not use it: why */
  gboolean firmware_ok; /* a firmware for the host's arch */
  gboolean ok;          /* a VM of the host's arch can run */
} BvmDoctor;

void bvm_doctor_free(BvmDoctor *doctor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmDoctor, bvm_doctor_free)

/* Probe (caps from the cache unless @refresh), check tools and firmware. A
 * VM of the host's arch can run with its QEMU, qemu-img and a firmware for
 * it; swtpm is needed only for a TPM. */
BvmDoctor *bvm_doctor_run(gboolean refresh, GError **error);

/* {"ok","host","accelerators","tools","firmware","skippedFirmware"} */
JsonNode *bvm_doctor_to_json(const BvmDoctor *doctor);

G_END_DECLS
