#include "guest_agent.h"
#include "error.h"
#include "jsonstream.h"

#include <string.h>

struct BvmAgent {
  BvmJsonStream *stream;
  char *path;
};

void bvm_agent_free(BvmAgent *a)
{
  if (a == NULL)
    return;
  bvm_json_stream_free(a->stream);
  g_free(a->path);
  g_free(a);
}

static gboolean send_command(BvmAgent *a, const char *command, JsonNode *arguments, gint64 deadline,
                             GError **error)
{
  return bvm_json_stream_send_command(a->stream, command, arguments, -1, deadline, error);
}

static void not_answering(BvmAgent *a, GError **error)
{
  g_set_error(
      error, BVM_ERROR, BVM_ERROR_TIMEOUT,
      "guest agent not answering on %s: is qemu-guest-agent installed and running in the guest?",
      a->path);
}

static JsonNode *read_reply(BvmAgent *a, const char *command, gint64 deadline, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) msg = bvm_json_stream_read_object(a->stream, deadline, &local);
  if (msg == NULL) {
    if (g_error_matches(local, BVM_ERROR, BVM_ERROR_TIMEOUT))
      not_answering(a, error);
    else
      g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  JsonObject *o = json_node_get_object(msg);
  const char *desc = bvm_json_reply_error(o);
  if (desc != NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "guest agent refused %s: %s", command,
                desc);
    return NULL;
  }
  JsonNode *ret = json_object_get_member(o, "return");
  if (ret == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "the guest agent's reply to %s has no return", command);
    return NULL;
  }
  return json_node_copy(ret);
}

BvmAgent *bvm_agent_connect(const char *socket_path, guint timeout_ms, GError **error)
{
  gint64 deadline = bvm_deadline_in(timeout_ms);
  BvmJsonStream *s = bvm_json_stream_connect(socket_path, "the guest agent", timeout_ms, error);
  if (s == NULL)
    return NULL;
  g_autoptr(BvmAgent) a = g_new0(BvmAgent, 1);
  a->stream = s;
  a->path = g_strdup(socket_path);
  /* A previous client may have left a reply in the channel: sync with a
   * fresh id. The agent answers with a 0xFF byte first, so everything
   * before it is stale and dropped. */
  gint64 id = g_random_int_range(1, G_MAXINT32);
  g_autoptr(JsonNode) args = json_node_new(JSON_NODE_OBJECT);
  JsonObject *ao = json_object_new();
  json_object_set_int_member(ao, "id", id);
  json_node_take_object(args, ao);
  if (!send_command(a, "guest-sync-delimited", args, deadline, error))
    return NULL;
  for (;;) {
    g_autoptr(GError) local = NULL;
    g_autofree char *junk = bvm_json_stream_read_until(s, '\xff', deadline, &local);
    if (junk == NULL) {
      if (g_error_matches(local, BVM_ERROR, BVM_ERROR_TIMEOUT))
        not_answering(a, error);
      else
        g_propagate_error(error, g_steal_pointer(&local));
      return NULL;
    }
    g_autoptr(JsonNode) ret = read_reply(a, "guest-sync-delimited", deadline, error);
    if (ret == NULL)
      return NULL;
    if (JSON_NODE_HOLDS_VALUE(ret) && json_node_get_value_type(ret) == G_TYPE_INT64 &&
        json_node_get_int(ret) == id)
      return g_steal_pointer(&a);
    /* An older sync's answer: keep reading for ours. */
  }
}

JsonNode *bvm_agent_execute(BvmAgent *a, const char *command, JsonNode *arguments, guint timeout_ms,
                            GError **error)
{
  gint64 deadline = bvm_deadline_in(timeout_ms);
  if (!send_command(a, command, arguments, deadline, error))
    return NULL;
  return read_reply(a, command, deadline, error);
}

gboolean bvm_agent_ping(BvmAgent *a, guint timeout_ms, GError **error)
{
  g_autoptr(JsonNode) r = bvm_agent_execute(a, "guest-ping", NULL, timeout_ms, error);
  return r != NULL;
}

gboolean bvm_agent_shutdown(BvmAgent *a, const char *mode, GError **error)
{
  g_autoptr(JsonNode) args = json_node_new(JSON_NODE_OBJECT);
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "mode", mode);
  json_node_take_object(args, o);
  return send_command(a, "guest-shutdown", args, bvm_deadline_in(2000), error);
}

gboolean bvm_agent_exec(BvmAgent *a, const char *path, const char *const *args, guint timeout_ms,
                        gint64 *out_pid, GError **error)
{
  g_return_val_if_fail(path != NULL, FALSE);
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "path");
  json_builder_add_string_value(b, path);
  json_builder_set_member_name(b, "arg");
  json_builder_begin_array(b);
  for (const char *const *arg = args; arg != NULL && *arg != NULL; arg++)
    json_builder_add_string_value(b, *arg);
  json_builder_end_array(b);
  json_builder_set_member_name(b, "capture-output");
  json_builder_add_boolean_value(b, FALSE);
  json_builder_end_object(b);
  g_autoptr(JsonNode) arguments = json_builder_get_root(b);
  g_autoptr(JsonNode) ret = bvm_agent_execute(a, "guest-exec", arguments, timeout_ms, error);
  if (ret == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT(ret) || !json_object_has_member(json_node_get_object(ret), "pid")) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "the guest agent's reply to guest-exec of %s has no pid", path);
    return FALSE;
  }
  if (out_pid != NULL)
    *out_pid = json_object_get_int_member(json_node_get_object(ret), "pid");
  return TRUE;
}

JsonNode *bvm_agent_info(BvmAgent *a, guint timeout_ms, GError **error)
{
  return bvm_agent_execute(a, "guest-info", NULL, timeout_ms, error);
}

JsonNode *bvm_agent_osinfo(BvmAgent *a, guint timeout_ms, GError **error)
{
  return bvm_agent_execute(a, "guest-get-osinfo", NULL, timeout_ms, error);
}

JsonNode *bvm_agent_hostname(BvmAgent *a, guint timeout_ms, GError **error)
{
  return bvm_agent_execute(a, "guest-get-host-name", NULL, timeout_ms, error);
}

JsonNode *bvm_agent_network(BvmAgent *a, guint timeout_ms, GError **error)
{
  return bvm_agent_execute(a, "guest-network-get-interfaces", NULL, timeout_ms, error);
}
