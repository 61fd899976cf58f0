#include "server.h"
#include "api.h"
#include "live.h"
#include "paths.h"
#include "registry.h"
#include "error.h"
#include "util.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>

/* Request bodies past this are not API calls. */
#define BODY_MAX (1024 * 1024)
#define COOKIE_NAME "bvm_session"

struct BvmServer {
  SoupServer *soup;
  BvmApi *api;
  char *library;
  char *token;
  char *ui_dir;
  guint port;
  GStrv allowed_hosts;   /* "127.0.0.1:PORT", "localhost:PORT", "[::1]:PORT", bind:PORT */
  GStrv allowed_origins; /* the same with http:// */
  /* listVms, the call every open page polls: answered from this copy for a
   * moment, and dropped at once by any call that may change a VM. */
  char *list_cache;
  gint64 list_cache_at;
};

/* How long a listVms answer is served again. Changes made outside this
 * server (the CLI, a VM that stops) show within this time. */
#define LIST_CACHE_USEC (250 * 1000)

/* Calls that only read: they keep the listVms copy. */
static const char *const read_only_ops[] = {"listVms",  "showVm", "vmStatus", "vmCommand",
                                            "vmLogs",   "doctor", "presets",  "validateIso",
                                            "hostInfo", "agent",  NULL};

void bvm_server_free(BvmServer *s)
{
  if (s == NULL)
    return;
  if (s->soup != NULL) {
    soup_server_disconnect(s->soup);
    g_object_unref(s->soup);
  }
  bvm_api_free(s->api);
  g_free(s->library);
  g_free(s->token);
  g_free(s->ui_dir);
  g_strfreev(s->allowed_hosts);
  g_strfreev(s->allowed_origins);
  g_free(s->list_cache);
  g_free(s);
}

static void respond_text(SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, text, strlen(text));
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(h, "Cache-Control", "no-store");
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
}

static void respond_json(SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autofree char *text = json_to_string(node, FALSE);
  respond_text(msg, status, text);
}

static void respond_error(SoupServerMessage *msg, guint status, int code, const char *text)
{
  g_autoptr(GError) error = g_error_new_literal(BVM_ERROR, code, text);
  g_autoptr(JsonNode) node = bvm_api_error_to_json(error);
  respond_json(msg, status, node);
}

/* Constant time, so the token cannot be guessed a byte at a time. */
static gboolean token_equal(const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return FALSE;
  gsize la = strlen(a), lb = strlen(b);
  guint diff = (guint)(la ^ lb);
  for (gsize i = 0; i < la && i < lb; i++)
    diff |= (guint)(a[i] ^ b[i]);
  return diff == 0;
}

static char *cookie_value(SoupMessageHeaders *h, const char *name)
{
  const char *header = soup_message_headers_get_one(h, "Cookie");
  if (header == NULL)
    return NULL;
  g_auto(GStrv) parts = g_strsplit(header, ";", -1);
  for (char **p = parts; *p; p++) {
    char *kv = g_strstrip(*p);
    if (g_str_has_prefix(kv, name) && kv[strlen(name)] == '=')
      return g_strdup(kv + strlen(name) + 1);
  }
  return NULL;
}

/* DNS rebinding: a page from evil.example resolving to 127.0.0.1 still
 * sends its own Host. Cross-site requests carry a foreign Origin. */
static gboolean check_host_and_origin(BvmServer *s, SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *host = soup_message_headers_get_one(h, "Host");
  if (host == NULL || !g_strv_contains((const char *const *)s->allowed_hosts, host)) {
    respond_error(msg, 403, BVM_ERROR_PERMISSION,
                  "this server answers only to its loopback address (Host refused)");
    return FALSE;
  }
  const char *origin = soup_message_headers_get_one(h, "Origin");
  if (origin != NULL && !g_strv_contains((const char *const *)s->allowed_origins, origin)) {
    respond_error(msg, 403, BVM_ERROR_PERMISSION, "requests from other sites are refused");
    return FALSE;
  }
  return TRUE;
}

