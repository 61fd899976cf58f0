/* Port forwards and shared folders in the CLI: the flags of `set` (each
 * flag is one API operation: removeForward, removeShare, addForward,
 * addShare; removals first so `--no-forward 8080 --forward tcp:8080:81`
 * moves a forward) and their lines in `show`. */
#include "cli.h"
#include "error.h"
#include "forwards.h"
#include "shares.h"

#include <stdio.h>
#include <string.h>

static int call(BvmCliCommon *common, const char *op, JsonObject *p, JsonNode **io_result)
{
  g_autoptr(JsonNode) result = NULL;
  int status = bvm_cli_call(common, op, p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  g_clear_pointer(io_result, json_node_unref);
  *io_result = g_steal_pointer(&result);
  return BVM_EXIT_OK;
}

/* "8080" (any protocol) or "udp:5353". */
static int no_forward_params(const char *vm, const char *spec, JsonObject **out)
{
  const char *colon = strchr(spec, ':');
  g_autofree char *proto = colon ? g_strndup(spec, (gsize)(colon - spec)) : NULL;
  const char *port = colon ? colon + 1 : spec;
  guint64 v = 0;
  if (proto != NULL && strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
    return bvm_cli_usage("set", "--no-forward takes [tcp:|udp:]HOSTPORT, not '%s'", spec);
  if (!g_ascii_string_to_unsigned(port, 10, 1, 65535, &v, NULL))
    return bvm_cli_usage("set", "--no-forward: '%s' is not a port from 1 to 65535", port);
  *out = bvm_cli_vm_params(vm);
  json_object_set_int_member(*out, "hostPort", (gint64)v);
  if (proto != NULL)
    json_object_set_string_member(*out, "proto", proto);
  return BVM_EXIT_OK;
}

int bvm_cli_set_sharing(BvmCliCommon *common, const char *vm, char **forwards, char **no_forwards,
                        const char *bind, char **shares, char **no_shares, JsonNode **out_result)
{
  int status = BVM_EXIT_OK;
  for (char **s = no_forwards; s != NULL && *s != NULL; s++) {
    JsonObject *p = NULL;
    if ((status = no_forward_params(vm, *s, &p)) != BVM_EXIT_OK ||
        (status = call(common, "removeForward", p, out_result)) != BVM_EXIT_OK)
      return status;
  }
  for (char **s = no_shares; s != NULL && *s != NULL; s++) {
    JsonObject *p = bvm_cli_vm_params(vm);
    json_object_set_string_member(p, "tag", *s);
    if ((status = call(common, "removeShare", p, out_result)) != BVM_EXIT_OK)
      return status;
  }
  for (char **s = forwards; s != NULL && *s != NULL; s++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BvmForward) f = bvm_forward_parse(*s, bind, &error);
    if (f == NULL)
      return bvm_cli_usage("set", "%s", error->message);
    JsonObject *p = bvm_cli_vm_params(vm);
    json_object_set_string_member(p, "proto", bvm_forward_proto_to_string(f->proto));
    json_object_set_int_member(p, "hostPort", f->host_port);
    json_object_set_int_member(p, "guestPort", f->guest_port);
    json_object_set_string_member(p, "bind", f->bind);
    if ((status = call(common, "addForward", p, out_result)) != BVM_EXIT_OK)
      return status;
    if (bvm_forward_is_public(f) && !common->json) {
      g_autofree char *note = g_strdup_printf(
          "host port %u listens on %s: other machines on the network can reach the guest's port %u",
          f->host_port, f->bind, f->guest_port);
      bvm_cli_notice(note);
    }
  }
  for (char **s = shares; s != NULL && *s != NULL; s++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BvmShare) sh = bvm_share_parse(*s, &error);
    if (sh == NULL)
      return bvm_cli_usage("set", "%s", error->message);
    /* relative to where the user is, not where serve runs */
    g_autofree char *abs = g_canonicalize_filename(sh->path, NULL);
    JsonObject *p = bvm_cli_vm_params(vm);
    json_object_set_string_member(p, "path", abs);
    json_object_set_string_member(p, "tag", sh->tag);
    json_object_set_boolean_member(p, "readOnly", sh->read_only);
    if ((status = call(common, "addShare", p, out_result)) != BVM_EXIT_OK)
      return status;
  }
  return BVM_EXIT_OK;
}

void bvm_cli_print_sharing(JsonObject *vm)
{
  JsonArray *fwd =
      json_object_has_member(vm, "forwards") ? json_object_get_array_member(vm, "forwards") : NULL;
  JsonArray *shares =
      json_object_has_member(vm, "shares") ? json_object_get_array_member(vm, "shares") : NULL;
  guint nf = fwd != NULL ? json_array_get_length(fwd) : 0;
  guint ns = shares != NULL ? json_array_get_length(shares) : 0;
  printf("Forwards:      %s\n", nf == 0 ? "(none)" : "");
  for (guint i = 0; i < nf; i++) {
    JsonObject *f = json_array_get_object_element(fwd, i);
    printf("  %s %s:%u -> guest %u%s\n", bvm_cli_str(f, "proto"), bvm_cli_str(f, "bind"),
           (guint)bvm_cli_int(f, "hostPort", 0), (guint)bvm_cli_int(f, "guestPort", 0),
           bvm_cli_bool(f, "public") ? "  (WARNING: reachable from other machines)" : "");
  }
  printf("Shares:        %s\n", ns == 0 ? "(none)" : "");
  for (guint i = 0; i < ns; i++) {
    JsonObject *s = json_array_get_object_element(shares, i);
    printf("  %s: %s%s\n", bvm_cli_str(s, "tag"), bvm_cli_str(s, "path"),
           bvm_cli_bool(s, "readOnly") ? " (read-only)" : "");
    printf("    in the guest: %s\n", bvm_cli_str(s, "mountCommand"));
  }
}
