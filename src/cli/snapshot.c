/* bridgevm snapshot VM create|list|revert|delete: through the API's
 * createSnapshot, listSnapshots, revertSnapshot and deleteSnapshot. */
#include "cli.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

static char *size_text(gint64 bytes)
{
  return g_format_size_full((guint64)MAX(bytes, 0), G_FORMAT_SIZE_IEC_UNITS);
}

static void print_list(JsonArray *a)
{
  if (json_array_get_length(a) == 0) {
    printf("No snapshots\n");
    return;
  }
  printf("%-24s %-20s %-11s %-5s %10s %10s  %s\n", "NAME", "CREATED", "CONSISTENCY", "LIVE",
         "DISK HELD", "VARS+TPM", "DESCRIPTION");
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *s = json_array_get_object_element(a, i);
    g_autofree char *held = size_text(bvm_cli_int(s, "diskHeldBytes", 0));
    g_autofree char *state = size_text(bvm_cli_int(s, "stateBytes", 0));
    const char *desc = bvm_cli_str(s, "description");
    printf("%-24s %-20s %-11s %-5s %10s %10s  %s\n", bvm_cli_str(s, "name"),
           bvm_cli_str(s, "createdAt"), bvm_cli_str(s, "consistency"),
           bvm_cli_bool(s, "live") ? "yes" : "no", held, state, desc ? desc : "");
  }
}

int bvm_cmd_snapshot(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *description = NULL;
  const GOptionEntry entries[] = {{"description", 0, 0, G_OPTION_ARG_STRING, &description,
                                   "What the snapshot is for (create)", "TEXT"},
                                  G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse(
          "snapshot", "VM create NAME | list | revert NAME | delete NAME",
          "Snapshots of a VM's disk, UEFI variables and TPM. create works stopped or running "
          "(running: disk-only, filesystems frozen through the guest agent when it answers; the "
          "memory state is not saved, as QEMU's NVMe disk cannot be migrated). revert needs the "
          "VM stopped and restores all three or nothing.",
          entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc < 3)
    return bvm_cli_usage("snapshot", "give a VM and one of create, list, revert, delete");
  const char *vm = argv[1], *sub = argv[2];
  gboolean is_list = strcmp(sub, "list") == 0;
  const char *op = is_list                      ? "listSnapshots"
                   : strcmp(sub, "create") == 0 ? "createSnapshot"
                   : strcmp(sub, "revert") == 0 ? "revertSnapshot"
                   : strcmp(sub, "delete") == 0 ? "deleteSnapshot"
                                                : NULL;
  if (op == NULL)
    return bvm_cli_usage("snapshot", "unknown action '%s': use create, list, revert or delete",
                         sub);
  if (is_list ? argc != 3 : argc != 4)
    return bvm_cli_usage("snapshot", is_list ? "list takes no NAME" : "%s needs one NAME", sub);
  if (description != NULL && strcmp(sub, "create") != 0)
    return bvm_cli_usage("snapshot", "--description is for create");
  JsonObject *p = bvm_cli_vm_params(vm);
  if (!is_list)
    json_object_set_string_member(p, "name", argv[3]);
  if (description != NULL)
    json_object_set_string_member(p, "description", description);
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, op, p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  if (is_list) {
    print_list(json_node_get_array(result));
    return BVM_EXIT_OK;
  }
  JsonObject *o = json_node_get_object(result);
  if (strcmp(sub, "create") == 0) {
    printf("Took snapshot '%s' of VM '%s' (%s%s)\n", bvm_cli_str(o, "name"), vm,
           bvm_cli_bool(o, "live") ? "live, " : "", bvm_cli_str(o, "consistency"));
    if (bvm_cli_str(o, "notice") != NULL)
      bvm_cli_notice(bvm_cli_str(o, "notice"));
  } else if (strcmp(sub, "revert") == 0) {
    printf("Reverted VM '%s' to snapshot '%s' (disk, UEFI variables and TPM)\n", vm, argv[3]);
  } else {
    printf("Deleted snapshot '%s' of VM '%s'\n", argv[3], vm);
  }
  return BVM_EXIT_OK;
}
