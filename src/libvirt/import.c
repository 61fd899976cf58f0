/* bvm_virt_import (virt.h): a libvirt domain made into a bundle. The
 * domain's XML is mapped back onto a BvmConfig (what has no BridgeVM
 * equivalent is refused before anything is made), the disk and the UEFI
 * variables are downloaded (sparse) into a temp dir of the library, and the
 * bundle is made and takes them over by rename. */
#include "bundle.h"
#include "domxml.h"
#include "error.h"
#include "firmware.h"
#include "library.h"
#include "registry.h"
#include "shares.h"
#include "util.h"
#include "validate.h"
#include "virt.h"
#include "virt_util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void bvm_virt_import_result_free(BvmVirtImportResult *r)
{
  if (r == NULL)
    return;
  g_free(r->name);
  g_free(r->path);
  if (r->notes != NULL)
    g_ptr_array_unref(r->notes);
  g_free(r);
}

JsonNode *bvm_virt_import_result_to_json(const BvmVirtImportResult *r, const char *uri)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "name", r->name);
  json_object_set_string_member(o, "uri", uri);
  json_object_set_string_member(o, "path", r->path);
  json_object_set_int_member(o, "diskReceived", (gint64)r->disk_received);
  JsonArray *notes = json_array_new();
  for (guint i = 0; i < r->notes->len; i++)
    json_array_add_string_element(notes, r->notes->pdata[i]);
  json_object_set_array_member(o, "notes", notes);
  return json_node_init_object(json_node_alloc(), o);
}

static gboolean refuse(GError **error, const char *domain, const char *what)
{
  g_set_error(
      error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
      "domain '%s' has %s, which BridgeVM has no equivalent for: remove it there (virsh edit) and import again",
      domain, what);
  return FALSE;
}

/* Devices that hold data or tie the guest to a host: refused. */
static gboolean check_devices(BvmXmlNode *devices, const char *domain, GError **error)
{
  static const char *const refused[] = {"hostdev",  "filesystem", "shmem", "smartcard",
                                        "redirdev", "vsock",      NULL};
  for (const char *const *r = refused; *r; r++)
    if (bvm_xml_find(devices, *r) != NULL) {
      g_autofree char *what = g_strdup_printf("a <%s> device", *r);
      return refuse(error, domain, what);
    }
  g_autoptr(GPtrArray) disks = bvm_xml_children(devices, "disk");
  guint n = 0;
  for (guint i = 0; i < disks->len; i++) {
    const char *dev = bvm_xml_attr(disks->pdata[i], "device");
    if (g_strcmp0(dev, "disk") == 0)
      n++;
    else if (g_strcmp0(dev, "cdrom") != 0) {
      g_autofree char *what = g_strdup_printf("a %s disk", dev ? dev : "typeless");
      return refuse(error, domain, what);
    }
  }
  if (n != 1) {
    g_autofree char *what = g_strdup_printf("%u disks (a BridgeVM VM has one)", n);
    return refuse(error, domain, what);
  }
  return TRUE;
}

static BvmXmlNode *the_disk(BvmXmlNode *devices, const char *device)
{
  g_autoptr(GPtrArray) disks = bvm_xml_children(devices, "disk");
  for (guint i = 0; i < disks->len; i++)
    if (g_strcmp0(bvm_xml_attr(disks->pdata[i], "device"), device) == 0)
      return disks->pdata[i];
  return NULL;
}

/* The firmware: a descriptor whose code is the domain's loader, so secure
 * boot, enrolled keys and SMM are the descriptor's. */
