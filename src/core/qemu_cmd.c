/* The QEMU command builder. PURE: no I/O, no environment, no clock. Every
 * flag group carries the reason it is there; every optimization the host
 * cannot take is listed as dropped, with why. docs/qemu-flags.md maps each
 * config key to its flags and golden cases. */
#include "qemu_cmd.h"
#include "error.h"
#include "util.h"

#include <stdarg.h>
#include <string.h>

static const char *const display_names[BVM_DISPLAY_N] = {"auto", "window", "none", "vnc"};
const BvmJsonWords bvm_display_mode_words = {display_names, BVM_DISPLAY_N, NULL};

const char *bvm_display_mode_to_string(BvmDisplayMode mode)
{
  return (guint)mode < BVM_DISPLAY_N ? display_names[mode] : "auto";
}

gboolean bvm_display_mode_from_string(const char *s, BvmDisplayMode *out_mode)
{
  guint i;
  if (!bvm_enum_from_string(display_names, BVM_DISPLAY_N, s, &i))
    return FALSE;
  *out_mode = (BvmDisplayMode)i;
  return TRUE;
}

static void group_free(BvmCmdGroup *g)
{
  g_strfreev(g->flags);
  g_free(g->reason);
  g_free(g);
}

static void dropped_free(BvmCmdDropped *d)
{
  g_free(d->what);
  g_free(d->why);
  g_free(d);
}

void bvm_command_free(BvmCommand *cmd)
{
  if (cmd == NULL)
    return;
  g_ptr_array_unref(cmd->argv);
  g_ptr_array_unref(cmd->groups);
  g_ptr_array_unref(cmd->dropped);
  g_free(cmd->accel);
  g_free(cmd);
}

/* Append a group: the flags (NULL-terminated, each consumed: g_free'd
 * strings) and why they are there. */
static void add_group(BvmCommand *cmd, const char *reason, ...)
{
  va_list ap;
  va_start(ap, reason);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  char *flag;
  while ((flag = va_arg(ap, char *)) != NULL) {
    g_ptr_array_insert(cmd->argv, (gint)cmd->argv->len - 1, g_strdup(flag));
    g_strv_builder_add(b, flag);
    g_free(flag);
  }
  va_end(ap);
  BvmCmdGroup *g = g_new0(BvmCmdGroup, 1);
  g->flags = g_strv_builder_end(b);
  g->reason = g_strdup(reason);
  g_ptr_array_add(cmd->groups, g);
}

