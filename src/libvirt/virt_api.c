#include "virt_api.h"
#include "api.h"
#include "bundle.h"
#include "caps.h"
#include "error.h"
#include "registry.h"
#include "remotes.h"
#include "virt.h"

#include <string.h>

/* [{"name", "uri", "domains": [...]}] or, for one that does not answer,
 * {"name", "uri", "error"}: one remote never fails the listing. */
static JsonNode *op_list_remotes(const char *library, JsonObject *p, GError **error)
{
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, error);
  if (list == NULL)
    return NULL;
  g_autoptr(JsonArray) out = json_array_new();
  for (guint i = 0; i < list->len; i++) {
    const BvmRemote *r = list->pdata[i];
    g_autoptr(GError) e = NULL;
    JsonNode *doms = bvm_remote_domains(r->uri, r->name, &e);
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "name", r->name);
    json_object_set_string_member(o, "uri", r->uri);
    if (doms != NULL)
      json_object_set_member(o, "domains", doms);
    else
      json_object_set_string_member(o, "error", e->message);
    json_array_add_object_element(out, o);
  }
  return json_node_init_array(json_node_alloc(), out);
}

static JsonNode *remote_json(const char *name, const char *uri)
{
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "name", name);
  json_object_set_string_member(o, "uri", uri);
  return json_node_init_object(json_node_alloc(), o);
}

static JsonNode *op_add_remote(const char *library, JsonObject *p, GError **error)
{
  const char *name = NULL, *uri = NULL;
  if (!bvm_api_param_string(p, "name", TRUE, &name, error) ||
      !bvm_api_param_string(p, "uri", TRUE, &uri, error) ||
      !bvm_remotes_add(library, name, uri, error))
    return NULL;
  return remote_json(name, uri);
}

static JsonNode *op_remove_remote(const char *library, JsonObject *p, GError **error)
{
  const char *name = NULL;
  if (!bvm_api_param_string(p, "name", TRUE, &name, error))
    return NULL;
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, error);
  const BvmRemote *r = list ? bvm_remotes_find(list, name) : NULL;
  g_autofree char *uri = r ? g_strdup(r->uri) : NULL;
  if (list == NULL || !bvm_remotes_remove(library, name, error))
    return NULL;
  return remote_json(name, uri);
}

static JsonNode *op_remote_action(const char *library, JsonObject *p, GError **error)
{
  const char *remote = NULL, *domain = NULL, *action = NULL;
  if (!bvm_api_param_string(p, "remote", TRUE, &remote, error) ||
      !bvm_api_param_string(p, "domain", TRUE, &domain, error) ||
      !bvm_api_param_string(p, "action", TRUE, &action, error))
    return NULL;
  BvmRemoteAction a;
  if (strcmp(action, "start") == 0)
    a = BVM_REMOTE_START;
  else if (strcmp(action, "stop") == 0)
    a = BVM_REMOTE_STOP;
  else if (strcmp(action, "kill") == 0)
    a = BVM_REMOTE_KILL;
  else {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "parameter 'action' must be start, stop or kill, not '%s'", action);
    return NULL;
  }
  gint64 timeout = 60;
  gboolean force = FALSE;
  if (json_object_has_member(p, "timeoutSeconds"))
    timeout = json_object_get_int_member(p, "timeoutSeconds");
  if (json_object_has_member(p, "force"))
    force = json_object_get_boolean_member(p, "force");
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, error);
  if (list == NULL)
    return NULL;
  const BvmRemote *r = bvm_remotes_find(list, remote);
  if (r == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
                "no remote named '%s' (listRemotes shows them)", remote);
    return NULL;
  }
  if (!bvm_remote_act(r->uri, domain, a, (int)CLAMP(timeout, 1, 3600), force, error))
    return NULL;
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "remote", remote);
  json_object_set_string_member(o, "domain", domain);
  json_object_set_string_member(o, "action", action);
  return json_node_init_object(json_node_alloc(), o);
}

