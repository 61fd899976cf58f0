#include "cli.h"
#include "error.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

int bvm_cmd_validate_iso(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("validate-iso", "PATH",
                     "Check that PATH is an ISO 9660 or UDF image, and what it installs.", NULL,
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
  JsonObject *media = json_object_get_object_member(o, "media");
  if (media != NULL && bvm_cli_bool(media, "known"))
    printf("%s is an installer image: %s\n", argv[1], bvm_cli_str(media, "name"));
  else
    printf("%s is an installer image (not one libosinfo knows: os other)\n", argv[1]);
  const char *warning = media != NULL ? bvm_cli_str(media, "archWarning") : NULL;
  if (warning != NULL)
    bvm_cli_notice(warning);
  return BVM_EXIT_OK;
}
