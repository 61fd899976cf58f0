/* `bridgevm serve` as a browser or script meets it: loopback only, the
 * token (bearer or cookie), Host and Origin checks, no CORS, API errors as
 * JSON with their HTTP status. Raw HTTP over a socket, so every header is
 * exactly what the test says. */
#include "cli-harness.h"
#include "util.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>

static char *root, *library;
static GSubprocess *server;
static char *token;
static guint port;

typedef struct {
  guint status;
  char *headers;
  char *body;
} Reply;

static void reply_clear(Reply *r)
{
  g_clear_pointer(&r->headers, g_free);
  g_clear_pointer(&r->body, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Reply, reply_clear)

static void http(Reply *out, const char *method, const char *path, const char *extra_headers,
                 const char *body)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn =
      g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, &error);
  g_assert_no_error(error);
  g_autofree char *host = g_strdup_printf("Host: 127.0.0.1:%u\r\n", port);
  g_autofree char *req = g_strdup_printf(
      "%s %s HTTP/1.1\r\n%sConnection: close\r\nContent-Length: %zu\r\n%s\r\n%s", method, path,
      extra_headers && strstr(extra_headers, "Host:") ? "" : host, body ? strlen(body) : 0,
      extra_headers ? extra_headers : "", body ? body : "");
  GOutputStream *os = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  g_assert_true(g_output_stream_write_all(os, req, strlen(req), NULL, NULL, &error));
  GInputStream *is = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  g_autoptr(GByteArray) all = g_byte_array_new();
  guint8 buf[8192];
  gssize n;
  while ((n = g_input_stream_read(is, buf, sizeof buf, NULL, &error)) > 0)
    g_byte_array_append(all, buf, (guint)n);
  g_byte_array_append(all, (const guint8 *)"", 1);
  const char *text = (const char *)all->data;
  const char *split = strstr(text, "\r\n\r\n");
  g_assert_nonnull(split);
  out->headers = g_strndup(text, (gsize)(split - text));
  out->body = g_strdup(split + 4);
  g_assert_true(sscanf(text, "HTTP/1.1 %u", &out->status) == 1);
}

static void test_token_is_required(void)
{
  g_auto(Reply) r = {0};
  http(&r, "POST", "/api/listVms", NULL, NULL);
  g_assert_cmpuint(r.status, ==, 401);
  assert_contains(r.body, "\"code\":\"permission\"");
  g_auto(Reply) wrong = {0};
  http(&wrong, "POST", "/api/listVms", "Authorization: Bearer 0000\r\n", NULL);
  g_assert_cmpuint(wrong.status, ==, 401);
  g_auto(Reply) page = {0};
  http(&page, "GET", "/", NULL, NULL);
  g_assert_cmpuint(page.status, ==, 401);
}

static void test_bearer_and_cookie(void)
{
  g_autofree char *auth = g_strdup_printf("Authorization: Bearer %s\r\n", token);
  g_auto(Reply) r = {0};
  http(&r, "POST", "/api/listVms", auth, NULL);
  g_assert_cmpuint(r.status, ==, 200);
  g_assert_cmpstr(r.body, ==, "[]");
  /* no CORS: a browser on another origin may not read the answer */
  g_assert_null(strstr(r.headers, "Access-Control-Allow"));

  g_autofree char *path = g_strdup_printf("/?token=%s", token);
  g_auto(Reply) trade = {0};
  http(&trade, "GET", path, NULL, NULL);
  g_assert_cmpuint(trade.status, ==, 302);
  assert_contains(trade.headers, "Set-Cookie: bvm_session=");
  assert_contains(trade.headers, "HttpOnly");
  assert_contains(trade.headers, "SameSite=Strict");
  g_autofree char *cookie = g_strdup_printf("Cookie: other=1; bvm_session=%s\r\n", token);
  g_auto(Reply) page = {0};
  http(&page, "GET", "/", cookie, NULL);
  g_assert_cmpuint(page.status, ==, 200);
  g_auto(Reply) api = {0};
  http(&api, "POST", "/api/presets", cookie, NULL);
  g_assert_cmpuint(api.status, ==, 200);
  assert_contains(api.body, "\"recommended\"");
}

static void test_host_and_origin_are_checked(void)
{
  g_autofree char *rebind =
      g_strdup_printf("Host: evil.example:%u\r\nAuthorization: Bearer %s\r\n", port, token);
  g_auto(Reply) r = {0};
  http(&r, "POST", "/api/listVms", rebind, NULL);
  g_assert_cmpuint(r.status, ==, 403);
  g_autofree char *csrf =
      g_strdup_printf("Origin: http://evil.example\r\nAuthorization: Bearer %s\r\n", token);
  g_auto(Reply) o = {0};
  http(&o, "POST", "/api/listVms", csrf, NULL);
  g_assert_cmpuint(o.status, ==, 403);
  g_autofree char *same = g_strdup_printf("Origin: http://127.0.0.1:%u\r\nAuthorization: Bearer "
                                          "%s\r\n",
                                          port, token);
  g_auto(Reply) ok = {0};
  http(&ok, "POST", "/api/listVms", same, NULL);
  g_assert_cmpuint(ok.status, ==, 200);
}