/* A URI as given, or the URI of the remote so named. */
static char *uri_of(const char *library, const char *name_or_uri, GError **error)
{
  if (strstr(name_or_uri, "://") != NULL)
    return g_strdup(name_or_uri);
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, error);
  if (list == NULL)
    return NULL;
  const BvmRemote *r = bvm_remotes_find(list, name_or_uri);
  if (r == NULL) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
        "'%s' is neither a libvirt URI nor a remote: give a URI such as qemu+ssh://user@host/system or add it (bridgevm remote add %s URI)",
        name_or_uri, name_or_uri);
    return NULL;
  }
  return g_strdup(r->uri);
}

static void upload_progress(const char *what, guint64 sent, guint64 total, gpointer data)
{
  g_autofree char *s = g_format_size(sent), *t = g_format_size(total);
  g_autofree char *step = g_strdup_printf("uploading the %s: %s of %s", what, s, t);
  bvm_api_progress(step);
}

static JsonNode *op_push_vm(const char *library, JsonObject *p, GError **error)
{
  const char *vm = NULL, *to = NULL, *name = NULL, *pool = NULL;
  if (!bvm_api_param_string(p, "vm", TRUE, &vm, error) ||
      !bvm_api_param_string(p, "uri", TRUE, &to, error) ||
      !bvm_api_param_string(p, "name", FALSE, &name, error) ||
      !bvm_api_param_string(p, "pool", FALSE, &pool, error))
    return NULL;
  gboolean start = json_object_has_member(p, "start") && json_object_get_boolean_member(p, "start");
  g_autofree char *uri = uri_of(library, to, error);
  if (uri == NULL)
    return NULL;
  g_autoptr(BvmVmEntry) e = bvm_registry_find(library, vm, error);
  if (e == NULL)
    return NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  if (!bvm_bundle_check_stopped(e->config, paths, "push it", error))
    return NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(FALSE, error);
  if (caps == NULL)
    return NULL;
  BvmVirtPushOptions opts = {uri, name, pool, start, upload_progress, NULL};
  g_autoptr(BvmVirtPushResult) r = bvm_virt_push(e->config, paths, caps, &opts, error);
  return r ? bvm_virt_push_result_to_json(r, uri) : NULL;
}

static JsonNode *op_import_vm(const char *library, JsonObject *p, GError **error)
{
  const char *from = NULL, *domain = NULL, *name = NULL;
  if (!bvm_api_param_string(p, "uri", TRUE, &from, error) ||
      !bvm_api_param_string(p, "domain", TRUE, &domain, error) ||
      !bvm_api_param_string(p, "name", FALSE, &name, error))
    return NULL;
  g_autofree char *uri = uri_of(library, from, error);
  if (uri == NULL)
    return NULL;
  bvm_api_progress("downloading the disk and the UEFI variables");
  BvmVirtImportOptions opts = {uri, domain, name, library};
  g_autoptr(BvmVirtImportResult) r = bvm_virt_import(&opts, error);
  return r ? bvm_virt_import_result_to_json(r, uri) : NULL;
}

static const BvmApiExtension virt_ops[] = {
    {{"pushVm", "Define a stopped VM on a libvirt host: disk and UEFI variables uploaded"},
     op_push_vm},
    {{"importVm", "Make a VM from a shut-off libvirt domain: disk and UEFI variables downloaded"},
     op_import_vm},
    {{"listRemotes", "Each remote libvirt host with its domains (name, state, vCPUs, memory)"},
     op_list_remotes},
    {{"addRemote", "Keep a libvirt host beside the library: a name and a URI, no secrets"},
     op_add_remote},
    {{"removeRemote", "Forget a remote libvirt host"}, op_remove_remote},
    {{"remoteAction", "Start, stop (ACPI) or kill a domain of a remote"}, op_remote_action},
};

void bvm_virt_api_register(void)
{
  bvm_api_add_extensions(virt_ops, G_N_ELEMENTS(virt_ops));
}
