/* One request path: `bridgevm VERB … --json` prints exactly what the API
 * operation answers (src/core/api.c, called here in-process on the same
 * library), and a failure is the same message with the exit status of its
 * code. Every operation is compared except those without a verb; a new
 * operation without a verb (or a case here) fails the coverage test. */
#include "api.h"
#include "cli-harness.h"
#include "error.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static char *root;          /* temp dir for everything */
static char *library;       /* root/data/lib */
static char *iso;           /* root/installer.iso */
static GHashTable *covered; /* the operations compared so far */

/* Operations no verb stands for: the create wizard's review step, and the
 * host facts a form shows (`doctor` shows them to a CLI user). */
static const char *const without_verb[] = {"planVm", "hostInfo", NULL};

/* Fields that legitimately differ between two calls. */
static const char *const always_drop[] = {"uptimeSeconds", NULL};

static void drop_members(JsonNode *node, const char *const *names)
{
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_ARRAY(node)) {
    JsonArray *a = json_node_get_array(node);
    for (guint i = 0; i < json_array_get_length(a); i++)
      drop_members(json_array_get_element(a, i), names);
  } else if (JSON_NODE_HOLDS_OBJECT(node)) {
    JsonObject *o = json_node_get_object(node);
    for (const char *const *n = names; n != NULL && *n != NULL; n++)
      if (json_object_has_member(o, *n))
        json_object_remove_member(o, *n);
    g_autoptr(GList) members = json_object_get_members(o);
    for (GList *l = members; l != NULL; l = l->next)
      drop_members(json_object_get_member(o, l->data), names);
  }
}

static char *to_text(JsonNode *node)
{
  return json_to_string(node, TRUE);
}

/* Run `bridgevm @args --json` on the library. */
static void run_cli_json(BvmRun *out_run, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add(argv, (gpointer)*a);
  g_ptr_array_add(argv, (gpointer) "--json");
  g_ptr_array_add(argv, NULL);
  harness_run(out_run, library, (const char *const *)argv->pdata);
}

/* The exit status the CLI gives a successful answer of @op. */
static int success_status(const char *op, JsonNode *result)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT(result) ? json_node_get_object(result) : NULL;
  if (strcmp(op, "doctor") == 0)
    return json_object_get_boolean_member(o, "ok") ? BVM_EXIT_OK : BVM_EXIT_DEPENDENCY;
  if (strcmp(op, "validateIso") == 0 && !json_object_get_boolean_member(o, "valid")) {
    const char *path = json_object_get_string_member(o, "path");
    return g_file_test(path, G_FILE_TEST_EXISTS) ? BVM_EXIT_FAILURE : BVM_EXIT_NOT_FOUND;
  }
  return BVM_EXIT_OK;
}

/* Run `bridgevm @args --json` and @op with @params_json (NULL: none) on the
 * same library; assert the same answer after dropping @drop (and
 * always_drop) everywhere in both. The CLI runs first: the API then sees
 * what the CLI's call left (a cache, a changed VM), as the CLI's second
 * call would. */
static void compare(const char *op, const char *const *args, const char *params_json,
                    const char *const *drop)
{
  g_hash_table_add(covered, (gpointer)op);
  g_auto(BvmRun) r = {0};
  run_cli_json(&r, args);

  g_autoptr(JsonNode) params = params_json ? json_from_string(params_json, NULL) : NULL;
  g_assert_true(params_json == NULL || params != NULL);
  g_autoptr(BvmApi) api = bvm_api_new(library, harness_binary());
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) want = bvm_api_call(api, op, params, &error);

  if (want == NULL) {
    /* the same failure: its message on stderr, the exit status of its code */
    g_autofree char *line = g_strdup_printf("bridgevm: %s\n", error->message);
    if (g_strcmp0(r.err, line) != 0 || r.status != bvm_error_exit_status(error) || *r.out != '\0')
      g_error("%s: the API fails with '%s' (exit %d), but `bridgevm %s --json` exited %d "
              "printing '%s' and '%s'",
              op, error->message, bvm_error_exit_status(error), args[0], r.status, r.out, r.err);
    return;
  }
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonNode) got = json_from_string(r.out, &parse_error);
  if (got == NULL)
    g_error("%s: `bridgevm %s --json` (exit %d) printed no JSON: %s %s", op, args[0], r.status,
            r.out, r.err);
  g_assert_cmpint(r.status, ==, success_status(op, want));
  drop_members(want, always_drop);
  drop_members(got, always_drop);
  drop_members(want, drop);
  drop_members(got, drop);
  if (!json_node_equal(want, got)) {
    g_autofree char *w = to_text(want), *g = to_text(got);
    g_error("%s: the API answers\n%s\nbut `bridgevm %s --json` printed\n%s", op, w, args[0], g);
  }
}

