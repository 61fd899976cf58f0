#include "qmp.h"
#include "error.h"
#include "jsonstream.h"

#include <string.h>

/* Events kept while a reply is awaited; the oldest go first past this. */
#define EVENT_QUEUE_MAX 256

struct BvmQmp {
  BvmJsonStream *stream;
  GQueue events;
  guint next_id;
  char *version;
};

void bvm_qmp_free(BvmQmp *qmp)
{
  if (qmp == NULL)
    return;
  bvm_json_stream_free(qmp->stream);
  g_queue_clear_full(&qmp->events, (GDestroyNotify)json_node_unref);
  g_free(qmp->version);
  g_free(qmp);
}

static void queue_event(BvmQmp *qmp, JsonNode *event)
{
  if (g_queue_get_length(&qmp->events) >= EVENT_QUEUE_MAX)
    json_node_unref(g_queue_pop_head(&qmp->events));
  g_queue_push_tail(&qmp->events, event);
}

static JsonNode *await_reply(BvmQmp *qmp, const char *command, guint id, gint64 deadline,
                             GError **error)
{
  for (;;) {
    g_autoptr(JsonNode) msg = bvm_json_stream_read_object(qmp->stream, deadline, error);
    if (msg == NULL)
      return NULL;
    JsonObject *o = json_node_get_object(msg);
    if (json_object_has_member(o, "event")) {
      queue_event(qmp, g_steal_pointer(&msg));
      continue;
    }
    /* Replies without our id (none should come) are skipped. */
    if (json_object_has_member(o, "id")) {
      JsonNode *idn = json_object_get_member(o, "id");
      if (!JSON_NODE_HOLDS_VALUE(idn) || json_node_get_value_type(idn) != G_TYPE_INT64 ||
          (guint)json_node_get_int(idn) != id)
        continue;
    }
    const char *desc = bvm_json_reply_error(o);
    if (desc != NULL) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "QEMU refused %s: %s", command, desc);
      return NULL;
    }
    JsonNode *ret = json_object_get_member(o, "return");
    if (ret == NULL) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "QEMU's reply to %s has no return",
                  command);
      return NULL;
    }
    return json_node_copy(ret);
  }
}

JsonNode *bvm_qmp_execute(BvmQmp *qmp, const char *command, JsonNode *arguments, guint timeout_ms,
                          GError **error)
{
  g_return_val_if_fail(qmp != NULL && command != NULL, NULL);
  gint64 deadline = bvm_deadline_in(timeout_ms);
  guint id = ++qmp->next_id;
  if (!bvm_json_stream_send_command(qmp->stream, command, arguments, id, deadline, error))
    return NULL;
  return await_reply(qmp, command, id, deadline, error);
}

BvmQmp *bvm_qmp_connect(const char *socket_path, guint timeout_ms, GError **error)
{
  gint64 deadline = bvm_deadline_in(timeout_ms);
  BvmJsonStream *s = bvm_json_stream_connect(socket_path, "QEMU", timeout_ms, error);
  if (s == NULL)
    return NULL;
  g_autoptr(BvmQmp) qmp = g_new0(BvmQmp, 1);
  qmp->stream = s;
  g_queue_init(&qmp->events);
  g_autoptr(JsonNode) greeting = bvm_json_stream_read_object(s, deadline, error);
  if (greeting == NULL)
    return NULL;
  JsonObject *g = json_node_get_object(greeting);
  JsonNode *qn = json_object_get_member(g, "QMP");
  if (qn == NULL || !JSON_NODE_HOLDS_OBJECT(qn)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "%s is not a QMP socket", socket_path);
    return NULL;
  }
  JsonObject *ver = json_object_has_member(json_node_get_object(qn), "version")
                        ? json_object_get_object_member(json_node_get_object(qn), "version")
                        : NULL;
  JsonObject *q = ver && json_object_has_member(ver, "qemu")
                      ? json_object_get_object_member(ver, "qemu")
                      : NULL;
  if (q != NULL)
    qmp->version = g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                   json_object_get_int_member_with_default(q, "major", 0),
                                   json_object_get_int_member_with_default(q, "minor", 0),
                                   json_object_get_int_member_with_default(q, "micro", 0));
  gint64 left = (deadline - g_get_monotonic_time()) / 1000;
  g_autoptr(JsonNode) r =
      bvm_qmp_execute(qmp, "qmp_capabilities", NULL, (guint)MAX(left, 1), error);
  if (r == NULL)
    return NULL;
  return g_steal_pointer(&qmp);
}

const char *bvm_qmp_get_version(BvmQmp *qmp)
{
  return qmp->version;
}

JsonNode *bvm_qmp_next_event(BvmQmp *qmp, guint timeout_ms, GError **error)
{
  if (!g_queue_is_empty(&qmp->events))
    return g_queue_pop_head(&qmp->events);
  gint64 deadline = bvm_deadline_in(timeout_ms);
  for (;;) {
    JsonNode *msg = bvm_json_stream_read_object(qmp->stream, deadline, error);
    if (msg == NULL)
      return NULL;
    if (json_object_has_member(json_node_get_object(msg), "event"))
      return msg;
    json_node_unref(msg); /* a stray reply */
  }
}

gboolean bvm_qmp_has_pending_event(BvmQmp *qmp)
{
  return !g_queue_is_empty(&qmp->events) || bvm_json_stream_has_buffered_line(qmp->stream);
}

int bvm_qmp_get_fd(BvmQmp *qmp)
{
  return qmp->stream->fd;
}
