/* The app's transport for api.c: what server.c does over HTTP, done over
 * WebKit's custom-scheme requests, so serve and the app answer the same UI
 * with the same bytes. */
#include "scheme.h"
#include "api.h"
#include "util.h"
#include "error.h"
#include "events.h"
#include "route.h"
#include "stream.h"

#include <string.h>

/* Request bodies past this are not API calls (as in serve). */
#define BODY_MAX (1024 * 1024)
#define UI_RESOURCE "/io/bridgevm/BridgeVM/ui"

/* Only the app's own files, scripts and styles; no remote content at all. */
#define CSP                                                                                        \
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "             \
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "                \
  "form-action 'none'; frame-ancestors 'none'"

struct BvmScheme {
  BvmApi *api;
  char *library;
  char *ui_dir;
  BvmSchemeNativeFunc native_func;
  gpointer native_data;
};

BvmScheme *bvm_scheme_new(const char *library, const char *monitor_binary, const char *ui_dir)
{
  BvmScheme *s = g_new0(BvmScheme, 1);
  s->api = bvm_api_new(library, monitor_binary);
  s->library = g_strdup(library);
  s->ui_dir = g_strdup(ui_dir);
  return s;
}

void bvm_scheme_free(BvmScheme *s)
{
  if (s == NULL)
    return;
  bvm_api_free(s->api);
  g_free(s->library);
  g_free(s->ui_dir);
  g_free(s);
}

void bvm_scheme_set_native_func(BvmScheme *s, BvmSchemeNativeFunc func, gpointer user_data)
{
  s->native_func = func;
  s->native_data = user_data;
}

static void finish(WebKitURISchemeRequest *request, guint status, const char *content_type,
                   GInputStream *body, gssize length)
{
  g_autoptr(WebKitURISchemeResponse) resp = webkit_uri_scheme_response_new(body, length);
  webkit_uri_scheme_response_set_status(resp, status, NULL);
  webkit_uri_scheme_response_set_content_type(resp, content_type);
  SoupMessageHeaders *h = soup_message_headers_new(SOUP_MESSAGE_HEADERS_RESPONSE);
  /* These headers replace the response's own: Content-Type must be among
   * them, or nosniff makes WebKit drop a stylesheet. */
  soup_message_headers_replace(h, "Content-Type", content_type);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
  if (g_str_has_prefix(content_type, "text/html"))
    soup_message_headers_replace(h, "Content-Security-Policy", CSP);
  webkit_uri_scheme_response_set_http_headers(resp, h); /* takes h */
  webkit_uri_scheme_request_finish_with_response(request, resp);
}

static void reply_bytes(WebKitURISchemeRequest *request, guint status, const char *content_type,
                        GBytes *bytes)
{
  g_autoptr(GInputStream) body = g_memory_input_stream_new_from_bytes(bytes);
  finish(request, status, content_type, body, (gssize)g_bytes_get_size(bytes));
}

static void reply_text(WebKitURISchemeRequest *request, guint status, const char *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new(text, strlen(text));
  reply_bytes(request, status, "application/json", bytes);
}

void bvm_scheme_reply_json(WebKitURISchemeRequest *request, guint status, JsonNode *node)
{
  g_autofree char *text = json_to_string(node, FALSE);
  reply_text(request, status, text);
}

static void reply_error(WebKitURISchemeRequest *request, guint status, int code, const char *text)
{
  g_autoptr(GError) error = g_error_new_literal(BVM_ERROR, code, text);
  g_autoptr(JsonNode) node = bvm_api_error_to_json(error);
  bvm_scheme_reply_json(request, status, node);
}

/* Files ------------------------------------------------------------------- */