/* An operation that cannot be done twice in a row (an add, a remove): the
 * CLI does it, @undo_op through the API puts things back, then the API does
 * it, and the two answers are compared. */
static void compare_undone(const char *op, const char *const *args, const char *params_json,
                           const char *undo_op, const char *undo_json)
{
  g_hash_table_add(covered, (gpointer)op);
  g_auto(BvmRun) r = {0};
  run_cli_json(&r, args);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonNode) got = json_from_string(r.out, NULL);
  g_assert_nonnull(got);
  g_autoptr(BvmApi) api = bvm_api_new(library, harness_binary());
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) undo = json_from_string(undo_json, NULL);
  g_autoptr(JsonNode) undone = bvm_api_call(api, undo_op, undo, &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) params = json_from_string(params_json, NULL);
  g_autoptr(JsonNode) want = bvm_api_call(api, op, params, &error);
  g_assert_no_error(error);
  drop_members(want, always_drop);
  drop_members(got, always_drop);
  if (!json_node_equal(want, got)) {
    g_autofree char *w = to_text(want), *g = to_text(got);
    g_error("%s: the API answers\n%s\nbut `bridgevm %s --json` printed\n%s", op, w, args[0], g);
  }
}

/* Forwards and shares: each flag of `set` is one operation. */
static void compare_sharing(void)
{
  guint port = harness_free_tcp_port();
  g_autofree char *spec = g_strdup_printf("tcp:%u:80", port);
  g_autofree char *port_text = g_strdup_printf("%u", port);
  g_autofree char *add = g_strdup_printf("{\"vm\": \"vm\", \"proto\": \"tcp\", \"hostPort\": %u, "
                                         "\"guestPort\": 80, \"bind\": \"127.0.0.1\"}",
                                         port);
  g_autofree char *remove = g_strdup_printf("{\"vm\": \"vm\", \"hostPort\": %u}", port);
  const char *set_forward[] = {"set", "vm", "--forward", spec, NULL};
  compare_undone("addForward", set_forward, add, "removeForward", remove);
  const char *set_no_forward[] = {"set", "vm", "--no-forward", port_text, NULL};
  compare_undone("removeForward", set_no_forward, remove, "addForward", add);

  g_autofree char *dir = g_build_filename(root, "shared dir", NULL);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
  g_autofree char *share_spec = g_strdup_printf("%s:docs:ro", dir);
  g_autofree char *share = g_strdup_printf(
      "{\"vm\": \"vm\", \"path\": \"%s\", \"tag\": \"docs\", \"readOnly\": true}", dir);
  const char *no_share_params = "{\"vm\": \"vm\", \"tag\": \"docs\"}";
  const char *set_share[] = {"set", "vm", "--share", share_spec, NULL};
  compare_undone("addShare", set_share, share, "removeShare", no_share_params);
  const char *set_no_share[] = {"set", "vm", "--no-share", "docs", NULL};
  compare_undone("removeShare", set_no_share, no_share_params, "addShare", share);
}

