/* The VM's TPM 2.0: swtpm state in the bundle's tpm/ directory. */
#pragma once

#include "paths.h"

#include <glib.h>

G_BEGIN_DECLS

#define BVM_SWTPM_HINT "apt-get install -y swtpm swtpm-tools (Debian) or brew install swtpm (macOS)"

/* Manufacture a TPM 2.0 in @state_dir with swtpm_setup: EK and platform
 * certificates where swtpm's local CA allows, else a TPM without them.
 * *out_notice (optional) says when certificates were left out. */
gboolean bvm_tpm_setup(const char *state_dir, char **out_notice, GError **error);

/* swtpm's argv for a running VM: a TPM 2.0 on paths->swtpm_sock with its
 * state through paths->tpm_alias (comma-free; see paths.h), logging to fd 3,
 * which the caller opens on paths->swtpm_log. Pure. */
GStrv bvm_tpm_build_argv(const char *swtpm, const BvmPaths *paths);

G_END_DECLS