static gboolean map_firmware(BvmXmlNode *os, BvmConfig *c, const char *domain, GError **error)
{
  BvmXmlNode *loader = bvm_xml_find(os, "loader");
  const char *code = bvm_xml_text(loader);
  if (loader == NULL || *code == '\0' || g_strcmp0(bvm_xml_attr(loader, "type"), "rom") == 0)
    return refuse(
        error, domain,
        "BIOS or automatic firmware (BridgeVM boots UEFI from a named loader: set <loader type='pflash'>)");
  const char *tmpl = bvm_xml_attr(bvm_xml_find(os, "nvram"), "template");
  g_auto(GStrv) dirs = bvm_firmware_default_dirs();
  g_autoptr(GPtrArray) list = bvm_firmware_discover((const char *const *)dirs, error);
  if (list == NULL)
    return FALSE;
  for (guint i = 0; i < list->len; i++) {
    const BvmFirmware *fw = list->pdata[i];
    if (fw->arch == c->arch && strcmp(fw->code, code) == 0 &&
        (tmpl == NULL || strcmp(fw->vars_template, tmpl) == 0)) {
      bvm_firmware_to_choice(fw, &c->firmware);
      return TRUE;
    }
  }
  g_set_error(
      error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
      "domain '%s' boots the UEFI firmware %s%s%s, which no firmware descriptor of this host names: install it (ovmf, qemu-efi-aarch64) or change the domain's loader",
      domain, code, tmpl ? " with the variables template " : "", tmpl ? tmpl : "");
  return FALSE;
}

static guint64 to_mib(const char *value, const char *unit)
{
  guint64 v = g_ascii_strtoull(value, NULL, 10);
  if (unit == NULL || g_ascii_strcasecmp(unit, "KiB") == 0 || strcmp(unit, "k") == 0)
    return v / 1024;
  if (g_ascii_strcasecmp(unit, "MiB") == 0 || strcmp(unit, "M") == 0)
    return v;
  if (g_ascii_strcasecmp(unit, "GiB") == 0 || strcmp(unit, "G") == 0)
    return v * 1024;
  if (g_ascii_strcasecmp(unit, "bytes") == 0 || strcmp(unit, "b") == 0)
    return v / (1024 * 1024);
  return v / 1024;
}

