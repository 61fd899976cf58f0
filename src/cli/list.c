#include "cli.h"
#include "error.h"
#include "util.h"

#include <stdio.h>

int bvm_cmd_list(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("list", NULL, "List the VMs in the library.", NULL, TRUE, &common, &argc,
                     &argv, &status))
    return status;
  if (argc != 1)
    return bvm_cli_usage("list", "takes no arguments");
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "listVms", NULL, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  JsonArray *vms = json_node_get_array(result);
  guint n = json_array_get_length(vms);
  if (n == 0) {
    g_autofree char *library = bvm_cli_library(&common);
    printf("No VMs in %s. Create one with: bridgevm create NAME --iso PATH\n", library);
    return BVM_EXIT_OK;
  }
  printf("%-24s %-8s %-9s %-7s %4s %8s %8s  %-8s  %s\n", "NAME", "STATE", "OS", "ARCH", "CPUS",
         "MEMORY", "DISK", "ID", "PID / LAST EXIT");
  for (guint i = 0; i < n; i++) {
    JsonObject *vm = json_array_get_object_element(vms, i);
    if (bvm_cli_str(vm, "id") == NULL) {
      printf("%-24s %-8s %s\n", bvm_cli_str(vm, "path"), "broken", bvm_cli_str(vm, "problem"));
      continue;
    }
    JsonObject *st = bvm_cli_obj(vm, "status");
    JsonObject *last = bvm_cli_obj(vm, "lastExit");
    g_autofree char *mem = bvm_format_mib((guint64)bvm_cli_int(vm, "memoryMiB", 0));
    g_autofree char *disk = bvm_format_mib((guint64)bvm_cli_int(vm, "diskGiB", 0) * 1024);
    /* The last column: pid and uptime while it runs, else how it ended. */
    g_autofree char *note = NULL;
    gint64 pid = bvm_cli_int(st, "pid", 0);
    if (pid > 0)
      note = g_strdup_printf("pid %" G_GINT64_FORMAT ", up %" G_GINT64_FORMAT " s", pid,
                             MAX(bvm_cli_int(st, "uptimeSeconds", 0), 0));
    else if (bvm_cli_str(last, "reason") != NULL)
      note = g_strdup(bvm_cli_str(last, "reason"));
    printf("%-24s %-8s %-9s %-7s %4u %8s %8s  %.8s  %s\n", bvm_cli_str(vm, "name"),
           bvm_cli_str(vm, "state"), bvm_cli_str(vm, "os"), bvm_cli_str(vm, "arch"),
           (guint)bvm_cli_int(vm, "cpus", 0), mem, disk, bvm_cli_str(vm, "id"), note ? note : "");
  }
  return BVM_EXIT_OK;
}
