/* bridgevm import URI DOMAIN [--name NAME]: a shut-off libvirt domain made
 * into a bundle (src/libvirt/import.c). Outside the API dispatcher, as
 * push is: the libvirt client is optional and not in libbridgevm. */
#include "cli.h"
#include "error.h"

#include <stdio.h>

#ifdef BVM_HAVE_LIBVIRT
#include "virt.h"
#endif

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
    return bvm_cli_usage("import", "give a libvirt URI and a domain");
#ifdef BVM_HAVE_LIBVIRT
  g_autoptr(GError) error = NULL;
  g_autofree char *library = bvm_cli_library(&common);
  g_autofree char *uri = bvm_cli_remote_uri(&common, argv[1], &status);
  if (uri == NULL)
    return status;
  BvmVirtImportOptions opts = {uri, argv[2], name, library};
  g_autoptr(BvmVirtImportResult) r = bvm_virt_import(&opts, &error);
  if (r == NULL)
    return bvm_cli_fail(error);
  if (common.json) {
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, r->name);
    json_builder_set_member_name(b, "path");
    json_builder_add_string_value(b, r->path);
    json_builder_set_member_name(b, "diskReceived");
    json_builder_add_int_value(b, (gint64)r->disk_received);
    json_builder_set_member_name(b, "notes");
    json_builder_begin_array(b);
    for (guint i = 0; i < r->notes->len; i++)
      json_builder_add_string_value(b, r->notes->pdata[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) n = json_builder_get_root(b);
    bvm_cli_print_json(n);
    return BVM_EXIT_OK;
  }
  for (guint i = 0; i < r->notes->len; i++)
    bvm_cli_notice(r->notes->pdata[i]);
  g_autofree char *got = g_format_size(r->disk_received);
  printf("Imported domain '%s' from %s as VM '%s' in %s (%s of disk data downloaded)\n", argv[2],
         uri, r->name, r->path, got);
  return BVM_EXIT_OK;
#else
  return bvm_cli_without_libvirt();
#endif
}