/* The domain's XML as a BvmConfig (no disk size yet: the volume's). */
static BvmConfig *map_domain(BvmXmlNode *root, const char *domain, const char *name,
                             GPtrArray *notes, GError **error)
{
  g_autoptr(BvmConfig) c = bvm_config_new();
  c->name = g_strdup(name);
  BvmXmlNode *os = bvm_xml_find(root, "os");
  BvmXmlNode *type = bvm_xml_find(os, "type");
  const char *arch = bvm_xml_attr(type, "arch");
  const char *machine = bvm_xml_attr(type, "machine");
  if (g_strcmp0(arch, "x86_64") == 0)
    c->arch = BVM_ARCH_X86_64;
  else if (g_strcmp0(arch, "aarch64") == 0)
    c->arch = BVM_ARCH_AARCH64;
  else {
    g_autofree char *what = g_strdup_printf("the architecture '%s'", arch ? arch : "(none)");
    refuse(error, domain, what);
    return NULL;
  }
  const char *want = c->arch == BVM_ARCH_AARCH64 ? "virt" : "q35";
  if (machine == NULL || (strcmp(machine, want) != 0 && !g_str_has_prefix(machine, "pc-q35") &&
                          !g_str_has_prefix(machine, "virt-"))) {
    g_autofree char *what = g_strdup_printf("the machine type '%s' (BridgeVM runs %s)",
                                            machine ? machine : "(none)", want);
    refuse(error, domain, what);
    return NULL;
  }
  BvmXmlNode *devices = bvm_xml_find(root, "devices");
  if (!check_devices(devices, domain, error) || !map_firmware(os, c, domain, error))
    return NULL;

  c->cpus = (guint)g_ascii_strtoull(bvm_xml_text(bvm_xml_find(root, "vcpu")), NULL, 10);
  BvmXmlNode *mem = bvm_xml_find(root, "memory");
  c->memory_mib = to_mib(bvm_xml_text(mem), bvm_xml_attr(mem, "unit"));
  if (c->cpus == 0 || c->memory_mib == 0) {
    refuse(error, domain, "no vCPU count or memory size");
    return NULL;
  }
  c->tpm_enabled = bvm_xml_find(devices, "tpm") != NULL;
  BvmXmlNode *res = bvm_xml_find(devices, "video/model/resolution");
  if (res != NULL) {
    c->display_width = (guint)g_ascii_strtoull(bvm_xml_attr(res, "x"), NULL, 10);
    c->display_height = (guint)g_ascii_strtoull(bvm_xml_attr(res, "y"), NULL, 10);
  }
  BvmXmlNode *cd = the_disk(devices, "cdrom");
  const char *iso = bvm_xml_attr(bvm_xml_find(cd, "source"), "file");
  if (iso != NULL && g_file_test(iso, G_FILE_TEST_IS_REGULAR))
    c->iso_path = g_strdup(iso);
  else if (iso != NULL)
    g_ptr_array_add(notes, g_strdup_printf("the CD-ROM %s is not on this host: left out", iso));
  /* 9p folders (what export and push make of shares) back to shares */
  g_autoptr(GPtrArray) fss = bvm_xml_children(devices, "filesystem");
  for (guint i = 0; i < fss->len; i++) {
    BvmXmlNode *fs = fss->pdata[i];
    const char *dir = bvm_xml_attr(bvm_xml_find(fs, "source"), "dir");
    const char *tag = bvm_xml_attr(bvm_xml_find(fs, "target"), "dir");
    const char *driver = bvm_xml_attr(bvm_xml_find(fs, "driver"), "type");
    if (dir == NULL || tag == NULL || (driver != NULL && strcmp(driver, "path") != 0)) {
      refuse(error, domain, "a <filesystem> that is not a 9p folder (virtiofs, a block device)");
      return NULL;
    }
    if (c->shares == NULL)
      c->shares = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_share_free);
    g_ptr_array_add(c->shares, bvm_share_new(dir, tag, bvm_xml_find(fs, "readonly") != NULL));
  }
  /* a second CD-ROM: the drivers CD (virtio-win) of an express install */
  g_autoptr(GPtrArray) disks = bvm_xml_children(devices, "disk");
  for (guint i = 0, cds = 0; i < disks->len; i++) {
    if (g_strcmp0(bvm_xml_attr(disks->pdata[i], "device"), "cdrom") != 0 || cds++ == 0)
      continue;
    const char *f = bvm_xml_attr(bvm_xml_find(disks->pdata[i], "source"), "file");
    if (f != NULL && g_file_test(f, G_FILE_TEST_IS_REGULAR) && c->drivers_iso_path == NULL)
      c->drivers_iso_path = g_strdup(f);
  }
  g_autoptr(GPtrArray) nics = bvm_xml_children(devices, "interface");
  for (guint i = 0; i < nics->len; i++)
    if (g_strcmp0(bvm_xml_attr(nics->pdata[i], "type"), "user") != 0)
      g_ptr_array_add(notes,
                      g_strdup_printf("the %s network interface becomes BridgeVM's user-mode NAT",
                                      bvm_xml_attr(nics->pdata[i], "type")));

  /* What BridgeVM wrote on export/push; a foreign domain: its features */
  BvmXmlNode *meta = bvm_xml_find(root, "metadata/bvm:bridgevm");
  const char *os_word = bvm_xml_text(bvm_xml_find(meta, "bvm:os"));
  const char *preset = bvm_xml_text(bvm_xml_find(meta, "bvm:preset"));
  if (!bvm_os_from_string(os_word, &c->os))
    c->os = bvm_xml_find(root, "features/hyperv") != NULL ? BVM_OS_WINDOWS11 : BVM_OS_OTHER;
  if (!bvm_preset_from_string(preset, &c->preset))
    c->preset = BVM_PRESET_CUSTOM;
  c->accel = BVM_ACCEL_AUTO;
  c->created_at = bvm_now_iso8601();
  return g_steal_pointer(&c);
}

/* Sparse download into @fd: data written, holes skipped (the file stays
 * sparse), its length set at the end. */
typedef struct {
  int fd;
  guint64 received;
} Download;

static int sink(virStreamPtr st, const char *data, size_t n, void *opaque)
{
  Download *d = opaque;
  ssize_t done = write(d->fd, data, n);
  if (done > 0)
    d->received += (guint64)done;
  return (int)done;
}

static int sink_hole(virStreamPtr st, long long length, void *opaque)
{
  Download *d = opaque;
  return lseek(d->fd, (off_t)length, SEEK_CUR) < 0 ? -1 : 0;
}

