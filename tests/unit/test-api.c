/* The API dispatcher: its contract with docs/api.md, its error objects,
 * parameter checking, and real operations on a temp library. */
#include "api.h"
#include "error.h"
#include "events.h"
#include "ports.h"
#include "util.h"

#include <glib/gstdio.h>

static char *root, *library, *iso;

static JsonNode *params(const char *json)
{
  return json_from_string(json, NULL);
}

static void test_documented_operations_match(void)
{
  g_autofree char *doc_path = g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "docs", "api.md", NULL);
  g_autofree char *doc = NULL;
  g_assert_true(g_file_get_contents(doc_path, &doc, NULL, NULL));
  g_autoptr(GPtrArray) documented = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = g_strsplit(doc, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, "### `") && g_str_has_suffix(*l, "`"))
      g_ptr_array_add(documented, g_strndup(*l + 5, strlen(*l) - 6));
  guint n = 0;
  const BvmApiOp *ops = bvm_api_operations(&n);
  /* every operation is documented, in order, and nothing else is */
  g_assert_cmpuint(documented->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr(documented->pdata[i], ==, ops[i].name);
}

static void test_errors_are_objects_with_codes(void)
{
  g_autoptr(BvmApi) api = bvm_api_new(library, "/nonexistent/bridgevm");
  g_autoptr(GError) error = NULL;
  g_assert_null(bvm_api_call(api, "noSuchOp", NULL, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND);
  g_autoptr(JsonNode) ej = bvm_api_error_to_json(error);
  g_autofree char *text = json_to_string(ej, FALSE);
  g_assert_cmpstr(text, ==,
                  "{\"error\":{\"code\":\"notFound\",\"message\":\"no API operation 'noSuchOp': "
                  "see docs/api.md for the list\"}}");
  g_assert_cmpuint(bvm_error_http_status(error), ==, 404);
  g_clear_error(&error);

  g_autoptr(JsonNode) p1 = params("{\"vm\": 42}");
  g_assert_null(bvm_api_call(api, "showVm", p1, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr(error->message, ==, "parameter 'vm' must be a string");
  g_assert_cmpuint(bvm_error_http_status(error), ==, 400);
  g_clear_error(&error);

  g_autoptr(JsonNode) p2 = params("{\"name\": \"x\", \"isoPath\": \"/x.iso\", \"cpus\": -1}");
  g_assert_null(bvm_api_call(api, "createVm", p2, &error));
  g_assert_nonnull(strstr(error->message, "parameter 'cpus' must be a whole number"));
  g_clear_error(&error);

  g_autoptr(JsonNode) p3 = params("[1]");
  g_assert_null(bvm_api_call(api, "listVms", p3, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);

  g_autoptr(JsonNode) p4 = params("{\"vm\": \"ghost\"}");
  g_assert_null(bvm_api_call(api, "vmStatus", p4, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND);
}

/* createVm / planVm parameters for a small light VM from the test ISO
 * (tpm FALSE: none; TRUE: the default, a TPM). */
static JsonNode *create_params(const char *name, guint disk_gib, gboolean tpm)
{
  g_autofree char *json = g_strdup_printf("{\"name\": \"%s\", \"isoPath\": \"%s\", \"preset\": "
                                          "\"light\", \"memoryMiB\": 1024, \"diskGiB\": %u%s}",
                                          name, iso, disk_gib, tpm ? "" : ", \"tpm\": false");
  return params(json);
}

static void test_operations_on_a_library(void)
{
  g_autoptr(BvmApi) api = bvm_api_new(library, "/nonexistent/bridgevm");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) cp = create_params("api vm", 2, FALSE);
  g_autoptr(JsonNode) vm = bvm_api_call(api, "createVm", cp, &error);
  g_assert_no_error(error);
  JsonObject *o = json_node_get_object(vm);
  g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "api vm");
  g_assert_cmpint(json_object_get_int_member(o, "memoryMiB"), ==, 1024);
  g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "stopped");

  /* planning the same name is refused too, and planning makes nothing */
  g_assert_null(bvm_api_call(api, "planVm", cp, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS);
  g_clear_error(&error);
  g_autoptr(JsonNode) pp = create_params("planned", 2, FALSE);
  g_autoptr(JsonNode) plan = bvm_api_call(api, "planVm", pp, &error);
  g_assert_no_error(error);
  JsonObject *po = json_node_get_object(plan);
  g_assert_cmpstr(json_object_get_string_member(json_object_get_object_member(po, "vm"), "name"),
                  ==, "planned");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
                       json_object_get_object_member(po, "command"), "argv")),
                   >, 20);
  g_autofree char *planned_dir = g_build_filename(library, "planned.bridgevm", NULL);
  g_assert_false(g_file_test(planned_dir, G_FILE_TEST_EXISTS));

  /* the same name again is a conflict */
  g_assert_null(bvm_api_call(api, "createVm", cp, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS);
  g_assert_cmpuint(bvm_error_http_status(error), ==, 409);
  g_clear_error(&error);

  g_autoptr(JsonNode) list = bvm_api_call(api, "listVms", NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(json_array_get_length(json_node_get_array(list)), ==, 1);

  g_autoptr(JsonNode) up = params("{\"vm\": \"API VM\", \"cpus\": 1, \"diskGiB\": 3}");
  g_autoptr(JsonNode) updated = bvm_api_call(api, "updateVm", up, &error);
  g_assert_no_error(error);
  g_assert_cmpint(json_object_get_int_member(json_node_get_object(updated), "diskGiB"), ==, 3);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(updated), "preset"), ==,
                  "custom");

  g_autoptr(JsonNode) vp = params("{\"vm\": \"api vm\"}");
  g_autoptr(JsonNode) cmd = bvm_api_call(api, "vmCommand", vp, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(
      json_array_get_length(json_object_get_array_member(json_node_get_object(cmd), "groups")), >,
      10);
  g_autoptr(JsonNode) st = bvm_api_call(api, "vmStatus", vp, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(st), "state"), ==, "stopped");

  g_autoptr(JsonNode) bad_iso = params("{\"path\": \"/etc/hostname\"}");
  g_autoptr(JsonNode) vi = bvm_api_call(api, "validateIso", bad_iso, &error);
  g_assert_no_error(error);
  g_assert_false(json_object_get_boolean_member(json_node_get_object(vi), "valid"));

  g_autoptr(JsonNode) host = bvm_api_call(api, "hostInfo", NULL, &error);
  g_assert_no_error(error);
  JsonObject *limits = json_object_get_object_member(json_node_get_object(host), "limits");
  g_assert_cmpint(json_object_get_int_member(limits, "maxCpus"), ==, g_get_num_processors());

  g_autoptr(JsonNode) logs = bvm_api_call(api, "vmLogs", vp, &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) agent_p = params("{\"vm\": \"api vm\", \"call\": \"ping\", "
                                       "\"timeoutSeconds\": 1}");
  g_assert_null(bvm_api_call(api, "agent", agent_p, &error));
  g_assert_nonnull(error);
  g_clear_error(&error);

  g_autoptr(JsonNode) dp = params("{\"vm\": \"api vm\", \"permanently\": true}");
  g_autoptr(JsonNode) del = bvm_api_call(api, "deleteVm", dp, &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) empty = bvm_api_call(api, "listVms", NULL, &error);
  g_assert_cmpuint(json_array_get_length(json_node_get_array(empty)), ==, 0);
}

