/* The live parts of `serve`: server-sent events (a VM's state and new log
 * lines) and the VM console (noVNC's WebSocket bridged to QEMU's VNC unix
 * socket: no TCP VNC port ever). */
#include "live.h"
#include "logs.h"
#include "registry.h"
#include "state.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

/* SSE ---------------------------------------------------------------------- */

typedef struct {
  SoupServerMessage *msg;
  char *library;
  char *vm;
  BvmLogSource source;
  gboolean follow_log;
  char *last_state; /* JSON of the last state sent */
  goffset log_offset;
  guint timer;
} EventStream;

static void event_stream_free(EventStream *es)
{
  if (es->timer != 0)
    g_source_remove(es->timer);
  g_free(es->library);
  g_free(es->vm);
  g_free(es->last_state);
  g_object_unref(es->msg);
  g_free(es);
}

static void send_event(EventStream *es, const char *event, const char *data)
{
  GString *chunk = g_string_new(NULL);
  g_string_append_printf(chunk, "event: %s\n", event);
  /* SSE data: one "data:" line per line of payload */
  g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
  for (char **l = lines; *l; l++)
    g_string_append_printf(chunk, "data: %s\n", *l);
  g_string_append_c(chunk, '\n');
  SoupMessageBody *body = soup_server_message_get_response_body(es->msg);
  soup_message_body_append(body, SOUP_MEMORY_TAKE, chunk->str, chunk->len);
  g_string_free(chunk, FALSE);
  soup_server_message_unpause(es->msg);
}

/* Only new bytes, whole lines, valid UTF-8; a rotated log starts over. */
static void poll_log(EventStream *es, const BvmPaths *paths)
{
  const char *path = bvm_log_path(paths, es->source);
  GStatBuf st;
  if (g_stat(path, &st) != 0)
    return;
  if (st.st_size < es->log_offset)
    es->log_offset = 0;
  if (st.st_size == es->log_offset)
    return;
  g_autoptr(GFile) f = g_file_new_for_path(path);
  g_autoptr(GFileInputStream) in = g_file_read(f, NULL, NULL);
  if (in == NULL || !g_seekable_seek(G_SEEKABLE(in), es->log_offset, G_SEEK_SET, NULL, NULL))
    return;
  gsize want = (gsize)MIN(st.st_size - es->log_offset, 256 * 1024);
  g_autofree char *buf = g_malloc(want + 1);
  gsize got = 0;
  if (!g_input_stream_read_all(G_INPUT_STREAM(in), buf, want, &got, NULL, NULL) || got == 0)
    return;
  char *nl = g_strrstr_len(buf, (gssize)got, "\n");
  if (nl == NULL)
    return; /* wait for the end of the line */
  gsize used = (gsize)(nl - buf);
  buf[used] = '\0';
  es->log_offset += (goffset)used + 1;
  g_autofree char *valid = g_utf8_make_valid(buf, -1);
  send_event(es, "log", valid);
}

static gboolean poll_events(gpointer data)
{
  EventStream *es = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmVmEntry) e = bvm_registry_find(es->library, es->vm, &error);
  if (e == NULL) {
    send_event(es, "gone", es->vm);
    return G_SOURCE_CONTINUE;
  }
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_auto(BvmVmStatus) st = {0};
  bvm_vm_status_get(e->config, paths, &st);
  g_autoptr(JsonNode) node = bvm_vm_status_to_json(&st, e->config);
  g_autofree char *state = json_to_string(node, FALSE);
  /* uptime changes every second: compare without it */
  json_object_remove_member(json_node_get_object(node), "uptimeSeconds");
  g_autofree char *key = json_to_string(node, FALSE);
  if (g_strcmp0(key, es->last_state) != 0) {
    g_free(es->last_state);
    es->last_state = g_steal_pointer(&key);
    send_event(es, "state", state);
  }
  if (es->follow_log)
    poll_log(es, paths);
  return G_SOURCE_CONTINUE;
}

static void on_stream_finished(SoupServerMessage *msg, gpointer data)
{
  event_stream_free(data);
}