static gboolean download(virConnectPtr conn, const char *source, const char *dest, const char *uri,
                         guint64 *out_received, guint64 *out_capacity, GError **error)
{
  virStorageVolPtr vol = virStorageVolLookupByPath(conn, source);
  if (vol == NULL)
    return bvm_virt_fail(
        error, BVM_ERROR_NOT_FOUND,
        "%s on %s is in no storage pool, and libvirt downloads only volumes: refresh or define a pool holding it (virsh pool-refresh)",
        source, uri);
  virStorageVolInfo info;
  if (virStorageVolGetInfo(vol, &info) < 0) {
    virStorageVolFree(vol);
    return bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot read the volume %s on %s", source, uri);
  }
  int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    virStorageVolFree(vol);
    return bvm_virt_fail_errno(error, errno, "cannot write %s", dest);
  }
  virStreamPtr st = virStreamNew(conn, 0);
  Download d = {fd, 0};
  gboolean ok = st != NULL &&
                virStorageVolDownload(vol, st, 0, 0, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM) == 0 &&
                virStreamSparseRecvAll(st, sink, sink_hole, &d) == 0 && virStreamFinish(st) == 0;
  if (!ok && st != NULL)
    virStreamAbort(st);
  if (st != NULL)
    virStreamFree(st);
  virStorageVolFree(vol);
  off_t end = lseek(fd, 0, SEEK_CUR);
  if (ok && (end < 0 || ftruncate(fd, end) < 0 || fsync(fd) < 0))
    ok = bvm_virt_fail_errno(error, errno, "cannot write %s", dest);
  else if (!ok)
    bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot download %s from %s", source, uri);
  close(fd);
  if (ok) {
    *out_received = d.received;
    if (out_capacity != NULL)
      *out_capacity = info.capacity;
  }
  return ok;
}

/* The VM named @name in @library, or NULL. */
static gboolean name_taken(const char *library, const char *name, const char *id,
                           gboolean *out_id_taken, GError **error)
{
  g_autoptr(GPtrArray) entries = bvm_registry_list(library, error);
  if (entries == NULL)
    return TRUE;
  BvmVmEntry *same = bvm_registry_find_name(entries, name);
  if (same != NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                "a VM named '%s' already exists (names ignore case): import with --name NEW",
                same->config->name);
    return TRUE;
  }
  *out_id_taken = FALSE;
  for (guint i = 0; i < entries->len; i++) {
    BvmVmEntry *e = entries->pdata[i];
    if (e->config != NULL && g_strcmp0(e->config->id, id) == 0)
      *out_id_taken = TRUE;
  }
  return FALSE;
}