/* The shape of a JSON value: member names and value types, recursively
 * (arrays by their first element); values themselves may differ. */
static char *shape_of(JsonNode *n)
{
  switch (JSON_NODE_TYPE(n)) {
  case JSON_NODE_OBJECT: {
    JsonObject *o = json_node_get_object(n);
    g_autoptr(GList) names = json_object_get_members(o);
    names = g_list_sort(names, (GCompareFunc)g_strcmp0);
    GString *out = g_string_new("{");
    for (GList *l = names; l; l = l->next) {
      g_autofree char *inner = shape_of(json_object_get_member(o, l->data));
      g_string_append_printf(out, "%s:%s,", (char *)l->data, inner);
    }
    g_string_append_c(out, '}');
    return g_string_free(out, FALSE);
  }
  case JSON_NODE_ARRAY: {
    JsonArray *a = json_node_get_array(n);
    if (json_array_get_length(a) == 0)
      return g_strdup("[]");
    g_autofree char *inner = shape_of(json_array_get_element(a, 0));
    return g_strdup_printf("[%s]", inner);
  }
  case JSON_NODE_NULL:
    return g_strdup("null");
  default:
    return g_strdup(g_type_name(json_node_get_value_type(n)));
  }
}

/* Same member names and value types, recursively; a null on either side
 * matches anything (the field is nullable), an empty array any array. */
