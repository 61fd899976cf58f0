#include "cli.h"
#include "error.h"
#include "validate.h"

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
  g_autoptr(GError) error = NULL;
  gboolean ok = bvm_validate_iso(argv[1], &error);
  if (common.json) {
    g_autoptr(JsonNode) node = bvm_validate_iso_result_to_json(argv[1], error);
    bvm_cli_print_json(node);
    return ok ? BVM_EXIT_OK : bvm_error_exit_status(error);
  }
  if (!ok)
    return bvm_cli_fail(error);
  printf("%s is an installer image\n", argv[1]);
  return BVM_EXIT_OK;
}
