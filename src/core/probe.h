/* Probes that start QEMU the way a VM would and watch what happens, for the
 * host facts no help text can tell: whether KVM runs the UEFI firmware, and
 * whether the GPU device realizes with blob=on. Their results are part of
 * the cached caps (caps.c); their parsers are pure and tested on what QEMU
 * really printed (tests/unit/test-probe.c). */
#pragma once

#include "config.h"

#include <glib.h>

G_BEGIN_DECLS

/* How long the firmware runs under KVM before its state is asked. The
 * failures seen on nested hosts stop the vCPU within the first
 * milliseconds of SEC/PEI; 700 ms keeps the whole probe within 1.5 s. */
#define BVM_PROBE_FIRMWARE_RUN_MS 700

/* Boot @code (with a throwaway copy of @vars_template) on the builder's
 * machine for @arch under -accel kvm -cpu host, as a VM would run. With no
 * firmware (NULL code), a vCPU without firmware is run instead. Returns NULL
 * when KVM works, else why not, as one sentence for doctor and explain. */
char *bvm_probe_kvm(const char *binary, BvmArch arch, const char *code, const char *vars_template);

/* Realize @device with blob=on (paused, TCG). NULL when QEMU accepts it,
 * else QEMU's complaint. */
char *bvm_probe_gpu_blob(const char *binary, BvmArch arch, const char *device);

/* The parsers, pure. @qmp_out is everything QEMU wrote on its QMP stdio,
 * @qemu_err its stderr, @exited whether it ended before it was asked to
 * quit. */
char *bvm_probe_kvm_verdict(const char *binary, gboolean with_firmware, const char *qmp_out,
                            const char *qemu_err, gboolean exited_early);
/* "\"KVM internal error. Suberror: 1\" (emulation failure)" from what
 * QEMU printed (its stderr, qemu.log), or NULL when it printed none. */
char *bvm_probe_kvm_internal_error(const char *qemu_err);
/* QEMU's first complaint on stderr without its "BINARY: " and "-device …: "
 * prefixes; NULL when it said nothing. */
char *bvm_probe_first_complaint(const char *binary, const char *qemu_err);

G_END_DECLS