static gboolean authorized(BvmServer *s, SoupServerMessage *msg);

/* Host, Origin, then the token: the gate of every endpoint but the token
 * trade itself. Answers the refusal; TRUE when the request may go on. */
static gboolean admit(BvmServer *s, SoupServerMessage *msg)
{
  if (!check_host_and_origin(s, msg))
    return FALSE;
  if (!authorized(s, msg)) {
    respond_error(msg, 401, BVM_ERROR_PERMISSION,
                  "no valid token: open the URL bridgevm serve printed, or send "
                  "Authorization: Bearer TOKEN");
    return FALSE;
  }
  return TRUE;
}

static gboolean authorized(BvmServer *s, SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *auth = soup_message_headers_get_one(h, "Authorization");
  if (auth != NULL && g_str_has_prefix(auth, "Bearer ") && token_equal(auth + 7, s->token))
    return TRUE;
  g_autofree char *cookie = cookie_value(h, COOKIE_NAME);
  return token_equal(cookie, s->token);
}

typedef struct {
  gint ref;
  BvmServer *server;
  SoupServerMessage *msg;
  char *op;
  JsonNode *params;
  JsonNode *result;
  GError *error;
  /* progress (Accept: application/x-ndjson): lines from the worker thread,
   * sent from the main loop */
  gboolean stream;
  GMutex lock;
  GPtrArray *pending;
  gboolean flush_queued;
} Call;

static void call_unref(Call *c)
{
  if (!g_atomic_int_dec_and_test(&c->ref))
    return;
  g_free(c->op);
  if (c->params)
    json_node_unref(c->params);
  if (c->result)
    json_node_unref(c->result);
  g_clear_error(&c->error);
  g_ptr_array_unref(c->pending);
  g_mutex_clear(&c->lock);
  g_object_unref(c->msg);
  g_free(c);
}

/* Main loop: send the progress lines queued so far. */
static gboolean flush_progress(gpointer data)
{
  Call *c = data;
  g_mutex_lock(&c->lock);
  g_autoptr(GPtrArray) lines = g_steal_pointer(&c->pending);
  c->pending = g_ptr_array_new_with_free_func(g_free);
  c->flush_queued = FALSE;
  g_mutex_unlock(&c->lock);
  if (lines->len == 0)
    return G_SOURCE_REMOVE;
  SoupMessageBody *body = soup_server_message_get_response_body(c->msg);
  for (guint i = 0; i < lines->len; i++) {
    char *line = lines->pdata[i];
    soup_message_body_append(body, SOUP_MEMORY_COPY, line, strlen(line));
  }
  soup_server_message_unpause(c->msg);
  return G_SOURCE_REMOVE;
}

/* Worker thread: one progress line, sent from the main loop. */
static void on_progress(const char *step, gpointer data)
{
  Call *c = data;
  char *line = bvm_api_progress_line(step);
  g_mutex_lock(&c->lock);
  g_ptr_array_add(c->pending, line);
  gboolean queue = !c->flush_queued;
  c->flush_queued = TRUE;
  g_mutex_unlock(&c->lock);
  if (queue) {
    g_atomic_int_inc(&c->ref);
    g_idle_add_full(G_PRIORITY_DEFAULT, flush_progress, c, (GDestroyNotify)call_unref);
  }
}

static void call_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Call *c = data;
  c->result = bvm_api_call_progress(c->server->api, c->op, c->params,
                                    c->stream ? on_progress : NULL, c, &c->error);
}

/* The end of a streamed call: {"result": ...} or {"error": {...}}. */
static void finish_stream(Call *c)
{
  flush_progress(c);
  char *line = bvm_api_final_line(c->result, c->error);
  SoupMessageBody *body = soup_server_message_get_response_body(c->msg);
  soup_message_body_append(body, SOUP_MEMORY_TAKE, line, strlen(line));
  soup_message_body_complete(body);
}

