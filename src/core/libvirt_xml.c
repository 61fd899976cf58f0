/* A VM as a libvirt domain (libvirt_xml.h). PURE. The decisions are the
 * QEMU builder's: the argv is built first and each element below takes the
 * reason of the flag group it stands for, so the two cannot drift apart
 * silently; what libvirt 9.0 has no element for is a note. */
#include "libvirt_xml.h"
#include "cpu_model.h"
#include "error.h"
#include "util.h"

#include <stdarg.h>
#include <string.h>

void bvm_libvirt_domain_free(BvmLibvirtDomain *domain)
{
  if (domain == NULL)
    return;
  g_free(domain->xml);
  if (domain->notes != NULL)
    g_ptr_array_unref(domain->notes);
  g_free(domain->domain_type);
  g_free(domain);
}

static void note_free(BvmCmdDropped *d)
{
  g_free(d->what);
  g_free(d->why);
  g_free(d);
}

typedef struct {
  GString *out;
  GPtrArray *notes;
  const BvmCommand *cmd;
  const BvmQemuCaps *q;
  gboolean *mapped; /* per flag group of cmd: consulted by a mapping below */
} Writer;

static void note(Writer *w, const char *what, const char *why)
{
  BvmCmdDropped *d = g_new0(BvmCmdDropped, 1);
  d->what = g_strdup(what);
  d->why = g_strdup(why);
  g_ptr_array_add(w->notes, d);
}

/* One line at @depth (two spaces a level), printf-style with every %s
 * argument escaped for XML (g_markup_vprintf_escaped). */
