/* The typed JSON reader (jsonread.c) and the field tables (jsonfields.c):
 * what each kind of member reports, in the words of each of its three
 * callers (config, caps, the API), and that the config table and the JSON
 * bvm_config_to_json writes name the same members. */
#include "api.h"
#include "caps.h"
#include "config.h"
#include "error.h"
#include "jsonfields.h"
#include "jsonread.h"

#include <string.h>

/* A reader that keeps the fault, to check what the reader found. */
static BvmJsonFault last_fault;
static char *last_name;

static void keep_fault(const BvmJsonFault *f, GError **error)
{
  last_fault = *f;
  g_free(last_name);
  last_name = g_strdup(f->name);
  last_fault.name = last_name;
  last_fault.word = NULL;
  g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "fault");
}

static const BvmJsonReader keeper = {.report = keep_fault, .null_is_absent = TRUE};
static const BvmJsonReader strict_keeper = {.report = keep_fault};

static JsonObject *object_of(const char *json)
{
  JsonNode *node = json_from_string(json, NULL);
  g_assert_nonnull(node);
  JsonObject *o = json_object_ref(json_node_get_object(node));
  json_node_unref(node);
  return o;
}

static const char *const colours[] = {"red", "green", "blue"};
static const char *const colour_aliases[] = {"grey", "blue", NULL};
static const BvmJsonWords colour_words = {colours, 3, colour_aliases};

