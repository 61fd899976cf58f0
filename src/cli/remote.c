/* bridgevm remote add NAME URI | list | remove NAME: libvirt hosts beside
 * the library (src/libvirt/remotes.c); and what list --all and
 * start/stop/kill VM@REMOTE ask of them. Outside the API dispatcher, as
 * push is. */
#include "cli.h"
#include "error.h"
#include "registry.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#ifdef BVM_HAVE_LIBVIRT
#include "remotes.h"
#endif

int bvm_cli_without_libvirt(void)
{
  g_autoptr(GError) error =
      g_error_new(BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
                  "this bridgevm was built without libvirt: install libvirt-dev "
                  "(scripts/install-deps) and rebuild");
  return bvm_cli_fail(error);
}

int bvm_cmd_remote(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("remote", "add NAME URI | list | remove NAME",
                     "Keep libvirt hosts beside the library: list --all shows their domains, "
                     "start/stop/kill take VM@NAME. Only the name and the URI are stored; "
                     "credentials stay libvirt's (ssh keys, TLS certificates).",
                     NULL, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return bvm_cli_usage("remote", "say add, list or remove");
#ifdef BVM_HAVE_LIBVIRT
  g_autofree char *library = bvm_cli_library(&common);
  g_autoptr(GError) error = NULL;
  const char *sub = argv[1];
  if (strcmp(sub, "add") == 0 && argc == 4) {
    if (!bvm_remotes_add(library, argv[2], argv[3], &error))
      return bvm_cli_fail(error);
    if (!common.json)
      printf("Added remote '%s' (%s)\n", argv[2], argv[3]);
    return BVM_EXIT_OK;
  }
  if (strcmp(sub, "remove") == 0 && argc == 3) {
    if (!bvm_remotes_remove(library, argv[2], &error))
      return bvm_cli_fail(error);
    if (!common.json)
      printf("Removed remote '%s'\n", argv[2]);
    return BVM_EXIT_OK;
  }
  if (strcmp(sub, "list") == 0 && argc == 2) {
    g_autoptr(GPtrArray) list = bvm_remotes_load(library, &error);
    if (list == NULL)
      return bvm_cli_fail(error);
    g_autoptr(JsonNode) n = bvm_remotes_to_json(list);
    for (guint i = 0; i < list->len && !common.json; i++) {
      const BvmRemote *r = list->pdata[i];
      printf("%-16s %s\n", r->name, r->uri);
    }
    if (common.json)
      bvm_cli_print_json(n);
    else if (list->len == 0)
      printf("No remotes. Add one with: bridgevm remote add NAME qemu+ssh://user@host/system\n");
    return BVM_EXIT_OK;
  }
  return bvm_cli_usage("remote", "say add NAME URI, list or remove NAME");
#else
  return bvm_cli_without_libvirt();
#endif
}

char *bvm_cli_remote_uri(BvmCliCommon *common, const char *name_or_uri, int *out_status)
{
  if (strstr(name_or_uri, "://") != NULL)
    return g_strdup(name_or_uri);
  g_autoptr(GError) error = NULL;
#ifdef BVM_HAVE_LIBVIRT
  g_autofree char *library = bvm_cli_library(common);
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, &error);
  const BvmRemote *r = list ? bvm_remotes_find(list, name_or_uri) : NULL;
  if (r != NULL)
    return g_strdup(r->uri);
  if (list != NULL)
    g_set_error(
        &error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
        "'%s' is neither a libvirt URI nor a remote: give a URI such as qemu+ssh://user@host/system or add it (bridgevm remote add %s URI)",
        name_or_uri, name_or_uri);
#else
  g_set_error(&error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING, "built without libvirt");
#endif
  *out_status = bvm_cli_fail(error);
  return NULL;
}

gboolean bvm_cli_remote_lifecycle(BvmCliCommon *common, const char *verb, const char *target,
                                  int timeout_s, gboolean force, int *out_status)
{
  const char *at = strrchr(target, '@');
  if (at == NULL || at == target || at[1] == '\0')
    return FALSE;
  g_autofree char *library = bvm_cli_library(common);
  /* a local VM of that very name wins */
  g_autoptr(BvmVmEntry) local = bvm_registry_find(library, target, NULL);
  if (local != NULL)
    return FALSE;
#ifdef BVM_HAVE_LIBVIRT
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, &error);
  const BvmRemote *r = list ? bvm_remotes_find(list, at + 1) : NULL;
  if (r == NULL)
    return FALSE;
  g_autofree char *domain = g_strndup(target, (gsize)(at - target));
  BvmRemoteAction action = strcmp(verb, "start") == 0  ? BVM_REMOTE_START
                           : strcmp(verb, "stop") == 0 ? BVM_REMOTE_STOP
                                                       : BVM_REMOTE_KILL;
  if (!bvm_remote_act(r->uri, domain, action, timeout_s, force, &error)) {
    *out_status = bvm_cli_fail(error);
    return TRUE;
  }
  if (!common->json)
    printf("%s domain '%s' on remote '%s'\n",
           action == BVM_REMOTE_START  ? "Started"
           : action == BVM_REMOTE_STOP ? "Stopped"
                                       : "Killed",
           domain, r->name);
  else
    printf("{\"name\": \"%s\", \"remote\": \"%s\", \"done\": \"%s\"}\n", domain, r->name, verb);
  *out_status = BVM_EXIT_OK;
  return TRUE;
#else
  (void)verb;
  (void)timeout_s;
  (void)force;
  (void)out_status;
  return FALSE;
#endif
}

JsonNode *bvm_cli_remote_domains(BvmCliCommon *common)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
#ifdef BVM_HAVE_LIBVIRT
  g_autofree char *library = bvm_cli_library(common);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = bvm_remotes_load(library, &error);
  if (list == NULL)
    bvm_cli_notice(error->message);
  for (guint i = 0; list && i < list->len; i++) {
    const BvmRemote *r = list->pdata[i];
    g_autoptr(GError) e = NULL;
    g_autoptr(JsonNode) doms = bvm_remote_domains(r->uri, r->name, &e);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "remote");
    json_builder_add_string_value(b, r->name);
    json_builder_set_member_name(b, "uri");
    json_builder_add_string_value(b, r->uri);
    json_builder_set_member_name(b, doms ? "domains" : "error");
    if (doms)
      json_builder_add_value(b, g_steal_pointer(&doms));
    else
      json_builder_add_string_value(b, e->message);
    json_builder_end_object(b);
  }
#endif
  json_builder_end_array(b);
  return json_builder_get_root(b);
}