void bvm_live_start_events(SoupServerMessage *msg, const char *library, GHashTable *query)
{
  const char *vm = query ? g_hash_table_lookup(query, "vm") : NULL;
  const char *source = query ? g_hash_table_lookup(query, "source") : NULL;
  EventStream *es = g_new0(EventStream, 1);
  es->msg = g_object_ref(msg);
  es->library = g_strdup(library);
  es->vm = g_strdup(vm ? vm : "");
  es->follow_log = source != NULL && bvm_log_source_from_string(source, &es->source);
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type(h, "text/event-stream", NULL);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  soup_server_message_set_status(msg, 200, NULL);
  g_signal_connect(msg, "finished", G_CALLBACK(on_stream_finished), es);
  /* A live log starts at its end: history is what vmLogs is for. */
  if (es->follow_log) {
    g_autoptr(BvmVmEntry) e = bvm_registry_find(library, es->vm, NULL);
    if (e != NULL) {
      g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
      GStatBuf st;
      if (g_stat(bvm_log_path(paths, es->source), &st) == 0)
        es->log_offset = st.st_size;
    }
  }
  es->timer = g_timeout_add(500, poll_events, es);
  poll_events(es);
}

/* VNC over WebSocket ---------------------------------------------------------- */

typedef struct {
  SoupWebsocketConnection *ws;
  GSocketConnection *vnc;
  GCancellable *cancel;
  guint8 buf[65536];
} Bridge;

static void bridge_close(Bridge *b)
{
  if (b->cancel == NULL)
    return;
  g_cancellable_cancel(b->cancel);
  g_clear_object(&b->cancel);
  if (soup_websocket_connection_get_state(b->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close(b->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_io_stream_close(G_IO_STREAM(b->vnc), NULL, NULL);
}

static void bridge_free(gpointer data)
{
  Bridge *b = data;
  bridge_close(b);
  g_clear_object(&b->vnc);
  g_free(b);
}

static void on_vnc_read(GObject *source, GAsyncResult *res, gpointer data)
{
  Bridge *b = data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* the bridge is closing; b may be gone */
  if (n <= 0) {
    bridge_close(b);
    return;
  }
  soup_websocket_connection_send_binary(b->ws, b->buf, (gsize)n);
  g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(b->vnc)), b->buf,
                            sizeof b->buf, G_PRIORITY_DEFAULT, b->cancel, on_vnc_read, b);
}

static void on_ws_message(SoupWebsocketConnection *ws, int type, GBytes *message, gpointer data)
{
  Bridge *b = data;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data(message, &len);
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(b->vnc));
  if (!g_output_stream_write_all(out, bytes, len, NULL, NULL, NULL))
    bridge_close(b);
}

static gboolean drop_connection(gpointer ws)
{
  g_object_unref(ws); /* frees the bridge with it */
  return G_SOURCE_REMOVE;
}

static void on_ws_closed(SoupWebsocketConnection *ws, gpointer data)
{
  bridge_close(data);
  /* not from inside its own signal */
  g_idle_add(drop_connection, ws);
}

void bvm_live_bridge_vnc(SoupWebsocketConnection *ws, const char *vnc_socket)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(vnc_socket);
  g_autoptr(GError) error = NULL;
  GSocketConnection *vnc =
      g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, &error);
  if (vnc == NULL) {
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                    "the VM's screen is not reachable: is it running headless?");
    return;
  }
  Bridge *b = g_new0(Bridge, 1);
  /* libsoup lets go of the connection when this callback returns: hold it
   * until it closes. It owns the bridge (freed with it). */
  b->ws = g_object_ref(ws);
  b->vnc = vnc;
  b->cancel = g_cancellable_new();
  g_object_set_data_full(G_OBJECT(ws), "bvm-bridge", b, bridge_free);
  g_signal_connect(ws, "message", G_CALLBACK(on_ws_message), b);
  g_signal_connect(ws, "closed", G_CALLBACK(on_ws_closed), b);
  g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(vnc)), b->buf, sizeof b->buf,
                            G_PRIORITY_DEFAULT, b->cancel, on_vnc_read, b);
}
