/* bridgevm push VM URI [--name NAME] [--pool POOL] [--start]: the VM
 * defined on a libvirt host (src/libvirt/push.c). Outside the API
 * dispatcher: libbridgevm depends on GLib only, and the libvirt client is
 * optional (built when meson finds libvirt-dev). */
#include "bundle.h"
#include "caps.h"
#include "cli.h"
#include "error.h"

#include <stdio.h>

#ifdef BVM_HAVE_LIBVIRT
#include "virt.h"

static void progress(const char *what, guint64 sent, guint64 total, gpointer data)
{
  gboolean *json = data;
  if (*json)
    return;
  g_autofree char *s = g_format_size(sent), *t = g_format_size(total);
  fprintf(stderr, "\rUploading the %s: %s of %s", what, s, t);
  if (sent >= total)
    fputc('\n', stderr);
}

static JsonNode *result_json(const BvmVirtPushResult *r, const char *uri)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "name");
  json_builder_add_string_value(b, r->name);
  json_builder_set_member_name(b, "uri");
  json_builder_add_string_value(b, uri);
  json_builder_set_member_name(b, "diskPath");
  json_builder_add_string_value(b, r->disk_path);
  json_builder_set_member_name(b, "diskSize");
  json_builder_add_int_value(b, (gint64)r->disk_size);
  json_builder_set_member_name(b, "diskAllocated");
  json_builder_add_int_value(b, (gint64)r->disk_allocated);
  json_builder_set_member_name(b, "diskSent");
  json_builder_add_int_value(b, (gint64)r->disk_sent);
  json_builder_set_member_name(b, "started");
  json_builder_add_boolean_value(b, r->started);
  json_builder_set_member_name(b, "notes");
  json_builder_begin_array(b);
  for (guint i = 0; i < r->notes->len; i++)
    json_builder_add_string_value(b, r->notes->pdata[i]);
  json_builder_end_array(b);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}
#endif

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
                     "qemu+ssh://user@host/system): its disk and UEFI variables are uploaded into "
                     "a storage pool. A failed push removes what it made.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 3)
    return bvm_cli_usage("push", "give a VM and a libvirt URI or remote");
#ifdef BVM_HAVE_LIBVIRT
  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  g_autofree char *uri = bvm_cli_remote_uri(&common, argv[2], &status);
  if (uri == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  if (!bvm_bundle_check_stopped(e->config, paths, "push it", &error))
    return bvm_cli_fail(error);
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(FALSE, &error);
  if (caps == NULL)
    return bvm_cli_fail(error);
  BvmVirtPushOptions opts = {uri, name, pool, start, progress, &common.json};
  g_autoptr(BvmVirtPushResult) r = bvm_virt_push(e->config, paths, caps, &opts, &error);
  if (r == NULL)
    return bvm_cli_fail(error);
  g_autoptr(JsonNode) result = result_json(r, uri);
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  for (guint i = 0; i < r->notes->len; i++)
    bvm_cli_notice(r->notes->pdata[i]);
  g_autofree char *sent = g_format_size(r->disk_sent), *alloc = g_format_size(r->disk_allocated),
                  *size = g_format_size(r->disk_size);
  printf("Pushed VM '%s' to %s as domain '%s'%s (disk %s: %s sent, %s allocated, a %s file)\n",
         e->config->name, uri, r->name, r->started ? ", started" : "", r->disk_path, sent, alloc,
         size);
  return BVM_EXIT_OK;
#else
  return bvm_cli_without_libvirt();
#endif
}