static gboolean same_shape(JsonNode *a, JsonNode *b)
{
  if (JSON_NODE_HOLDS_NULL(a) || JSON_NODE_HOLDS_NULL(b))
    return TRUE;
  if (JSON_NODE_TYPE(a) != JSON_NODE_TYPE(b))
    return FALSE;
  if (JSON_NODE_HOLDS_OBJECT(a)) {
    JsonObject *oa = json_node_get_object(a), *ob = json_node_get_object(b);
    if (json_object_get_size(oa) != json_object_get_size(ob))
      return FALSE;
    g_autoptr(GList) names = json_object_get_members(oa);
    for (GList *l = names; l; l = l->next)
      if (!json_object_has_member(ob, l->data) ||
          !same_shape(json_object_get_member(oa, l->data), json_object_get_member(ob, l->data)))
        return FALSE;
    return TRUE;
  }
  if (JSON_NODE_HOLDS_ARRAY(a)) {
    JsonArray *aa = json_node_get_array(a), *ab = json_node_get_array(b);
    if (json_array_get_length(aa) == 0 || json_array_get_length(ab) == 0)
      return TRUE;
    return same_shape(json_array_get_element(aa, 0), json_array_get_element(ab, 0));
  }
  return json_node_get_value_type(a) == json_node_get_value_type(b);
}

/* tests/fixtures/api/OP.json hold real answers of the dispatcher: the UI's
 * tests load them against its TypeScript types. Here the C side proves the
 * fixtures still have the shape it returns; BVM_REGENERATE_API_FIXTURES=1
 * rewrites them. */
static void check_fixture(const char *name, JsonNode *actual)
{
  g_autofree char *file = g_strdup_printf("%s.json", name);
  g_autofree char *path =
      g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "fixtures", "api", file, NULL);
  if (g_strcmp0(g_getenv("BVM_REGENERATE_API_FIXTURES"), "1") == 0) {
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, actual);
    g_autofree char *dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    g_assert_true(json_generator_to_file(gen, path, NULL));
    return;
  }
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_file(parser, path, &error))
    g_error("%s: %s (regenerate with BVM_REGENERATE_API_FIXTURES=1)", path, error->message);
  if (same_shape(json_parser_get_root(parser), actual))
    return;
  g_autofree char *want = shape_of(json_parser_get_root(parser));
  g_autofree char *have = shape_of(actual);
  g_error("the %s answer changed shape; the UI's types must follow:\nfixture: %s\nnow:     %s",
          name, want, have);
}