static void expect_fault(gboolean ok, GError **error, BvmJsonProblem problem, BvmJsonKind kind,
                         const char *name)
{
  g_assert_false(ok);
  g_assert_error(*error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint(last_fault.problem, ==, problem);
  g_assert_cmpint(last_fault.kind, ==, kind);
  g_assert_cmpstr(last_fault.name, ==, name);
  g_clear_error(error);
}

/* Where each reader puts what it read. */
typedef struct {
  const char *s;
  gint64 i;
  gboolean b;
  guint w;
  JsonObject *sub;
  GStrv v;
} Read;

static void test_reader_reads_each_kind(void)
{
  g_autoptr(JsonObject) o = object_of("{\"s\":\"text\",\"i\":42,\"b\":true,\"w\":\"grey\","
                                      "\"o\":{\"x\":1},\"v\":[\"a\",\"b\"],\"n\":null}");
  g_autoptr(GError) error = NULL;
  Read r = {0};
  g_assert_true(bvm_jsonread_string(&keeper, o, "s", TRUE, &r.s, &error));
  g_assert_cmpstr(r.s, ==, "text");
  g_assert_true(bvm_jsonread_int(&keeper, o, "i", TRUE, 0, 100, &r.i, &error));
  g_assert_cmpint(r.i, ==, 42);
  g_assert_true(bvm_jsonread_bool(&keeper, o, "b", TRUE, &r.b, &error));
  g_assert_true(r.b);
  /* an alias reads as its word */
  g_assert_true(bvm_jsonread_word(&keeper, o, "w", TRUE, &colour_words, &r.w, &error));
  g_assert_cmpuint(r.w, ==, 2);
  g_assert_true(bvm_jsonread_object(&keeper, o, "o", TRUE, &r.sub, &error));
  g_assert_true(json_object_has_member(r.sub, "x"));
  g_assert_true(bvm_jsonread_strv(&keeper, o, "v", TRUE, &r.v, &error));
  g_assert_cmpuint(g_strv_length(r.v), ==, 2);
  g_assert_no_error(error);
  g_strfreev(r.v);
}

static void test_reader_leaves_absent_members_alone(void)
{
  g_autoptr(JsonObject) o = object_of("{\"n\":null}");
  g_autoptr(GError) error = NULL;
  const char *s = "kept";
  gint64 i = 7;
  /* absent, null (for a reader that takes null as absent), or no object */
  g_assert_true(bvm_jsonread_string(&keeper, o, "missing", FALSE, &s, &error));
  g_assert_true(bvm_jsonread_string(&keeper, o, "n", FALSE, &s, &error));
  g_assert_true(bvm_jsonread_int(&keeper, NULL, "n", FALSE, 0, 1, &i, &error));
  g_assert_cmpstr(s, ==, "kept");
  g_assert_cmpint(i, ==, 7);
  g_assert_false(bvm_jsonread_has(&keeper, o, "n"));
  g_assert_true(bvm_jsonread_has(&strict_keeper, o, "n"));
  g_assert_no_error(error);
  /* a strict reader takes null as the wrong type */
  expect_fault(bvm_jsonread_string(&strict_keeper, o, "n", FALSE, &s, &error), &error,
               BVM_JSON_MISTYPED, BVM_JSON_STRING, "n");
  g_assert_cmpstr(s, ==, "kept");
}

static void test_reader_reports_each_fault(void)
{
  g_autoptr(JsonObject) o = object_of("{\"num\":5,\"str\":\"x\",\"arr\":[1],\"big\":300}");
  g_autoptr(GError) error = NULL;
  Read r = {0};
  expect_fault(bvm_jsonread_string(&keeper, o, "gone", TRUE, &r.s, &error), &error,
               BVM_JSON_MISSING, BVM_JSON_STRING, "gone");
  expect_fault(bvm_jsonread_string(&keeper, o, "num", TRUE, &r.s, &error), &error,
               BVM_JSON_MISTYPED, BVM_JSON_STRING, "num");
  expect_fault(bvm_jsonread_int(&keeper, o, "str", TRUE, 0, 9, &r.i, &error), &error,
               BVM_JSON_MISTYPED, BVM_JSON_INT, "str");
  expect_fault(bvm_jsonread_int(&keeper, o, "big", TRUE, 1, 255, &r.i, &error), &error,
               BVM_JSON_OUT_OF_RANGE, BVM_JSON_INT, "big");
  g_assert_cmpint(last_fault.value, ==, 300);
  g_assert_cmpint(last_fault.min, ==, 1);
  g_assert_cmpint(last_fault.max, ==, 255);
  expect_fault(bvm_jsonread_bool(&keeper, o, "num", TRUE, &r.b, &error), &error, BVM_JSON_MISTYPED,
               BVM_JSON_BOOL, "num");
  expect_fault(bvm_jsonread_word(&keeper, o, "num", TRUE, &colour_words, &r.w, &error), &error,
               BVM_JSON_MISTYPED, BVM_JSON_WORD, "num");
  expect_fault(bvm_jsonread_object(&keeper, o, "arr", TRUE, &r.sub, &error), &error,
               BVM_JSON_MISTYPED, BVM_JSON_OBJECT, "arr");
  expect_fault(bvm_jsonread_strv(&keeper, o, "str", TRUE, &r.v, &error), &error, BVM_JSON_MISTYPED,
               BVM_JSON_STRV, "str");
  /* an element that is no string */
  expect_fault(bvm_jsonread_strv(&keeper, o, "arr", TRUE, &r.v, &error), &error, BVM_JSON_MISTYPED,
               BVM_JSON_STRV, "arr");
  g_assert_null(r.v);
  /* an unknown word is named by its path in the record */
  BvmJsonReader nested = keeper;
  nested.path = "paint";
  expect_fault(bvm_jsonread_word(&nested, o, "str", TRUE, &colour_words, &r.w, &error), &error,
               BVM_JSON_UNKNOWN_WORD, BVM_JSON_WORD, "paint.str");
  g_assert_true(last_fault.words == &colour_words);
  g_assert_cmpint(r.i, ==, 0);
}

static void test_words(void)
{
  guint i = 99;
  g_assert_true(bvm_jsonread_words_lookup(&colour_words, "green", &i));
  g_assert_cmpuint(i, ==, 1);
  g_assert_false(bvm_jsonread_words_lookup(&colour_words, "mauve", &i));
  g_assert_false(bvm_jsonread_words_lookup(&colour_words, NULL, &i));
  g_assert_cmpstr(bvm_jsonread_words_name(&colour_words, 0), ==, "red");
  g_assert_null(bvm_jsonread_words_name(&colour_words, 3));
  g_autofree char *comma = bvm_jsonread_words_join(&colour_words, ", ");
  g_autofree char * or = bvm_jsonread_words_join(&colour_words, " or ");
  g_assert_cmpstr(comma, ==, "red, green, blue");
  g_assert_cmpstr(or, ==, "red, green or blue");
  /* the presets one asks for leave out custom */
  g_autofree char *presets = bvm_jsonread_words_join(&bvm_preset_choice_words, " or ");
  g_assert_cmpstr(presets, ==, "light, recommended or pro");
}

/* The same faults, in config's words. */
static const char *config_json =
    "{\"schemaVersion\":1,\"id\":\"0b0a4d4e-3c2f-4a43-9a1e-2d6a1f0b9c11\",\"name\":\"v\","
    "\"os\":\"linux\",\"arch\":\"x86_64\",\"cpus\":2,\"memoryMiB\":4096,\"diskGiB\":64,"
    "\"display\":{\"width\":1024,\"height\":768},\"lastExit\":{\"kind\":\"user\"}}";

/* @result is NULL and @error is INVALID_ARGUMENT saying exactly @message. */
static void expect_refused(gconstpointer result, const GError *error, const char *message)
{
  g_assert_null(result);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr(error->message, ==, message);
}

static void expect_config_error(const char *from, const char *to, const char *message)
{
  g_autoptr(GString) json = g_string_new(config_json);
  g_assert_cmpuint(g_string_replace(json, from, to, 1), ==, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data(json->str, -1, &error);
  expect_refused(c, error, message);
}

static const struct {
  const char *from;
  const char *to;
  const char *message;
} config_faults[] = {
    {"\"name\":\"v\",", "", "config: 'name' is missing"},
    {"\"name\":\"v\"", "\"name\":null", "config: 'name' is missing"},
    {"\"name\":\"v\"", "\"name\":1", "config: 'name' must be a string"},
    {"\"cpus\":2", "\"cpus\":\"2\"", "config: 'cpus' must be an integer"},
    {"\"cpus\":2", "\"cpus\":2000", "config: 'cpus' is 2000, outside 1..1024"},
    {"\"width\":1024", "\"width\":10", "config: 'width' is 10, outside 320..16384"},
    {"\"display\":{", "\"tpm\":{\"enabled\":1},\"display\":{",
     "config: 'enabled' must be true or false"},
    {"\"os\":\"linux\"", "\"os\":\"beos\"",
     "config: 'os' is 'beos'; it must be one of windows11, linux, other"},
    {"\"os\":\"linux\"", "\"os\":3", "config: 'os' must be a string"},
    {"\"kind\":\"user\"", "\"kind\":\"nap\"",
     "config: 'lastExit.kind' is 'nap'; it must be one of guest, user, crash, "
     "failed"},
    {"\"display\":{\"width\":1024,\"height\":768}", "\"display\":[]",
     "config: 'display' must be an object"},
};

static void test_config_words_each_fault(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(config_faults); i++)
    expect_config_error(config_faults[i].from, config_faults[i].to, config_faults[i].message);
}

/* ... in the caps record's words. */
static void expect_caps_error(const char *json, const char *message)
{
  g_autoptr(JsonNode) node = json_from_string(json, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) c = bvm_host_caps_from_json(node, &error);
  expect_refused(c, error, message);
}

#define CAPS_HOST                                                                                  \
  "\"host\":{\"os\":\"linux\",\"arch\":\"x86_64\",\"cores\":2,\"memoryMiB\":4096,\"kvm\":false,"   \
  "\"hvf\":false,\"udmabuf\":false,\"desktop\":false}"
#define CAPS_QEMU_BASE                                                                             \
  "\"binary\":\"/q\",\"version\":\"7.2.0\",\"accels\":[\"tcg\"],\"machines\":[\"q35\"],"           \
  "\"displays\":[],\"sandbox\":true"

static void test_caps_words_each_fault(void)
{
  expect_caps_error("{}", "caps: 'host' is missing or mistyped");
  expect_caps_error("{\"host\":{\"os\":\"linux\"}}", "caps: 'arch' is missing or mistyped");
  expect_caps_error("{\"host\":{\"os\":\"beos\"}}", "caps: 'host.os' is missing or mistyped");
  expect_caps_error("{" CAPS_HOST ",\"qemu\":{\"x86_64\":1}}",
                    "caps: 'x86_64' is missing or mistyped");
  expect_caps_error("{" CAPS_HOST ",\"qemu\":{\"x86_64\":{" CAPS_QEMU_BASE ",\"kvmChecked\":1}}}",
                    "qemu.x86_64: caps: 'kvmChecked' is missing or mistyped");
  expect_caps_error("{" CAPS_HOST ",\"qemu\":{\"x86_64\":{" CAPS_QEMU_BASE
                    ",\"devices\":{\"nvme\":[1]}}}}",
                    "qemu.x86_64: caps: 'nvme' is missing or mistyped");
}

/* Optional caps members stay optional: absent when unset, and read back. */
static void test_caps_optional_members(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) plain = json_from_string(
      "{" CAPS_HOST ",\"qemu\":{\"x86_64\":{" CAPS_QEMU_BASE ",\"devices\":{}}}}", NULL);
  g_autoptr(BvmHostCaps) c = bvm_host_caps_from_json(plain, &error);
  g_assert_no_error(error);
  g_assert_false(c->qemu[BVM_ARCH_X86_64]->kvm_checked);
  g_assert_false(c->qemu[BVM_ARCH_X86_64]->gpu_blob_checked);
  g_autoptr(JsonNode) back = bvm_host_caps_to_json(c);
  g_autofree char *text = json_to_string(back, FALSE);
  g_assert_null(strstr(text, "kvmChecked"));
  g_assert_null(strstr(text, "kvmError"));
  g_assert_null(strstr(text, "gpuBlob"));
  g_assert_nonnull(strstr(text, "\"aarch64\":null"));

  BvmQemuCaps *q = c->qemu[BVM_ARCH_X86_64];
  q->kvm_checked = TRUE;
  q->kvm_error = g_strdup("no");
  q->gpu_blob_checked = TRUE;
  g_autoptr(JsonNode) with = bvm_host_caps_to_json(c);
  g_autofree char *with_text = json_to_string(with, FALSE);
  g_assert_nonnull(strstr(with_text, "\"kvmChecked\":true,\"kvmError\":\"no\",\"gpuBlob\":false,"
                                     "\"devices\""));
  g_autoptr(BvmHostCaps) again = bvm_host_caps_from_json(with, &error);
  g_assert_no_error(error);
  g_assert_true(again->qemu[BVM_ARCH_X86_64]->kvm_checked);
  g_assert_cmpstr(again->qemu[BVM_ARCH_X86_64]->kvm_error, ==, "no");
  g_assert_true(again->qemu[BVM_ARCH_X86_64]->gpu_blob_checked);
  g_assert_null(again->qemu[BVM_ARCH_X86_64]->gpu_blob_error);
}