static void call_done(GObject *source, GAsyncResult *res, gpointer data)
{
  Call *c = data;
  BvmServer *s = c->server;
  if (!g_strv_contains(read_only_ops, c->op))
    g_clear_pointer(&s->list_cache, g_free);
  if (c->stream) {
    finish_stream(c);
  } else if (c->result != NULL) {
    g_autofree char *text = json_to_string(c->result, FALSE);
    if (strcmp(c->op, "listVms") == 0) {
      g_free(s->list_cache);
      s->list_cache = g_strdup(text);
      s->list_cache_at = g_get_monotonic_time();
    }
    respond_text(c->msg, 200, text);
  } else {
    g_autoptr(JsonNode) node = bvm_api_error_to_json(c->error);
    respond_json(c->msg, bvm_error_http_status(c->error), node);
  }
  soup_server_message_unpause(c->msg);
  call_unref(c);
}

/* POST /api/OP with a JSON object body: one API call, run off the main
 * loop (start and stop can take seconds) while the message is paused. */
static void handle_api(SoupServer *soup, SoupServerMessage *msg, const char *path,
                       GHashTable *query, gpointer data)
{
  BvmServer *s = data;
  if (!admit(s, msg))
    return;
  if (strcmp(soup_server_message_get_method(msg), "POST") != 0) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "POST");
    respond_error(msg, 405, BVM_ERROR_USAGE, "API calls are POST /api/OPERATION with JSON");
    return;
  }
  const char *op = path + strlen("/api/");
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  if (body->length > BODY_MAX) {
    respond_error(msg, 413, BVM_ERROR_INVALID_ARGUMENT, "the request body is too large");
    return;
  }
  g_autoptr(JsonNode) params = NULL;
  if (body->length > 0) {
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, body->data, (gssize)body->length, NULL)) {
      respond_error(msg, 400, BVM_ERROR_INVALID_ARGUMENT, "the request body is not JSON");
      return;
    }
    params = json_node_ref(json_parser_get_root(parser));
  }
  if (strcmp(op, "listVms") == 0 && s->list_cache != NULL &&
      g_get_monotonic_time() - s->list_cache_at < LIST_CACHE_USEC) {
    respond_text(msg, 200, s->list_cache);
    return;
  }
  Call *c = g_new0(Call, 1);
  c->ref = 1;
  c->server = s;
  c->msg = g_object_ref(msg);
  c->op = g_strdup(op);
  c->params = g_steal_pointer(&params);
  g_mutex_init(&c->lock);
  c->pending = g_ptr_array_new_with_free_func(g_free);
  const char *accept =
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Accept");
  c->stream = accept != NULL && strstr(accept, "application/x-ndjson") != NULL;
  if (c->stream) {
    /* Progress lines, then the result: the status is 200 from the start. */
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
    soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
    soup_message_headers_set_content_type(h, "application/x-ndjson", NULL);
    soup_message_headers_replace(h, "Cache-Control", "no-store");
    soup_server_message_set_status(msg, 200, NULL);
  }
  soup_server_message_pause(msg);
  g_autoptr(GTask) task = g_task_new(NULL, NULL, call_done, c);
  g_task_set_task_data(task, c, NULL);
  g_task_run_in_thread(task, call_thread);
}

/* GET /events?vm=NAME[&source=serial]: server-sent events. */
static void handle_events(SoupServer *soup, SoupServerMessage *msg, const char *path,
                          GHashTable *query, gpointer data)
{
  BvmServer *s = data;
  if (!admit(s, msg))
    return;
  bvm_live_start_events(msg, s->library, query);
}

/* /vnc/VM and /serial/VM: checks run here, before the WebSocket handshake;
 * a status set here refuses it. */