static void test_api_errors_carry_status(void)
{
  g_autofree char *auth = g_strdup_printf("Authorization: Bearer %s\r\n", token);
  g_auto(Reply) unknown = {0};
  http(&unknown, "POST", "/api/nope", auth, NULL);
  g_assert_cmpuint(unknown.status, ==, 404);
  assert_contains(unknown.body, "\"code\":\"notFound\"");
  g_auto(Reply) bad = {0};
  http(&bad, "POST", "/api/showVm", auth, "{\"vm\": 3}");
  g_assert_cmpuint(bad.status, ==, 400);
  assert_contains(bad.body, "parameter 'vm' must be a string");
  g_auto(Reply) notjson = {0};
  http(&notjson, "POST", "/api/showVm", auth, "{oops");
  g_assert_cmpuint(notjson.status, ==, 400);
  g_auto(Reply) get = {0};
  http(&get, "GET", "/api/listVms", auth, NULL);
  g_assert_cmpuint(get.status, ==, 405);
  g_auto(Reply) missing = {0};
  http(&missing, "POST", "/api/vmStatus", auth, "{\"vm\": \"ghost\"}");
  g_assert_cmpuint(missing.status, ==, 404);
}

/* A createVm body for a small light VM without a TPM. */
static char *create_body(const char *name, const char *iso)
{
  return g_strdup_printf("{\"name\": \"%s\", \"isoPath\": \"%s\", \"preset\": \"light\", "
                         "\"memoryMiB\": 1024, \"diskGiB\": 1, \"tpm\": false}",
                         name, iso);
}

/* listVms is served from a short-lived copy: a change made through the
 * API shows at once, one made elsewhere (the CLI) within a moment. */
static void test_list_copy_stays_true(void)
{
  g_autofree char *auth = g_strdup_printf("Authorization: Bearer %s\r\n", token);
  g_auto(Reply) before = {0};
  http(&before, "POST", "/api/listVms", auth, NULL);
  g_assert_cmpuint(before.status, ==, 200);
  g_autofree char *iso = harness_make_iso(root, "list.iso");
  g_autofree char *body = create_body("via-api", iso);
  g_auto(Reply) created = {0};
  http(&created, "POST", "/api/createVm", auth, body);
  g_assert_cmpuint(created.status, ==, 200);
  g_auto(Reply) after = {0};
  http(&after, "POST", "/api/listVms", auth, NULL);
  assert_contains(after.body, "\"name\":\"via-api\"");

  const char *create[] = {"create",   "via-cli", "--iso",  iso,  "--preset", "light",
                          "--memory", "1G",      "--disk", "1G", "--no-tpm", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, create);
  g_assert_cmpint(r.status, ==, 0);
  g_usleep(400 * 1000);
  g_auto(Reply) later = {0};
  http(&later, "POST", "/api/listVms", auth, NULL);
  assert_contains(later.body, "\"name\":\"via-cli\"");
  const char *d1[] = {"delete", "via-cli", "--permanently", NULL};
  const char *d2[] = {"delete", "via-api", "--permanently", NULL};
  g_auto(BvmRun) r1 = {0}, r2 = {0};
  harness_run(&r1, library, d1);
  harness_run(&r2, library, d2);
}

/* Accept: application/x-ndjson: each step of a create as a line, then the
 * result (or the error) as the last line. */
static void test_create_reports_progress(void)
{
  g_autofree char *auth = g_strdup_printf("Authorization: Bearer %s\r\n"
                                          "Accept: application/x-ndjson\r\n",
                                          token);
  g_autofree char *iso = harness_make_iso(root, "progress.iso");
  g_autofree char *body = create_body("progress", iso);
  g_auto(Reply) r = {0};
  http(&r, "POST", "/api/createVm", auth, body);
  g_assert_cmpuint(r.status, ==, 200);
  assert_contains(r.headers, "application/x-ndjson");
  /* the steps come first, the result last */
  const char *disk = strstr(r.body, "{\"progress\":{\"step\":\"creating a ");
  const char *config = strstr(r.body, "{\"progress\":{\"step\":\"writing config.json\"}}");
  const char *result = strstr(r.body, "{\"result\":{");
  g_assert_nonnull(disk);
  g_assert_nonnull(config);
  g_assert_nonnull(result);
  g_assert_true(disk < config && config < result);
  assert_contains(result, "\"name\":\"progress\"");

  /* an error ends the stream the same way, with nothing made */
  g_auto(Reply) dup = {0};
  http(&dup, "POST", "/api/createVm", auth, body);
  g_assert_cmpuint(dup.status, ==, 200);
  assert_contains(dup.body, "{\"error\":{\"code\":\"alreadyExists\"");
  g_assert_null(strstr(dup.body, "\"progress\""));
  const char *del[] = {"delete", "progress", "--permanently", NULL};
  g_auto(BvmRun) d = {0};
  harness_run(&d, library, del);
  g_assert_cmpint(d.status, ==, 0);
}

