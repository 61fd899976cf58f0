/* The desktop app's bridgevm:// routing: what reaches the dispatcher, what
 * is a UI file, and what is refused (foreign origins, other hosts, wrong
 * methods, paths out of the UI). Pure: no WebKit. */
#include "route.h"
#include "util.h"

#include <string.h>

static void route(BvmRoute *r, const char *uri, const char *method, const char *origin)
{
  bvm_route_request(uri, method, origin, r);
}

static void test_api_and_native(void)
{
  g_auto(BvmRoute) r = {0};
  route(&r, "bridgevm://app/api/listVms", "POST", NULL);
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_API);
  g_assert_cmpstr(r.name, ==, "listVms");
  bvm_route_clear(&r);
  route(&r, "bridgevm://app/api/startVm", "POST", "bridgevm://app");
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_API);
  bvm_route_clear(&r);
  route(&r, "bridgevm://app/native/chooseIso", "POST", "bridgevm://app");
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_NATIVE);
  g_assert_cmpstr(r.name, ==, "chooseIso");
}

static void test_foreign_origin_refused(void)
{
  const char *origins[] = {"https://evil.example",  "null",    "bridgevm://other",
                           "http://127.0.0.1:8080", "file://", ""};
  for (gsize i = 0; i < G_N_ELEMENTS(origins); i++) {
    g_auto(BvmRoute) r = {0};
    route(&r, "bridgevm://app/api/killVm", "POST", origins[i]);
    g_assert_cmpint(r.kind, ==, BVM_ROUTE_REFUSED);
    g_assert_cmpuint(r.status, ==, 403);
    bvm_route_clear(&r);
    route(&r, "bridgevm://app/index.html", "GET", origins[i]);
    g_assert_cmpint(r.kind, ==, BVM_ROUTE_REFUSED);
  }
}

static void test_methods(void)
{
  g_auto(BvmRoute) r = {0};
  route(&r, "bridgevm://app/api/listVms", "GET", NULL);
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_REFUSED);
  g_assert_cmpuint(r.status, ==, 405);
  bvm_route_clear(&r);
  route(&r, "bridgevm://app/index.html", "POST", NULL);
  g_assert_cmpuint(r.status, ==, 405);
  bvm_route_clear(&r);
  route(&r, "bridgevm://app/api/list%2FVms", "POST", NULL);
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_REFUSED);
  g_assert_cmpuint(r.status, ==, 404);
}

static void test_files_and_events(void)
{
  g_auto(BvmRoute) r = {0};
  route(&r, "bridgevm://app/", "GET", NULL);
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_FILE);
  g_assert_cmpstr(r.name, ==, "/");
  bvm_route_clear(&r);
  route(&r, "bridgevm://app/assets/index-1a2b.js", "GET", NULL);
  g_assert_cmpstr(r.name, ==, "/assets/index-1a2b.js");
  bvm_route_clear(&r);
  route(&r, "bridgevm://app/events?vm=demo%20one&source=serial", "GET", NULL);
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_EVENTS);
  g_assert_cmpstr(g_hash_table_lookup(r.query, "vm"), ==, "demo one");
  g_assert_cmpstr(g_hash_table_lookup(r.query, "source"), ==, "serial");
  bvm_route_clear(&r);
  /* Dot segments are resolved inside the UI's root (a path under it, never
   * one with ".." that a directory lookup could follow). */
  route(&r, "bridgevm://app/assets/%2e%2e/%2e%2e/etc/passwd", "GET", NULL);
  g_assert_true(r.kind == BVM_ROUTE_REFUSED || strstr(r.name, "..") == NULL);
  bvm_route_clear(&r);
  route(&r, "bridgevm://other/index.html", "GET", NULL);
  g_assert_cmpint(r.kind, ==, BVM_ROUTE_REFUSED);
  g_assert_cmpstr(bvm_content_type_for_path("/assets/a.css"), ==, "text/css");
  g_assert_cmpstr(bvm_content_type_for_path("/index.html"), ==, "text/html; charset=utf-8");
}

static void test_navigation(void)
{
  g_assert_true(bvm_route_is_app_uri("bridgevm://app/#/new"));
  g_assert_false(bvm_route_is_app_uri("bridgevm://application/"));
  g_assert_false(bvm_route_is_app_uri("https://example.com/"));
  g_assert_false(bvm_route_is_app_uri("file:///etc/passwd"));
  g_assert_true(bvm_route_is_external_link("https://example.com/"));
  g_assert_false(bvm_route_is_external_link("file:///etc/passwd"));
  g_assert_false(bvm_route_is_external_link("javascript:alert(1)"));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/app-route/api-and-native", test_api_and_native);
  g_test_add_func("/app-route/foreign-origin-refused", test_foreign_origin_refused);
  g_test_add_func("/app-route/methods", test_methods);
  g_test_add_func("/app-route/files-and-events", test_files_and_events);
  g_test_add_func("/app-route/navigation", test_navigation);
  return g_test_run();
}
