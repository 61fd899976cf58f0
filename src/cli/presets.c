#include "cli.h"
#include "error.h"
#include "presets.h"

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
  BvmHostInfo host;
  bvm_host_info_probe(&host);
  g_autoptr(JsonNode) node = bvm_presets_to_json(&host);
  if (common.json) {
    bvm_cli_print_json(node);
    return BVM_EXIT_OK;
  }
  JsonArray *a = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *p = json_array_get_object_element(a, i);
    printf("%-12s %s\n", json_object_get_string_member(p, "name"),
           json_object_get_string_member(p, "summary"));
    const char *notice = json_object_get_string_member_with_default(p, "notice", NULL);
    if (notice != NULL)
      printf("%-12s on this host: %s\n", "", notice);
  }
  return BVM_EXIT_OK;
}