static void line(Writer *w, int depth, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void line(Writer *w, int depth, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_markup_vprintf_escaped(fmt, ap);
  va_end(ap);
  for (int i = 0; i < depth; i++)
    g_string_append(w->out, "  ");
  g_string_append(w->out, text);
  g_string_append_c(w->out, '\n');
}

/* An XML comment: "--" may not appear inside one, and a trailing "-" would
 * make "--->". */
static void comment(Writer *w, int depth, const char *text)
{
  g_autoptr(GString) safe = g_string_new(NULL);
  for (const char *p = text; *p; p++) {
    g_string_append_c(safe, *p);
    if (*p == '-' && (p[1] == '-' || p[1] == '\0'))
      g_string_append_c(safe, ' ');
  }
  for (int i = 0; i < depth; i++)
    g_string_append(w->out, "  ");
  g_string_append_printf(w->out, "<!-- %s -->\n", safe->str);
}

/* The builder's reason for the group holding a flag that starts with
 * @prefix (NULL when the builder made no such group on this host). */
static const char *reason_for(const Writer *w, const char *prefix)
{
  for (guint i = 0; i < w->cmd->groups->len; i++) {
    const BvmCmdGroup *g = w->cmd->groups->pdata[i];
    for (char **f = g->flags; *f; f++)
      if (g_str_has_prefix(*f, prefix)) {
        w->mapped[i] = TRUE;
        return g->reason;
      }
  }
  return NULL;
}

/* Every flag group no mapping consulted: a group the builder gained after
 * this file was written (say so, rather than drop it silently). */
static void note_unmapped(Writer *w)
{
  for (guint i = 0; i < w->cmd->groups->len; i++) {
    if (w->mapped[i])
      continue;
    const BvmCmdGroup *g = w->cmd->groups->pdata[i];
    g_autofree char *flags = g_strjoinv(" ", g->flags);
    g_autofree char *text =
        g_strdup_printf("Not carried over (no libvirt mapping yet): %s (%s)", flags, g->reason);
    comment(w, 1, text);
    note(w, flags, "BridgeVM has no libvirt mapping for these flags yet: left out of the domain");
  }
}

/* The builder's reason as a comment, then libvirt's side of it (may be NULL). */
static void because(Writer *w, int depth, const char *prefix, const char *libvirt_side)
{
  const char *reason = reason_for(w, prefix);
  if (reason != NULL)
    comment(w, depth, reason);
  if (libvirt_side != NULL)
    comment(w, depth, libvirt_side);
}

static gboolean has_flag(const Writer *w, const char *prefix)
{
  return reason_for(w, prefix) != NULL;
}

/* The value of the argv element that starts with @prefix, after it. */
static const char *flag_value(const Writer *w, const char *prefix)
{
  for (guint i = 0; i + 1 < w->cmd->argv->len; i++) {
    const char *a = w->cmd->argv->pdata[i];
    if (g_str_has_prefix(a, prefix))
      return a + strlen(prefix);
  }
  return NULL;
}

/* The value of option @key in a QEMU option list ("a,key=v,b"), or NULL. */
static char *option_value(const char *opts, const char *key)
{
  g_autofree char *needle = g_strdup_printf(",%s=", key);
  const char *v = opts ? strstr(opts, needle) : NULL;
  if (v == NULL)
    return NULL;
  v += strlen(needle);
  return g_strndup(v, strcspn(v, ","));
}

static void add_identity(Writer *w, const BvmConfig *c, const char *name)
{
  because(w, 1, "guest=", NULL);
  line(w, 1, "<name>%s</name>", name);
  line(w, 1, "<uuid>%s</uuid>", c->id);
  comment(w, 1, "BridgeVM's own record of the VM, for bridgevm import: what libvirt does not keep");
  line(w, 1, "<metadata>");
  line(w, 2, "<bvm:bridgevm xmlns:bvm='" BVM_LIBVIRT_XMLNS "'>");
  line(w, 3, "<bvm:name>%s</bvm:name>", c->name);
  line(w, 3, "<bvm:os>%s</bvm:os>", bvm_os_to_string(c->os));
  line(w, 3, "<bvm:preset>%s</bvm:preset>", bvm_preset_to_string(c->preset));
  line(w, 3, "<bvm:diskGiB>%" G_GUINT64_FORMAT "</bvm:diskGiB>", c->disk_gib);
  line(w, 3, "<bvm:commandVersion>%u</bvm:commandVersion>", w->cmd->command_version);
  line(w, 2, "</bvm:bridgevm>");
  line(w, 1, "</metadata>");
  because(w, 1, "-smp", "vcpu and memory are -smp and -m; the topology below is -smp's");
  line(w, 1, "<memory unit='MiB'>%" G_GUINT64_FORMAT "</memory>", c->memory_mib);
  line(w, 1, "<currentMemory unit='MiB'>%" G_GUINT64_FORMAT "</currentMemory>", c->memory_mib);
  line(w, 1, "<vcpu placement='static'>%u</vcpu>", c->cpus);
}

static void add_os(Writer *w, const BvmConfig *c, const char *nvram)
{
  line(w, 1, "<os>");
  because(w, 2, "-machine",
          c->arch == BVM_ARCH_AARCH64 ? "machine='virt'; gic-version is <features><gic>"
                                      : "machine='q35'; smm and vmport are in <features>");
  line(w, 2, "<type arch='%s' machine='%s'>hvm</type>",
       c->arch == BVM_ARCH_AARCH64 ? "aarch64" : "x86_64",
       c->arch == BVM_ARCH_AARCH64 ? "virt" : "q35");
  because(w, 2, "if=pflash",
          "The loader and the variables template named, not <os firmware='efi'>: libvirt's "
          "automatic choice picks its highest-priority descriptor (the MS-enrolled Secure Boot "
          "pair), and an unsigned guest then never boots. secure='yes' is -global "
          "cfi.pflash01.secure=on, which this firmware's SMM needs");
  line(w, 2, "<loader readonly='yes' secure='%s' type='pflash'>%s</loader>",
       c->firmware.requires_smm ? "yes" : "no", c->firmware.code);
  line(w, 2, "<nvram template='%s'>%s</nvram>", c->firmware.vars_template, nvram);
  line(w, 1, "</os>");
}

static void add_features(Writer *w, const BvmConfig *c)
{
  gboolean hyperv = has_flag(w, "host,hv_");
  line(w, 1, "<features>");
  comment(w, 2,
          "ACPI as QEMU's default: the power button (ACPI shutdown) and the firmware's tables");
  line(w, 2, "<acpi/>");
  if (c->arch == BVM_ARCH_AARCH64) {
    line(w, 2, "<gic version='3'/>");
  } else {
    line(w, 2, "<apic/>");
    if (hyperv) {
      comment(w, 2,
              "The hv_* flags of -cpu: libvirt names each enlightenment (hv_time is "
              "<timer name='hypervclock'> in <clock>)");
      line(w, 2, "<hyperv mode='custom'>");
      static const char *const on[] = {"relaxed",  "vapic",  "vpindex",     "runtime",
                                       "synic",    "stimer", "frequencies", "reset",
                                       "tlbflush", "ipi",    NULL};
      for (const char *const *f = on; *f; f++) {
        if (strcmp(*f, "vpindex") == 0)
          line(w, 3, "<spinlocks state='on' retries='8191'/>");
        line(w, 3, "<%s state='on'/>", *f);
      }
      line(w, 2, "</hyperv>");
    }
    line(w, 2, "<vmport state='off'/>");
    line(w, 2, "<smm state='%s'/>", c->firmware.requires_smm ? "on" : "off");
  }
  line(w, 1, "</features>");
}

static void add_cpu(Writer *w, const BvmConfig *c, gboolean tcg)
{
  /* the -cpu group's reason heads the domain (it is -accel's too) */
  if (tcg) {
    /* the builder's TCG model (cpu_model.c): NAME[,-feat|+feat|feat=on|off]... */
    BvmCpuModel m = bvm_cpu_model_for_tcg(c->arch, c->os, w->q->version_code);
    g_auto(GStrv) parts = g_strsplit(m.model, ",", -1);
    gboolean max = strcmp(parts[0], "max") == 0;
    if (max) {
      comment(w, 1,
              "mode='maximum' is -cpu max (libvirt >= 7.1). TCG's thread=multi is QEMU's default "
              "for a guest of another architecture and libvirt's for TCG, so it needs no element");
      line(w, 1, "<cpu mode='maximum' check='none' migratable='off'>");
    } else {
      g_autofree char *why = g_strdup_printf(
          "mode='custom' with a named model and its features off or on is -cpu %s. TCG's "
          "thread=multi is QEMU's default for a guest of another architecture and libvirt's "
          "for TCG, so it needs no element",
          m.model);
      comment(w, 1, why);
      line(w, 1, "<cpu mode='custom' match='exact' check='none'>");
      line(w, 2, "<model fallback='forbid'>%s</model>", parts[0]);
    }
    for (guint i = 1; parts[i] != NULL; i++) {
      const char *f = parts[i];
      if (strcmp(f, "pauth-impdef=on") == 0) {
        note(w, "pauth-impdef=on",
             "libvirt 9.0 has no element for the cheaper pointer-authentication hash under TCG: "
             "the guest runs with QEMU's architected QARMA, slower to emulate");
        continue;
      }
      gboolean off = f[0] == '-' || g_str_has_suffix(f, "=off");
      g_autofree char *name = g_strdup(f[0] == '-' || f[0] == '+' ? f + 1 : f);
      char *eq = strchr(name, '=');
      if (eq != NULL)
        *eq = '\0';
      line(w, 2, "<feature policy='%s' name='%s'/>", off ? "disable" : "require", name);
    }
  } else {
    comment(w, 1, "mode='host-passthrough' is -cpu host");
    line(w, 1, "<cpu mode='host-passthrough' check='none' migratable='on'>");
  }
  line(w, 2, "<topology sockets='1' dies='1' cores='%u' threads='1'/>", c->cpus);
  line(w, 1, "</cpu>");
  because(w, 1, "-rtc", NULL);
  if (c->os == BVM_OS_WINDOWS11) {
    comment(w, 1, "offset='localtime' is base=localtime; tickpolicy='catchup' is driftfix=slew");
    line(w, 1, "<clock offset='localtime'>");
    line(w, 2, "<timer name='rtc' tickpolicy='catchup'/>");
    if (has_flag(w, "host,hv_"))
      line(w, 2, "<timer name='hypervclock' present='yes'/>");
    line(w, 1, "</clock>");
  } else {
    line(w, 1, "<clock offset='utc'/>");
  }
  comment(w, 1,
          "QEMU ends on power off and on a guest panic (pvpanic), as under BridgeVM's monitor, "
          "which records the run as a crash");
  line(w, 1, "<on_poweroff>destroy</on_poweroff>");
  line(w, 1, "<on_reboot>restart</on_reboot>");
  line(w, 1, "<on_crash>destroy</on_crash>");
}

/* l2-cache-size=NM from the argv, in bytes (0: the builder left QEMU's
 * default). */
static guint64 l2_cache_bytes(const Writer *w)
{
  for (guint i = 0; i + 1 < w->cmd->argv->len; i++) {
    const char *a = strstr(w->cmd->argv->pdata[i], ",l2-cache-size=");
    if (a != NULL)
      return g_ascii_strtoull(a + strlen(",l2-cache-size="), NULL, 10) * BVM_MIB;
  }
  return 0;
}

static void add_disk(Writer *w, const BvmConfig *c, const char *disk)
{
  const char *nvme = flag_value(w, "nvme,");
  const char *virtio = flag_value(w, "virtio-blk-pci,");
  g_autofree char *serial = NULL;
  serial = option_value(nvme ? nvme : virtio, "serial");
  because(w, 2, "driver=file,node-name=disk0-file",
          "cache='writeback' is cache.direct=off; io='threads' is aio=threads; discard and "
          "detect_zeroes as the argv's; <metadata_cache> is l2-cache-size (libvirt >= 7.0)");
  if (nvme != NULL) {
    because(w, 2, "nvme,",
            "libvirt 9.0 has no NVMe disk bus (ide, fdc, scsi, virtio, usb, sata, sd): the disk "
            "is virtio-blk with one queue per vCPU (queues=), the same per-CPU design as NVMe's "
            "queue pairs, and the same serial. A Windows guest needs the virtio-win storage "
            "driver (viostor) installed before it moves, or it stops at "
            "INACCESSIBLE_BOOT_DEVICE; Linux has virtio_blk built in");
    note(w, "NVMe disk",
         "libvirt 9.0 has no NVMe disk bus: the disk is virtio-blk with one queue per vCPU; "
         "a Windows guest needs the virtio-win viostor driver installed before it moves");
  } else {
    because(w, 2, "virtio-blk-pci,", NULL);
  }
  line(w, 2, "<disk type='file' device='disk'>");
  guint64 l2 = l2_cache_bytes(w);
  if (nvme != NULL)
    line(w, 3,
         "<driver name='qemu' type='qcow2' cache='writeback' io='threads' discard='unmap' "
         "detect_zeroes='unmap' queues='%u'>",
         c->cpus);
  else
    line(w, 3,
         "<driver name='qemu' type='qcow2' cache='writeback' io='threads' discard='unmap' "
         "detect_zeroes='unmap'>");
  if (l2 > 0) {
    line(w, 4, "<metadata_cache>");
    line(w, 5, "<max_size unit='bytes'>%" G_GUINT64_FORMAT "</max_size>", l2);
    line(w, 4, "</metadata_cache>");
    line(w, 3, "</driver>");
  } else {
    /* no <metadata_cache>: make the open tag the element */
    g_string_truncate(w->out, w->out->len - 2);
    g_string_append(w->out, "/>\n");
  }
  line(w, 3, "<source file='%s'/>", disk);
  line(w, 3, "<target dev='vda' bus='virtio'/>");
  if (serial != NULL)
    line(w, 3, "<serial>%s</serial>", serial);
  line(w, 3, "<boot order='%u'/>", c->iso_path != NULL ? 2u : 1u);
  line(w, 2, "</disk>");
}

/* The virtio-win drivers CD beside the installer (an express install of
 * Windows): a second CD-ROM, not booted. */
static void add_drivers_cd(Writer *w, const BvmConfig *c)
{
  if (c->drivers_iso_path == NULL || !has_flag(w, "driver=file,node-name=drivers-file"))
    return;
  because(w, 2, "driver=file,node-name=drivers-file", "a second CD-ROM, never booted from");
  line(w, 2, "<disk type='file' device='cdrom'>");
  line(w, 3, "<driver name='qemu' type='raw'/>");
  line(w, 3, "<source file='%s'/>", c->drivers_iso_path);
  if (c->arch == BVM_ARCH_AARCH64)
    line(w, 3, "<target dev='sdb' bus='usb' removable='on'/>");
  else
    line(w, 3, "<target dev='sdb' bus='sata'/>");
  line(w, 3, "<readonly/>");
  line(w, 2, "</disk>");
}

static void add_cdrom(Writer *w, const BvmConfig *c)
{
  add_drivers_cd(w, c);
  if (c->iso_path == NULL)
    return;
  because(w, 2, "driver=file,node-name=cd0-file",
          "libvirt counts boot order from 1: the CD is 1, the disk 2 (bootindex 0 and 1)");
  gboolean arm = c->arch == BVM_ARCH_AARCH64;
  line(w, 2, "<disk type='file' device='cdrom'>");
  line(w, 3, "<driver name='qemu' type='raw'/>");
  line(w, 3, "<source file='%s'/>", c->iso_path);
  if (arm)
    line(w, 3, "<target dev='sda' bus='usb' removable='on'/>");
  else
    line(w, 3, "<target dev='sda' bus='sata'/>");
  line(w, 3, "<readonly/>");
  line(w, 3, "<boot order='1'/>");
  line(w, 2, "</disk>");
}

/* virtio-9p shares: libvirt's <filesystem> (9p is its default driver for
 * QEMU); accessmode='squash' is security_model=none. */
static void add_shares(Writer *w, const BvmConfig *c)
{
  if (!has_flag(w, "local,id=fs") || c->shares == NULL)
    return;
  because(w, 2, "local,id=fs",
          "<filesystem accessmode='squash'> is -fsdev local,security_model=none; the guest mounts "
          "the same tag the same way");
  for (guint i = 0; i < c->shares->len; i++) {
    const BvmShare *sh = c->shares->pdata[i];
    line(w, 2, "<filesystem type='mount' accessmode='squash'>");
    line(w, 3, "<driver type='path'/>");
    line(w, 3, "<source dir='%s'/>", sh->path);
    line(w, 3, "<target dir='%s'/>", sh->tag);
    if (sh->read_only)
      line(w, 3, "<readonly/>");
    line(w, 2, "</filesystem>");
  }
}

static void add_video(Writer *w, const BvmConfig *c)
{
  const char *gpu = bvm_caps_gpu_device(c->arch);
  g_autofree char *prefix = g_strdup_printf("%s,", gpu);
  const char *opts = flag_value(w, prefix);
  if (opts == NULL) {
    /* no virtio-gpu in this QEMU: the builder's plain adapter */
    because(w, 2, c->arch == BVM_ARCH_AARCH64 ? "ramfb" : "VGA", NULL);
    line(w, 2, "<video>");
    line(w, 3, "<model type='%s' primary='yes'/>", c->arch == BVM_ARCH_AARCH64 ? "ramfb" : "vga");
    line(w, 2, "</video>");
    return;
  }
  because(w, 2, prefix,
          "<resolution> is the EDID's xres/yres (libvirt >= 7.9; EDID is QEMU's default)");
  if (strstr(opts, "blob=on") != NULL)
    note(w, "virtio-gpu blob scanout",
         "libvirt 9.0 has no blob attribute (9.2 adds one): the display copies guest buffers");
  gboolean edid = strstr(opts, "edid=on") != NULL;
  if (c->arch == BVM_ARCH_AARCH64) {
    comment(w, 2, "ramfb first, as the builder's framebuffer for the firmware and installers");
    line(w, 2, "<video>");
    line(w, 3, "<model type='ramfb' heads='1' primary='yes'/>");
    line(w, 2, "</video>");
  }
  /* on arm ramfb is the primary adapter, virtio-gpu the second */
  gboolean primary = c->arch != BVM_ARCH_AARCH64;
  line(w, 2, "<video>");
  if (edid && primary)
    line(w, 3, "<model type='virtio' heads='1' primary='yes'>");
  else if (edid)
    line(w, 3, "<model type='virtio' heads='1'>");
  else if (primary)
    line(w, 3, "<model type='virtio' heads='1' primary='yes'/>");
  else
    line(w, 3, "<model type='virtio' heads='1'/>");
  if (edid) {
    line(w, 4, "<resolution x='%u' y='%u'/>", c->display_width, c->display_height);
    line(w, 3, "</model>");
  }
  line(w, 2, "</video>");
}

static void add_devices(Writer *w, const BvmConfig *c, const BvmLibvirtXmlOptions *o,
                        const BvmPaths *paths)
{
  line(w, 1, "<devices>");
  comment(w, 2, "libvirt finds the emulator itself; the builder's is the same binary");
  line(w, 2, "<emulator>%s</emulator>", w->q->binary);
  add_disk(w, c, o->disk ? o->disk : paths->disk);
  add_cdrom(w, c);
  because(w, 2, "qemu-xhci", NULL);
  line(w, 2, "<controller type='usb' model='qemu-xhci'/>");
  line(w, 2, "<input type='tablet' bus='usb'/>");
  line(w, 2, "<input type='keyboard' bus='usb'/>");

  const char *net = flag_value(w, "virtio-net-pci,");
  g_autofree char *mac = option_value(net, "mac");
  because(w, 2, "user,id=net0",
          "type='user' keeps the argv's user-mode NAT and needs no host setup; on a server, "
          "change it to a bridge or a libvirt network");
  const char *netdev = flag_value(w, "user,id=net0");
  if (netdev != NULL && strstr(netdev, "hostfwd=") != NULL) {
    comment(w, 2,
            "Not carried over: the hostfwd port forwards. libvirt 9.0 has <portForward> only for "
            "the passt backend, not for this user network: forward the ports on the libvirt host");
    note(
        w, "port forwards",
        "libvirt 9.0 forwards ports only with the passt backend: forward them on the libvirt host");
  }
  if (netdev != NULL && strstr(netdev, "smb=") != NULL) {
    comment(w, 2, "Not carried over: smb= (QEMU's SMB server for a Windows guest's shared folder)");
    note(w, "Windows shared folder",
         "libvirt has no element for QEMU's smb=: share the folder from the libvirt host instead");
  }
  line(w, 2, "<interface type='user'>");
  if (mac != NULL)
    line(w, 3, "<mac address='%s'/>", mac);
  line(w, 3, "<model type='virtio'/>");
  if (net != NULL && strstr(net, "ioeventfd=on") != NULL)
    line(w, 3, "<driver ioeventfd='on'/>");
  line(w, 2, "</interface>");

  add_shares(w, c);

  if (c->tpm_enabled) {
    because(w, 2, "emulator,id=tpm0",
            "libvirt runs swtpm itself (state in /var/lib/libvirt/swtpm/UUID); tpm-tis on virt "
            "is QEMU's tpm-tis-device");
    line(w, 2, "<tpm model='%s'>", c->arch == BVM_ARCH_AARCH64 ? "tpm-tis" : "tpm-crb");
    line(w, 3, "<backend type='emulator' version='2.0'/>");
    line(w, 2, "</tpm>");
  }
  if (has_flag(w, "pvpanic") && c->arch == BVM_ARCH_X86_64) {
    because(w, 2, "pvpanic", "model='isa' is the ISA pvpanic device");
    line(w, 2, "<panic model='isa'/>");
  } else if (has_flag(w, "pvpanic")) {
    note(w, "pvpanic",
         "libvirt 9.0 has no pvpanic-pci (9.1 adds model='pvpanic'): a guest panic on this arm "
         "VM is not reported");
  }

  because(w, 2, "socket,id=qga0",
          "libvirt makes the channel's socket itself and answers virDomainQemuAgentCommand "
          "(virsh qemu-agent-command) through it");
  line(w, 2, "<controller type='virtio-serial' index='0'/>");
  line(w, 2, "<channel type='unix'>");
  line(w, 3, "<source mode='bind'/>");
  line(w, 3, "<target type='virtio' name='org.qemu.guest_agent.0'/>");
  line(w, 2, "</channel>");

  because(w, 2, "socket,id=serial0",
          "libvirt serves the console itself (a pty: virsh console, one client at a time) and "
          "logs it to the same file, appended as in the argv; -msg timestamp=on is libvirt's own "
          "default");
  line(w, 2, "<serial type='pty'>");
  line(w, 3, "<log file='%s' append='on'/>", o->serial_log ? o->serial_log : paths->serial_log);
  line(w, 3, "<target port='0'/>");
  line(w, 2, "</serial>");

  because(w, 2, "unix:",
          "libvirt puts the VNC socket in its own directory for the domain (listen "
          "type='socket'): virt-viewer and virt-manager reach it through libvirt");
  line(w, 2, "<graphics type='vnc'>");
  line(w, 3, "<listen type='socket'/>");
  line(w, 2, "</graphics>");
  add_video(w, c);
  comment(w, 2,
          "-nodefaults: no memory balloon (the builder adds none); libvirt adds its own "
          "PCIe root ports and, on q35, the PS/2 controller the chipset always has");
  line(w, 2, "<memballoon model='none'/>");
  line(w, 1, "</devices>");
}

BvmLibvirtDomain *bvm_libvirt_xml_build(const BvmConfig *c, const BvmHostCaps *caps,
                                        const BvmPaths *paths, const BvmLibvirtXmlOptions *o,
                                        GError **error)
{
  g_return_val_if_fail(c != NULL && caps != NULL && paths != NULL && o != NULL, NULL);
  /* Headless, as a libvirt host is: the argv's VNC-on-a-socket display. */
  BvmCmdOptions copts = {.display = BVM_DISPLAY_VNC};
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(c, caps, paths, &copts, error);
  if (cmd == NULL)
    return NULL;
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func((GDestroyNotify)note_free);
  g_autofree gboolean *mapped = g_new0(gboolean, cmd->groups->len);
  Writer w = {out, notes, cmd, caps->qemu[c->arch], mapped};
  gboolean tcg = g_strcmp0(cmd->accel, "tcg") == 0;
  const char *type = tcg ? "qemu" : cmd->accel;

  g_string_append_printf(out,
                         "<!-- Made by BridgeVM (command version %u) for libvirt >= 9.0: the "
                         "QEMU command's choices, each with the builder's reason. -->\n",
                         cmd->command_version);
  /* what the builder left out on this host, and why: the same holds here */
  for (guint i = 0; i < cmd->dropped->len; i++) {
    const BvmCmdDropped *d = cmd->dropped->pdata[i];
    g_autofree char *text = g_strdup_printf("Not used on this host: %s: %s", d->what, d->why);
    comment(&w, 0, text);
  }
  const char *accel_reason = reason_for(&w, "-accel");
  if (accel_reason != NULL)
    comment(&w, 0, accel_reason);
  comment(&w, 0,
          "type='kvm' is -accel kvm, type='qemu' is TCG, type='hvf' is Hypervisor.framework "
          "(libvirt >= 8.1 on macOS)");
  line(&w, 0, "<domain type='%s'>", type);
  add_identity(&w, c, o->name ? o->name : c->name);
  add_os(&w, c, o->nvram ? o->nvram : paths->vars);
  add_features(&w, c);
  add_cpu(&w, c, tcg);
  add_devices(&w, c, o, paths);
  comment(&w, 1,
          "Not carried over: the two QMP sockets (libvirt owns QEMU's monitor: virsh "
          "qemu-monitor-command) and -sandbox (libvirt's seccomp_sandbox in qemu.conf "
          "applies the same filter, spawn=deny included)");
  /* what libvirt does itself: the binary, -nodefaults, the monitors, -sandbox, -S */
  static const char *const own[] = {"-nodefaults", "socket,id=qmp0", "-sandbox", "-S", NULL};
  for (const char *const *f = own; *f; f++)
    (void)reason_for(&w, *f);
  (void)reason_for(&w, w.q->binary);
  note_unmapped(&w);
  line(&w, 0, "</domain>");
  note(&w, "QMP sockets and -sandbox",
       "libvirt owns QEMU's monitor and sets the seccomp filter from qemu.conf");

  BvmLibvirtDomain *d = g_new0(BvmLibvirtDomain, 1);
  d->xml = g_string_free(g_steal_pointer(&out), FALSE);
  d->notes = g_steal_pointer(&notes);
  d->domain_type = g_strdup(type);
  return d;
}

JsonNode *bvm_libvirt_domain_to_json(const BvmLibvirtDomain *d)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "xml");
  json_builder_add_string_value(b, d->xml);
  json_builder_set_member_name(b, "domainType");
  json_builder_add_string_value(b, d->domain_type);
  json_builder_set_member_name(b, "notes");
  json_builder_begin_array(b);
  for (guint i = 0; i < d->notes->len; i++) {
    const BvmCmdDropped *n = d->notes->pdata[i];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "what");
    json_builder_add_string_value(b, n->what);
    json_builder_set_member_name(b, "why");
    json_builder_add_string_value(b, n->why);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}
