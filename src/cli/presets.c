#include "cli.h"
#include "error.h"

#include <stdio.h>

int bvm_cmd_presets(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("presets", NULL, "List the presets and how they fit this host.", NULL, TRUE,
                     &common, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return bvm_cli_usage("presets", "takes no arguments");
  g_autoptr(JsonNode) node = NULL;
  status = bvm_cli_call(&common, "presets", NULL, &node);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(node);
    return BVM_EXIT_OK;
  }
  JsonArray *a = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *p = json_array_get_object_element(a, i);
    printf("%-12s %s\n", bvm_cli_str(p, "name"), bvm_cli_str(p, "summary"));
    const char *notice = bvm_cli_str(p, "notice");
    if (notice != NULL)
      printf("%-12s on this host: %s\n", "", notice);
  }
  return BVM_EXIT_OK;
}
