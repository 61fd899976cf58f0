/* Where a bridgevm:// request goes, decided without WebKit (unit-tested):
 * the UI's files, an API call, the event stream, a native helper, or a
 * refusal with its HTTP status. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The app's one origin; every page and request lives under it. */
#define BVM_APP_SCHEME "bridgevm"
#define BVM_APP_ORIGIN "bridgevm://app"
#define BVM_APP_START_URI "bridgevm://app/"

typedef enum {
  BVM_ROUTE_REFUSED,
  BVM_ROUTE_FILE,   /* GET: a file of the UI (name: its path) */
  BVM_ROUTE_API,    /* POST /api/OP (name: OP) */
  BVM_ROUTE_EVENTS, /* GET /events?vm=... */
  BVM_ROUTE_NATIVE, /* POST /native/OP (name: OP) */
} BvmRouteKind;

typedef struct {
  BvmRouteKind kind;
  char *name;
  GHashTable *query; /* the URI's query parameters, or NULL */
  guint status;      /* when refused */
  const char *why;   /* when refused */
} BvmRoute;

void bvm_route_clear(BvmRoute *route);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BvmRoute, bvm_route_clear)

/* @origin is the request's Origin header, or NULL (WebKit sends none on a
 * page's own GETs). A foreign Origin is refused (403) whatever the path. */
void bvm_route_request(const char *uri, const char *method, const char *origin,
                       BvmRoute *out_route);

/* TRUE when the view may show @uri itself; anything else is refused and,
 * when it is a web or mail link, opened in the user's browser. */
gboolean bvm_route_is_app_uri(const char *uri);
gboolean bvm_route_is_external_link(const char *uri);

G_END_DECLS
