/* `bridgevm serve`: the local web server. libsoup transport for api.c (and,
 * once built, the UI): loopback only, a per-run token traded for an
 * HttpOnly SameSite=Strict cookie, Host and Origin checked against
 * DNS rebinding and cross-site requests, no CORS. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *library;
  const char *monitor_binary;
  const char *bind;       /* "127.0.0.1" unless asked */
  guint port;             /* 0: any free port */
  const char *ui_dir;     /* the built UI (index.html ...), or NULL */
  const char *token_file; /* where the token is stored, 0600 */
} BvmServeOptions;

typedef struct BvmServer BvmServer;

/* Listen; *out_url is "http://127.0.0.1:PORT/?token=..." to print. */
BvmServer *bvm_server_new(const BvmServeOptions *opts, char **out_url, GError **error);
void bvm_server_free(BvmServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmServer, bvm_server_free)

G_END_DECLS
