#include "cli.h"
#include "error.h"
#include "state.h"
#include "vm.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

int bvm_cmd_list(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("list", NULL, "List the VMs in the library.", NULL, TRUE, &common, &argc,
                     &argv, &status))
    return status;
  if (argc != 1)
    return bvm_cli_usage("list", "takes no arguments");
  g_autofree char *library = bvm_cli_library(&common);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = bvm_registry_list(library, &error);
  if (entries == NULL)
    return bvm_cli_fail(error);

  if (common.json) {
    /* One VM at a time, freed as it is printed: a large library never
     * holds its whole JSON twice (the tree and the text). */
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    GString *out = g_string_sized_new(4096);
    fputs(entries->len ? "[\n" : "[]\n", stdout);
    for (guint i = 0; i < entries->len; i++) {
      bvm_vm_reconcile(entries->pdata[i]);
      g_autoptr(JsonNode) node = bvm_vm_to_json(entries->pdata[i]);
      json_generator_set_root(gen, node);
      g_string_truncate(out, 0);
      json_generator_to_gstring(gen, out);
      g_clear_pointer(&entries->pdata[i], bvm_vm_entry_free);
      /* indented one level, as an element of the array */
      fputs("  ", stdout);
      const char *p = out->str;
      for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        fwrite(p, 1, (size_t)(nl - p) + 1, stdout);
        fputs("  ", stdout);
      }
      fputs(p, stdout);
      fputs(i + 1 < entries->len ? ",\n" : "\n]\n", stdout);
    }
    g_string_free(out, TRUE);
    return BVM_EXIT_OK;
  }
  if (entries->len == 0) {
    printf("No VMs in %s. Create one with: bridgevm create NAME --iso PATH\n", library);
    return BVM_EXIT_OK;
  }
  printf("%-24s %-8s %-9s %-7s %4s %8s %8s  %-8s  %s\n", "NAME", "STATE", "OS", "ARCH", "CPUS",
         "MEMORY", "DISK", "ID", "PID / LAST EXIT");
  for (guint i = 0; i < entries->len; i++) {
    BvmVmEntry *e = entries->pdata[i];
    if (e->config == NULL) {
      printf("%-24s %-8s %s\n", e->path, "broken", e->problem);
      continue;
    }
    BvmConfig *c = e->config;
    g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, c->id);
    g_auto(BvmVmStatus) st = {0};
    bvm_state_reconcile(c, paths);
    bvm_state_get(c, paths, &st);
    g_autofree char *mem = bvm_format_mib(c->memory_mib);
    g_autofree char *disk = bvm_format_mib(c->disk_gib * 1024);
    /* The last column: pid and uptime while it runs, else how it ended. */
    g_autofree char *note = NULL;
    if (st.qemu_pid > 0)
      note = g_strdup_printf("pid %d, up %" G_GINT64_FORMAT " s", st.qemu_pid,
                             MAX(st.uptime_seconds, 0));
    else if (c->last_exit != NULL && c->last_exit->reason != NULL)
      note = g_strdup(c->last_exit->reason);
    printf("%-24s %-8s %-9s %-7s %4u %8s %8s  %.8s  %s\n", c->name,
           bvm_vm_state_to_string(st.state), bvm_os_to_string(c->os), bvm_arch_to_string(c->arch),
           c->cpus, mem, disk, c->id, note ? note : "");
  }
  return BVM_EXIT_OK;
}
