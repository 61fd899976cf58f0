/* The bridgevm://app/ scheme: the UI's files (embedded), POST /api/OP to
 * the dispatcher (NDJSON progress when asked), GET /events as server-sent
 * events, and POST /native/OP for helpers only a desktop app has. The same
 * relative URLs as `bridgevm serve`, with no TCP port. */
#pragma once

#include <json-glib/json-glib.h>
#include <webkit/webkit.h>

G_BEGIN_DECLS

typedef struct BvmScheme BvmScheme;

/* A native helper (e.g. chooseIso): answer @request later with
 * bvm_scheme_reply_json and unref it; FALSE (without touching @request)
 * when there is no helper @op, which the scheme answers with a 404. */
typedef gboolean (*BvmSchemeNativeFunc)(const char *op, WebKitURISchemeRequest *request,
                                        gpointer user_data);

/* @ui_dir: serve the UI from this directory instead of the embedded one
 * (development), or NULL. */
BvmScheme *bvm_scheme_new(const char *library, const char *monitor_binary, const char *ui_dir);
void bvm_scheme_free(BvmScheme *scheme);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmScheme, bvm_scheme_free)

void bvm_scheme_set_native_func(BvmScheme *scheme, BvmSchemeNativeFunc func, gpointer user_data);

/* Register the scheme on @context (secure, so the page is a secure context,
 * and CORS-enabled, so fetch() and module scripts may use it). */
void bvm_scheme_register(BvmScheme *scheme, WebKitWebContext *context);

void bvm_scheme_reply_json(WebKitURISchemeRequest *request, guint status, JsonNode *node);

G_END_DECLS
