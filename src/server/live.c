/* The live parts of `serve`: server-sent events (a VM's state and new log
 * lines), the VM console (noVNC's WebSocket bridged to QEMU's VNC unix
 * socket: no TCP VNC port ever) and the serial console (xterm.js's
 * WebSocket bridged to the monitor's fan-out, serial.h). */
#include "live.h"
#include "events.h"
#include "serial.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>
#include <unistd.h>

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

/* Pump @vnc (taken) and @ws until either closes. */
static void bridge_start(SoupWebsocketConnection *ws, GSocketConnection *vnc)
{
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
  bridge_start(ws, vnc);
}

/* Serial over WebSocket ------------------------------------------------------- */

void bvm_live_bridge_serial(SoupWebsocketConnection *ws, const char *console_socket,
                            gboolean want_write)
{
  g_autoptr(GError) error = NULL;
  gboolean writer = FALSE;
  /* The hub (the VM's monitor) answers the handshake at once; it is
   * bounded (serial.h) should the monitor be wedged. */
  int fd = bvm_serial_attach(console_socket, want_write, &writer, &error);
  g_autoptr(GSocket) sock = fd >= 0 ? g_socket_new_from_fd(fd, NULL) : NULL;
  if (sock == NULL) {
    if (fd >= 0)
      close(fd);
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                    "the VM's serial console is not reachable: is it running?");
    return;
  }
  /* One text message first says who has the keyboard; then binary. */
  soup_websocket_connection_send_text(ws, writer ? "{\"writer\":true}" : "{\"writer\":false}");
  bridge_start(ws, g_socket_connection_factory_create_connection(sock));
}
