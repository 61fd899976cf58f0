/* bridgevm push VM URI|REMOTE [--name NAME] [--pool POOL] [--start]: the VM
 * defined on a libvirt host (pushVm: src/libvirt/push.c, an operation
 * bridgevm registers when built with libvirt). */
#include "cli.h"
#include "error.h"

#include <stdio.h>

int bvm_cmd_push(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *name = NULL, *pool = NULL;
  gboolean start = FALSE;
  const GOptionEntry entries[] = {
      {"name", 0, 0, G_OPTION_ARG_STRING, &name, "The domain's name there (default: the VM's)",
       "NAME"},
      {"pool", 0, 0, G_OPTION_ARG_STRING, &pool,
       "The storage pool for the disk and UEFI variables (default: default)", "POOL"},
      {"start", 0, 0, G_OPTION_ARG_NONE, &start, "Start the domain once defined", NULL},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("push", "VM URI|REMOTE",
                     "Define a stopped VM on the libvirt at URI (qemu:///system, "
                     "qemu+ssh://user@host/system) or of a remote: its disk and UEFI variables "
                     "are uploaded into a storage pool. A failed push removes what it made.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return bvm_cli_usage("push", "give a VM and a libvirt URI or remote");
#ifndef BVM_HAVE_LIBVIRT
  return bvm_cli_without_libvirt();
#endif
  JsonObject *p = bvm_cli_vm_params(argv[1]);
  json_object_set_string_member(p, "uri", argv[2]);
  if (name != NULL)
    json_object_set_string_member(p, "name", name);
  if (pool != NULL)
    json_object_set_string_member(p, "pool", pool);
  json_object_set_boolean_member(p, "start", start);
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "pushVm", p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  JsonObject *o = json_node_get_object(result);
  bvm_cli_print_notes(o);
  g_autofree char *sent = g_format_size((guint64)bvm_cli_int(o, "diskSent", 0));
  g_autofree char *alloc = g_format_size((guint64)bvm_cli_int(o, "diskAllocated", 0));
  g_autofree char *size = g_format_size((guint64)bvm_cli_int(o, "diskSize", 0));
  printf("Pushed VM '%s' to %s as domain '%s'%s (disk %s: %s sent, %s allocated, a %s file)\n",
         argv[1], bvm_cli_str(o, "uri"), bvm_cli_str(o, "name"),
         bvm_cli_bool(o, "started") ? ", started" : "", bvm_cli_str(o, "diskPath"), sent, alloc,
         size);
  return BVM_EXIT_OK;
}
