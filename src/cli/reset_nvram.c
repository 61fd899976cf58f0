#include "bundle.h"
#include "cli.h"
#include "error.h"

#include <stdio.h>

int bvm_cmd_reset_nvram(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("reset-nvram", "VM",
                     "Restore a stopped VM's UEFI variables (boot entries, Secure Boot keys) "
                     "from its firmware's template.",
                     NULL, FALSE, &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("reset-nvram", "give exactly one VM");
  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  if (!bvm_bundle_reset_nvram(e->config, paths, &error))
    return bvm_cli_fail(error);
  printf("Reset the NVRAM of VM '%s' from %s\n", e->config->name,
         e->config->firmware.vars_template);
  return BVM_EXIT_OK;
}
