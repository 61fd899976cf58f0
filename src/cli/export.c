/* bridgevm export VM --libvirt [--out FILE]: the VM as a libvirt domain
 * (exportVm). The XML goes to stdout or FILE; what libvirt cannot say goes
 * to stderr as notes, so a redirect keeps the XML clean. */
#include "cli.h"
#include "error.h"
#include "util.h"

#include <stdio.h>

void bvm_cli_print_notes(JsonObject *o)
{
  JsonArray *notes = json_object_get_array_member(o, "notes");
  for (guint i = 0; i < json_array_get_length(notes); i++) {
    JsonNode *n = json_array_get_element(notes, i);
    if (JSON_NODE_HOLDS_OBJECT(n)) {
      JsonObject *w = json_node_get_object(n);
      g_autofree char *text =
          g_strdup_printf("libvirt: %s: %s", bvm_cli_str(w, "what"), bvm_cli_str(w, "why"));
      bvm_cli_notice(text);
    } else {
      bvm_cli_notice(json_node_get_string(n));
    }
  }
}

int bvm_cmd_export(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean libvirt = FALSE;
  g_autofree char *out = NULL;
  const GOptionEntry entries[] = {
      {"libvirt", 0, 0, G_OPTION_ARG_NONE, &libvirt,
       "As a libvirt domain XML (virsh define FILE); the only format so far", NULL},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Write to FILE instead of stdout", "FILE"},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("export", "VM --libvirt",
                     "Write VM as a libvirt domain XML with the reason for every choice as a "
                     "comment; the notes on stderr say what libvirt 9.0 cannot express.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("export", "give exactly one VM");
  if (!libvirt)
    return bvm_cli_usage("export", "say the format: --libvirt");
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "exportVm", bvm_cli_vm_params(argv[1]), &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  JsonObject *o = json_node_get_object(result);
  const char *xml = bvm_cli_str(o, "xml");
  if (out != NULL) {
    g_autoptr(GError) error = NULL;
    if (!bvm_file_write_atomic(out, xml, -1, 0644, &error))
      return bvm_cli_fail(error);
  } else {
    fputs(xml, stdout);
  }
  bvm_cli_print_notes(o);
  if (out != NULL)
    fprintf(stderr, "Wrote %s (virsh define %s)\n", out, out);
  return BVM_EXIT_OK;
}
