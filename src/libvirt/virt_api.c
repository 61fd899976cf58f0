#include "virt_api.h"
#include "api.h"
#include "error.h"
#include "remotes.h"

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

static const BvmApiExtension virt_ops[] = {
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