static gboolean import_steps(virConnectPtr conn, const BvmVirtImportOptions *o, const char *tmp,
                             BvmVirtImportResult *r, GError **error)
{
  virDomainPtr dom = virDomainLookupByName(conn, o->domain);
  if (dom == NULL)
    return bvm_virt_fail(error, BVM_ERROR_NOT_FOUND, "no domain '%s' on %s", o->domain, o->uri);
  int state = 0;
  char *xml = NULL;
  char uuid[VIR_UUID_STRING_BUFLEN] = "";
  if (virDomainGetState(dom, &state, NULL, 0) == 0 && state != VIR_DOMAIN_SHUTOFF) {
    virDomainFree(dom);
    g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY,
                "domain '%s' on %s is not shut off: shut it down first (virsh shutdown %s)",
                o->domain, o->uri, o->domain);
    return FALSE;
  }
  xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
  virDomainGetUUIDString(dom, uuid);
  virDomainFree(dom);
  if (xml == NULL)
    return bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot read domain '%s' on %s", o->domain,
                         o->uri);
  g_autoptr(BvmXmlNode) root = bvm_xml_parse(xml, error);
  free(xml);
  if (root == NULL)
    return FALSE;
  g_autoptr(BvmConfig) c = map_domain(root, o->domain, r->name, r->notes, error);
  if (c == NULL)
    return FALSE;
  gboolean id_taken = FALSE;
  if (name_taken(o->library, r->name, uuid, &id_taken, error))
    return FALSE;
  /* the domain's UUID keeps the SMBIOS UUID (and a MAC BridgeVM made) */
  c->id = id_taken ? g_uuid_string_random() : g_strdup(uuid);
  if (id_taken)
    g_ptr_array_add(
        r->notes,
        g_strdup_printf(
            "a VM of this library has the domain's UUID %s: the import gets a new one (and a new MAC)",
            uuid));

  BvmXmlNode *devices = bvm_xml_find(root, "devices");
  const char *disk_src = bvm_xml_attr(bvm_xml_find(the_disk(devices, "disk"), "source"), "file");
  const char *disk_fmt = bvm_xml_attr(bvm_xml_find(the_disk(devices, "disk"), "driver"), "type");
  if (disk_src == NULL)
    return refuse(error, o->domain, "a disk that is not a file");
  if (g_strcmp0(disk_fmt, "qcow2") != 0) {
    g_autofree char *what = g_strdup_printf(
        "a %s disk (BridgeVM keeps qcow2: convert it there with qemu-img convert -O qcow2)",
        disk_fmt ? disk_fmt : "typeless");
    return refuse(error, o->domain, what);
  }
  g_autofree char *disk_tmp = g_build_filename(tmp, "disk.qcow2", NULL);
  guint64 capacity = 0;
  if (!download(conn, disk_src, disk_tmp, o->uri, &r->disk_received, &capacity, error))
    return FALSE;
  c->disk_gib = MAX((capacity + BVM_GIB - 1) / BVM_GIB, 1);
  const char *nvram = bvm_xml_text(bvm_xml_find(root, "os/nvram"));
  g_autofree char *vars_tmp = g_build_filename(tmp, "efi-vars.fd", NULL);
  guint64 vars_received = 0;
  g_autoptr(GError) vars_error = NULL;
  gboolean have_vars =
      *nvram != '\0' && download(conn, nvram, vars_tmp, o->uri, &vars_received, NULL, &vars_error);
  if (!have_vars)
    g_ptr_array_add(
        r->notes,
        g_strdup_printf(
            "the UEFI variables start from the firmware's template (%s): boot entries are made again",
            vars_error ? vars_error->message : "the domain names no nvram"));
  if (c->tpm_enabled)
    g_ptr_array_add(
        r->notes,
        g_strdup(
            "TPM state: libvirt has no API to download swtpm state, so the bundle gets a new TPM: BitLocker asks for its recovery key, Windows Hello must be set up again"));

  int lock = bvm_library_lock(o->library, error);
  if (lock < 0)
    return FALSE;
  gboolean taken = name_taken(o->library, r->name, c->id, &id_taken, error);
  g_autofree char *path = taken ? NULL : bvm_bundle_create(o->library, c, NULL, NULL, NULL, error);
  bvm_library_unlock(lock);
  if (path == NULL)
    return FALSE;
  g_autoptr(BvmPaths) paths = bvm_paths_new(path, c->id);
  if (g_rename(disk_tmp, paths->disk) != 0 || (have_vars && g_rename(vars_tmp, paths->vars) != 0)) {
    int errsv = errno;
    (void)bvm_remove_tree(path, NULL);
    return bvm_virt_fail_errno(error, errsv, "cannot move the downloaded files into %s", path);
  }
  r->path = g_steal_pointer(&path);
  return TRUE;
}

BvmVirtImportResult *bvm_virt_import(const BvmVirtImportOptions *o, GError **error)
{
  g_return_val_if_fail(o != NULL && o->uri != NULL && o->domain != NULL && o->library != NULL,
                       NULL);
  bvm_virt_init();
  const char *name = o->name ? o->name : o->domain;
  if (!bvm_validate_name(name, error))
    return NULL;
  if (!bvm_library_ensure(o->library, error))
    return NULL;
  g_autoptr(BvmVirtImportResult) r = g_new0(BvmVirtImportResult, 1);
  r->name = g_strdup(name);
  r->notes = g_ptr_array_new_with_free_func(g_free);
  /* a temp dir the library's sweep removes if this process dies */
  g_autofree char *tmpl = g_strdup_printf("%s%d-XXXXXX", BVM_TEMP_PREFIX, (int)getpid());
  g_autofree char *tmp = g_build_filename(o->library, tmpl, NULL);
  if (g_mkdtemp(tmp) == NULL) {
    bvm_virt_fail_errno(error, errno, "cannot make a temp dir in %s", o->library);
    return NULL;
  }
  virConnectPtr conn = bvm_virt_connect(o->uri, error);
  gboolean ok = conn != NULL && import_steps(conn, o, tmp, r, error);
  if (conn != NULL)
    virConnectClose(conn);
  (void)bvm_remove_tree(tmp, NULL);
  return ok ? g_steal_pointer(&r) : NULL;
}
