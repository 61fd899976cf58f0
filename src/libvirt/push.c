/* bvm_virt_push (virt.h): a stopped VM defined on a libvirt host. The order
 * keeps failure cheap to undo: check everything (connection, name, pool
 * space) before making anything, upload the volumes, define the domain
 * last, start it. Each thing made is recorded in a Push and removed again
 * when a later step fails. */
#include "virt.h"
#include "error.h"
#include "libvirt_xml.h"
#include "util.h"
#include "virt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void bvm_virt_push_result_free(BvmVirtPushResult *r)
{
  if (r == NULL)
    return;
  g_free(r->name);
  g_free(r->disk_path);
  if (r->notes != NULL)
    g_ptr_array_unref(r->notes);
  g_free(r);
}

JsonNode *bvm_virt_push_result_to_json(const BvmVirtPushResult *r, const char *uri)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "name");
  json_builder_add_string_value(b, r->name);
  json_builder_set_member_name(b, "uri");
  json_builder_add_string_value(b, uri);
  json_builder_set_member_name(b, "diskPath");
  json_builder_add_string_value(b, r->disk_path);
  json_builder_set_member_name(b, "diskSize");
  json_builder_add_int_value(b, (gint64)r->disk_size);
  json_builder_set_member_name(b, "diskAllocated");
  json_builder_add_int_value(b, (gint64)r->disk_allocated);
  json_builder_set_member_name(b, "diskSent");
  json_builder_add_int_value(b, (gint64)r->disk_sent);
  json_builder_set_member_name(b, "started");
  json_builder_add_boolean_value(b, r->started);
  json_builder_set_member_name(b, "notes");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->notes->len; i++)
    json_builder_add_string_value(b, r->notes->pdata[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}
/* What this push made, to undo on failure. */
typedef struct {
  virConnectPtr conn;
  virStoragePoolPtr pool;
  gboolean pool_made;
  virStorageVolPtr disk_vol;
  virStorageVolPtr vars_vol;
  virStorageVolPtr marker; /* NAME.bvm-push-partial while the push is under way */
  virDomainPtr dom;
} Push;

static void push_undo(Push *p)
{
  if (p->dom != NULL) {
    virDomainDestroy(p->dom); /* fails harmlessly when not running */
    virDomainUndefineFlags(p->dom, VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_TPM);
  }
  if (p->vars_vol != NULL)
    virStorageVolDelete(p->vars_vol, 0);
  if (p->disk_vol != NULL)
    virStorageVolDelete(p->disk_vol, 0);
  if (p->marker != NULL)
    virStorageVolDelete(p->marker, 0);
  if (p->pool_made) {
    virStoragePoolDestroy(p->pool);
    virStoragePoolUndefine(p->pool);
  }
}

static void push_clear(Push *p)
{
  if (p->dom != NULL)
    virDomainFree(p->dom);
  if (p->vars_vol != NULL)
    virStorageVolFree(p->vars_vol);
  if (p->disk_vol != NULL)
    virStorageVolFree(p->disk_vol);
  if (p->marker != NULL)
    virStorageVolFree(p->marker);
  if (p->pool != NULL)
    virStoragePoolFree(p->pool);
  if (p->conn != NULL)
    virConnectClose(p->conn);
}

/* SIGINT/SIGTERM while uploading: the stream is aborted and the push undone. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
  interrupted = sig;
}

/* The pool @name, started; "default" is made (a dir pool in
 * /var/lib/libvirt/images, as virt-manager makes it) when missing. */
static gboolean open_pool(Push *p, const char *name, const char *uri, GError **error)
{
  p->pool = virStoragePoolLookupByName(p->conn, name);
  if (p->pool == NULL && strcmp(name, "default") == 0) {
    const char *xml =
        "<pool type='dir'><name>default</name><target><path>/var/lib/libvirt/images</path></target></pool>";
    p->pool = virStoragePoolDefineXML(p->conn, xml, 0);
    if (p->pool == NULL || virStoragePoolBuild(p->pool, 0) < 0)
      return bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot make the storage pool 'default' on %s",
                           uri);
    p->pool_made = TRUE;
  }
  if (p->pool == NULL)
    return bvm_virt_fail(error, BVM_ERROR_NOT_FOUND,
                         "no storage pool '%s' on %s: name one with --pool (virsh pool-list)", name,
                         uri);
  if (!virStoragePoolIsActive(p->pool) && virStoragePoolCreate(p->pool, 0) < 0)
    return bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot start the storage pool '%s' on %s", name,
                         uri);
  virStoragePoolRefresh(p->pool, 0);
  return TRUE;
}

