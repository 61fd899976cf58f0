/* bridgevm remote add NAME URI | list | remove NAME: libvirt hosts beside
 * the library; and what list --all and start/stop/kill VM@REMOTE ask of
 * them. Through the API's libvirt operations (src/libvirt/virt_api.c:
 * addRemote, removeRemote, listRemotes, remoteAction), registered when
 * bridgevm is built with libvirt. */
#include "cli.h"
#include "error.h"
#include "registry.h"

#include <stdio.h>
#include <string.h>

int bvm_cli_without_libvirt(void)
{
  g_autoptr(GError) error = g_error_new(
      BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
      "this bridgevm was built without libvirt: install libvirt-dev (scripts/install-deps) and rebuild");
  return bvm_cli_fail(error);
}

static JsonObject *params_of(const char *key, const char *value)
{
  JsonObject *p = json_object_new();
  json_object_set_string_member(p, key, value);
  return p;
}

int bvm_cmd_remote(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("remote", "add NAME URI | list | remove NAME",
                     "Keep libvirt hosts beside the library: list --all shows their domains, "
                     "start/stop/kill take VM@NAME, push and import take NAME for its URI. Only "
                     "the name and the URI are stored; credentials stay libvirt's (ssh keys, TLS "
                     "certificates).",
                     NULL, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return bvm_cli_usage("remote", "say add, list or remove");
#ifndef BVM_HAVE_LIBVIRT
  return bvm_cli_without_libvirt();
#endif
  const char *sub = argv[1];
  g_autoptr(JsonNode) result = NULL;
  if (strcmp(sub, "add") == 0 && argc == 4) {
    JsonObject *p = params_of("name", argv[2]);
    json_object_set_string_member(p, "uri", argv[3]);
    status = bvm_cli_call(&common, "addRemote", p, &result);
    if (status == BVM_EXIT_OK && !common.json)
      printf("Added remote '%s' (%s)\n", argv[2], argv[3]);
  } else if (strcmp(sub, "remove") == 0 && argc == 3) {
    status = bvm_cli_call(&common, "removeRemote", params_of("name", argv[2]), &result);
    if (status == BVM_EXIT_OK && !common.json)
      printf("Removed remote '%s'\n", argv[2]);
  } else if (strcmp(sub, "list") == 0 && argc == 2) {
    status = bvm_cli_call(&common, "listRemotes", NULL, &result);
    if (status == BVM_EXIT_OK && !common.json) {
      JsonArray *a = json_node_get_array(result);
      for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *r = json_array_get_object_element(a, i);
        printf("%-16s %s%s\n", bvm_cli_str(r, "name"), bvm_cli_str(r, "uri"),
               bvm_cli_str(r, "error") ? "  (unreachable)" : "");
      }
      if (json_array_get_length(a) == 0)
        printf("No remotes. Add one with: bridgevm remote add NAME qemu+ssh://user@host/system\n");
    }
  } else {
    return bvm_cli_usage("remote", "say add NAME URI, list or remove NAME");
  }
  if (status == BVM_EXIT_OK && common.json)
    bvm_cli_print_json(result);
  return status;
}

gboolean bvm_cli_remote_lifecycle(BvmCliCommon *common, const char *verb, const char *target,
                                  int timeout_s, gboolean force, int *out_status)
{
#ifndef BVM_HAVE_LIBVIRT
  return FALSE;
#endif
  const char *at = strrchr(target, '@');
  if (at == NULL || at == target || at[1] == '\0')
    return FALSE;
  g_autofree char *library = bvm_cli_library(common);
  /* a local VM of that very name wins */
  g_autoptr(BvmVmEntry) local = bvm_registry_find(library, target, NULL);
  if (local != NULL)
    return FALSE;
  g_autofree char *domain = g_strndup(target, (gsize)(at - target));
  JsonObject *p = params_of("remote", at + 1);
  json_object_set_string_member(p, "domain", domain);
  json_object_set_string_member(p, "action", verb);
  json_object_set_int_member(p, "timeoutSeconds", MAX(timeout_s, 1));
  json_object_set_boolean_member(p, "force", force);
  g_autoptr(JsonNode) result = NULL;
  *out_status = bvm_cli_call(common, "remoteAction", p, &result);
  if (*out_status != BVM_EXIT_OK)
    return TRUE;
  if (common->json)
    bvm_cli_print_json(result);
  else
    printf("%s domain '%s' on remote '%s'\n",
           strcmp(verb, "start") == 0  ? "Started"
           : strcmp(verb, "stop") == 0 ? "Stopped"
                                       : "Killed",
           domain, at + 1);
  return TRUE;
}