/* ... and in the API's. */
static void expect_api_error(const char *op, const char *json, const char *message)
{
  g_autoptr(BvmApi) api = bvm_api_new("/nonexistent/library", "/nonexistent/bridgevm");
  g_autoptr(JsonNode) p = json_from_string(json, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) r = bvm_api_call(api, op, p, &error);
  expect_refused(r, error, message);
}

static const struct {
  const char *op;
  const char *params;
  const char *message;
} api_faults[] = {
    {"showVm", "{}", "parameter 'vm' must be given (a string)"},
    {"showVm", "{\"vm\":1}", "parameter 'vm' must be a string"},
    {"stopVm", "{\"vm\":\"v\",\"timeoutSeconds\":0}",
     "parameter 'timeoutSeconds' must be a whole number from 1 to 3600"},
    {"stopVm", "{\"vm\":\"v\",\"timeoutSeconds\":\"9\"}",
     "parameter 'timeoutSeconds' must be a whole number from 1 to 3600"},
    {"stopVm", "{\"vm\":\"v\",\"force\":\"yes\"}", "parameter 'force' must be true or false"},
    {"vmLogs", "{\"vm\":\"v\",\"source\":\"dmesg\"}",
     "parameter 'source' must be qemu, swtpm, monitor or serial"},
    {"vmLogs", "{\"vm\":\"v\",\"source\":2}", "parameter 'source' must be a string"},
    {"createVm", "{\"name\":\"v\",\"isoPath\":\"/x.iso\",\"preset\":\"custom\"}",
     "parameter 'preset' must be light, recommended or pro"},
    {"agent", "{\"vm\":\"v\",\"call\":\"reboot\"}",
     "parameter 'call' must be ping, info, osinfo, hostname or network"},
    {"agent", "{\"vm\":\"v\"}", "parameter 'call' must be given (a string)"},
};