static void test_fixtures_match_the_dispatcher(void)
{
  g_autoptr(BvmApi) api = bvm_api_new(library, "/nonexistent/bridgevm");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) cp = create_params("fixture", 2, TRUE);
  g_autoptr(JsonNode) plan = bvm_api_call(api, "planVm", cp, &error);
  g_assert_no_error(error);
  check_fixture("planVm", plan);
  g_autoptr(JsonNode) vm = bvm_api_call(api, "createVm", cp, &error);
  g_assert_no_error(error);
  json_object_remove_member(json_node_get_object(vm), "notice");
  check_fixture("vm", vm);
  g_autoptr(JsonNode) vp = params("{\"vm\": \"fixture\"}");
  const char *ops[] = {"listVms", "vmStatus", "vmCommand", "presets", "hostInfo", NULL};
  for (const char **op = ops; *op; op++) {
    g_autoptr(JsonNode) r = bvm_api_call(api, *op, vp, &error);
    g_assert_no_error(error);
    check_fixture(*op, r);
  }
  /* a VM with a forward and a share, as addForward and addShare answer */
  guint port = 47000;
  while (!bvm_ports_check_free(BVM_FORWARD_TCP, "127.0.0.1", port, NULL))
    port++;
  g_autofree char *fp =
      g_strdup_printf("{\"vm\": \"fixture\", \"hostPort\": %u, \"guestPort\": 80}", port);
  g_autoptr(JsonNode) fwd_params = params(fp);
  g_autoptr(JsonNode) fwd = bvm_api_call(api, "addForward", fwd_params, &error);
  g_assert_no_error(error);
  g_autofree char *sp =
      g_strdup_printf("{\"vm\": \"fixture\", \"path\": \"%s\", \"readOnly\": true}", root);
  g_autoptr(JsonNode) share_params = params(sp);
  g_autoptr(JsonNode) shared = bvm_api_call(api, "addShare", share_params, &error);
  g_assert_no_error(error);
  check_fixture("vmSharing", shared);
  g_autoptr(JsonNode) lp = params("{\"vm\": \"fixture\", \"source\": \"serial\"}");
  g_autoptr(JsonNode) lg = bvm_api_call(api, "vmLogs", lp, &error);
  g_assert_no_error(error);
  check_fixture("vmLogs", lg);
  g_autoptr(JsonNode) ip = params("{\"path\": \"/etc/hostname\"}");
  g_autoptr(JsonNode) vi = bvm_api_call(api, "validateIso", ip, &error);
  check_fixture("validateIso", vi);
  g_autoptr(JsonNode) missing = params("{\"vm\": \"ghost\"}");
  g_assert_null(bvm_api_call(api, "showVm", missing, &error));
  g_autoptr(JsonNode) ej = bvm_api_error_to_json(error);
  check_fixture("error", ej);
  g_clear_error(&error);
  /* the VM page: its snapshots, showVm (with diskUsage and them), a clone */
  g_autoptr(JsonNode) snp =
      params("{\"vm\": \"fixture\", \"name\": \"s1\", \"description\": \"clean install\"}");
  g_autoptr(JsonNode) snap = bvm_api_call(api, "createSnapshot", snp, &error);
  g_assert_no_error(error);
  check_fixture("createSnapshot", snap);
  g_autoptr(JsonNode) snaps = bvm_api_call(api, "listSnapshots", vp, &error);
  g_assert_no_error(error);
  check_fixture("listSnapshots", snaps);
  g_autoptr(JsonNode) shown = bvm_api_call(api, "showVm", vp, &error);
  g_assert_no_error(error);
  check_fixture("showVm", shown);
  g_autoptr(JsonNode) cp2 =
      params("{\"vm\": \"fixture\", \"name\": \"fixture-clone\", \"keepTpm\": true}");
  g_autoptr(JsonNode) cl = bvm_api_call(api, "cloneVm", cp2, &error);
  g_assert_no_error(error);
  check_fixture("cloneVm", cl);
  g_autoptr(JsonNode) cdp = params("{\"vm\": \"fixture-clone\", \"permanently\": true}");
  g_autoptr(JsonNode) cdel = bvm_api_call(api, "deleteVm", cdp, &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) dp = params("{\"vm\": \"fixture\", \"permanently\": true}");
  g_autoptr(JsonNode) del = bvm_api_call(api, "deleteVm", dp, &error);
  g_assert_no_error(error);
}

/* The accelerator is chosen per VM, checked against the host, and says
 * in the command why it is what it is; pause and resume need a live VM. */
static void test_accel_and_pause_rules(void)
{
  g_autoptr(BvmApi) api = bvm_api_new(library, "/nonexistent/bridgevm");
  g_autoptr(GError) error = NULL;
  g_autofree char *bad_json = g_strdup_printf(
      "{\"name\": \"warp\", \"isoPath\": \"%s\", \"preset\": \"light\", \"accel\": \"warp\"}", iso);
  g_autoptr(JsonNode) bad = params(bad_json);
  g_assert_null(bvm_api_call(api, "createVm", bad, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "'accel'"));
  g_clear_error(&error);
  /* hvf exists only on a Mac: refused here, and nothing is made */
  g_autofree char *hvf_json = g_strdup_printf(
      "{\"name\": \"hvf\", \"isoPath\": \"%s\", \"preset\": \"light\", \"memoryMiB\": 1024, "
      "\"diskGiB\": 2, \"accel\": \"hvf\"}",
      iso);
  g_autoptr(JsonNode) hvf = params(hvf_json);
  g_assert_null(bvm_api_call(api, "createVm", hvf, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "Hypervisor.framework"));
  g_clear_error(&error);
  g_autofree char *hvf_dir = g_build_filename(library, "hvf.bridgevm", NULL);
  g_assert_false(g_file_test(hvf_dir, G_FILE_TEST_EXISTS));

  g_autoptr(JsonNode) cp = create_params("accel vm", 2, FALSE);
  g_autoptr(JsonNode) vm = bvm_api_call(api, "createVm", cp, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(vm), "accel"), ==, "auto");
  g_autoptr(JsonNode) up = params("{\"vm\": \"accel vm\", \"accel\": \"tcg\"}");
  g_autoptr(JsonNode) updated = bvm_api_call(api, "updateVm", up, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(updated), "accel"), ==, "tcg");
  g_autoptr(JsonNode) vp = params("{\"vm\": \"accel vm\"}");
  g_autoptr(JsonNode) cmd = bvm_api_call(api, "vmCommand", vp, &error);
  g_assert_no_error(error);
  JsonObject *co = json_node_get_object(cmd);
  g_assert_cmpstr(json_object_get_string_member(co, "accel"), ==, "tcg");
  g_autofree char *dropped = json_to_string(json_object_get_member(co, "dropped"), FALSE);
  g_assert_nonnull(strstr(dropped, "the VM's settings ask for TCG"));

  /* pause and resume want a running (paused) VM */
  g_assert_null(bvm_api_call(api, "pauseVm", vp, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "only a running VM can be paused"));
  g_assert_cmpuint(bvm_error_http_status(error), ==, 400);
  g_clear_error(&error);
  g_assert_null(bvm_api_call(api, "resumeVm", vp, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);

  g_autoptr(JsonNode) host = bvm_api_call(api, "hostInfo", NULL, &error);
  g_assert_no_error(error);
  g_autofree char *accels =
      json_to_string(json_object_get_member(json_node_get_object(host), "accels"), FALSE);
  g_assert_nonnull(strstr(accels, "\"tcg\""));
  g_assert_null(strstr(accels, "\"hvf\""));
}

