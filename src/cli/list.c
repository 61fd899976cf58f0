#include "cli.h"
#include "error.h"
#include "util.h"

#include <stdio.h>

/* list --all: each remote's domains under the local VMs (src/cli/remote.c). */
static void print_remotes(JsonNode *remotes)
{
  JsonArray *a = json_node_get_array(remotes);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *r = json_array_get_object_element(a, i);
    printf("\n@%s (%s)\n", bvm_cli_str(r, "name"), bvm_cli_str(r, "uri"));
    if (bvm_cli_str(r, "error") != NULL) {
      printf("  unreachable: %s\n", bvm_cli_str(r, "error"));
      continue;
    }
    JsonArray *doms = json_object_get_array_member(r, "domains");
    if (json_array_get_length(doms) == 0)
      printf("  no domains\n");
    for (guint j = 0; j < json_array_get_length(doms); j++) {
      JsonObject *d = json_array_get_object_element(doms, j);
      g_autofree char *mem = bvm_format_mib((guint64)bvm_cli_int(d, "memoryMiB", 0));
      g_autofree char *name =
          g_strdup_printf("%s@%s", bvm_cli_str(d, "name"), bvm_cli_str(r, "name"));
      printf("%-24s %-8s %-9s %-7s %4u %8s\n", name, bvm_cli_str(d, "state"), "", "",
             (guint)bvm_cli_int(d, "cpus", 0), mem);
    }
  }
}

int bvm_cmd_list(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean all = FALSE;
  const GOptionEntry entries[] = {{"all", 'a', 0, G_OPTION_ARG_NONE, &all,
                                   "Also each remote libvirt host's domains (bridgevm remote add)",
                                   NULL},
                                  G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("list", NULL, "List the VMs in the library.", entries, TRUE, &common, &argc,
                     &argv, &status))
    return status;
  if (argc != 1)
    return bvm_cli_usage("list", "takes no arguments");
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "listVms", NULL, &result);
  if (status != BVM_EXIT_OK)
    return status;
  g_autoptr(JsonNode) remotes = NULL;
  if (all) {
#ifndef BVM_HAVE_LIBVIRT
    return bvm_cli_without_libvirt();
#endif
    status = bvm_cli_call(&common, "listRemotes", NULL, &remotes);
    if (status != BVM_EXIT_OK)
      return status;
  }
  if (common.json && remotes != NULL) {
    /* {"vms": listVms's answer, "remotes": [...]} */
    g_autoptr(JsonObject) o = json_object_new();
    json_object_set_member(o, "vms", g_steal_pointer(&result));
    json_object_set_member(o, "remotes", g_steal_pointer(&remotes));
    g_autoptr(JsonNode) both = json_node_init_object(json_node_alloc(), o);
    bvm_cli_print_json(both);
    return BVM_EXIT_OK;
  }
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  JsonArray *vms = json_node_get_array(result);
  guint n = json_array_get_length(vms);
  if (n == 0) {
    g_autofree char *library = bvm_cli_library(&common);
    printf("No VMs in %s. Create one with: bridgevm create NAME --iso PATH\n", library);
    if (remotes != NULL)
      print_remotes(remotes);
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
  if (remotes != NULL)
    print_remotes(remotes);
  return BVM_EXIT_OK;
}