static void test_api_words_each_fault(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(api_faults); i++)
    expect_api_error(api_faults[i].op, api_faults[i].params, api_faults[i].message);
}

/* Every member of the config table is written, and nothing else is. */
static void check_table_against(const BvmJsonField *fields, JsonObject *written, const char *path)
{
  const char *unknown = bvm_jsonfields_unknown(fields, written);
  if (unknown != NULL)
    g_error("%s: '%s' is written but not in the table", path, unknown);
  g_assert_cmpuint(json_object_get_size(written), ==, bvm_jsonfields_count(fields));
  for (const BvmJsonField *f = fields; f->key != NULL; f++) {
    if (!json_object_has_member(written, f->key))
      g_error("%s: '%s' is in the table but not written", path, f->key);
    JsonNode *n = json_object_get_member(written, f->key);
    if (f->type == BVM_FIELD_OBJECT) {
      g_assert_true(JSON_NODE_HOLDS_OBJECT(n));
      g_autofree char *sub = g_strconcat(path, f->key, ".", NULL);
      check_table_against(f->fields, json_node_get_object(n), sub);
    }
  }
}

static void test_config_table_matches_written_json(void)
{
  g_autoptr(BvmConfig) c = bvm_config_new();
  c->id = g_uuid_string_random();
  c->name = g_strdup("v");
  bvm_config_set_last_exit(c, BVM_EXIT_KIND_USER, "stopped", 0, 0);
  /* forwards and shares are written once a VM has any */
  c->forwards = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_forward_free);
  g_ptr_array_add(c->forwards, bvm_forward_new(BVM_FORWARD_TCP, 8080, 80, NULL));
  c->shares = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_share_free);
  g_ptr_array_add(c->shares, bvm_share_new("/srv", "srv", FALSE));
  g_autoptr(JsonNode) node = bvm_config_to_json(c);
  check_table_against(bvm_config_json_fields(), json_node_get_object(node), "");
}

