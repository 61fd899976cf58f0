#include "virt_util.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

static void quiet(void *data, virErrorPtr err) {}

void bvm_virt_init(void)
{
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    virInitialize();
    virSetErrorFunc(NULL, quiet);
    g_once_init_leave(&done, 1);
  }
}

static gboolean fail_v(GError **error, BvmErrorCode code, const char *extra, const char *fmt,
                       va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  if (extra != NULL && *extra)
    g_set_error(error, BVM_ERROR, code, "%s: %s", msg, extra);
  else
    g_set_error(error, BVM_ERROR, code, "%s", msg);
  return FALSE;
}

gboolean bvm_virt_fail(GError **error, BvmErrorCode code, const char *fmt, ...)
{
  virErrorPtr e = virGetLastError();
  /* libvirt's messages can span lines (a refused XML): one line for ours */
  g_autofree char *extra = e && e->message ? g_strdelimit(g_strdup(e->message), "\n", ' ') : NULL;
  va_list ap;
  va_start(ap, fmt);
  fail_v(error, code, extra, fmt, ap);
  va_end(ap);
  virResetLastError();
  return FALSE;
}

gboolean bvm_virt_fail_errno(GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fail_v(error, errsv == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_IO, g_strerror(errsv), fmt, ap);
  va_end(ap);
  return FALSE;
}

gboolean bvm_virt_check_name(const char *name, GError **error)
{
  gsize len = strlen(name);
  gboolean ok = len > 0 && len <= 64 && name[0] != '.' && strchr(name, '/') == NULL;
  for (const char *p = name; ok && *p; p++)
    ok = !g_ascii_iscntrl(*p);
  if (!ok)
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "'%s' cannot name a libvirt domain: use 1 to 64 characters, no '/', not starting with '.' (--name NAME)",
        name);
  return ok;
}

virConnectPtr bvm_virt_connect(const char *uri, GError **error)
{
  bvm_virt_init();
  virConnectPtr conn = virConnectOpen(uri);
  if (conn == NULL)
    bvm_virt_fail(
        error, BVM_ERROR_NOT_FOUND,
        "cannot reach libvirt at %s: check the URI, that libvirtd runs there and that ssh or TLS lets you in",
        uri);
  return conn;
}
