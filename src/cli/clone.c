/* bridgevm clone VM NEW: through the API's cloneVm. */
#include "cli.h"
#include "error.h"

#include <stdio.h>

int bvm_cmd_clone(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *from = NULL;
  gboolean keep_tpm = FALSE, no_reflink = FALSE;
  const GOptionEntry entries[] = {
      {"from", 0, 0, G_OPTION_ARG_STRING, &from,
       "Clone the VM as it was at this snapshot (works while the VM runs)", "SNAPSHOT"},
      {"keep-tpm", 0, 0, G_OPTION_ARG_NONE, &keep_tpm,
       "Copy the TPM instead of making a fresh one (both VMs then share one TPM identity)", NULL},
      {"no-reflink", 0, 0, G_OPTION_ARG_NONE, &no_reflink,
       "Copy the disk's data even where the filesystem could share it (benchmarks)", NULL},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("clone", "VM NEW",
                     "Copy a stopped VM (or one of its snapshots) into a new VM with a new uuid, "
                     "MAC address, NVMe serial and a fresh TPM. The disk is shared by reflink "
                     "where the filesystem can, else only its allocated data is copied.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return bvm_cli_usage("clone", "give the VM and the NEW name");
  JsonObject *p = bvm_cli_vm_params(argv[1]);
  json_object_set_string_member(p, "name", argv[2]);
  if (from != NULL)
    json_object_set_string_member(p, "fromSnapshot", from);
  if (keep_tpm)
    json_object_set_boolean_member(p, "keepTpm", TRUE);
  if (no_reflink)
    json_object_set_boolean_member(p, "noReflink", TRUE);
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "cloneVm", p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  JsonObject *o = json_node_get_object(result), *copy = bvm_cli_obj(result ? o : NULL, "copy");
  g_autofree char *copied =
      g_format_size_full((guint64)bvm_cli_int(copy, "diskBytesCopied", 0), G_FORMAT_SIZE_IEC_UNITS);
  printf("Cloned '%s' to '%s' (id %s) at %s; disk: %s, %s copied\n", argv[1],
         bvm_cli_str(o, "name"), bvm_cli_str(o, "id"), bvm_cli_str(o, "path"),
         bvm_cli_str(copy, "method"), copied);
  if (bvm_cli_str(o, "notice") != NULL)
    bvm_cli_notice(bvm_cli_str(o, "notice"));
  return BVM_EXIT_OK;
}