static void test_config_unknown_member_is_reported(void)
{
  g_autoptr(BvmConfig) c = bvm_config_new();
  c->id = g_uuid_string_random();
  c->name = g_strdup("v");
  g_autofree char *data = bvm_config_to_data(c, NULL);
  g_autoptr(GError) error = NULL;
  JsonNode *canonical = NULL;
  g_autoptr(BvmConfig) same = bvm_config_from_data_full(data, -1, &canonical, &error);
  g_assert_no_error(error);
  /* what we wrote is canonical: callers may show the parsed tree */
  g_assert_nonnull(canonical);

  JsonObject *o = json_node_get_object(canonical);
  json_object_set_string_member(o, "colour", "blue");
  g_assert_cmpstr(bvm_jsonfields_unknown(bvm_config_json_fields(), o), ==, "colour");
  g_autofree char *extra = json_to_string(canonical, FALSE);
  json_node_unref(canonical);
  JsonNode *not_canonical = NULL;
  g_autoptr(BvmConfig) read = bvm_config_from_data_full(extra, -1, &not_canonical, &error);
  g_assert_no_error(error);
  g_assert_nonnull(read);
  g_assert_null(not_canonical);

  /* a nested member out of place is found too */
  g_autoptr(GString) nested = g_string_new(data);
  g_assert_cmpuint(g_string_replace(nested, "\"width\"", "\"depth\" : 1, \"width\"", 1), ==, 1);
  g_autoptr(BvmConfig) read2 = bvm_config_from_data_full(nested->str, -1, &not_canonical, &error);
  g_assert_no_error(error);
  g_assert_null(not_canonical);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/jsonread/reads-each-kind", test_reader_reads_each_kind);
  g_test_add_func("/jsonread/leaves-absent-members-alone", test_reader_leaves_absent_members_alone);
  g_test_add_func("/jsonread/reports-each-fault", test_reader_reports_each_fault);
  g_test_add_func("/jsonread/words", test_words);
  g_test_add_func("/jsonread/config-words-each-fault", test_config_words_each_fault);
  g_test_add_func("/jsonread/caps-words-each-fault", test_caps_words_each_fault);
  g_test_add_func("/jsonread/caps-optional-members", test_caps_optional_members);
  g_test_add_func("/jsonread/api-words-each-fault", test_api_words_each_fault);
  g_test_add_func("/jsonfields/config-table-matches-written-json",
                  test_config_table_matches_written_json);
  g_test_add_func("/jsonfields/config-unknown-member-is-reported",
                  test_config_unknown_member_is_reported);
  int rc = g_test_run();
  g_free(last_name);
  return rc;
}