static void add_dropped(BvmCommand *cmd, const char *what, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void add_dropped(BvmCommand *cmd, const char *what, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  BvmCmdDropped *d = g_new0(BvmCmdDropped, 1);
  d->what = g_strdup(what);
  d->why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_ptr_array_add(cmd->dropped, d);
}

#define S(x) g_strdup(x)
#define F(...) g_strdup_printf(__VA_ARGS__)

/* A value for an option list: commas doubled (see util.h). */
#define E(x) bvm_qemu_escape(x)

/* qcow2 with 64 KiB clusters (disk.c): 8 bytes of L2 table map one
 * cluster, so the whole disk needs disk_bytes / 8192 of L2 cache. QEMU's
 * default cap is 32 MiB on Linux, 8 MiB elsewhere (block/qcow2.h,
 * DEFAULT_L2_CACHE_MAX_SIZE), and it never allocates more than needed. */
static guint64 l2_needed_bytes(guint64 disk_gib)
{
  return disk_gib * BVM_GIB / 8192;
}

static guint64 l2_default_max(BvmHostOs os)
{
  return os == BVM_HOST_OS_LINUX ? 32 * BVM_MIB : 8 * BVM_MIB;
}

/* A stable MAC from the VM id: 52:54:00 is QEMU's locally administered
 * prefix; the rest hashes the id so the MAC survives restarts. */
static char *mac_for(const char *id)
{
  guint h = g_str_hash(id);
  return g_strdup_printf("52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

/* NVMe serial: up to 20 characters; the guest sees it as the disk's serial
 * (/sys/class/nvme/nvme0/serial), so it names the VM. */
static char *nvme_serial_for(const char *id)
{
  GString *s = g_string_new("BVM");
  for (const char *p = id; *p && s->len < 20; p++)
    if (g_ascii_isxdigit(*p))
      g_string_append_c(s, g_ascii_toupper(*p));
  return g_string_free(s, FALSE);
}

static void add_kvm(BvmCommand *cmd, const BvmConfig *c, const char *why)
{
  cmd->accel = g_strdup("kvm");
  if (c->os == BVM_OS_WINDOWS11 && c->arch == BVM_ARCH_X86_64) {
    g_autofree char *reason = g_strdup_printf(
        "%s; -cpu host passes the real CPU's features. The hv_* Hyper-V enlightenments let "
        "Windows use paravirtual timers, APIC, spinlocks and TLB flushes: without them Windows "
        "burns CPU in busy loops and its clock drifts",
        why);
    add_group(cmd, reason, S("-accel"), S("kvm"), S("-cpu"),
              S("host,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,hv_vpindex,hv_runtime,hv_synic,"
                "hv_stimer,hv_time,hv_frequencies,hv_reset,hv_tlbflush,hv_ipi"),
              NULL);
    return;
  }
  g_autofree char *reason = g_strdup_printf("%s; -cpu host passes the real CPU's features", why);
  add_group(cmd, reason, S("-accel"), S("kvm"), S("-cpu"), S("host"), NULL);
}

static void add_hvf(BvmCommand *cmd, const char *why)
{
  cmd->accel = g_strdup("hvf");
  g_autofree char *reason = g_strdup_printf(
      "%s; -cpu host exposes the real CPU's features instead of an emulated model", why);
  add_group(cmd, reason, S("-accel"), S("hvf"), S("-cpu"), S("host"), NULL);
}

static void add_tcg(BvmCommand *cmd, const BvmConfig *c, const BvmQemuCaps *q)
{
  cmd->accel = g_strdup("tcg");
  if (c->os == BVM_OS_WINDOWS11 && c->arch == BVM_ARCH_X86_64)
    add_dropped(cmd, "Hyper-V enlightenments", "they pay off only with KVM");
  /* pauth-impdef: QEMU's own pointer-authentication hash instead of the
   * architected QARMA, much cheaper to emulate (QEMU >= 6.2); guests cannot
   * tell the difference. */
  const char *cpu =
      c->arch == BVM_ARCH_AARCH64 && q->version_code >= 60200 ? "max,pauth-impdef=on" : "max";
  add_group(cmd,
            "TCG emulation with one host thread per vCPU (thread=multi); -cpu max offers every "
            "feature TCG can emulate, which modern installers check for",
            S("-accel"), S("tcg,thread=multi"), S("-cpu"), S(cpu), NULL);
}

/* Why KVM cannot be used for @c here, or NULL when it can (the probe's
 * verdict aside: kvm_error is reported, not enforced, when asked for). */
static const char *kvm_missing(const BvmConfig *c, const BvmHostCaps *caps, const BvmQemuCaps *q)
{
  if (caps->host.arch != c->arch)
    return "the guest's architecture differs from the host's";
  if (caps->host.os != BVM_HOST_OS_LINUX)
    return "KVM exists only on Linux hosts";
  if (!caps->host.kvm)
    return "/dev/kvm is missing or not writable for this user";
  if (!bvm_qemu_caps_has_accel(q, "kvm"))
    return "this QEMU has no KVM accelerator";
  return NULL;
}

static const char *hvf_missing(const BvmConfig *c, const BvmHostCaps *caps, const BvmQemuCaps *q)
{
  if (caps->host.arch != c->arch)
    return "the guest's architecture differs from the host's";
  if (caps->host.os != BVM_HOST_OS_MACOS)
    return "Hypervisor.framework exists only on macOS hosts";
  if (!caps->host.hvf || !bvm_qemu_caps_has_accel(q, "hvf"))
    return "Hypervisor.framework is not available (kern.hv_support)";
  return NULL;
}

static gboolean add_accel(BvmCommand *cmd, const BvmConfig *c, const BvmHostCaps *caps,
                          const BvmQemuCaps *q, const BvmCmdOptions *opts, GError **error)
{
  BvmAccel want = opts->accel_override ? opts->accel : c->accel;
  const char *asker = opts->accel_override ? "BRIDGEVM_ACCEL" : "the VM's settings";
  if (want == BVM_ACCEL_KVM || want == BVM_ACCEL_HVF) {
    const char *name = bvm_accel_to_string(want);
    const char *missing = want == BVM_ACCEL_KVM ? kvm_missing(c, caps, q) : hvf_missing(c, caps, q);
    if (missing != NULL) {
      g_set_error(
          error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
          "VM '%s' is set to use %s, but %s: set it to auto or tcg (bridgevm set '%s' --accel auto)",
          c->name, name, missing, c->name);
      return FALSE;
    }
    g_autofree char *why = NULL;
    if (want == BVM_ACCEL_KVM && q->kvm_error != NULL)
      why = g_strdup_printf("KVM, because %s ask for it, although the probe found: %s", asker,
                            q->kvm_error);
    else
      why = g_strdup_printf("%s, as %s ask, runs the guest natively",
                            want == BVM_ACCEL_KVM ? "KVM" : "Hypervisor.framework", asker);
    if (want == BVM_ACCEL_KVM)
      add_kvm(cmd, c, why);
    else
      add_hvf(cmd, why);
    return TRUE;
  }
  if (want == BVM_ACCEL_TCG) {
    add_dropped(cmd, "hardware acceleration",
                "%s ask for TCG: the guest runs under emulation, many times slower "
                "(--accel auto uses KVM or HVF where they work)",
                asker);
    add_tcg(cmd, c, q);
    return TRUE;
  }
  const char *no_hvf = hvf_missing(c, caps, q);
  if (no_hvf == NULL) {
    add_hvf(cmd, "Hypervisor.framework runs the guest's instructions natively on Apple Silicon");
    return TRUE;
  }
  const char *no_kvm = kvm_missing(c, caps, q);
  if (no_kvm == NULL && q->kvm_error == NULL) {
    add_kvm(cmd, c, "KVM runs the guest natively");
    return TRUE;
  }
  if (no_kvm == NULL)
    add_dropped(cmd, "hardware acceleration",
                "%s; using TCG: the guest runs under emulation, "
                "many times slower",
                q->kvm_error);
  else
    add_dropped(cmd, "hardware acceleration",
                "%s: the guest runs under TCG emulation, many times slower",
                caps->host.os == BVM_HOST_OS_MACOS && c->arch == caps->host.arch ? no_hvf : no_kvm);
  add_tcg(cmd, c, q);
  return TRUE;
}

static void add_machine(BvmCommand *cmd, const BvmConfig *c)
{
  if (c->arch == BVM_ARCH_AARCH64) {
    add_group(cmd,
              "virt is the generic Arm machine; GICv3 (gic-version=3) is the interrupt controller "
              "Windows on Arm expects and the only one that takes more than 8 vCPUs",
              S("-machine"), S("virt,gic-version=3,highmem=on"), NULL);
    return;
  }
  if (c->firmware.requires_smm) {
    add_group(cmd,
              "q35 is a modern PCIe chipset. This Secure Boot firmware keeps its variables safe in "
              "System Management Mode: without smm=on and secure pflash it does not fail, the VM "
              "hangs with a blank screen",
              S("-machine"), S("q35,smm=on,vmport=off"), S("-global"),
              S("driver=cfi.pflash01,property=secure,value=on"), NULL);
  } else {
    add_group(cmd,
              "q35 is a modern PCIe chipset; SMM is off because this firmware does not need it "
              "(it costs boot time under TCG)",
              S("-machine"), S("q35,smm=off,vmport=off"), NULL);
  }
}

static void add_disk(BvmCommand *cmd, const BvmConfig *c, const BvmHostCaps *caps,
                     const BvmQemuCaps *q, const BvmPaths *paths)
{
  guint64 needed = l2_needed_bytes(c->disk_gib);
  guint64 dflt = l2_default_max(caps->host.os);
  g_autofree char *l2 = NULL;
  if (needed > dflt) {
    guint64 mib = (needed + BVM_MIB - 1) / BVM_MIB;
    l2 = g_strdup_printf(",l2-cache-size=%" G_GUINT64_FORMAT "M", mib);
  } else {
    add_dropped(cmd, "qcow2 l2-cache-size",
                "QEMU's default L2 cache (%" G_GUINT64_FORMAT " MiB here) already maps the whole "
                "%" G_GUINT64_FORMAT " GiB disk",
                dflt / BVM_MIB, c->disk_gib);
  }
  g_autofree char *disk = E(paths->disk);
  add_group(cmd,
            "The disk: a qcow2 image with aio=threads (works on every host and filesystem) and "
            "the host page cache on (cache.direct=off: qcow2 metadata is small and hot). The L2 "
            "cache is sized to map the whole disk so random I/O never rereads qcow2 tables; "
            "discard=unmap and detect-zeroes=unmap give freed guest blocks back to the host",
            S("-blockdev"),
            F("driver=file,node-name=disk0-file,filename=%s,aio=threads,cache.direct=off,"
              "discard=unmap",
              disk),
            S("-blockdev"),
            F("driver=qcow2,node-name=disk0,file=disk0-file,discard=unmap,detect-zeroes=unmap%s",
              l2 ? l2 : ""),
            NULL);
  g_autofree char *serial = nvme_serial_for(c->id);
  if (bvm_qemu_caps_has_property(q, "nvme", "max_ioqpairs")) {
    /* One I/O queue pair per vCPU: Linux and Windows give each CPU its own
     * queue when there are enough, and share them when there are not. On
     * 2 vCPUs (bench/guest, docs/performance.md) one shared queue cut 4k
     * random reads to a small fraction, while QEMU's default of 64 measured the same
     * as one per vCPU: pairs beyond the vCPUs are never used. */
    add_group(cmd,
              "NVMe with one I/O queue pair per vCPU: Windows and Linux ship NVMe drivers (the "
              "installer sees the disk without extra drivers) and give each CPU its own queue; "
              "fewer pairs make CPUs share one, more are never used; max_ioqpairs is the QEMU "
              ">= 5.1 name (num_queues is deprecated), default 64",
              S("-device"),
              F("nvme,drive=disk0,serial=%s,max_ioqpairs=%u,bootindex=1", serial, c->cpus), NULL);
  } else {
    add_dropped(cmd, "NVMe disk", "this QEMU has no nvme device with max_ioqpairs");
    add_group(cmd, "virtio-blk: the fast paravirtual disk when NVMe is not available", S("-device"),
              F("virtio-blk-pci,drive=disk0,serial=%s,bootindex=1", serial), NULL);
  }
}

static void add_cdrom(BvmCommand *cmd, const BvmConfig *c, const BvmQemuCaps *q)
{
  if (c->iso_path == NULL)
    return;
  g_autofree char *iso = E(c->iso_path);
  if (c->arch == BVM_ARCH_AARCH64) {
    add_group(cmd,
              "The installer ISO, first in boot order, as a USB CD: virt has no IDE/AHCI, and the "
              "Windows on Arm installer has no virtio-scsi driver, but it reads USB storage",
              S("-blockdev"), F("driver=file,node-name=cd0-file,filename=%s,read-only=on", iso),
              S("-blockdev"), S("driver=raw,node-name=cd0,file=cd0-file,read-only=on"),
              S("-device"), S("usb-storage,bus=xhci.0,drive=cd0,removable=on,bootindex=0"), NULL);
    return;
  }
  (void)q;
  add_group(cmd,
            "The installer ISO, first in boot order, as a SATA CD-ROM on q35's AHCI: every "
            "firmware and installer reads it without drivers",
            S("-blockdev"), F("driver=file,node-name=cd0-file,filename=%s,read-only=on", iso),
            S("-blockdev"), S("driver=raw,node-name=cd0,file=cd0-file,read-only=on"), S("-device"),
            S("ide-cd,bus=ide.0,drive=cd0,bootindex=0"), NULL);
}

/* One more read-only CD where Windows Setup looks for it without drivers:
 * AHCI port @port on x86_64 (q35's ide.N), USB storage on aarch64 (virt has
 * no AHCI). Never in the boot order. */
static void add_extra_cd(BvmCommand *cmd, const BvmConfig *c, const char *id, guint port,
                         const char *path, const char *why)
{
  g_autofree char *file = E(path);
  g_autofree char *device =
      c->arch == BVM_ARCH_AARCH64
          ? g_strdup_printf("usb-storage,bus=xhci.0,drive=%s,removable=on", id)
          : g_strdup_printf("ide-cd,bus=ide.%u,drive=%s", port, id);
  add_group(cmd, why, S("-blockdev"),
            F("driver=file,node-name=%s-file,filename=%s,read-only=on", id, file), S("-blockdev"),
            F("driver=raw,node-name=%s,file=%s-file,read-only=on", id, id), S("-device"),
            g_steal_pointer(&device), NULL);
}

static void add_extra_cds(BvmCommand *cmd, const BvmConfig *c, const BvmCmdOptions *opts)
{
  if (opts->answer_iso != NULL)
    add_extra_cd(
        cmd, c, "answer", 1, opts->answer_iso,
        "The express install's answer CD (autounattend.xml at its root), where Windows Setup "
        "searches removable media without drivers (AHCI on x86_64, USB on aarch64); attached "
        "only while the disk is still empty, so Setup never wipes an installed disk");
  if (c->drivers_iso_path != NULL)
    add_extra_cd(cmd, c, "drivers", 2, c->drivers_iso_path,
                 "The virtio-win driver CD: storage, network and display drivers for Setup "
                 "(DriverPaths) and for later, the guest agent's installer (x86_64)");
}

static char *ioeventfd(const BvmQemuCaps *q, const char *device)
{
  return g_strdup(bvm_qemu_caps_has_property(q, device, "ioeventfd") ? ",ioeventfd=on" : "");
}

static void add_gpu(BvmCommand *cmd, const BvmConfig *c, const BvmQemuCaps *q)
{
  const char *gpu = bvm_caps_gpu_device(c->arch);
  if (!bvm_qemu_caps_has_device(q, gpu)) {
    add_dropped(cmd, "virtio-gpu", "this QEMU has no %s device", gpu);
    add_group(cmd, "A standard VGA adapter: this QEMU has no virtio-gpu", S("-device"),
              S(c->arch == BVM_ARCH_AARCH64 ? "ramfb" : "VGA"), NULL);
    return;
  }
  GString *opts = g_string_new(gpu);
  if (bvm_qemu_caps_has_property(q, gpu, "edid")) {
    g_string_append_printf(opts, ",edid=on,xres=%u,yres=%u", c->display_width, c->display_height);
  } else {
    add_dropped(cmd, "EDID resolutions", "this QEMU's %s has no edid property", gpu);
  }
  /* Decided by the probe realizing the device with blob=on, not by OS:
   * QEMU refuses it without udmabuf support unless it is new enough. */
  gboolean blob_ok =
      bvm_qemu_caps_has_property(q, gpu, "blob") && q->gpu_blob_checked && q->gpu_blob;
  if (!bvm_qemu_caps_has_property(q, gpu, "blob"))
    add_dropped(cmd, "virtio-gpu blob scanout", "this QEMU's %s has no blob property", gpu);
  else if (!q->gpu_blob_checked)
    add_dropped(cmd, "virtio-gpu blob scanout", "not probed on this host");
  else if (!q->gpu_blob)
    add_dropped(cmd, "virtio-gpu blob scanout",
                "this QEMU refuses %s,blob=on here: %s (on Linux, load the udmabuf module)", gpu,
                q->gpu_blob_error ? q->gpu_blob_error : "no reason given");
  if (blob_ok) {
    g_string_append(opts, ",blob=on");
    if (bvm_qemu_caps_has_property(q, gpu, "max_hostmem"))
      g_string_append(opts, ",max_hostmem=268435456");
  }
  g_autofree char *ioev = ioeventfd(q, gpu);
  g_string_append(opts, ioev);
  char *gpu_opts = g_string_free(opts, FALSE);
  if (c->arch == BVM_ARCH_AARCH64) {
    add_group(cmd,
              "virtio-gpu with EDID on, so the guest offers the configured resolution; blob "
              "scanout shares guest buffers with the display without a copy where the host allows "
              "it (max_hostmem bounds what the guest can make the host allocate). ramfb is the "
              "simple framebuffer the firmware and the Windows installer draw on before the "
              "virtio-gpu driver loads",
              S("-device"), S("ramfb"), S("-device"), gpu_opts, NULL);
  } else {
    add_group(cmd,
              "virtio-vga: virtio-gpu plus a VGA-compatible framebuffer, so the firmware and "
              "installers (which have no virtio-gpu driver) are seen too; EDID on offers the "
              "configured resolution; blob scanout shares guest buffers without a copy where the "
              "host allows it (max_hostmem bounds host memory for them)",
              S("-device"), gpu_opts, NULL);
  }
}

/* Port forwards and, for a Windows guest, its shared folder, as options of
 * the user netdev (slirp): ",hostfwd=…" per forward, ",smb=DIR". Sets
 * *out_smb when QEMU will spawn smbd. */
static char *netdev_extras(BvmCommand *cmd, const BvmConfig *c, const BvmCmdOptions *opts,
                           GString *why, gboolean *out_smb)
{
  GString *extra = g_string_new(NULL);
  guint n = c->forwards != NULL ? c->forwards->len : 0;
  for (guint i = 0; i < n; i++) {
    const BvmForward *f = c->forwards->pdata[i];
    g_autofree char *rule = bvm_forward_hostfwd(f);
    g_autofree char *esc = E(rule);
    g_string_append_printf(extra, ",hostfwd=%s", esc);
    if (bvm_forward_is_public(f))
      g_string_append_printf(why,
                             "; WARNING: host port %u listens on %s, so other machines on the "
                             "network can reach guest port %u",
                             f->host_port, f->bind, f->guest_port);
  }
  if (n > 0)
    g_string_append(why, "; hostfwd forwards host ports into the guest, bound to 127.0.0.1 "
                         "unless a forward names another address, so only this machine reaches "
                         "them");
  *out_smb = FALSE;
  guint n_shares = c->shares != NULL ? c->shares->len : 0;
  if (c->os != BVM_OS_WINDOWS11 || n_shares == 0)
    return g_string_free(extra, FALSE);
  const BvmShare *s = c->shares->pdata[0];
  if (opts->smbd == NULL) {
    add_dropped(cmd, "shared folders",
                "a Windows guest reads them over SMB and smbd is not "
                "installed here (install samba)");
    return g_string_free(extra, FALSE);
  }
  for (guint i = 1; i < n_shares; i++)
    add_dropped(cmd, "shared folder",
                "QEMU's SMB server shares one directory: '%s' is left out (only '%s' is shared)",
                ((const BvmShare *)c->shares->pdata[i])->path, s->path);
  if (s->read_only)
    add_dropped(cmd, "read-only share",
                "QEMU's SMB server writes a read-write smb.conf: '%s' is writable from Windows",
                s->path);
  g_autofree char *dir = E(s->path);
  g_string_append_printf(extra, ",smb=%s", dir);
  g_string_append_printf(why,
                         "; smb= shares %s with the Windows guest as %s: QEMU runs smbd for "
                         "it on a private address of the user network, nothing listens on the "
                         "host's network",
                         s->path, BVM_SHARE_SMB_UNC);
  *out_smb = TRUE;
  return g_string_free(extra, FALSE);
}

/* Linux and other guests: one virtio-9p device per shared folder. */
static void add_9p_shares(BvmCommand *cmd, const BvmConfig *c, const BvmQemuCaps *q)
{
  guint n = c->shares != NULL ? c->shares->len : 0;
  if (c->os == BVM_OS_WINDOWS11 || n == 0)
    return;
  if (!bvm_qemu_caps_has_device(q, "virtio-9p-pci")) {
    add_dropped(cmd, "shared folders",
                "this QEMU has no virtio-9p-pci device (macOS QEMU before 7.0 lacks 9p)");
    return;
  }
  g_autoptr(GStrvBuilder) flags = g_strv_builder_new();
  for (guint i = 0; i < n; i++) {
    const BvmShare *s = c->shares->pdata[i];
    g_autofree char *path = E(s->path);
    g_autofree char *fsdev = g_strdup_printf("local,id=fs%u,path=%s,security_model=none%s", i, path,
                                             s->read_only ? ",readonly=on" : "");
    g_autofree char *dev =
        g_strdup_printf("virtio-9p-pci,id=fs%udev,fsdev=fs%u,mount_tag=%s", i, i, s->tag);
    g_strv_builder_add_many(flags, "-fsdev", fsdev, "-device", dev, NULL);
  }
  g_auto(GStrv) v = g_strv_builder_end(flags);
  BvmCmdGroup *g = g_new0(BvmCmdGroup, 1);
  for (char **f = v; *f; f++)
    g_ptr_array_insert(cmd->argv, (gint)cmd->argv->len - 1, g_strdup(*f));
  g->flags = g_steal_pointer(&v);
  g->reason = g_strdup(
      "Shared folders over virtio-9p (the guest mounts each by its tag: mount -t 9p -o "
      "trans=virtio TAG /mnt). security_model=none: QEMU, running as this user, reads and "
      "writes the files as this user, so the host keeps ordinary files owned by you (mapped-xattr "
      "would hide the guest's owners in xattrs and leave files mode 0600 on the host); "
      "readonly=on makes QEMU itself refuse writes to a read-only share, whatever the guest does");
  g_ptr_array_add(cmd->groups, g);
}

/* Returns the mode actually used (auto and an unavailable window resolved). */
static BvmDisplayMode add_display(BvmCommand *cmd, const BvmHostCaps *caps, const BvmQemuCaps *q,
                                  const BvmPaths *paths, BvmDisplayMode mode)
{
  if (mode == BVM_DISPLAY_AUTO)
    mode = caps->host.desktop ? BVM_DISPLAY_WINDOW : BVM_DISPLAY_VNC;
  if (mode == BVM_DISPLAY_WINDOW) {
    const char *ui = caps->host.os == BVM_HOST_OS_MACOS ? "cocoa" : "gtk";
    if (bvm_qemu_caps_has_display(q, ui)) {
      add_group(cmd, "The VM's screen in a window of the platform's toolkit", S("-display"),
                F("%s", ui), NULL);
      return BVM_DISPLAY_WINDOW;
    }
    add_dropped(cmd, "a display window", "this QEMU was built without the %s display", ui);
    mode = BVM_DISPLAY_VNC;
  }
  if (mode == BVM_DISPLAY_NONE) {
    add_group(cmd, "No display: the VM runs headless (agent, serial and QMP still work)",
              S("-display"), S("none"), NULL);
    return BVM_DISPLAY_NONE;
  }
  g_autofree char *vnc = E(paths->vnc_sock);
  add_group(cmd,
            "Headless: the screen is served by VNC on a unix socket in run/, never a TCP port, so "
            "only this user can reach it",
            S("-display"), S("none"), S("-vnc"), F("unix:%s", vnc), NULL);
  return BVM_DISPLAY_VNC;
}

BvmCommand *bvm_qemu_cmd_build(const BvmConfig *c, const BvmHostCaps *caps, const BvmPaths *paths,
                               const BvmCmdOptions *opts, GError **error)
{
  g_return_val_if_fail(c != NULL && caps != NULL && paths != NULL && opts != NULL, NULL);
  const BvmQemuCaps *q = caps->qemu[c->arch];
  if (q == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING, "no QEMU for %s guests: install %s",
                bvm_arch_to_string(c->arch),
                c->arch == BVM_ARCH_AARCH64 ? "qemu-system-arm (Debian) or qemu (Homebrew)"
                                            : "qemu-system-x86 (Debian) or qemu (Homebrew)");
    return NULL;
  }
  if (c->firmware.code == NULL || c->firmware.vars_template == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "VM '%s' has no UEFI firmware recorded in its config.json", c->name);
    return NULL;
  }
  BvmCommand *cmd = g_new0(BvmCommand, 1);
  cmd->argv = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(cmd->argv, NULL);
  cmd->groups = g_ptr_array_new_with_free_func((GDestroyNotify)group_free);
  cmd->dropped = g_ptr_array_new_with_free_func((GDestroyNotify)dropped_free);
  cmd->command_version = BVM_COMMAND_VERSION;

  add_group(cmd, "The QEMU system emulator for the guest's architecture", S(q->binary), NULL);
  g_autofree char *name = E(c->name);
  add_group(cmd,
            "Identity: the VM's name (for ps and the window title; debug-threads names QEMU's "
            "threads) and its uuid (the SMBIOS system UUID, which Windows activation keys on)",
            S("-name"), F("guest=%s,debug-threads=on", name), S("-uuid"), S(c->id), NULL);
  add_group(cmd,
            "Only the devices declared below: no default NIC, VGA, floppy or CD, and no "
            "system-wide QEMU config can change this VM",
            S("-nodefaults"), S("-no-user-config"), NULL);
  if (!add_accel(cmd, c, caps, q, opts, error)) {
    bvm_command_free(cmd);
    return NULL;
  }
  add_machine(cmd, c);
  add_group(cmd,
            "vCPUs as cores of one socket: Windows client editions use at most two sockets, so "
            "8 single-core sockets would leave 6 vCPUs idle",
            S("-smp"), F("%u,sockets=1,cores=%u,threads=1", c->cpus, c->cpus), S("-m"),
            F("%" G_GUINT64_FORMAT "M", c->memory_mib), NULL);
  if (c->os == BVM_OS_WINDOWS11)
    add_group(cmd,
              "Windows keeps the hardware clock in local time; driftfix=slew catches up lost "
              "timer ticks gently",
              S("-rtc"), S("base=localtime,driftfix=slew"), NULL);
  else
    add_group(cmd, "The hardware clock in UTC, as Linux expects", S("-rtc"), S("base=utc"), NULL);

  g_autofree char *code = E(c->firmware.code);
  g_autofree char *vars = E(paths->vars);
  add_group(cmd,
            "UEFI firmware (EDK2): the code read-only from the firmware package, the variables "
            "(boot entries, Secure Boot keys) in the bundle's own efi-vars.fd",
            S("-drive"), F("if=pflash,format=raw,unit=0,readonly=on,file=%s", code), S("-drive"),
            F("if=pflash,format=raw,unit=1,file=%s", vars), NULL);

  add_group(cmd,
            "USB 3 (xhci) with a tablet and a keyboard: the tablet gives absolute pointer "
            "positions, so the mouse follows the host cursor without grabbing",
            S("-device"), S("qemu-xhci,id=xhci"), S("-device"), S("usb-tablet,bus=xhci.0"),
            S("-device"), S("usb-kbd,bus=xhci.0"), NULL);
  add_disk(cmd, c, caps, q, paths);
  add_cdrom(cmd, c, q);
  add_extra_cds(cmd, c, opts);
  add_gpu(cmd, c, q);
  BvmDisplayMode display = add_display(cmd, caps, q, paths, opts->display);

  g_autofree char *mac = mac_for(c->id);
  g_autofree char *net_ioev = ioeventfd(q, "virtio-net-pci");
  g_autoptr(GString) net_why =
      g_string_new("Networking: user-mode NAT (no root, no host setup) on virtio-net, the fastest "
                   "paravirtual NIC; a MAC derived from the VM id stays the same across boots. "
                   "ioeventfd=on (QEMU's default for virtio-pci, stated for audit) lets KVM/HVF "
                   "signal queue kicks without a vCPU exit; TCG has no ioeventfd");
  gboolean smb = FALSE;
  g_autofree char *net_extra = netdev_extras(cmd, c, opts, net_why, &smb);
  add_group(cmd, net_why->str, S("-netdev"), F("user,id=net0%s", net_extra), S("-device"),
            F("virtio-net-pci,netdev=net0,mac=%s%s", mac, net_ioev), NULL);
  add_9p_shares(cmd, c, q);

  if (c->tpm_enabled) {
    g_autofree char *sock = E(paths->swtpm_sock);
    const char *tpm_dev = c->arch == BVM_ARCH_AARCH64 ? "tpm-tis-device" : "tpm-crb";
    add_group(cmd,
              "TPM 2.0 from the VM's own swtpm (state in the bundle's tpm/): Windows 11 requires "
              "one. tpm-crb is the TPM interface for q35; virt has no ISA bus, so arm uses the "
              "sysbus tpm-tis-device",
              S("-chardev"), F("socket,id=chrtpm,path=%s", sock), S("-tpmdev"),
              S("emulator,id=tpm0,chardev=chrtpm"), S("-device"), F("%s,tpmdev=tpm0", tpm_dev),
              NULL);
  }

  /* ISA pvpanic (ACPI QEMU0001) on q35: Linux's pvpanic driver and the
   * virtio-win one bind to it; virt has no ISA bus, so arm uses the PCI one. */
  const char *panic_dev = c->arch == BVM_ARCH_AARCH64 ? "pvpanic-pci" : "pvpanic";
  if (bvm_qemu_caps_has_device(q, panic_dev))
    add_group(cmd,
              "pvpanic: the guest reports a kernel panic (Linux) or a bug check (Windows) to "
              "QEMU, so the run is recorded as a crash with its cause instead of a VM that hangs",
              S("-device"), S(panic_dev), NULL);
  else
    add_dropped(cmd, "pvpanic", "this QEMU has no %s device: a guest panic is not reported",
                panic_dev);

  g_autofree char *qga = E(paths->qga_sock);
  g_autofree char *ser_ioev = ioeventfd(q, "virtio-serial-pci");
  add_group(cmd,
            "The QEMU guest agent's channel: a virtio-serial port named org.qemu.guest_agent.0 "
            "on a unix socket in run/ (agent calls, clean shutdown)",
            S("-chardev"), F("socket,id=qga0,path=%s,server=on,wait=off", qga), S("-device"),
            F("virtio-serial-pci,id=vser0%s", ser_ioev), S("-device"),
            S("virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0"), NULL);

  g_autofree char *qmp = E(paths->qmp_sock);
  g_autofree char *qmp2 = E(paths->qmp_client_sock);
  /* The monitor's socket, listening already when handed over as a fd:
   * the monitor connects without waiting for QEMU to bind it. */
  g_autofree char *qmp0 =
      opts->qmp_fd > 0 ? g_strdup_printf("socket,id=qmp0,fd=%d,server=on,wait=off", opts->qmp_fd)
                       : g_strdup_printf("socket,id=qmp0,path=%s,server=on,wait=off", qmp);
  add_group(cmd,
            "Two QMP sockets: one the VM's monitor process holds for events, one for the CLI, "
            "server and app to send commands (QMP serves one client per socket)",
            S("-chardev"), S(qmp0), S("-mon"), S("chardev=qmp0,mode=control"), S("-chardev"),
            F("socket,id=qmp1,path=%s,server=on,wait=off", qmp2), S("-mon"),
            S("chardev=qmp1,mode=control"), NULL);

  g_autofree char *serial = E(paths->serial_log);
  add_group(cmd,
            "The guest's serial console, appended to logs/serial.log (append=on, so the "
            "monitor can rotate it while the VM runs); QEMU's own messages carry timestamps",
            S("-chardev"), F("file,id=serial0,path=%s,append=on", serial), S("-serial"),
            S("chardev:serial0"), S("-msg"), S("timestamp=on"), NULL);

  /* GTK forks: QEMU 7.2 with -display gtk dies of SIGSYS at start under
   * spawn=deny (seen here); QEMU forks smbd when a Windows guest first
   * connects to its shared folder. Such a VM keeps the rest of the filter. */
  const char *forks = display == BVM_DISPLAY_WINDOW
                          ? "the GTK window forks, and spawn=deny kills QEMU"
                      : smb ? "the shared folder's smbd is started by QEMU"
                            : NULL;
  if (caps->host.os == BVM_HOST_OS_LINUX && q->sandbox && forks != NULL) {
    add_group(cmd,
              "seccomp sandbox: QEMU may not use obsolete syscalls, gain privileges or change "
              "resource limits, which a guest escape would need",
              S("-sandbox"), S("on,obsolete=deny,elevateprivileges=deny,resourcecontrol=deny"),
              NULL);
    add_dropped(cmd, "seccomp spawn=deny", "%s", forks);
  } else if (caps->host.os == BVM_HOST_OS_LINUX && q->sandbox) {
    add_group(cmd,
              "seccomp sandbox: QEMU may not use obsolete syscalls, gain privileges, spawn "
              "processes or change resource limits, which a guest escape would need",
              S("-sandbox"),
              S("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"), NULL);
  } else if (caps->host.os == BVM_HOST_OS_LINUX) {
    add_dropped(cmd, "seccomp sandbox", "this QEMU was built without seccomp");
  }
  if (opts->start_paused)
    add_group(cmd, "Start with the vCPUs stopped until QMP says cont, so nothing is missed",
              S("-S"), NULL);
  return cmd;
}

JsonNode *bvm_command_to_json(const BvmCommand *cmd)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "argv");
  json_builder_begin_array(b);
  for (guint i = 0; i + 1 < cmd->argv->len; i++)
    json_builder_add_string_value(b, cmd->argv->pdata[i]);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "groups");
  json_builder_begin_array(b);
  for (guint i = 0; i < cmd->groups->len; i++) {
    const BvmCmdGroup *g = cmd->groups->pdata[i];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "flags");
    json_builder_begin_array(b);
    for (char **f = g->flags; *f; f++)
      json_builder_add_string_value(b, *f);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "reason");
    json_builder_add_string_value(b, g->reason);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "dropped");
  json_builder_begin_array(b);
  for (guint i = 0; i < cmd->dropped->len; i++) {
    const BvmCmdDropped *d = cmd->dropped->pdata[i];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "what");
    json_builder_add_string_value(b, d->what);
    json_builder_set_member_name(b, "why");
    json_builder_add_string_value(b, d->why);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "accel");
  json_builder_add_string_value(b, cmd->accel);
  json_builder_set_member_name(b, "commandVersion");
  json_builder_add_int_value(b, cmd->command_version);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

