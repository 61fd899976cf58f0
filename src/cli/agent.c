#include "cli.h"
#include "error.h"

#include <stdio.h>
#include <string.h>

#define AGENT_TIMEOUT_MS 5000

static void print_network(JsonNode *node)
{
  JsonArray *ifaces = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
  for (guint i = 0; ifaces && i < json_array_get_length(ifaces); i++) {
    JsonObject *it = json_array_get_object_element(ifaces, i);
    printf("%s", json_object_get_string_member_with_default(it, "name", "?"));
    const char *mac = json_object_get_string_member_with_default(it, "hardware-address", NULL);
    if (mac != NULL)
      printf(" %s", mac);
    JsonArray *addrs = json_object_has_member(it, "ip-addresses")
                           ? json_object_get_array_member(it, "ip-addresses")
                           : NULL;
    for (guint j = 0; addrs && j < json_array_get_length(addrs); j++) {
      JsonObject *a = json_array_get_object_element(addrs, j);
      printf(" %s/%" G_GINT64_FORMAT,
             json_object_get_string_member_with_default(a, "ip-address", "?"),
             json_object_get_int_member_with_default(a, "prefix", 0));
    }
    printf("\n");
  }
}

static void print_object(JsonNode *node)
{
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    bvm_cli_print_json(node);
    return;
  }
  JsonObject *o = json_node_get_object(node);
  g_autoptr(GList) members = json_object_get_members(o);
  for (GList *l = members; l; l = l->next) {
    JsonNode *v = json_object_get_member(o, l->data);
    if (JSON_NODE_HOLDS_VALUE(v)) {
      g_autofree char *text = json_to_string(v, FALSE);
      printf("%-16s %s\n", (const char *)l->data,
             json_node_get_value_type(v) == G_TYPE_STRING ? json_node_get_string(v) : text);
    }
  }
}

int bvm_cmd_agent(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int timeout = AGENT_TIMEOUT_MS / 1000;
  const GOptionEntry entries[] = {{"timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
                                   "Seconds to wait for the agent (default 5)", "S"},
                                  G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("agent", "VM ping|info|osinfo|hostname|network",
                     "Ask the QEMU guest agent inside a running VM.", entries, TRUE, &common, &argc,
                     &argv, &status))
    return status;
  if (argc != 3)
    return bvm_cli_usage("agent", "give a VM and one of ping, info, osinfo, hostname, network");
  const char *what = argv[2];
  static const char *const known[] = {"ping", "info", "osinfo", "hostname", "network", NULL};
  if (!g_strv_contains(known, what))
    return bvm_cli_usage("agent",
                         "unknown agent call '%s': use ping, info, osinfo, hostname "
                         "or network",
                         what);
  if (timeout < 1)
    return bvm_cli_usage("agent", "--timeout must be at least 1 second");
  JsonObject *p = bvm_cli_vm_params(argv[1]);
  json_object_set_string_member(p, "call", what);
  json_object_set_int_member(p, "timeoutSeconds", timeout);
  g_autoptr(JsonNode) reply = NULL;
  status = bvm_cli_call(&common, "agent", p, &reply);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(reply);
  } else if (strcmp(what, "ping") == 0) {
    /* the answer is {"ok": true}: the text names the VM as showVm does */
    g_autoptr(JsonNode) vm = NULL;
    status = bvm_cli_call(&common, "showVm", bvm_cli_vm_params(argv[1]), &vm);
    if (status != BVM_EXIT_OK)
      return status;
    printf("the guest agent of '%s' answers\n", bvm_cli_str(json_node_get_object(vm), "name"));
  } else if (strcmp(what, "network") == 0) {
    print_network(reply);
  } else if (strcmp(what, "info") == 0) {
    printf("qemu-guest-agent %s\n",
           json_object_get_string_member_with_default(json_node_get_object(reply), "version", "?"));
  } else {
    print_object(reply);
  }
  return BVM_EXIT_OK;
}