static GBytes *load_ui_file(BvmScheme *s, const char *path)
{
  if (s->ui_dir != NULL) {
    g_autofree char *file = g_build_filename(s->ui_dir, path, NULL);
    char *contents = NULL;
    gsize len = 0;
    if (!g_file_test(file, G_FILE_TEST_IS_REGULAR) ||
        !g_file_get_contents(file, &contents, &len, NULL))
      return NULL;
    return g_bytes_new_take(contents, len);
  }
  g_autofree char *name = g_strconcat(UI_RESOURCE, path, NULL);
  return g_resources_lookup_data(name, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}

/* A single-page app: index.html for "/" and for any path that is no file. */
static void handle_file(BvmScheme *s, WebKitURISchemeRequest *request, const char *path)
{
  const char *name = strcmp(path, "/") == 0 ? "/index.html" : path;
  g_autoptr(GBytes) bytes = load_ui_file(s, name);
  if (bytes == NULL) {
    name = "/index.html";
    bytes = load_ui_file(s, name);
  }
  if (bytes == NULL) {
    reply_error(request, 404, BVM_ERROR_NOT_FOUND, "the UI is not in this build");
    return;
  }
  reply_bytes(request, 200, bvm_content_type_for_path(name), bytes);
}

/* API calls --------------------------------------------------------------- */

typedef struct {
  gint ref;
  WebKitURISchemeRequest *request;
  BvmApi *api;
  char *op;
  JsonNode *params;
  JsonNode *result;
  GError *error;
  BvmStream *stream; /* with Accept: application/x-ndjson */
} Call;

static void call_unref(Call *c)
{
  if (!g_atomic_int_dec_and_test(&c->ref))
    return;
  g_object_unref(c->request);
  g_free(c->op);
  if (c->params)
    json_node_unref(c->params);
  if (c->result)
    json_node_unref(c->result);
  g_clear_error(&c->error);
  g_free(c);
}

typedef struct {
  Call *call;
  char *line;
} ProgressLine;

static gboolean send_progress(gpointer data)
{
  ProgressLine *p = data;
  if (p->call->stream != NULL)
    bvm_stream_write(p->call->stream, p->line);
  call_unref(p->call);
  g_free(p->line);
  g_free(p);
  return G_SOURCE_REMOVE;
}

/* Worker thread: one line {"progress": {"step": "..."}}, sent from the main
 * loop (the stream is not thread-safe), in order. */
static void on_progress(const char *step, gpointer data)
{
  Call *c = data;
  ProgressLine *p = g_new0(ProgressLine, 1);
  g_atomic_int_inc(&c->ref);
  p->call = c;
  p->line = bvm_api_progress_line(step);
  g_idle_add(send_progress, p);
}

static void call_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Call *c = data;
  c->result =
      bvm_api_call_progress(c->api, c->op, c->params, c->stream ? on_progress : NULL, c, &c->error);
}

/* The last line of a streamed call: {"result": ...} or {"error": {...}}. */
static void finish_stream(Call *c)
{
  g_autofree char *line = bvm_api_final_line(c->result, c->error);
  bvm_stream_write(c->stream, line);
  bvm_stream_finish(g_steal_pointer(&c->stream));
}

static void call_done(GObject *source, GAsyncResult *res, gpointer data)
{
  Call *c = data;
  if (c->stream != NULL) {
    finish_stream(c);
  } else if (c->result != NULL) {
    bvm_scheme_reply_json(c->request, 200, c->result);
  } else {
    g_autoptr(JsonNode) node = bvm_api_error_to_json(c->error);
    bvm_scheme_reply_json(c->request, bvm_error_http_status(c->error), node);
  }
  call_unref(c);
}

static gboolean read_body(WebKitURISchemeRequest *request, JsonNode **out_params, guint *out_status,
                          const char **out_why)
{
  *out_params = NULL;
  GInputStream *in = webkit_uri_scheme_request_get_http_body(request);
  if (in == NULL)
    return TRUE;
  g_autoptr(GInputStream) body = in;
  g_autofree char *buf = g_malloc(BODY_MAX + 1);
  gsize got = 0;
  if (!g_input_stream_read_all(body, buf, BODY_MAX + 1, &got, NULL, NULL)) {
    *out_status = 400;
    *out_why = "the request body could not be read";
    return FALSE;
  }
  if (got > BODY_MAX) {
    *out_status = 413;
    *out_why = "the request body is too large";
    return FALSE;
  }
  if (got == 0)
    return TRUE;
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, buf, (gssize)got, NULL)) {
    *out_status = 400;
    *out_why = "the request body is not JSON";
    return FALSE;
  }
  *out_params = json_node_ref(json_parser_get_root(parser));
  return TRUE;
}