static void test_every_operation_answers_alike(void)
{
  const char *create[] = {"create",   "vm", "--iso",  iso,  "--preset", "light",
                          "--memory", "1G", "--disk", "2G", NULL};
  harness_run_ok(library, create);

  /* the reads */
  const char *list[] = {"list", NULL};
  compare("listVms", list, NULL, NULL);
  const char *show[] = {"show", "vm", NULL};
  compare("showVm", show, "{\"vm\": \"vm\"}", NULL);
  const char *status[] = {"status", "vm", NULL};
  compare("vmStatus", status, "{\"vm\": \"vm\"}", NULL);
  const char *command[] = {"command", "vm", NULL};
  compare("vmCommand", command, "{\"vm\": \"vm\"}", NULL);
  const char *command_paused[] = {"command", "vm", "--paused", "--display", "none", NULL};
  compare("vmCommand", command_paused, "{\"vm\": \"vm\", \"paused\": true, \"display\": \"none\"}",
          NULL);
  const char *export[] = {"export", "vm", "--libvirt", NULL};
  compare("exportVm", export, "{\"vm\": \"vm\"}", NULL);
  const char *presets[] = {"presets", NULL};
  compare("presets", presets, NULL, NULL);
  const char *doctor[] = {"doctor", NULL};
  compare("doctor", doctor, NULL, NULL);
  const char *valid[] = {"validate-iso", iso, NULL};
  g_autofree char *valid_params = g_strdup_printf("{\"path\": \"%s\"}", iso);
  compare("validateIso", valid, valid_params, NULL);
  g_autofree char *missing = g_build_filename(root, "missing.iso", NULL);
  const char *invalid[] = {"validate-iso", missing, NULL};
  g_autofree char *invalid_params = g_strdup_printf("{\"path\": \"%s\"}", missing);
  compare("validateIso", invalid, invalid_params, NULL);

  /* a log with more lines than asked for */
  g_autofree char *log = g_build_filename(library, "vm.bridgevm", "logs", "qemu.log", NULL);
  GString *text = g_string_new(NULL);
  for (int i = 0; i < 80; i++)
    g_string_append_printf(text, "line %d\n", i);
  g_assert_true(g_file_set_contents(log, text->str, (gssize)text->len, NULL));
  g_string_free(text, TRUE);
  const char *logs[] = {"logs", "vm", NULL};
  compare("vmLogs", logs, "{\"vm\": \"vm\", \"lines\": 50}", NULL);
  const char *logs_monitor[] = {"logs", "vm", "--source", "monitor", "--lines", "3", NULL};
  compare("vmLogs", logs_monitor, "{\"vm\": \"vm\", \"source\": \"monitor\", \"lines\": 3}", NULL);

  /* the changes, each done twice: the second sees the first's result, so
   * both answer the VM as it is after the change */
  const char *set[] = {"set",  "vm",           "--cpus",   "1", "--memory",
                       "768M", "--resolution", "1280x800", NULL};
  compare("updateVm", set,
          "{\"vm\": \"vm\", \"cpus\": 1, \"memoryMiB\": 768, \"width\": 1280, \"height\": 800}",
          NULL);
  const char *reset[] = {"reset-nvram", "vm", NULL};
  compare("resetNvram", reset, "{\"vm\": \"vm\"}", NULL);
  compare_sharing();

  /* create and delete: the CLI's VM is deleted through the API and made
   * again through it, and that one deleted by the CLI */
  const char *create2[] = {"create",       "second",   "--iso", iso,      "--preset",
                           "light",        "--memory", "1G",    "--disk", "2G",
                           "--resolution", "1280x800", NULL};
  g_autofree char *create_params = g_strdup_printf(
      "{\"name\": \"second\", \"isoPath\": \"%s\", \"preset\": \"light\", \"memoryMiB\": 1024, "
      "\"diskGiB\": 2, \"width\": 1280, \"height\": 800}",
      iso);
  g_autoptr(BvmApi) api = bvm_api_new(library, harness_binary());
  const char *const made_anew[] = {"id", "createdAt", NULL};
  /* compare() runs the CLI first: delete what it made before the API
   * makes it again */
  g_auto(BvmRun) r = {0};
  run_cli_json(&r, create2);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonNode) by_cli = json_from_string(r.out, NULL);
  g_assert_nonnull(by_cli);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) del_params =
      json_from_string("{\"vm\": \"second\", \"permanently\": true}", NULL);
  g_autoptr(JsonNode) deleted = bvm_api_call(api, "deleteVm", del_params, &error);
  g_assert_no_error(error);
  g_autoptr(JsonNode) cp = json_from_string(create_params, NULL);
  g_autoptr(JsonNode) by_api = bvm_api_call(api, "createVm", cp, &error);
  g_assert_no_error(error);
  drop_members(by_cli, made_anew);
  drop_members(by_api, made_anew);
  if (!json_node_equal(by_cli, by_api)) {
    g_autofree char *c = to_text(by_cli), *a = to_text(by_api);
    g_error("createVm: the API answers\n%s\nbut `bridgevm create --json` printed\n%s", a, c);
  }
  g_hash_table_add(covered, (gpointer) "createVm");
  const char *del[] = {"delete", "second", "--permanently", NULL};
  bvm_run_clear(&r);
  run_cli_json(&r, del);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonNode) deleted_by_cli = json_from_string(r.out, NULL);
  g_assert_nonnull(deleted_by_cli);
  g_assert_true(json_node_equal(deleted, deleted_by_cli));
  g_hash_table_add(covered, (gpointer) "deleteVm");

  /* snapshots: the reads and the idempotent revert answer alike; a create
   * or clone onto a name taken, and a delete of none, fail alike */
  const char *snap_take[] = {"snapshot", "vm", "create", "s1", "--description", "first", NULL};
  harness_run_ok(library, snap_take);
  compare("createSnapshot", snap_take,
          "{\"vm\": \"vm\", \"name\": \"s1\", \"description\": \"first\"}", NULL);
  const char *snap_list[] = {"snapshot", "vm", "list", NULL};
  compare("listSnapshots", snap_list, "{\"vm\": \"vm\"}", NULL);
  const char *snap_revert[] = {"snapshot", "vm", "revert", "s1", NULL};
  compare("revertSnapshot", snap_revert, "{\"vm\": \"vm\", \"name\": \"s1\"}", NULL);
  const char *snap_delete[] = {"snapshot", "vm", "delete", "nope", NULL};
  compare("deleteSnapshot", snap_delete, "{\"vm\": \"vm\", \"name\": \"nope\"}", NULL);
  const char *clone_taken[] = {"clone", "vm", "VM", NULL};
  compare("cloneVm", clone_taken, "{\"vm\": \"vm\", \"name\": \"VM\"}", NULL);
  const char *snap_drop[] = {"snapshot", "vm", "delete", "s1", NULL};
  harness_run_ok(library, snap_drop);

  /* what needs a running guest fails alike on a stopped VM */
  const char *stop[] = {"stop", "vm", NULL};
  compare("stopVm", stop, "{\"vm\": \"vm\"}", NULL);
  const char *kill[] = {"kill", "vm", NULL};
  compare("killVm", kill, "{\"vm\": \"vm\"}", NULL);
  const char *pause[] = {"pause", "vm", NULL};
  compare("pauseVm", pause, "{\"vm\": \"vm\"}", NULL);
  const char *resume[] = {"resume", "vm", NULL};
  compare("resumeVm", resume, "{\"vm\": \"vm\"}", NULL);
  const char *agent[] = {"agent", "vm", "ping", NULL};
  compare("agent", agent, "{\"vm\": \"vm\", \"call\": \"ping\"}", NULL);
  const char *agent_net[] = {"agent", "vm", "network", "--timeout", "1", NULL};
  compare("agent", agent_net, "{\"vm\": \"vm\", \"call\": \"network\", \"timeoutSeconds\": 1}",
          NULL);
}

