/* An express (unattended) Windows 11 install: the answer file's inputs
 * from the host and the user, and the small answer ISO in the bundle that
 * Windows Setup reads autounattend.xml from. */
#pragma once

#include "config.h"
#include "unattend.h"

G_BEGIN_DECLS

/* What a front end asks for (CLI flags, API params). */
typedef struct {
  gboolean express;
  const char *user;
  const char *password_file; /* 0600-ish file with the password; or: */
  const char *password;      /* the password itself (the UI); NULL: none */
  const char *locale;        /* NULL: the host's */
  const char *timezone;      /* NULL: the host's */
} BvmExpressRequest;

/* The answer ISO's file name in a bundle. */
#define BVM_EXPRESS_ISO_NAME "unattend.iso"
/* Its volume id. */
#define BVM_EXPRESS_ISO_VOLUME "BVM_UNATTEND"

/* BUNDLE/unattend.iso */
char *bvm_express_iso_path(const char *bundle_dir);

/* A VM's disk image that no guest has written yet: a fresh sparse qcow2 is
 * a few hundred KiB of metadata. Windows Setup has not begun installing. */
gboolean bvm_express_disk_untouched(const char *disk);

/* The answer ISO of the VM in @bundle_dir (disk image @disk) when its next
 * start attaches it: it exists and the disk is untouched; else NULL. */
char *bvm_express_pending_iso(const char *bundle_dir, const char *disk);

/* The password in @path: refused when missing, empty or readable by every
 * user. One trailing line break is dropped. */
char *bvm_express_read_password(const char *path, GError **error);

/* The host's locale as a language tag ("en-US"; "en-US" for C/POSIX). */
char *bvm_express_host_locale(void);
/* The host's time zone as a Windows name, through unattend's table;
 * "UTC" when the zone is not in it. */
char *bvm_express_host_timezone(void);

/* @req checked for a VM of @config (Windows 11 only, a user given) and made
 * into the answer file; *out_summary (optional) says what it sets, without
 * the password. @drivers: a virtio-win CD comes with the VM. */
char *bvm_express_answer_file(const BvmExpressRequest *req, const BvmConfig *config,
                              gboolean drivers, char **out_summary, GError **error);

/* Write @xml as autounattend.xml onto BUNDLE/unattend.iso (xorriso), mode
 * 0600 from the start; the clear file exists only in a 0700 temp dir of
 * the bundle while xorriso runs. */
gboolean bvm_express_write_iso(const char *bundle_dir, const char *xml, GError **error);

G_END_DECLS