static void handle_api(BvmScheme *s, WebKitURISchemeRequest *request, const char *op)
{
  g_autoptr(JsonNode) params = NULL;
  guint status = 0;
  const char *why = NULL;
  if (!read_body(request, &params, &status, &why)) {
    reply_error(request, status, BVM_ERROR_INVALID_ARGUMENT, why);
    return;
  }
  Call *c = g_new0(Call, 1);
  c->ref = 1;
  c->request = g_object_ref(request);
  c->api = s->api;
  c->op = g_strdup(op);
  c->params = g_steal_pointer(&params);
  SoupMessageHeaders *h = webkit_uri_scheme_request_get_http_headers(request);
  const char *accept = h ? soup_message_headers_get_one(h, "Accept") : NULL;
  if (accept != NULL && strstr(accept, "application/x-ndjson") != NULL) {
    /* Progress lines, then the result: the status is 200 from the start. */
    g_autoptr(GInputStream) body = NULL;
    g_autoptr(GError) error = NULL;
    c->stream = bvm_stream_new(&body, &error);
    if (c->stream == NULL) {
      reply_error(request, 500, BVM_ERROR_IO, error->message);
      call_unref(c);
      return;
    }
    finish(request, 200, "application/x-ndjson", body, -1);
  }
  g_autoptr(GTask) task = g_task_new(NULL, NULL, call_done, c);
  g_task_set_task_data(task, c, NULL);
  g_task_run_in_thread(task, call_thread);
}

/* Events ------------------------------------------------------------------ */

typedef struct {
  BvmStream *stream;
  BvmEvents *events;
} EventsPipe;

static gboolean events_pipe_free(gpointer data)
{
  EventsPipe *p = data;
  g_debug("the page let go of an event stream");
  bvm_events_free(p->events);
  bvm_stream_free(p->stream);
  g_free(p);
  return G_SOURCE_REMOVE;
}

static void on_event(const char *event, const char *data, gpointer user_data)
{
  EventsPipe *p = user_data;
  g_autofree char *chunk = bvm_events_format_sse(event, data);
  bvm_stream_write(p->stream, chunk);
}

static void handle_events(BvmScheme *s, WebKitURISchemeRequest *request, GHashTable *query)
{
  g_autoptr(GInputStream) body = NULL;
  g_autoptr(GError) error = NULL;
  EventsPipe *p = g_new0(EventsPipe, 1);
  p->stream = bvm_stream_new(&body, &error);
  if (p->stream == NULL) {
    g_free(p);
    reply_error(request, 500, BVM_ERROR_IO, error->message);
    return;
  }
  /* Until the page lets go of the stream. */
  bvm_stream_set_closed_func(p->stream, events_pipe_free, p);
  finish(request, 200, "text/event-stream", body, -1);
  p->events = bvm_events_new_for_query(s->library, query, on_event, p);
}

/* Dispatch ---------------------------------------------------------------- */

/* The error code that goes with a refusal's HTTP status, as serve answers. */
static int refusal_code(guint status)
{
  switch (status) {
  case 403:
    return BVM_ERROR_PERMISSION;
  case 404:
    return BVM_ERROR_NOT_FOUND;
  case 405:
    return BVM_ERROR_USAGE;
  default:
    return BVM_ERROR_INVALID_ARGUMENT;
  }
}

static void handle_request(WebKitURISchemeRequest *request, gpointer data)
{
  BvmScheme *s = data;
  SoupMessageHeaders *h = webkit_uri_scheme_request_get_http_headers(request);
  const char *origin = h ? soup_message_headers_get_one(h, "Origin") : NULL;
  g_auto(BvmRoute) route = {0};
  bvm_route_request(webkit_uri_scheme_request_get_uri(request),
                    webkit_uri_scheme_request_get_http_method(request), origin, &route);
  g_debug("%s %s -> %d", webkit_uri_scheme_request_get_http_method(request),
          webkit_uri_scheme_request_get_uri(request), route.kind);
  switch (route.kind) {
  case BVM_ROUTE_REFUSED:
    reply_error(request, route.status, refusal_code(route.status), route.why);
    break;
  case BVM_ROUTE_FILE:
    handle_file(s, request, route.name);
    break;
  case BVM_ROUTE_API:
    handle_api(s, request, route.name);
    break;
  case BVM_ROUTE_EVENTS:
    handle_events(s, request, route.query);
    break;
  case BVM_ROUTE_NATIVE:
    if (s->native_func == NULL ||
        !s->native_func(route.name, g_object_ref(request), s->native_data)) {
      reply_error(request, 404, BVM_ERROR_NOT_FOUND, "no such native helper");
      g_object_unref(request);
    }
    break;
  }
}

void bvm_scheme_register(BvmScheme *s, WebKitWebContext *context)
{
  webkit_web_context_register_uri_scheme(context, BVM_APP_SCHEME, handle_request, s, NULL);
  WebKitSecurityManager *sm = webkit_web_context_get_security_manager(context);
  webkit_security_manager_register_uri_scheme_as_secure(sm, BVM_APP_SCHEME);
  webkit_security_manager_register_uri_scheme_as_cors_enabled(sm, BVM_APP_SCHEME);
}
