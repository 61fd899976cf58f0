#include "tpm.h"
#include "error.h"
#include "util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static gboolean tpm_setup(const char *state_dir, char **out_notice, GError **error);

gboolean bvm_tpm_setup(const char *state_dir, char **out_notice, GError **error)
{
  g_return_val_if_fail(g_path_is_absolute(state_dir), FALSE);
  /* swtpm_setup hands the path to swtpm inside "dir=PATH" and swtpm has no
   * escape for a comma: go through a comma-free symlink. */
  g_autofree char *alias_dir = NULL;
  g_autofree char *alias = NULL;
  if (strchr(state_dir, ',') != NULL) {
    alias_dir = g_dir_make_tmp("bvm-tpm-XXXXXX", NULL);
    if (alias_dir != NULL) {
      alias = g_build_filename(alias_dir, "state", NULL);
      if (symlink(state_dir, alias) == 0)
        state_dir = alias;
    }
  }
  gboolean ok = tpm_setup(state_dir, out_notice, error);
  if (alias_dir != NULL) {
    if (alias != NULL)
      g_unlink(alias);
    g_rmdir(alias_dir);
  }
  return ok;
}

static gboolean tpm_setup(const char *state_dir, char **out_notice, GError **error)
{
  if (out_notice != NULL)
    *out_notice = NULL;
  g_autofree char *tool =
      bvm_find_tool("swtpm_setup", "BRIDGEVM_SWTPM_SETUP", BVM_SWTPM_HINT, error);
  if (tool == NULL)
    return FALSE;

  /* swtpm_setup's certificates come from a local CA whose default config is
   * system-wide (/etc/swtpm-localca.conf, /var/lib/swtpm-localca): an
   * unprivileged user cannot write there. Give each user their own config
   * files first; existing ones are kept. */
  if (geteuid() != 0) {
    const char *cfg_argv[] = {tool, "--create-config-files", "skip-if-exist", NULL};
    (void)bvm_run_tool(cfg_argv, BVM_SWTPM_HINT, NULL, NULL);
  }

  /* Windows reads the EK certificate to trust the TPM; the platform
   * certificate completes the chain. --lock-nvram keeps the guest from
   * rewriting them. */
  const char *argv[] = {tool,           "--tpm2",           "--tpmstate",
                        state_dir,      "--create-ek-cert", "--create-platform-cert",
                        "--lock-nvram", "--not-overwrite",  NULL};
  g_autoptr(GError) cert_error = NULL;
  if (bvm_run_tool(argv, BVM_SWTPM_HINT, NULL, &cert_error))
    return TRUE;
  if (g_error_matches(cert_error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING)) {
    g_propagate_error(error, g_steal_pointer(&cert_error));
    return FALSE;
  }

  /* Without a usable CA a TPM without certificates still works for
   * BitLocker and Windows 11's check. */
  const char *plain_argv[] = {tool, "--tpm2", "--tpmstate", state_dir, "--overwrite", NULL};
  if (!bvm_run_tool(plain_argv, BVM_SWTPM_HINT, NULL, error)) {
    g_prefix_error(error, "setting up the TPM in %s: ", state_dir);
    return FALSE;
  }
  if (out_notice != NULL)
    *out_notice = g_strdup_printf("the TPM has no EK certificate (%s)", cert_error->message);
  return TRUE;
}

GStrv bvm_tpm_build_argv(const char *swtpm, const BvmPaths *paths)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  g_autofree char *state = g_strdup_printf("dir=%s,mode=0600", paths->tpm_alias);
  g_autofree char *ctrl = g_strdup_printf("type=unixio,path=%s,mode=0600", paths->swtpm_sock);
  const char *argv[] = {swtpm, "socket", "--tpm2", "--tpmstate", state, "--ctrl", ctrl,
                        /* fd 3 is logs/swtpm.log, opened by the caller: a
                         * path here could not hold a comma */
                        "--log", "fd=3,level=2",
                        /* ends swtpm when QEMU closes the connection, so it
                         * never outlives its VM */
                        "--terminate", NULL};
  g_strv_builder_addv(b, argv);
  return g_strv_builder_end(b);
}
