#include "remotes.h"
#include "error.h"
#include "util.h"
#include "virt_util.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

void bvm_remote_free(BvmRemote *r)
{
  if (r == NULL)
    return;
  g_free(r->name);
  g_free(r->uri);
  g_free(r);
}

static char *remotes_path(const char *library)
{
  return g_build_filename(library, "remotes.json", NULL);
}

GPtrArray *bvm_remotes_load(const char *library, GError **error)
{
  GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_remote_free);
  g_autofree char *path = remotes_path(library);
  if (!g_file_test(path, G_FILE_TEST_EXISTS))
    return list;
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  JsonNode *root =
      json_parser_load_from_file(parser, path, &local) ? json_parser_get_root(parser) : NULL;
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
  JsonArray *a =
      o && json_object_has_member(o, "remotes") ? json_object_get_array_member(o, "remotes") : NULL;
  if (a == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO,
                "%s is not a list of remotes: %s (fix or remove it)", path,
                local ? local->message : "no \"remotes\" array");
    g_ptr_array_unref(list);
    return NULL;
  }
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *r = json_array_get_object_element(a, i);
    if (r == NULL || !json_object_has_member(r, "name") || !json_object_has_member(r, "uri"))
      continue;
    BvmRemote *remote = g_new0(BvmRemote, 1);
    remote->name = g_strdup(json_object_get_string_member(r, "name"));
    remote->uri = g_strdup(json_object_get_string_member(r, "uri"));
    g_ptr_array_add(list, remote);
  }
  return list;
}

const BvmRemote *bvm_remotes_find(GPtrArray *remotes, const char *name)
{
  for (guint i = 0; i < remotes->len; i++) {
    const BvmRemote *r = remotes->pdata[i];
    if (strcmp(r->name, name) == 0)
      return r;
  }
  return NULL;
}

JsonNode *bvm_remotes_to_json(GPtrArray *remotes)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (guint i = 0; i < remotes->len; i++) {
    const BvmRemote *r = remotes->pdata[i];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, r->name);
    json_builder_set_member_name(b, "uri");
    json_builder_add_string_value(b, r->uri);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  return json_builder_get_root(b);
}

static gboolean save(const char *library, GPtrArray *list, GError **error)
{
  g_autoptr(JsonObject) o = json_object_new();
  json_object_set_member(o, "remotes", bvm_remotes_to_json(list));
  g_autoptr(JsonNode) root = json_node_init_object(json_node_alloc(), o);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_root(gen, root);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  g_autofree char *path = remotes_path(library);
  if (g_mkdir_with_parents(library, 0700) != 0)
    return bvm_virt_fail_errno(error, errno, "cannot make the library %s", library);
  return bvm_file_write_atomic(path, text, -1, 0600, error);
}

gboolean bvm_remotes_add(const char *library, const char *name, const char *uri, GError **error)
{
  gboolean ok_name = *name != '\0' && strlen(name) <= 32;
  for (const char *p = name; ok_name && *p; p++)
    ok_name = g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '.';
  if (!ok_name) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "'%s' cannot name a remote: use 1 to 32 letters, digits, '-', '_' or '.' (it is written VM@%s)",
        name, name);
    return FALSE;
  }
  const char *scheme_end = strstr(uri, "://");
  if (scheme_end == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "'%s' is not a libvirt URI: give one such as qemu+ssh://user@host/system", uri);
    return FALSE;
  }
  /* user:password@host: BridgeVM stores no secrets */
  const char *auth = scheme_end + 3;
  const char *at = strchr(auth, '@');
  const char *slash = strchr(auth, '/');
  if (at != NULL && (slash == NULL || at < slash) && memchr(auth, ':', (gsize)(at - auth))) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "the URI of remote '%s' holds a password: BridgeVM stores no secrets; use ssh keys or an ssh agent (qemu+ssh://user@host/system) or TLS certificates",
        name);
    return FALSE;
  }
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, error);
  if (list == NULL)
    return FALSE;
  if (bvm_remotes_find(list, name) != NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                "a remote named '%s' exists: remove it first (bridgevm remote remove %s)", name,
                name);
    return FALSE;
  }
  BvmRemote *r = g_new0(BvmRemote, 1);
  r->name = g_strdup(name);
  r->uri = g_strdup(uri);
  g_ptr_array_add(list, r);
  return save(library, list, error);
}

