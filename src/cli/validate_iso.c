#include "cli.h"
#include "error.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

int bvm_cmd_validate_iso(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("validate-iso", "PATH", "Check that PATH is an ISO 9660 or UDF image.", NULL,
                     TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("validate-iso", "give exactly one PATH");
  JsonObject *p = json_object_new();
  json_object_set_string_member(p, "path", argv[1]);
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "validateIso", p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  JsonObject *o = json_node_get_object(result);
  gboolean valid = bvm_cli_bool(o, "valid");
  /* The answer carries the message, not its code: a path that is not
   * there is NOT_FOUND (exit 3), any other fault INVALID_ARGUMENT, as
   * bvm_validate_iso decides. */
  GStatBuf st;
  int fail = g_stat(argv[1], &st) != 0 && errno == ENOENT ? BVM_EXIT_NOT_FOUND : BVM_EXIT_FAILURE;
  if (common.json) {
    bvm_cli_print_json(result);
    return valid ? BVM_EXIT_OK : fail;
  }
  if (!valid) {
    fprintf(stderr, "bridgevm: %s\n", bvm_cli_str(o, "message"));
    return fail;
  }
  printf("%s is an installer image\n", argv[1]);
  return BVM_EXIT_OK;
}