char *bvm_command_explain(const BvmCommand *cmd)
{
  GString *out = g_string_new(NULL);
  g_string_append_printf(out, "# QEMU command (command version %u, accelerator %s)\n\n",
                         cmd->command_version, cmd->accel);
  for (guint i = 0; i < cmd->groups->len; i++) {
    const BvmCmdGroup *g = cmd->groups->pdata[i];
    g_string_append_printf(out, "# %s\n", g->reason);
    for (char **f = g->flags; *f; f++) {
      g_autofree char *quoted = g_shell_quote(*f);
      g_string_append_printf(out, "  %s%s\n", (*f)[0] == '-' ? "" : "  ", quoted);
    }
    g_string_append_c(out, '\n');
  }
  if (cmd->dropped->len > 0) {
    g_string_append(out, "# Not used on this host:\n");
    for (guint i = 0; i < cmd->dropped->len; i++) {
      const BvmCmdDropped *d = cmd->dropped->pdata[i];
      g_string_append_printf(out, "#   %s: %s\n", d->what, d->why);
    }
  }
  return g_string_free(out, FALSE);
}

char *bvm_command_to_args_text(const BvmCommand *cmd)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i + 1 < cmd->argv->len; i++) {
    g_string_append(out, cmd->argv->pdata[i]);
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}