static void handle_vnc_check(SoupServer *soup, SoupServerMessage *msg, const char *path,
                             GHashTable *query, gpointer data)
{
  BvmServer *s = data;
  if (!admit(s, msg))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmVmEntry) e = bvm_registry_find(s->library, strchr(path + 1, '/') + 1, &error);
  if (e == NULL) {
    g_autoptr(JsonNode) node = bvm_api_error_to_json(error);
    respond_json(msg, bvm_error_http_status(error), node);
  }
}

/* The paths of the VM a WebSocket's /PREFIX/VM names, or NULL after
 * closing it (the VM went between the check and the handshake). */
static BvmPaths *websocket_vm_paths(BvmServer *s, const char *path, SoupWebsocketConnection *ws)
{
  g_autoptr(BvmVmEntry) e = bvm_registry_find(s->library, strchr(path + 1, '/') + 1, NULL);
  if (e == NULL) {
    soup_websocket_connection_close(ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "no such VM");
    return NULL;
  }
  return bvm_paths_new(e->path, e->config->id);
}

static void handle_vnc(SoupServer *soup, SoupServerMessage *msg, const char *path,
                       SoupWebsocketConnection *ws, gpointer data)
{
  g_autoptr(BvmPaths) paths = websocket_vm_paths(data, path, ws);
  if (paths != NULL)
    bvm_live_bridge_vnc(ws, paths->vnc_sock);
}

/* /serial/VM[?mode=ro]: the serial console; the keyboard unless mode=ro
 * or another console has it. */
