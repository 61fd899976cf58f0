/* bridgevm import URI|REMOTE DOMAIN [--name NAME]: a shut-off libvirt
 * domain made into a bundle (importVm: src/libvirt/import.c, an operation
 * bridgevm registers when built with libvirt). */
#include "cli.h"
#include "error.h"

#include <stdio.h>

int bvm_cmd_import(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *name = NULL;
  const GOptionEntry entries[] = {{"name", 0, 0, G_OPTION_ARG_STRING, &name,
                                   "The VM's name here (default: the domain's)", "NAME"},
                                  G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("import", "URI|REMOTE DOMAIN",
                     "Make a VM of the library from a shut-off libvirt domain: its disk and UEFI "
                     "variables downloaded, its settings mapped back. What BridgeVM cannot run "
                     "(several disks, host devices, BIOS) is refused.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return bvm_cli_usage("import", "give a libvirt URI or remote and a domain");
#ifndef BVM_HAVE_LIBVIRT
  return bvm_cli_without_libvirt();
#endif
  JsonObject *p = json_object_new();
  json_object_set_string_member(p, "uri", argv[1]);
  json_object_set_string_member(p, "domain", argv[2]);
  if (name != NULL)
    json_object_set_string_member(p, "name", name);
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "importVm", p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  JsonObject *o = json_node_get_object(result);
  bvm_cli_print_notes(o);
  g_autofree char *got = g_format_size((guint64)bvm_cli_int(o, "diskReceived", 0));
  printf("Imported domain '%s' from %s as VM '%s' in %s (%s of disk data downloaded)\n", argv[2],
         bvm_cli_str(o, "uri"), bvm_cli_str(o, "name"), bvm_cli_str(o, "path"), got);
  return BVM_EXIT_OK;
}
