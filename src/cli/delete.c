#include "cli.h"
#include "error.h"

#include <stdio.h>

int bvm_cmd_delete(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean permanently = FALSE;
  const GOptionEntry entries[] = {{"permanently", 0, 0, G_OPTION_ARG_NONE, &permanently,
                                   "Remove the bundle for good instead of moving it to the Trash",
                                   NULL},
                                  G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("delete", "VM", "Move a stopped VM to the Trash.", entries, TRUE, &common,
                     &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("delete", "give exactly one VM");
  JsonObject *p = bvm_cli_vm_params(argv[1]);
  json_object_set_boolean_member(p, "permanently", permanently);
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "deleteVm", p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json)
    bvm_cli_print_json(result);
  else
    printf("%s VM '%s'\n", permanently ? "Deleted" : "Moved to the Trash:",
           bvm_cli_str(json_node_get_object(result), "deleted"));
  return BVM_EXIT_OK;
}
