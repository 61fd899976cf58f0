/* Host facts and QEMU capabilities: what this machine and its QEMU binaries
 * can do. Probed once and cached (keyed on the QEMU binary's path, size and
 * mtime); golden tests load recorded caps from JSON fixtures instead. */
#pragma once

#include "config.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum { BVM_HOST_OS_LINUX, BVM_HOST_OS_MACOS, BVM_HOST_OS_OTHER, BVM_HOST_OS_N } BvmHostOs;
const char *bvm_host_os_to_string(BvmHostOs os);
gboolean bvm_host_os_from_string(const char *s, BvmHostOs *out_os);
extern const BvmJsonWords bvm_host_os_words;

typedef struct {
  BvmHostOs os;
  BvmArch arch;
  guint cores;
  guint64 memory_mib;
  gboolean kvm;     /* /dev/kvm opens read-write */
  gboolean hvf;     /* macOS: sysctl kern.hv_support == 1 */
  gboolean udmabuf; /* Linux: /dev/udmabuf exists (virtio-gpu blob needs it) */
  gboolean desktop; /* a desktop session: $DISPLAY / $WAYLAND_DISPLAY, or macOS */
} BvmHostInfo;

typedef struct {
  char *binary; /* absolute path of qemu-system-ARCH */
  BvmArch arch;
  char *version;      /* "7.2.0" */
  guint version_code; /* major * 10000 + minor * 100 + micro: 70200 */
  GStrv accels;       /* "-accel help": kvm, tcg, hvf */
  GStrv machines;     /* "-machine help": q35, pc-q35-7.2, virt, ... */
  GStrv displays;     /* "-display help": gtk, none, vnc, cocoa ... */
  /* device name -> GStrv of its property names ("-device help", then
   * "-device NAME,help" for the devices the builder uses; others map to an
   * empty list). */
  GHashTable *devices;
  gboolean sandbox; /* QEMU built with seccomp: "-sandbox" accepted */
  /* KVM tried for real on a host with /dev/kvm, as a VM runs it: the
   * arch's UEFI firmware booted under -accel kvm -cpu host (probe.c). Nested
   * hosts expose /dev/kvm yet abort on the CPU's MSRs, or stop inside the
   * firmware with "KVM internal error". kvm_error says why it failed, as a
   * sentence (NULL: it works, or untried: recorded fixtures). */
  gboolean kvm_checked;
  char *kvm_error;
  /* virtio-gpu blob=on realized for real (probe.c): QEMU refuses it where
   * it lacks udmabuf support, unless it is new enough not to need it.
   * gpu_blob_checked FALSE: not probed (caps recorded before the probe). */
  gboolean gpu_blob_checked;
  gboolean gpu_blob;
  char *gpu_blob_error;
} BvmQemuCaps;

typedef struct {
  BvmHostInfo host;
  BvmQemuCaps *qemu[BVM_ARCH_N]; /* NULL where no qemu-system-ARCH is installed */
} BvmHostCaps;

void bvm_qemu_caps_free(BvmQemuCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmQemuCaps, bvm_qemu_caps_free)
void bvm_host_caps_free(BvmHostCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmHostCaps, bvm_host_caps_free)

gboolean bvm_qemu_caps_has_accel(const BvmQemuCaps *caps, const char *accel);
/* KVM can run this QEMU's guests here: /dev/kvm, the accelerator compiled
 * in, and the firmware that really ran (or was not tried: recorded caps). */
gboolean bvm_host_caps_kvm_usable(const BvmHostCaps *caps, const BvmQemuCaps *q);
gboolean bvm_qemu_caps_has_machine(const BvmQemuCaps *caps, const char *machine);
gboolean bvm_qemu_caps_has_display(const BvmQemuCaps *caps, const char *display);
gboolean bvm_qemu_caps_has_device(const BvmQemuCaps *caps, const char *device);
gboolean bvm_qemu_caps_has_property(const BvmQemuCaps *caps, const char *device,
                                    const char *property);

/* JSON form: the cache file and the golden fixtures (tests/golden/caps/). */
JsonNode *bvm_host_caps_to_json(const BvmHostCaps *caps);
BvmHostCaps *bvm_host_caps_from_json(JsonNode *node, GError **error);
BvmHostCaps *bvm_host_caps_load_file(const char *path, GError **error);

/* The GPU device the command builder gives a VM of @arch. */
const char *bvm_caps_gpu_device(BvmArch arch);

/* BRIDGEVM_ACCEL (auto, kvm, hvf or tcg) overrides every VM's accelerator
 * in this process (tests, CI). FALSE with *out_set untouched when unset;
 * INVALID_ARGUMENT for another word. */
gboolean bvm_accel_from_env(BvmAccel *out_accel, gboolean *out_set, GError **error);

/* Reading what QEMU says to the probe, without running anything
 * (caps_parse.c, pure): the probe below hands QEMU's output over, the golden
 * tests hand recorded output (tests/fixtures/caps/). Declared here, not in a
 * caps_parse.h, because caps.c calls them and they fill caps.h's records. */

/* The QMP batch the probe writes to `qemu-system-ARCH -machine none -qmp
 * stdio`: capabilities, version, machines, the sandbox option, the device
 * types, the properties of each device the builder uses, then quit. */
char *bvm_caps_parse_qmp_input(void);

/* Fill @c (binary and devices set; devices may be NULL) from QEMU's replies
 * to bvm_caps_parse_qmp_input(), one JSON object a line: version, machines,
 * sandbox, devices and their properties. Lines that are not replies of the
 * batch (the greeting, events, errors) are skipped; an error reply to the
 * sandbox query means no seccomp. QEMU_FAILED naming c->binary when the
 * version or the machines are missing. */
gboolean bvm_caps_parse_qmp(BvmQemuCaps *c, const char *qmp_output, GError **error);

/* "-accel help" / "-display help": a title line, then one name a line. */
GStrv bvm_caps_parse_help_list(const char *text);

/* "7.2.0" -> 70200 (major * 10000 + minor * 100 + micro); 0 when unreadable. */
guint bvm_caps_parse_version_code(const char *version);

/* Probe this machine (host.c): cores, memory, accelerators, udmabuf, desktop. */
void bvm_host_info_probe(BvmHostInfo *out_info);

/* Run @binary: -accel help, -display help and one QMP session (read by
 * bvm_caps_parse_*), then the blob and KVM probes (probe.c). */
BvmQemuCaps *bvm_qemu_caps_probe(const char *binary, BvmArch arch, GError **error);

/* Host info plus, per arch, the QEMU caps of the qemu-system-ARCH found in
 * PATH, cached in $XDG_CACHE_HOME/bridgevm/ unless @refresh. Never fails for a
 * missing QEMU (its slot is NULL); fails only on probe errors. */
BvmHostCaps *bvm_host_caps_get(gboolean refresh, GError **error);

G_END_DECLS