/* Every operation on a VM that is not there: the same message and code. */
static void test_unknown_vm_fails_alike(void)
{
  static const struct {
    const char *op;
    const char *args[8];
    const char *params;
  } cases[] = {
      {"showVm", {"show", "nope"}, "{\"vm\": \"nope\"}"},
      {"updateVm", {"set", "nope", "--cpus", "1"}, "{\"vm\": \"nope\", \"cpus\": 1}"},
      {"deleteVm", {"delete", "nope"}, "{\"vm\": \"nope\"}"},
      /* startVm finds the VM before it starts anything: no guest here */
      {"startVm", {"start", "nope"}, "{\"vm\": \"nope\"}"},
      {"stopVm", {"stop", "nope"}, "{\"vm\": \"nope\"}"},
      {"killVm", {"kill", "nope"}, "{\"vm\": \"nope\"}"},
      {"pauseVm", {"pause", "nope"}, "{\"vm\": \"nope\"}"},
      {"resumeVm", {"resume", "nope"}, "{\"vm\": \"nope\"}"},
      {"vmStatus", {"status", "nope"}, "{\"vm\": \"nope\"}"},
      {"vmCommand", {"command", "nope"}, "{\"vm\": \"nope\"}"},
      {"exportVm", {"export", "nope", "--libvirt"}, "{\"vm\": \"nope\"}"},
      {"vmLogs", {"logs", "nope"}, "{\"vm\": \"nope\", \"lines\": 50}"},
      {"resetNvram", {"reset-nvram", "nope"}, "{\"vm\": \"nope\"}"},
      {"agent", {"agent", "nope", "ping"}, "{\"vm\": \"nope\", \"call\": \"ping\"}"},
      /* a verb that writes a file from the answer: compared on its error */
      {"vmScreenshot", {"screenshot", "nope", "nope.png"}, "{\"vm\": \"nope\"}"},
      {"listSnapshots", {"snapshot", "nope", "list"}, "{\"vm\": \"nope\"}"},
      {"cloneVm", {"clone", "nope", "other"}, "{\"vm\": \"nope\", \"name\": \"other\"}"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    /* must be an error on both sides */
    g_autoptr(BvmApi) api = bvm_api_new(library, harness_binary());
    g_autoptr(JsonNode) p = json_from_string(cases[i].params, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) result = bvm_api_call(api, cases[i].op, p, &error);
    g_assert_null(result);
    g_assert_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND);
    compare(cases[i].op, cases[i].args, cases[i].params, NULL);
  }
}