static void handle_serial(SoupServer *soup, SoupServerMessage *msg, const char *path,
                          SoupWebsocketConnection *ws, gpointer data)
{
  g_autoptr(BvmPaths) paths = websocket_vm_paths(data, path, ws);
  if (paths == NULL)
    return;
  const char *q = g_uri_get_query(soup_server_message_get_uri(msg));
  g_autoptr(GHashTable) query = q ? g_uri_parse_params(q, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
  gboolean read_only = query != NULL && g_strcmp0(g_hash_table_lookup(query, "mode"), "ro") == 0;
  bvm_live_bridge_serial(ws, paths->console_sock, !read_only);
}

/* GET /?token=T trades the token for the session cookie; other paths are
 * the built UI's files (index.html for anything else: a single-page app). */
static void handle_root(SoupServer *soup, SoupServerMessage *msg, const char *path,
                        GHashTable *query, gpointer data)
{
  BvmServer *s = data;
  if (!check_host_and_origin(s, msg))
    return;
  const char *token = query ? g_hash_table_lookup(query, "token") : NULL;
  SoupMessageHeaders *rh = soup_server_message_get_response_headers(msg);
  if (token != NULL) {
    if (!token_equal(token, s->token)) {
      respond_error(msg, 401, BVM_ERROR_PERMISSION, "this token is not the server's");
      return;
    }
    g_autoptr(SoupCookie) cookie = soup_cookie_new(COOKIE_NAME, s->token, "127.0.0.1", "/", -1);
    soup_cookie_set_http_only(cookie, TRUE);
    soup_cookie_set_same_site_policy(cookie, SOUP_SAME_SITE_POLICY_STRICT);
    g_autofree char *set = soup_cookie_to_set_cookie_header(cookie);
    /* No Domain: the cookie stays with the exact host the page came from. */
    g_autoptr(GRegex) domain = g_regex_new("; domain=[^;]*", G_REGEX_CASELESS, 0, NULL);
    g_autofree char *host_only = g_regex_replace_literal(domain, set, -1, 0, "", 0, NULL);
    soup_message_headers_append(rh, "Set-Cookie", host_only);
    soup_server_message_set_redirect(msg, 302, "/");
    return;
  }
  if (!authorized(s, msg)) {
    respond_error(msg, 401, BVM_ERROR_PERMISSION,
                  "no valid token: open the URL bridgevm serve printed");
    return;
  }
  g_autofree char *file = NULL;
  if (s->ui_dir != NULL && strstr(path, "..") == NULL) {
    file = g_build_filename(s->ui_dir, path, NULL);
    if (!g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
      g_free(file);
      file = g_build_filename(s->ui_dir, "index.html", NULL);
    }
  }
  g_autofree char *contents = NULL;
  gsize len = 0;
  if (file == NULL || !g_file_get_contents(file, &contents, &len, NULL)) {
    const char *page = "<!doctype html><title>BridgeVM</title><p>The BridgeVM API is running "
                       "(POST /api/OPERATION, see docs/api.md); the web UI is not built.</p>";
    soup_server_message_set_status(msg, 200, NULL);
    soup_server_message_set_response(msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC, page,
                                     strlen(page));
    return;
  }
  soup_server_message_set_status(msg, 200, NULL);
  soup_server_message_set_response(msg, bvm_content_type_for_path(file), SOUP_MEMORY_TAKE,
                                   g_steal_pointer(&contents), len);
}

static char *new_token(void)
{
  GString *t = g_string_new(NULL);
  for (int i = 0; i < 8; i++)
    g_string_append_printf(t, "%08x", g_random_int());
  return g_string_free(t, FALSE);
}

BvmServer *bvm_server_new(const BvmServeOptions *opts, char **out_url, GError **error)
{
  g_autoptr(BvmServer) s = g_new0(BvmServer, 1);
  s->api = bvm_api_new(opts->library, opts->monitor_binary);
  s->library = g_strdup(opts->library);
  s->token = new_token();
  s->ui_dir = g_strdup(opts->ui_dir);
  s->soup = soup_server_new("server-header", "BridgeVM", NULL);
  const char *bind = opts->bind ? opts->bind : "127.0.0.1";
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string(bind, opts->port);
  if (addr == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "'%s' is not an IP address to bind to", bind);
    return NULL;
  }
  g_autoptr(GError) local = NULL;
  if (!soup_server_listen(s->soup, addr, 0, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY, "cannot listen on %s:%u: %s", bind, opts->port,
                local->message);
    return NULL;
  }
  GSList *uris = soup_server_get_uris(s->soup);
  s->port = uris ? (guint)g_uri_get_port(uris->data) : opts->port;
  g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);

  g_autoptr(GStrvBuilder) hosts = g_strv_builder_new();
  g_autoptr(GStrvBuilder) origins = g_strv_builder_new();
  const char *names[] = {"127.0.0.1", "localhost", "[::1]", bind, NULL};
  for (const char **n = names; *n; n++) {
    g_autofree char *h = g_strdup_printf("%s:%u", *n, s->port);
    g_autofree char *o = g_strdup_printf("http://%s:%u", *n, s->port);
    g_strv_builder_add(hosts, h);
    g_strv_builder_add(origins, o);
  }
  s->allowed_hosts = g_strv_builder_end(hosts);
  s->allowed_origins = g_strv_builder_end(origins);

  if (opts->token_file != NULL) {
    g_autofree char *dir = g_path_get_dirname(opts->token_file);
    g_mkdir_with_parents(dir, 0700);
    if (!bvm_file_write_atomic(opts->token_file, s->token, -1, 0600, error))
      return NULL;
  }
  soup_server_add_handler(s->soup, "/api/", handle_api, s, NULL);
  soup_server_add_handler(s->soup, "/events", handle_events, s, NULL);
  soup_server_add_handler(s->soup, "/vnc/", handle_vnc_check, s, NULL);
  soup_server_add_websocket_handler(s->soup, "/vnc/", NULL, NULL, handle_vnc, s, NULL);
  soup_server_add_handler(s->soup, "/serial/", handle_vnc_check, s, NULL);
  soup_server_add_websocket_handler(s->soup, "/serial/", NULL, NULL, handle_serial, s, NULL);
  soup_server_add_handler(s->soup, "/", handle_root, s, NULL);
  if (out_url != NULL)
    *out_url = g_strdup_printf("http://127.0.0.1:%u/?token=%s", s->port, s->token);
  return g_steal_pointer(&s);
}
