/* The live parts of `serve`: server-sent events (a VM's state and new log
 * lines) and the VM console (noVNC's WebSocket bridged to QEMU's VNC unix
 * socket: no TCP VNC port ever). */
#include "live.h"
#include "events.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

/* SSE ---------------------------------------------------------------------- */

typedef struct {
  SoupServerMessage *msg;
  BvmEvents *events;
} EventStream;

static void on_event(const char *event, const char *data, gpointer user_data)
{
  EventStream *es = user_data;
  char *chunk = bvm_events_format_sse(event, data);
  SoupMessageBody *body = soup_server_message_get_response_body(es->msg);
  soup_message_body_append(body, SOUP_MEMORY_TAKE, chunk, strlen(chunk));
  soup_server_message_unpause(es->msg);
}

static void on_stream_finished(SoupServerMessage *msg, gpointer data)
{
  EventStream *es = data;
  bvm_events_free(es->events);
  g_object_unref(es->msg);
  g_free(es);
}

void bvm_live_start_events(SoupServerMessage *msg, const char *library, GHashTable *query)
{
  EventStream *es = g_new0(EventStream, 1);
  es->msg = g_object_ref(msg);
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type(h, "text/event-stream", NULL);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  soup_server_message_set_status(msg, 200, NULL);
  g_signal_connect(msg, "finished", G_CALLBACK(on_stream_finished), es);
  es->events = bvm_events_new_for_query(library, query, on_event, es);
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