/* Sparse upload of @path: data is read and sent, holes are reported as
 * holes (SEEK_DATA/SEEK_HOLE), so a 2 GiB image holding 64 MiB sends about
 * 64 MiB. */
typedef struct {
  int fd;
  guint64 size;
  guint64 sent;
  const char *what;
  BvmVirtProgressFunc progress;
  gpointer progress_data;
  guint64 total;
  guint64 last_report;
} Upload;

static int upload_source(virStreamPtr st, char *data, size_t nbytes, void *opaque)
{
  Upload *u = opaque;
  if (interrupted)
    return -1;
  if (u->sent > 0 && g_strcmp0(u->what, "disk") == 0) {
    /* tests: a push killed half-way, by a user's kill (SIGTERM: undone at
     * once) or by SIGKILL (undone by the next push of the name) */
    if (g_strcmp0(g_getenv("BRIDGEVM_FAULT"), "push-upload-term") == 0)
      raise(SIGTERM);
    bvm_fault_point("push-upload-kill");
  }
  ssize_t n = read(u->fd, data, nbytes);
  if (n > 0) {
    u->sent += (guint64)n;
    if (u->progress != NULL &&
        (u->sent - u->last_report >= 16 * 1024 * 1024 || u->sent == u->total)) {
      u->last_report = u->sent;
      u->progress(u->what, u->sent, u->total, u->progress_data);
    }
  }
  return (int)n;
}

static int upload_hole(virStreamPtr st, int *in_data, long long *length, void *opaque)
{
  Upload *u = opaque;
  if (interrupted)
    return -1;
  off_t cur = lseek(u->fd, 0, SEEK_CUR);
  if (cur < 0)
    return -1;
  off_t data = lseek(u->fd, cur, SEEK_DATA);
  if (data < 0 && errno == ENXIO) {
    /* a hole up to the end of the file */
    *in_data = 0;
    *length = (long long)u->size - cur;
  } else if (data < 0) {
    return -1;
  } else if (data > cur) {
    *in_data = 0;
    *length = data - cur;
  } else {
    off_t hole = lseek(u->fd, cur, SEEK_HOLE);
    if (hole < 0)
      return -1;
    *in_data = 1;
    *length = hole - cur;
  }
  return lseek(u->fd, cur, SEEK_SET) < 0 ? -1 : 0;
}

static int upload_skip(virStreamPtr st, long long length, void *opaque)
{
  Upload *u = opaque;
  return lseek(u->fd, (off_t)length, SEEK_CUR) < 0 ? -1 : 0;
}

/* A volume @vol_name (format @format, @capacity bytes) holding the file at
 * @path; *out_vol is set as soon as the volume exists, so a failed upload
 * is undone with the rest. */
static gboolean upload_volume(Push *p, const char *path, const char *vol_name, const char *format,
                              guint64 capacity, const BvmVirtPushOptions *o, const char *what,
                              virStorageVolPtr *out_vol, guint64 *out_sent, GError **error)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return bvm_virt_fail_errno(error, errno, "cannot read %s", path);
  struct stat st;
  fstat(fd, &st);
  g_autofree char *vol_xml = g_markup_printf_escaped(
      "<volume><name>%s</name><capacity unit='bytes'>%" G_GUINT64_FORMAT
      "</capacity><allocation unit='bytes'>0</allocation><target><format type='%s'/></target></volume>",
      vol_name, capacity, format);
  *out_vol = virStorageVolCreateXML(p->pool, vol_xml, 0);
  if (*out_vol == NULL) {
    close(fd);
    return bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot make the volume '%s' on %s", vol_name,
                         o->uri);
  }
  virStreamPtr stream = virStreamNew(p->conn, 0);
  /* progress for the disk only (the variables are a few KiB) */
  Upload u = {fd,
              (guint64)st.st_size,
              0,
              what,
              out_sent ? o->progress : NULL,
              o->progress_data,
              (guint64)st.st_blocks * 512,
              0};
  gboolean ok = stream != NULL &&
                virStorageVolUpload(*out_vol, stream, 0, (unsigned long long)st.st_size,
                                    VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) == 0 &&
                virStreamSparseSendAll(stream, upload_source, upload_hole, upload_skip, &u) == 0 &&
                virStreamFinish(stream) == 0;
  int saved = errno;
  close(fd);
  if (!ok) {
    if (stream != NULL)
      virStreamAbort(stream);
    if (stream != NULL)
      virStreamFree(stream);
    if (interrupted)
      return bvm_virt_fail(error, BVM_ERROR_FAILED,
                           "the upload of %s to %s was interrupted (signal %d): undone", vol_name,
                           o->uri, (int)interrupted);
    (void)saved;
    return bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot upload %s to the volume '%s' on %s", path,
                         vol_name, o->uri);
  }
  virStreamFree(stream);
  if (u.progress != NULL)
    u.progress(what, u.sent, u.sent, u.progress_data); /* the last line: all sent */
  if (out_sent != NULL)
    *out_sent = u.sent;
  return TRUE;
}

