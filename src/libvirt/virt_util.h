/* What push, import and the remotes share about libvirt: errors in
 * BVM_ERROR with libvirt's own words, names libvirt takes. */
#pragma once

#include "error.h"

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/* virInitialize once, and libvirt's default error printer silenced: each
 * failure is reported once, by the caller, as a GError. */
void bvm_virt_init(void);

/* Set @error (@code) to the printf message, then ": " and libvirt's last
 * error message when there is one; returns FALSE. */
gboolean bvm_virt_fail(GError **error, BvmErrorCode code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
gboolean bvm_virt_fail_errno(GError **error, int errsv, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* A domain name libvirt takes and that is safe in a volume name: 1..64
 * characters, no '/', no control characters, not starting with '.'. */
gboolean bvm_virt_check_name(const char *name, GError **error);

/* virConnectOpen(@uri), or NULL with NOT_FOUND saying what to check. */
virConnectPtr bvm_virt_connect(const char *uri, GError **error);

G_END_DECLS
