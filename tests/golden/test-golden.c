/* Golden tests (tests/golden/README.md): each output is compared byte for
 * byte with a file in the tree; BVM_REGENERATE_GOLDEN=1 rewrites the files
 * instead (review the diff like code).
 *
 *   cases/NAME/     config.json + case.json -> expected.args (the QEMU argv,
 *                   one argument a line) or expected.err (the builder's
 *                   error: "code: message"); and the libvirt domain XML
 *                   expected.libvirt.xml with expected.libvirt-notes
 *   parse/NAME.json recorded QEMU output (tests/fixtures/caps/) -> the caps
 *                   record caps/NAME.json, or parse/NAME.err
 *   swtpm/NAME.json a bundle -> swtpm/NAME.args
 *   fixtures/caps/request.qmp: the QMP batch the recordings answer
 *
 * and a last test fails naming any caps/NAME.json or tests/fixtures/caps/ file
 * no case uses. */
#include "caps.h"
#include "config.h"
#include "error.h"
#include "libvirt_xml.h"
#include "paths.h"
#include "qemu_cmd.h"
#include "tpm.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static const char *golden_dir;
static const char *fixtures_dir; /* tests/fixtures/caps */

static gboolean regenerate(void)
{
  return g_strcmp0(g_getenv("BVM_REGENERATE_GOLDEN"), "1") == 0;
}

static char *read_text(const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, &error))
    g_error("%s", error->message);
  return text;
}

