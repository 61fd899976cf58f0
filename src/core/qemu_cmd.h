/* The QEMU command builder. PURE: (config, host caps, paths, options) ->
 * argv, with a reason for every flag group and a list of the optimizations it
 * dropped for this host and why. No I/O, no environment: golden tests pin it
 * (tests/golden). Versioned by BVM_COMMAND_VERSION in config.h. */
#pragma once

#include "caps.h"
#include "config.h"
#include "paths.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  BVM_DISPLAY_AUTO,   /* window when host.desktop, else vnc */
  BVM_DISPLAY_WINDOW, /* gtk on Linux, cocoa on macOS */
  BVM_DISPLAY_NONE,   /* no display at all */
  BVM_DISPLAY_VNC,    /* VNC on paths->vnc_sock (unix socket, never TCP) */
  BVM_DISPLAY_N
} BvmDisplayMode;
const char *bvm_display_mode_to_string(BvmDisplayMode mode);
gboolean bvm_display_mode_from_string(const char *s, BvmDisplayMode *out_mode);
extern const BvmJsonWords bvm_display_mode_words;

typedef struct {
  BvmDisplayMode display;
  gboolean start_paused;   /* -S: vCPUs wait for QMP "cont" */
  gboolean accel_override; /* use @accel instead of the VM's (BRIDGEVM_ACCEL) */
  BvmAccel accel;
  /* > 0: the monitor's QMP socket is this already-listening fd, inherited
   * by QEMU (fd=N instead of path=; libvirt does the same), so QEMU is
   * reachable the moment it is spawned. 0, the default, keeps path=: fd 0
   * is stdin, never a socket handed over. */
  int qmp_fd;
  /* smbd's path when Samba is installed (a Windows guest's shared folder
   * needs it: QEMU's smb= runs it), else NULL. */
  const char *smbd;
  /* An express install's answer ISO (express.h) to attach as one more CD,
   * or NULL: the caller decides (the monitor: only while the disk is
   * empty), the builder only places it. */
  const char *answer_iso;
} BvmCmdOptions;

typedef struct {
  GStrv flags;  /* the argv elements of this group, in order */
  char *reason; /* why they are there */
} BvmCmdGroup;

typedef struct {
  char *what; /* "virtio-gpu blob scanout" */
  char *why;  /* "/dev/udmabuf is missing on this host" */
} BvmCmdDropped;

typedef struct {
  GPtrArray *argv;    /* char *, argv[0] is the QEMU binary; NULL-terminated */
  GPtrArray *groups;  /* BvmCmdGroup * */
  GPtrArray *dropped; /* BvmCmdDropped * */
  char *accel;        /* "kvm", "hvf" or "tcg" */
  guint command_version;
} BvmCommand;

void bvm_command_free(BvmCommand *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmCommand, bvm_command_free)

/* Fails (BVM_ERROR_DEPENDENCY_MISSING) when no QEMU for config->arch is in
 * @caps, or (BVM_ERROR_INVALID_ARGUMENT) when the config cannot run on it
 * (an accelerator asked for that this host does not have). */
BvmCommand *bvm_qemu_cmd_build(const BvmConfig *config, const BvmHostCaps *caps,
                               const BvmPaths *paths, const BvmCmdOptions *opts, GError **error);

/* {"argv": [...], "groups": [{"flags": [...], "reason": "..."}],
 *  "dropped": [{"what": "...", "why": "..."}], "accel": "tcg", "commandVersion": 1} */
JsonNode *bvm_command_to_json(const BvmCommand *cmd);
/* Human text for `bridgevm command VM --explain`. */
char *bvm_command_explain(const BvmCommand *cmd);
/* One argument per line, for golden .args files and `command` without flags. */
char *bvm_command_to_args_text(const BvmCommand *cmd);

G_END_DECLS