gboolean bvm_remotes_remove(const char *library, const char *name, GError **error)
{
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, error);
  if (list == NULL)
    return FALSE;
  for (guint i = 0; i < list->len; i++)
    if (strcmp(((BvmRemote *)list->pdata[i])->name, name) == 0) {
      g_ptr_array_remove_index(list, i);
      return save(library, list, error);
    }
  g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
              "no remote named '%s' (bridgevm remote list shows them)", name);
  return FALSE;
}

static const char *state_word(int state)
{
  switch (state) {
  case VIR_DOMAIN_RUNNING:
    return "running";
  case VIR_DOMAIN_BLOCKED:
    return "running";
  case VIR_DOMAIN_PAUSED:
    return "paused";
  case VIR_DOMAIN_SHUTDOWN:
    return "stopping";
  case VIR_DOMAIN_SHUTOFF:
    return "stopped";
  case VIR_DOMAIN_CRASHED:
    return "crashed";
  case VIR_DOMAIN_PMSUSPENDED:
    return "suspended";
  default:
    return "unknown";
  }
}

static int compare_domains(const void *a, const void *b)
{
  return g_strcmp0(virDomainGetName(*(virDomainPtr const *)a),
                   virDomainGetName(*(virDomainPtr const *)b));
}

JsonNode *bvm_remote_domains(const char *uri, const char *remote, GError **error)
{
  virConnectPtr conn = bvm_virt_connect(uri, error);
  if (conn == NULL)
    return NULL;
  virDomainPtr *doms = NULL;
  int n = virConnectListAllDomains(conn, &doms, 0);
  if (n > 1) /* by name, as the local list */
    qsort(doms, (size_t)n, sizeof(*doms), compare_domains);
  if (n < 0) {
    bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot list the domains at %s", uri);
    virConnectClose(conn);
    return NULL;
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (int i = 0; i < n; i++) {
    virDomainInfo info;
    if (virDomainGetInfo(doms[i], &info) == 0) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "name");
      json_builder_add_string_value(b, virDomainGetName(doms[i]));
      json_builder_set_member_name(b, "remote");
      json_builder_add_string_value(b, remote);
      json_builder_set_member_name(b, "state");
      json_builder_add_string_value(b, state_word(info.state));
      json_builder_set_member_name(b, "cpus");
      json_builder_add_int_value(b, info.nrVirtCpu);
      json_builder_set_member_name(b, "memoryMiB");
      json_builder_add_int_value(b, (gint64)(info.maxMem / 1024));
      json_builder_end_object(b);
    }
    virDomainFree(doms[i]);
  }
  free(doms);
  virResetLastError();
  virConnectClose(conn);
  json_builder_end_array(b);
  return json_builder_get_root(b);
}

gboolean bvm_remote_act(const char *uri, const char *domain, BvmRemoteAction action, int timeout_s,
                        gboolean force, GError **error)
{
  virConnectPtr conn = bvm_virt_connect(uri, error);
  if (conn == NULL)
    return FALSE;
  virDomainPtr dom = virDomainLookupByName(conn, domain);
  gboolean ok = dom != NULL;
  if (!ok)
    bvm_virt_fail(error, BVM_ERROR_NOT_FOUND, "no domain '%s' at %s", domain, uri);
  else if (action == BVM_REMOTE_START)
    ok = virDomainCreate(dom) == 0 || bvm_virt_fail(error, BVM_ERROR_QEMU_FAILED,
                                                    "domain '%s' at %s did not start", domain, uri);
  else if (action == BVM_REMOTE_KILL)
    ok = virDomainDestroy(dom) == 0 ||
         bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot end domain '%s' at %s", domain, uri);
  else if (virDomainShutdown(dom) < 0)
    ok = bvm_virt_fail(error, BVM_ERROR_FAILED, "cannot shut down domain '%s' at %s", domain, uri);
  else {
    /* libvirt's lifecycle events need an event loop: poll the state */
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
    int state = 0;
    while (virDomainGetState(dom, &state, NULL, 0) == 0 && state != VIR_DOMAIN_SHUTOFF &&
           g_get_monotonic_time() < deadline)
      g_usleep(250 * 1000);
    if (state != VIR_DOMAIN_SHUTOFF && force)
      virDomainDestroy(dom);
    else if (state != VIR_DOMAIN_SHUTOFF) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_TIMEOUT,
                  "domain '%s' at %s did not shut down within %d s: use --force to end it", domain,
                  uri, timeout_s);
      ok = FALSE;
    }
  }
  if (dom != NULL)
    virDomainFree(dom);
  virConnectClose(conn);
  return ok;
}