static JsonObject *load_object(JsonParser *parser, const char *path)
{
  g_autoptr(GError) error = NULL;
  if (!json_parser_load_from_file(parser, path, &error))
    g_error("%s: %s", path, error->message);
  JsonNode *root = json_parser_get_root(parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
    g_error("%s: not a JSON object", path);
  return json_node_get_object(root);
}

static char *error_text(const GError *error)
{
  g_assert_true(error->domain == BVM_ERROR);
  return g_strdup_printf("%s: %s\n", bvm_error_code_name((BvmErrorCode)error->code),
                         error->message);
}

/* Compare @actual with the file at @expected_path, or write it there when
 * regenerating; @other_path (may be NULL) is the file of the other outcome
 * (.args vs .err), removed when regenerating. */
static void compare_or_write(const char *name, const char *expected_path, const char *other_path,
                             const char *actual)
{
  g_autoptr(GError) error = NULL;
  if (regenerate()) {
    g_assert_true(g_file_set_contents(expected_path, actual, -1, &error));
    if (other_path != NULL)
      g_unlink(other_path);
    g_test_message("regenerated %s", expected_path);
    return;
  }
  g_autofree char *expected = NULL;
  if (!g_file_get_contents(expected_path, &expected, NULL, &error)) {
    g_test_fail_printf("%s: %s (run with BVM_REGENERATE_GOLDEN=1 to create it)%s%s", name,
                       error->message, other_path ? "; or is the other outcome expected: " : "",
                       other_path ? other_path : "");
    g_test_message("actual:\n%s", actual);
    return;
  }
  if (g_strcmp0(expected, actual) != 0) {
    g_test_message("expected (%s):\n%s\nactual:\n%s", expected_path, expected, actual);
    g_test_fail_printf("%s: the output differs from %s; if the change is meant, regenerate with "
                       "BVM_REGENERATE_GOLDEN=1 and review the diff",
                       name, expected_path);
  }
}

/* argv cases ------------------------------------------------------------- */

/* A case's VM, host and paths (the caller frees them). */
typedef struct {
  BvmConfig *config;
  BvmHostCaps *caps;
  BvmPaths *paths;
  BvmCmdOptions opts;
  char *smbd;       /* opts.smbd */
  char *answer_iso; /* opts.answer_iso */
} GoldenCase;

static void golden_case_clear(GoldenCase *gc)
{
  bvm_config_free(gc->config);
  bvm_host_caps_free(gc->caps);
  bvm_paths_free(gc->paths);
  g_free(gc->smbd);
  g_free(gc->answer_iso);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GoldenCase, golden_case_clear)

static void load_case(const char *dir, GoldenCase *gc)
{
  g_autofree char *config_path = g_build_filename(dir, "config.json", NULL);
  g_autofree char *case_path = g_build_filename(dir, "case.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *config_text = read_text(config_path);
  gc->config = bvm_config_from_data(config_text, -1, &error);
  g_assert_no_error(error);

  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *c = load_object(parser, case_path);
  g_autofree char *caps_file = g_strdup_printf("%s.json", json_object_get_string_member(c, "caps"));
  g_autofree char *caps_path = g_build_filename(golden_dir, "caps", caps_file, NULL);
  gc->caps = bvm_host_caps_load_file(caps_path, &error);
  g_assert_no_error(error);
  gc->paths = bvm_paths_new(json_object_get_string_member(c, "bundle"), gc->config->id);
  gc->opts = (BvmCmdOptions){.display = BVM_DISPLAY_AUTO};
  g_assert_true(bvm_display_mode_from_string(
      json_object_get_string_member_with_default(c, "display", "auto"), &gc->opts.display));
  gc->opts.start_paused = json_object_get_boolean_member_with_default(c, "paused", FALSE);
  /* the parser goes with this function: the case keeps its own copies */
  gc->smbd = g_strdup(json_object_get_string_member_with_default(c, "smbd", NULL));
  gc->opts.smbd = gc->smbd;
  /* an express install's first start (the monitor decides; express.h) */
  gc->answer_iso = g_strdup(json_object_get_string_member_with_default(c, "answerIso", NULL));
  gc->opts.answer_iso = gc->answer_iso;
}

static void test_case(gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = g_build_filename(golden_dir, "cases", name, NULL);
  g_autofree char *args_path = g_build_filename(dir, "expected.args", NULL);
  g_autofree char *err_path = g_build_filename(dir, "expected.err", NULL);
  g_auto(GoldenCase) gc = {0};
  load_case(dir, &gc);

  g_autoptr(GError) error = NULL;
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(gc.config, gc.caps, gc.paths, &gc.opts, &error);
  if (cmd == NULL) {
    /* an expected-error case: the message is what the user sees */
    g_autofree char *actual = error_text(error);
    compare_or_write(name, err_path, args_path, actual);
    return;
  }
  g_autofree char *actual = bvm_command_to_args_text(cmd);
  compare_or_write(name, args_path, err_path, actual);
}

/* The same case as a libvirt domain (libvirt_xml.h): expected.libvirt.xml,
 * its notes (what libvirt cannot say) in expected.libvirt-notes. A case the
 * builder refuses is refused the same way (its expected.err). */
static void test_libvirt(gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = g_build_filename(golden_dir, "cases", name, NULL);
  g_autofree char *xml_path = g_build_filename(dir, "expected.libvirt.xml", NULL);
  g_autofree char *notes_path = g_build_filename(dir, "expected.libvirt-notes", NULL);
  g_autofree char *err_path = g_build_filename(dir, "expected.err", NULL);
  g_auto(GoldenCase) gc = {0};
  load_case(dir, &gc);

  g_autoptr(GError) error = NULL;
  BvmLibvirtXmlOptions opts = {0};
  g_autoptr(BvmLibvirtDomain) d =
      bvm_libvirt_xml_build(gc.config, gc.caps, gc.paths, &opts, &error);
  if (d == NULL) {
    g_autofree char *actual = error_text(error);
    g_autofree char *expected = read_text(err_path);
    g_assert_cmpstr(actual, ==, expected);
    return;
  }
  g_assert_false(g_file_test(err_path, G_FILE_TEST_EXISTS));
  compare_or_write(name, xml_path, NULL, d->xml);
  g_autoptr(GString) notes = g_string_new(NULL);
  for (guint i = 0; i < d->notes->len; i++) {
    const BvmCmdDropped *n = d->notes->pdata[i];
    g_string_append_printf(notes, "%s: %s\n", n->what, n->why);
  }
  compare_or_write(name, notes_path, NULL, notes->str);
}

/* parse cases: recorded QEMU output -> caps ------------------------------ */

static char *fixture_text(JsonObject *o, const char *member)
{
  g_autofree char *path =
      g_build_filename(fixtures_dir, json_object_get_string_member(o, member), NULL);
  return read_text(path);
}

/* One arch's QEMU from its recording, as bvm_qemu_caps_probe reads it
 * (minus the KVM and blob probes, which start QEMU as a VM: probe.c). */
static BvmQemuCaps *parse_qemu(JsonObject *o, BvmArch arch, GError **error)
{
  g_autoptr(BvmQemuCaps) q = g_new0(BvmQemuCaps, 1);
  q->binary = g_strdup(json_object_get_string_member(o, "binary"));
  q->arch = arch;
  g_autofree char *accels = fixture_text(o, "accelHelp");
  q->accels = bvm_caps_parse_help_list(accels);
  g_autofree char *displays = fixture_text(o, "displayHelp");
  q->displays = bvm_caps_parse_help_list(displays);
  g_autofree char *qmp = fixture_text(o, "qmp");
  if (!bvm_caps_parse_qmp(q, qmp, error))
    return NULL;
  /* "gpuBlobError": the verdict of the blob probe (probe.c realizing the
   * GPU with blob=on; null: it worked), which bvm_qemu_caps_probe asks only
   * of a GPU that has the property. Absent: not probed. */
  const char *gpu = bvm_caps_gpu_device(arch);
  if (json_object_has_member(o, "gpuBlobError") && bvm_qemu_caps_has_property(q, gpu, "blob")) {
    q->gpu_blob_checked = TRUE;
    q->gpu_blob_error =
        g_strdup(json_object_get_string_member_with_default(o, "gpuBlobError", NULL));
    q->gpu_blob = q->gpu_blob_error == NULL;
  }
  return g_steal_pointer(&q);
}

static void test_parse(gconstpointer data)
{
  const char *name = data;
  g_autofree char *case_file = g_strdup_printf("%s.json", name);
  g_autofree char *case_path = g_build_filename(golden_dir, "parse", case_file, NULL);
  g_autofree char *caps_file = g_strdup_printf("%s.json", name);
  g_autofree char *caps_path = g_build_filename(golden_dir, "caps", caps_file, NULL);
  g_autofree char *err_file = g_strdup_printf("%s.err", name);
  g_autofree char *err_path = g_build_filename(golden_dir, "parse", err_file, NULL);

  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *c = load_object(parser, case_path);
  /* The host facts come from the case (host.c probes them; not the parser's
   * business); the caps JSON reader checks them. */
  g_autoptr(JsonObject) host_only = json_object_new();
  json_object_set_member(host_only, "host", json_node_copy(json_object_get_member(c, "host")));
  g_autoptr(JsonNode) host_node = json_node_init_object(json_node_alloc(), host_only);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_from_json(host_node, &error);
  g_assert_no_error(error);

  JsonObject *qemus = json_object_get_object_member(c, "qemu");
  for (int i = 0; i < BVM_ARCH_N; i++) {
    const char *arch = bvm_arch_to_string((BvmArch)i);
    if (!json_object_has_member(qemus, arch))
      continue;
    caps->qemu[i] = parse_qemu(json_object_get_object_member(qemus, arch), (BvmArch)i, &error);
    if (caps->qemu[i] == NULL) {
      g_autofree char *actual = error_text(error);
      compare_or_write(name, err_path, caps_path, actual);
      return;
    }
  }
  g_autoptr(JsonNode) node = bvm_host_caps_to_json(caps);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 2);
  json_generator_set_root(gen, node);
  g_autofree char *json = json_generator_to_data(gen, NULL);
  g_autofree char *actual = g_strconcat(json, "\n", NULL);
  compare_or_write(name, caps_path, err_path, actual);
}

/* The batch the recordings answer: a change to it needs new recordings. */
static void test_qmp_request(void)
{
  g_autofree char *path = g_build_filename(fixtures_dir, "request.qmp", NULL);
  g_autofree char *actual = bvm_caps_parse_qmp_input();
  compare_or_write("request.qmp", path, NULL, actual);
}

/* swtpm argv ------------------------------------------------------------- */

static void test_swtpm(gconstpointer data)
{
  const char *name = data;
  g_autofree char *case_file = g_strdup_printf("%s.json", name);
  g_autofree char *case_path = g_build_filename(golden_dir, "swtpm", case_file, NULL);
  g_autofree char *args_file = g_strdup_printf("%s.args", name);
  g_autofree char *args_path = g_build_filename(golden_dir, "swtpm", args_file, NULL);

  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *c = load_object(parser, case_path);
  g_autoptr(BvmPaths) paths = bvm_paths_new(json_object_get_string_member(c, "bundle"),
                                            json_object_get_string_member(c, "id"));
  g_auto(GStrv) argv = bvm_tpm_build_argv(json_object_get_string_member(c, "swtpm"), paths);
  g_autoptr(GString) actual = g_string_new(NULL);
  for (char **a = argv; *a; a++)
    g_string_append_printf(actual, "%s\n", *a);
  compare_or_write(name, args_path, NULL, actual->str);
}

/* Unused fixtures -------------------------------------------------------- */

static int compare_names(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in @dir ending in @suffix (all when NULL), without it. */
static GPtrArray *list_dir(const char *dir, const char *suffix)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (d == NULL)
    return names;
  const char *n;
  while ((n = g_dir_read_name(d)) != NULL) {
    if (suffix == NULL)
      g_ptr_array_add(names, g_strdup(n));
    else if (g_str_has_suffix(n, suffix))
      g_ptr_array_add(names, g_strndup(n, strlen(n) - strlen(suffix)));
  }
  g_ptr_array_sort(names, compare_names);
  return names;
}

static void test_fixtures_used(void)
{
  g_autoptr(GHashTable) used_caps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) used_fixtures =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add(used_fixtures, g_strdup("README.md"));
  g_hash_table_add(used_fixtures, g_strdup("derive.py"));   /* makes the edited recordings */
  g_hash_table_add(used_fixtures, g_strdup("request.qmp")); /* test_qmp_request */

  g_autofree char *cases_dir = g_build_filename(golden_dir, "cases", NULL);
  g_autoptr(GPtrArray) cases = list_dir(cases_dir, NULL);
  for (guint i = 0; i < cases->len; i++) {
    g_autofree char *path = g_build_filename(cases_dir, cases->pdata[i], "case.json", NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *c = load_object(parser, path);
    g_hash_table_add(used_caps, g_strdup(json_object_get_string_member(c, "caps")));
  }
  g_autofree char *parse_dir = g_build_filename(golden_dir, "parse", NULL);
  g_autoptr(GPtrArray) parses = list_dir(parse_dir, ".json");
  for (guint i = 0; i < parses->len; i++) {
    /* its output is a caps fixture of its own */
    g_hash_table_add(used_caps, g_strdup(parses->pdata[i]));
    g_autofree char *file = g_strdup_printf("%s.json", (char *)parses->pdata[i]);
    g_autofree char *path = g_build_filename(parse_dir, file, NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *qemus = json_object_get_object_member(load_object(parser, path), "qemu");
    g_autoptr(GList) arches = json_object_get_members(qemus);
    for (GList *l = arches; l; l = l->next) {
      JsonObject *q = json_object_get_object_member(qemus, l->data);
      static const char *const members[] = {"qmp", "accelHelp", "displayHelp", NULL};
      for (const char *const *m = members; *m; m++)
        g_hash_table_add(used_fixtures, g_strdup(json_object_get_string_member(q, *m)));
    }
  }

  g_autoptr(GString) unused = g_string_new(NULL);
  g_autofree char *caps_dir = g_build_filename(golden_dir, "caps", NULL);
  g_autoptr(GPtrArray) caps = list_dir(caps_dir, ".json");
  for (guint i = 0; i < caps->len; i++)
    if (!g_hash_table_contains(used_caps, caps->pdata[i]))
      g_string_append_printf(unused, " tests/golden/caps/%s.json", (char *)caps->pdata[i]);
  g_autoptr(GPtrArray) fixtures = list_dir(fixtures_dir, NULL);
  for (guint i = 0; i < fixtures->len; i++)
    if (!g_hash_table_contains(used_fixtures, fixtures->pdata[i]))
      g_string_append_printf(unused, " tests/fixtures/caps/%s", (char *)fixtures->pdata[i]);
  if (unused->len > 0)
    g_test_fail_printf("no golden case uses:%s (add a case that does, or remove the file)",
                       unused->str);
}

static void add_each(const char *subdir, const char *suffix, const char *prefix, GTestDataFunc func,
                     GPtrArray *keep)
{
  g_autofree char *dir = g_build_filename(golden_dir, subdir, NULL);
  GPtrArray *names = list_dir(dir, suffix);
  g_ptr_array_add(keep, names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_strdup_printf("%s%s", prefix, (char *)names->pdata[i]);
    g_test_add_data_func(path, names->pdata[i], func);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Paths must not depend on who runs the test (run dirs fall back to
   * $XDG_RUNTIME_DIR for deep or comma-laden bundles). */
  g_setenv("XDG_RUNTIME_DIR", "/run/user/1000", TRUE);
  golden_dir = g_getenv("BVM_GOLDEN_DIR");
  g_assert_nonnull(golden_dir);
  fixtures_dir = g_getenv("BVM_CAPS_FIXTURES_DIR");
  g_assert_nonnull(fixtures_dir);
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  /* parse first: on regeneration its caps feed the argv cases */
  add_each("parse", ".json", "/golden/parse/", test_parse, keep);
  add_each("cases", NULL, "/golden/args/", test_case, keep);
  add_each("cases", NULL, "/golden/libvirt/", test_libvirt, keep);
  add_each("swtpm", ".json", "/golden/swtpm/", test_swtpm, keep);
  g_test_add_func("/golden/fixtures/qmp-request", test_qmp_request);
  g_test_add_func("/golden/fixtures/all-used", test_fixtures_used);
  return g_test_run();
}