/* A push killed by SIGKILL leaves its marker volume beside what it
 * uploaded (and no domain: that is defined last): remove them. TRUE when
 * there were leftovers. */
static gboolean remove_leftovers(Push *p, const char *marker, const char *disk, const char *vars)
{
  virStorageVolPtr m = virStorageVolLookupByName(p->pool, marker);
  if (m == NULL) {
    virResetLastError();
    return FALSE;
  }
  const char *names[] = {disk, vars};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    virStorageVolPtr v = virStorageVolLookupByName(p->pool, names[i]);
    if (v != NULL) {
      virStorageVolDelete(v, 0);
      virStorageVolFree(v);
    }
  }
  virStorageVolDelete(m, 0);
  virStorageVolFree(m);
  virResetLastError();
  return TRUE;
}

static char *vol_path(virStorageVolPtr vol)
{
  char *p = virStorageVolGetPath(vol);
  char *copy = g_strdup(p);
  free(p);
  return copy;
}

/* libvirt knows KVM on that host: its domain capabilities for type kvm. */
static gboolean host_has_kvm(virConnectPtr conn, BvmArch arch)
{
  const char *a = arch == BVM_ARCH_AARCH64 ? "aarch64" : "x86_64";
  char *caps = virConnectGetDomainCapabilities(conn, NULL, a, NULL, "kvm", 0);
  gboolean ok = caps != NULL;
  free(caps);
  virResetLastError();
  return ok;
}

