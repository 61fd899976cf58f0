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
                     NULL, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("reset-nvram", "give exactly one VM");
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "resetNvram", bvm_cli_vm_params(argv[1]), &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  /* The answer says only that it was reset: the text names the VM and the
   * template, which showVm tells. */
  g_autoptr(JsonNode) vm = NULL;
  status = bvm_cli_call(&common, "showVm", bvm_cli_vm_params(argv[1]), &vm);
  if (status != BVM_EXIT_OK)
    return status;
  JsonObject *o = json_node_get_object(vm);
  printf("Reset the NVRAM of VM '%s' from %s\n", bvm_cli_str(o, "name"),
         bvm_cli_str(bvm_cli_obj(o, "firmware"), "varsTemplate"));
  return BVM_EXIT_OK;
}