typedef struct {
  const char *op;
  const char *body;
  guint status;
} Concurrent;

static gpointer concurrent_call(gpointer data)
{
  Concurrent *c = data;
  g_autofree char *auth = g_strdup_printf("Authorization: Bearer %s\r\n", token);
  g_autofree char *path = g_strdup_printf("/api/%s", c->op);
  g_auto(Reply) r = {0};
  http(&r, "POST", path, auth, c->body);
  c->status = r.status;
  return NULL;
}

/* The same calls at once through the server: the locks decide as they do
 * for the CLI (one bundle, one QEMU, the rest 409). */
static guint count_status(const char *op, const char *body, guint want)
{
  Concurrent calls[10];
  GThread *threads[10];
  for (int i = 0; i < 10; i++) {
    calls[i] = (Concurrent){.op = op, .body = body};
    threads[i] = g_thread_new("call", concurrent_call, &calls[i]);
  }
  guint n = 0;
  for (int i = 0; i < 10; i++) {
    g_thread_join(threads[i]);
    g_test_message("%s -> %u", op, calls[i].status);
    n += calls[i].status == want;
  }
  return n;
}

static void test_concurrent_calls_for_one_vm(void)
{
  g_autofree char *iso = harness_make_iso(root, "conc.iso");
  g_autofree char *create = create_body("conc", iso);
  g_assert_cmpuint(count_status("createVm", create, 200), ==, 1);
  g_assert_cmpuint(count_status("startVm", "{\"vm\": \"conc\", \"display\": \"none\"}", 200), ==,
                   1);
  g_autofree char *bundle = g_build_filename(library, "conc.bridgevm", NULL);
  g_autofree char *qemu = harness_process_mentioning(bundle);
  g_assert_nonnull(qemu);
  g_assert_cmpuint(count_status("killVm", "{\"vm\": \"conc\"}", 200), >=, 1);
  g_usleep(300 * 1000);
  g_autofree char *left = harness_process_mentioning(bundle);
  g_assert_null(left);
  g_assert_cmpuint(count_status("deleteVm", "{\"vm\": \"conc\", \"permanently\": true}", 200), ==,
                   1);
  g_assert_false(g_file_test(bundle, G_FILE_TEST_EXISTS));
}

/* Send a request and read until @needle shows up (a stream never ends). */
static char *read_until(const char *request, const char *needle)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_set_timeout(client, 20);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn =
      g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, &error);
  g_assert_no_error(error);
  GOutputStream *os = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  g_assert_true(g_output_stream_write_all(os, request, strlen(request), NULL, NULL, &error));
  GInputStream *is = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  GString *all = g_string_new(NULL);
  char buf[4096];
  gssize n;
  while (strstr(all->str, needle) == NULL &&
         (n = g_input_stream_read(is, buf, sizeof buf, NULL, &error)) > 0)
    g_string_append_len(all, buf, n);
  return g_string_free(all, FALSE);
}

static void run_cli(const char *const *args)
{
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  if (r.status != 0)
    g_error("bridgevm %s: %s", args[0], r.err);
}

/* A WebSocket handshake for @path, with the session cookie or not, from
 * @origin (NULL: the server's own). */
static char *serial_request(const char *path, gboolean cookie, const char *origin)
{
  g_autofree char *own = g_strdup_printf("http://127.0.0.1:%u", port);
  g_autofree char *session =
      cookie ? g_strdup_printf("Cookie: bvm_session=%s\r\n", token) : g_strdup("");
  return g_strdup_printf("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: %s\r\n\r\n",
                         path, port, session, origin ? origin : own);
}

/* A running VM (a blank ISO: the firmware idles) streams its state, and
 * its screen is reachable through the WebSocket bridge (QEMU's VNC server
 * greets with its RFB version). */