static gboolean push_steps(Push *p, const BvmConfig *c, const BvmPaths *paths,
                           const BvmHostCaps *caps, const BvmVirtPushOptions *o,
                           BvmVirtPushResult *r, GError **error)
{
  p->conn = bvm_virt_connect(o->uri, error);
  if (p->conn == NULL)
    return FALSE;
  virDomainPtr existing = virDomainLookupByName(p->conn, r->name);
  if (existing != NULL) {
    virDomainFree(existing);
    g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                "a domain named '%s' already exists on %s: push with --name NEW", r->name, o->uri);
    return FALSE;
  }
  virResetLastError();
  const char *pool_name = o->pool ? o->pool : "default";
  if (!open_pool(p, pool_name, o->uri, error))
    return FALSE;

  struct stat disk_st, vars_st;
  if (stat(paths->disk, &disk_st) < 0)
    return bvm_virt_fail_errno(error, errno, "cannot read the disk %s", paths->disk);
  if (stat(paths->vars, &vars_st) < 0)
    return bvm_virt_fail_errno(error, errno, "cannot read the UEFI variables %s", paths->vars);
  r->disk_size = (guint64)disk_st.st_size;
  r->disk_allocated = (guint64)disk_st.st_blocks * 512;
  virStoragePoolInfo info;
  guint64 needed = r->disk_allocated + (guint64)vars_st.st_size;
  if (virStoragePoolGetInfo(p->pool, &info) == 0 && info.available < needed) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO,
                "the storage pool '%s' on %s has %llu MiB free; VM '%s' needs %" G_GUINT64_FORMAT
                " MiB: free space there or push to another pool (--pool)",
                pool_name, o->uri, info.available / (1024 * 1024), c->name,
                (needed + 1024 * 1024 - 1) / (1024 * 1024));
    return FALSE;
  }

  g_autofree char *disk_name = g_strdup_printf("%s.qcow2", r->name);
  g_autofree char *vars_name = g_strdup_printf("%s_VARS.fd", r->name);
  g_autofree char *marker_name = g_strdup_printf("%s.bvm-push-partial", r->name);
  if (remove_leftovers(p, marker_name, disk_name, vars_name))
    g_ptr_array_add(
        r->notes,
        g_strdup_printf(
            "an earlier push of '%s' to %s was killed half-way: removed the volumes it left",
            r->name, o->uri));
  g_autofree char *marker_xml = g_markup_printf_escaped(
      "<volume><name>%s</name><capacity unit='bytes'>0</capacity><target><format type='raw'/></target></volume>",
      marker_name);
  p->marker = virStorageVolCreateXML(p->pool, marker_xml, 0);
  if (p->marker == NULL)
    return bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot make the volume '%s' on %s", marker_name,
                         o->uri);
  if (!upload_volume(p, paths->disk, disk_name, "qcow2", c->disk_gib * 1024 * 1024 * 1024, o,
                     "disk", &p->disk_vol, &r->disk_sent, error) ||
      !upload_volume(p, paths->vars, vars_name, "raw", (guint64)vars_st.st_size, o,
                     "UEFI variables", &p->vars_vol, NULL, error))
    return FALSE;
  r->disk_path = vol_path(p->disk_vol);
  g_autofree char *nvram = vol_path(p->vars_vol);
  g_autofree char *serial = g_strdup_printf("/var/log/libvirt/qemu/%s-serial.log", r->name);

  /* The local decision, unless that host lacks KVM. */
  g_autoptr(BvmConfig) copy = bvm_config_copy(c);
  BvmLibvirtXmlOptions xo = {r->name, r->disk_path, nvram, serial};
  g_autoptr(BvmLibvirtDomain) d = bvm_libvirt_xml_build(copy, caps, paths, &xo, error);
  if (d == NULL)
    return FALSE;
  if (strcmp(d->domain_type, "qemu") != 0 && !host_has_kvm(p->conn, c->arch)) {
    copy->accel = BVM_ACCEL_TCG;
    bvm_libvirt_domain_free(g_steal_pointer(&d));
    d = bvm_libvirt_xml_build(copy, caps, paths, &xo, error);
    if (d == NULL)
      return FALSE;
    g_ptr_array_add(
        r->notes,
        g_strdup_printf("%s has no KVM for %s guests: the domain runs under TCG emulation", o->uri,
                        bvm_arch_to_string(c->arch)));
  }
  for (guint i = 0; i < d->notes->len; i++) {
    const BvmCmdDropped *n = d->notes->pdata[i];
    g_ptr_array_add(r->notes, g_strdup_printf("%s: %s", n->what, n->why));
  }
  if (c->tpm_enabled)
    g_ptr_array_add(
        r->notes,
        g_strdup(
            "TPM state: libvirt makes a new TPM for the domain and has no API to upload swtpm state, so what the guest sealed to its old TPM is lost: BitLocker asks for its recovery key, Windows Hello PINs and keys must be set up again"));
  p->dom = virDomainDefineXML(p->conn, d->xml);
  if (p->dom == NULL)
    return bvm_virt_fail(error, BVM_ERROR_FAILED, "libvirt at %s refused the domain '%s'", o->uri,
                         r->name);
  virStorageVolDelete(p->marker, 0);
  virStorageVolFree(g_steal_pointer(&p->marker));
  if (o->start) {
    if (virDomainCreate(p->dom) < 0)
      return bvm_virt_fail(error, BVM_ERROR_QEMU_FAILED, "the domain '%s' did not start on %s",
                           r->name, o->uri);
    r->started = TRUE;
  }
  return TRUE;
}

BvmVirtPushResult *bvm_virt_push(const BvmConfig *c, const BvmPaths *paths, const BvmHostCaps *caps,
                                 const BvmVirtPushOptions *o, GError **error)
{
  g_return_val_if_fail(c != NULL && paths != NULL && caps != NULL && o != NULL, NULL);
  bvm_virt_init();
  const char *name = o->name ? o->name : c->name;
  if (!bvm_virt_check_name(name, error))
    return NULL;
  g_autoptr(BvmVirtPushResult) r = g_new0(BvmVirtPushResult, 1);
  r->name = g_strdup(name);
  r->notes = g_ptr_array_new_with_free_func(g_free);
  Push p = {0};
  interrupted = 0;
  struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  gboolean ok = push_steps(&p, c, paths, caps, o, r, error);
  if (ok && interrupted) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_FAILED,
                "the push of VM '%s' to %s was interrupted (signal %d): undone", c->name, o->uri,
                (int)interrupted);
    ok = FALSE;
  }
  if (!ok)
    push_undo(&p);
  push_clear(&p);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  return ok ? g_steal_pointer(&r) : NULL;
}
