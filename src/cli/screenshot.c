/* bridgevm screenshot VM FILE.png: the running VM's screen, now (the API's
 * vmScreenshot, decoded and written atomically). */
#include "cli.h"
#include "error.h"
#include "util.h"

#include <stdio.h>

int bvm_cmd_screenshot(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean thumbnail = FALSE;
  const GOptionEntry entries[] = {{"thumbnail", 0, 0, G_OPTION_ARG_NONE, &thumbnail,
                                   "The library's thumbnail (at most 320x200) instead", NULL},
                                  G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("screenshot", "VM FILE.png", "Save a running VM's screen as a PNG file.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return bvm_cli_usage("screenshot", "give a VM and the PNG file to write");
  const char *file = argv[2];
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *params = bvm_cli_vm_params(argv[1]);
  if (thumbnail)
    json_object_set_boolean_member(params, "thumbnail", TRUE);
  status = bvm_cli_call(&common, "vmScreenshot", params, &reply);
  if (status != BVM_EXIT_OK)
    return status;
  JsonObject *o = json_node_get_object(reply);
  gsize len = 0;
  g_autofree guchar *png = g_base64_decode(bvm_cli_str(o, "png"), &len);
  g_autoptr(GError) error = NULL;
  if (!bvm_file_write_atomic(file, (const char *)png, (gssize)len, 0644, &error))
    return bvm_cli_fail(error);
  if (common.json) {
    json_object_remove_member(o, "png");
    json_object_set_string_member(o, "file", file);
    json_object_set_int_member(o, "bytes", (gint64)len);
    bvm_cli_print_json(reply);
  } else {
    printf("%s: %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " PNG, %" G_GSIZE_FORMAT " bytes\n", file,
           bvm_cli_int(o, "width", 0), bvm_cli_int(o, "height", 0), len);
  }
  return BVM_EXIT_OK;
}
