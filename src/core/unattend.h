/* Windows Setup's answer file (autounattend.xml) for an express install of
 * Windows 11, amd64 or arm64. PURE: options in, XML text out; every user
 * string checked, then XML-escaped. Golden-tested (tests/golden/unattend). */
#pragma once

#include "config.h"

G_BEGIN_DECLS

/* The generic installation key of Windows 11 Pro that Microsoft publishes
 * for choosing the edition in Setup: it installs, it never activates. Never
 * a KMS client key (those turn OOBE into a work-or-school sign-in). */
#define BVM_UNATTEND_PRODUCT_KEY "VK7JG-NPHTM-C97JM-9MPGT-3V66T"

typedef struct {
  BvmArch arch;
  const char *user;     /* local administrator account */
  const char *password; /* may be "" (an account without a password) */
  const char *locale;   /* "en-US": UI, system, user and keyboard */
  const char *timezone; /* a Windows time zone name: "W. Europe Standard Time" */
  gboolean drivers;     /* a virtio-win CD is attached: DriverPaths (+ the agent on amd64) */
} BvmUnattendOptions;

/* A Windows local account name: 1..20 characters, none of "/\[]:;|=,+*?<>@
 * and no control character, not only dots and spaces, not a built-in. */
gboolean bvm_unattend_check_user(const char *user, GError **error);
/* ll-CC (or ll-Scrp-CC), like en-US, de-DE, zh-Hans-CN. */
gboolean bvm_unattend_check_locale(const char *locale, GError **error);
/* At most 127 characters, no control characters. */
gboolean bvm_unattend_check_password(const char *password, GError **error);
/* @timezone, a Windows time zone name or an IANA one from the table
 * (docs/windows.md), as the Windows name; NULL and an error otherwise. */
char *bvm_unattend_windows_timezone(const char *timezone, GError **error);
/* The Windows name of IANA zone @iana, or NULL when the table lacks it. */
const char *bvm_unattend_timezone_from_iana(const char *iana);

/* The answer file; NULL when an option fails its check. */
char *bvm_unattend_generate(const BvmUnattendOptions *options, GError **error);

G_END_DECLS
