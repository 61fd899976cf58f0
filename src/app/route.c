/* Routing and refusals of the bridgevm:// scheme. The app has no TCP port,
 * so the only way in is a page inside its own view: a foreign Origin means
 * some other page (an external site the view was tricked into, a frame)
 * and is refused before anything runs. */
#include "route.h"

#include <string.h>

void bvm_route_clear(BvmRoute *route)
{
  g_clear_pointer(&route->name, g_free);
  g_clear_pointer(&route->query, g_hash_table_unref);
}

static void refuse(BvmRoute *r, guint status, const char *why)
{
  r->kind = BVM_ROUTE_REFUSED;
  r->status = status;
  r->why = why;
}

/* An operation name: letters only, like every API operation. */
static gboolean is_op_name(const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalpha(*s))
      return FALSE;
  return TRUE;
}

void bvm_route_request(const char *uri, const char *method, const char *origin, BvmRoute *out_route)
{
  BvmRoute *r = out_route;
  memset(r, 0, sizeof *r);
  if (origin != NULL && strcmp(origin, BVM_APP_ORIGIN) != 0) {
    refuse(r, 403, "requests from other origins are refused");
    return;
  }
  g_autoptr(GUri) u = g_uri_parse(uri, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY, NULL);
  if (u == NULL || g_strcmp0(g_uri_get_scheme(u), BVM_APP_SCHEME) != 0 ||
      g_strcmp0(g_uri_get_host(u), "app") != 0) {
    refuse(r, 404, "only bridgevm://app/ exists");
    return;
  }
  g_autofree char *path = g_uri_unescape_string(g_uri_get_path(u), NULL);
  if (path == NULL || path[0] != '/' || strstr(path, "..") != NULL) {
    refuse(r, 400, "this path is not allowed");
    return;
  }
  if (g_uri_get_query(u) != NULL)
    r->query = g_uri_parse_params(g_uri_get_query(u), -1, "&", G_URI_PARAMS_NONE, NULL);
  gboolean post = g_strcmp0(method, "POST") == 0;
  gboolean get = method == NULL || strcmp(method, "GET") == 0;
  if (g_str_has_prefix(path, "/api/") || g_str_has_prefix(path, "/native/")) {
    gboolean api = g_str_has_prefix(path, "/api/");
    const char *op = path + (api ? strlen("/api/") : strlen("/native/"));
    if (!post) {
      refuse(r, 405, "API calls are POST /api/OPERATION with JSON");
      return;
    }
    if (!is_op_name(op)) {
      refuse(r, 404, "no such operation");
      return;
    }
    r->kind = api ? BVM_ROUTE_API : BVM_ROUTE_NATIVE;
    r->name = g_strdup(op);
    return;
  }
  if (!get) {
    refuse(r, 405, "the UI's files are GET only");
    return;
  }
  if (strcmp(path, "/events") == 0) {
    r->kind = BVM_ROUTE_EVENTS;
    r->name = g_strdup(path);
    return;
  }
  r->kind = BVM_ROUTE_FILE;
  r->name = g_strdup(path);
}

gboolean bvm_route_is_app_uri(const char *uri)
{
  return uri != NULL && g_str_has_prefix(uri, BVM_APP_START_URI);
}

gboolean bvm_route_is_external_link(const char *uri)
{
  return uri != NULL && (g_str_has_prefix(uri, "https://") || g_str_has_prefix(uri, "http://") ||
                         g_str_has_prefix(uri, "mailto:"));
}