/* Every operation but those without a verb was compared above. */
static void test_every_operation_is_covered(void)
{
  guint n = 0;
  const BvmApiOp *ops = bvm_api_operations(&n);
  g_autoptr(GString) missing = g_string_new(NULL);
  for (guint i = 0; i < n; i++) {
    gboolean verbless = g_strv_contains(without_verb, ops[i].name);
    gboolean seen = g_hash_table_contains(covered, ops[i].name);
    if (!verbless && !seen)
      g_string_append_printf(missing, " %s", ops[i].name);
    if (verbless && seen)
      g_error("%s is listed as having no verb but was compared", ops[i].name);
  }
  if (missing->len > 0)
    g_error("operations without a CLI/API comparison (add a verb and a case):%s", missing->str);
  g_assert_cmpuint(g_hash_table_size(covered) + g_strv_length((char **)without_verb), ==, n);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-cliapi-XXXXXX");
  g_autofree char *data = harness_env_dir(root, "XDG_DATA_HOME", "data");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(data, "lib", NULL);
  iso = harness_make_iso(root, "installer.iso");
  covered = g_hash_table_new(g_str_hash, g_str_equal);
  g_test_add_func("/cli-api/every-operation-answers-alike", test_every_operation_answers_alike);
  g_test_add_func("/cli-api/unknown-vm-fails-alike", test_unknown_vm_fails_alike);
  g_test_add_func("/cli-api/every-operation-is-covered", test_every_operation_is_covered);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  harness_cleanup(root);
  return rc;
}