static void test_events_and_console(void)
{
  g_autofree char *iso = harness_make_iso(root, "blank.iso");
  const char *create[] = {"create",   "live", "--iso",  iso,  "--preset", "light",
                          "--memory", "1G",   "--disk", "1G", "--no-tpm", NULL};
  run_cli(create);
  const char *start[] = {"start", "live", "--display", "vnc", NULL};
  run_cli(start);

  g_autofree char *events = g_strdup_printf("GET /events?vm=live&source=monitor HTTP/1.1\r\n"
                                            "Host: 127.0.0.1:%u\r\nAuthorization: Bearer "
                                            "%s\r\n\r\n",
                                            port, token);
  g_autofree char *stream = read_until(events, "\"running\"");
  assert_contains(stream, "text/event-stream");
  assert_contains(stream, "event: state");
  assert_contains(stream, "\"state\":\"running\"");

  g_autofree char *ws = g_strdup_printf(
      "GET /vnc/live HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nCookie: bvm_session=%s\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://127.0.0.1:%u\r\n\r\n",
      port, token, port);
  g_autofree char *vnc = read_until(ws, "RFB 003");
  assert_contains(vnc, "HTTP/1.1 101");
  assert_contains(vnc, "RFB 003.00");

  /* without the token the handshake is refused */
  g_autofree char *ws_bad =
      g_strdup_printf("GET /vnc/live HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                      port);
  g_autofree char *refused = read_until(ws_bad, "\r\n\r\n");
  assert_contains(refused, "HTTP/1.1 401");

  /* The serial console: the same checks; its first message says who has
   * the keyboard (a server's text frame is unmasked: its JSON is verbatim). */
  g_autofree char *ser_ro = serial_request("/serial/live?mode=ro", TRUE, NULL);
  g_autofree char *watching = read_until(ser_ro, "{\"writer\":false}");
  assert_contains(watching, "HTTP/1.1 101");
  assert_contains(watching, "{\"writer\":false}");
  g_autofree char *ser_rw = serial_request("/serial/live", TRUE, NULL);
  g_autofree char *typing = read_until(ser_rw, "{\"writer\":true}");
  assert_contains(typing, "{\"writer\":true}");
  g_autofree char *ser_origin = serial_request("/serial/live", TRUE, "http://evil.example");
  g_autofree char *foreign = read_until(ser_origin, "\r\n\r\n");
  assert_contains(foreign, "HTTP/1.1 403");
  g_autofree char *ser_none = serial_request("/serial/live", FALSE, NULL);
  g_autofree char *anonymous = read_until(ser_none, "\r\n\r\n");
  assert_contains(anonymous, "HTTP/1.1 401");

  const char *killv[] = {"kill", "live", NULL};
  run_cli(killv);
}

/* The suite's teardown: SIGTERM ends serve cleanly (status 0), and it
 * removes its token file. */
static void stop_server(void)
{
  g_autofree char *token_file =
      g_build_filename(g_getenv("XDG_RUNTIME_DIR"), "bridgevm", "serve.token", NULL);
  g_subprocess_send_signal(server, SIGTERM);
  g_subprocess_wait(server, NULL, NULL);
  g_assert_true(g_subprocess_get_if_exited(server));
  g_assert_cmpint(g_subprocess_get_exit_status(server), ==, 0);
  g_clear_object(&server);
  g_assert_false(g_file_test(token_file, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-serve-XXXXXX");
  library = g_build_filename(root, "lib", NULL);
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  const char *argv_serve[] = {harness_binary(), "--library", library, "serve", NULL};
  g_autoptr(GError) error = NULL;
  /* The server ends with this test even when an assertion aborts it. */
  server = harness_spawn_tied(G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv_serve, &error);
  g_assert_no_error(error);
  g_autoptr(GDataInputStream) out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(server));
  g_autofree char *url = g_data_input_stream_read_line(out, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_true(g_str_has_prefix(url, "http://127.0.0.1:"));
  port = (guint)g_ascii_strtoull(url + strlen("http://127.0.0.1:"), NULL, 10);
  token = g_strdup(strstr(url, "token=") + 6);
  /* the token is also kept for scripts, private to the user */
  g_autofree char *token_file = g_build_filename(rt, "bridgevm", "serve.token", NULL);
  GStatBuf st;
  g_assert_cmpint(g_stat(token_file, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0777, ==, 0600);
  g_test_add_func("/serve/token-is-required", test_token_is_required);
  g_test_add_func("/serve/bearer-and-cookie", test_bearer_and_cookie);
  g_test_add_func("/serve/host-and-origin-are-checked", test_host_and_origin_are_checked);
  g_test_add_func("/serve/api-errors-carry-status", test_api_errors_carry_status);
  g_test_add_func("/serve/events-and-console", test_events_and_console);
  g_test_add_func("/serve/list-copy-stays-true", test_list_copy_stays_true);
  g_test_add_func("/serve/create-reports-progress", test_create_reports_progress);
  g_test_add_func("/serve/concurrent-calls-for-one-vm", test_concurrent_calls_for_one_vm);
  harness_add_final_check(root, stop_server);
  int rc = g_test_run();
  if (server != NULL)
    stop_server();
  harness_cleanup(root);
  return rc;
}