static void collect_log(const char *event, const char *data, gpointer user_data)
{
  if (g_str_equal(event, "log"))
    g_string_append_printf(user_data, "%s\n", data);
}

/* vmLogs then events from its `end`: every line once, none lost between
 * the two, a line still being written given whole by the follower. */
static void test_logs_then_follow(void)
{
  g_autoptr(BvmApi) api = bvm_api_new(library, "/nonexistent/bridgevm");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) cp = create_params("logs", 1, FALSE);
  g_autoptr(JsonNode) vm = bvm_api_call(api, "createVm", cp, &error);
  g_assert_no_error(error);
  g_autofree char *serial = g_build_filename(library, "logs.bridgevm", "logs", "serial.log", NULL);
  g_assert_true(g_file_set_contents(serial, "one\ntwo\nthr", -1, NULL));

  g_autoptr(JsonNode) lp = params("{\"vm\": \"logs\", \"source\": \"serial\", \"lines\": 1}");
  g_autoptr(JsonNode) logs = bvm_api_call(api, "vmLogs", lp, &error);
  g_assert_no_error(error);
  JsonObject *o = json_node_get_object(logs);
  g_assert_cmpstr(json_object_get_string_member(o, "text"), ==, "two\n");
  gint64 end = json_object_get_int_member(o, "end");
  g_assert_cmpint(end, ==, 8);

  /* the rest of the line, and one more, arrive after the answer */
  FILE *f = fopen(serial, "a");
  g_assert_nonnull(f);
  fputs("ee\nfour\n", f);
  fclose(f);
  g_autoptr(GString) seen = g_string_new(NULL);
  BvmLogSource source = BVM_LOG_SERIAL;
  g_autoptr(BvmEvents) ev = bvm_events_new(library, "logs", &source, end, collect_log, seen);
  for (int i = 0; i < 100 && seen->len == 0; i++)
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpstr(seen->str, ==, "three\nfour\n");

  g_autoptr(JsonNode) dp = params("{\"vm\": \"logs\", \"permanently\": true}");
  g_autoptr(JsonNode) del = bvm_api_call(api, "deleteVm", dp, &error);
  g_assert_no_error(error);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = g_dir_make_tmp("bvm-api-XXXXXX", NULL);
  g_autofree char *rt = g_build_filename(root, "runtime", NULL);
  g_mkdir(rt, 0700);
  g_setenv("XDG_RUNTIME_DIR", rt, TRUE);
  library = g_build_filename(root, "lib", NULL);
  iso = g_build_filename(root, "i.iso", NULL);
  gsize len = 18 * 2048;
  g_autofree char *data = g_malloc0(len);
  memcpy(data + 16 * 2048, "\001CD001\001", 7);
  g_assert_true(g_file_set_contents(iso, data, (gssize)len, NULL));
  g_test_add_func("/api/documented-operations-match", test_documented_operations_match);
  g_test_add_func("/api/errors-are-objects-with-codes", test_errors_are_objects_with_codes);
  g_test_add_func("/api/operations-on-a-library", test_operations_on_a_library);
  g_test_add_func("/api/fixtures-match-the-dispatcher", test_fixtures_match_the_dispatcher);
  g_test_add_func("/api/logs-then-follow", test_logs_then_follow);
  g_test_add_func("/api/accel-and-pause-rules", test_accel_and_pause_rules);
  int rc = g_test_run();
  bvm_remove_tree(root, NULL);
  return rc;
}
