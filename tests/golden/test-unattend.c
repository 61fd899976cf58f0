/* Golden answer files: unattend/NAME.json (the express options) →
 * unattend/NAME.xml, byte for byte (BVM_REGENERATE_GOLDEN=1 rewrites), and
 * what every answer file must be: well-formed XML with each pass Setup
 * needs, components of the VM's arch only, no password in clear text, no
 * KMS key. Then hostile input: XML metacharacters refused or escaped. */
#include "error.h"
#include "unattend.h"

#include <json-glib/json-glib.h>
#include <string.h>

static const char *golden_dir;

/* Windows 10/11 KMS client keys (Microsoft's published list): answer files
 * with one of them end OOBE in a work-or-school sign-in. */
static const char *const kms_keys[] = {
    "W269N-WFGWX-YVC9B-4J6C9-T83GX", "MH37W-N47XK-V7XM9-C7227-GCQG9",
    "NPPR9-FWDCX-D2C8J-H872K-2YT43", "DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4",
    "TX9XD-98N7V-6WMQ6-BX7FG-H8Q99", "3KHY7-WNT83-DGQKR-F7HPR-844BM",
    "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2", "2WH4N-8QGBV-H22JP-CT43Q-MDWWJ",
    "NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J", "9FNHH-K3HBT-3W4TD-6383H-6XYWF",
};

typedef struct {
  GHashTable *passes; /* pass names seen */
  GHashTable *archs;  /* processorArchitecture values seen */
} Seen;

static void on_start(GMarkupParseContext *ctx, const char *element, const char **names,
                     const char **values, gpointer data, GError **error)
{
  Seen *seen = data;
  for (guint i = 0; names[i] != NULL; i++) {
    if (strcmp(element, "settings") == 0 && strcmp(names[i], "pass") == 0)
      g_hash_table_add(seen->passes, g_strdup(values[i]));
    if (strcmp(names[i], "processorArchitecture") == 0)
      g_hash_table_add(seen->archs, g_strdup(values[i]));
  }
}

static void check_answer_file(const char *xml, const BvmUnattendOptions *o)
{
  Seen seen = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
               g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
  GMarkupParser parser = {.start_element = on_start};
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new(&parser, 0, &seen, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_markup_parse_context_parse(ctx, xml, -1, &error) ||
      !g_markup_parse_context_end_parse(ctx, &error))
    g_error("the answer file is not well-formed XML: %s", error->message);
  const char *passes[] = {"windowsPE", "specialize", "oobeSystem", "offlineServicing"};
  for (guint i = 0; i < G_N_ELEMENTS(passes); i++) {
    gboolean want = i < 3 || o->drivers;
    g_assert_cmpint(g_hash_table_contains(seen.passes, passes[i]), ==, want);
  }
  g_assert_cmpuint(g_hash_table_size(seen.archs), ==, 1);
  g_assert_true(g_hash_table_contains(seen.archs, o->arch == BVM_ARCH_AARCH64 ? "arm64" : "amd64"));
  if (*o->password != '\0')
    g_assert_null(strstr(xml, o->password));
  g_assert_null(strstr(xml, "<PlainText>true"));
  for (guint i = 0; i < G_N_ELEMENTS(kms_keys); i++)
    g_assert_null(strstr(xml, kms_keys[i]));
  g_assert_nonnull(strstr(xml, BVM_UNATTEND_PRODUCT_KEY));
  g_assert_nonnull(strstr(xml, "BypassNRO"));
  /* ARM64: only the three drivers that do not break Setup; the agent has
   * no ARM64 installer. */
  g_assert_true((strstr(xml, "qemu-ga") != NULL) == (o->drivers && o->arch == BVM_ARCH_X86_64));
  if (o->arch == BVM_ARCH_AARCH64)
    g_assert_null(strstr(xml, "amd64"));
  g_hash_table_destroy(seen.passes);
  g_hash_table_destroy(seen.archs);
}

static void test_golden(gconstpointer data)
{
  const char *name = data;
  g_autofree char *json = g_strdup_printf("%s/unattend/%s.json", golden_dir, name);
  g_autofree char *expected_path = g_strdup_printf("%s/unattend/%s.xml", golden_dir, name);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_file(p, json, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  BvmUnattendOptions opts = {
      .user = json_object_get_string_member(o, "user"),
      .password = json_object_get_string_member(o, "password"),
      .locale = json_object_get_string_member(o, "locale"),
      .timezone = json_object_get_string_member(o, "timezone"),
      .drivers = json_object_get_boolean_member(o, "drivers"),
  };
  g_assert_true(bvm_arch_from_string(json_object_get_string_member(o, "arch"), &opts.arch));
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = bvm_unattend_generate(&opts, &error);
  g_assert_no_error(error);
  check_answer_file(xml, &opts);
  if (g_strcmp0(g_getenv("BVM_REGENERATE_GOLDEN"), "1") == 0) {
    g_assert_true(g_file_set_contents(expected_path, xml, -1, NULL));
    return;
  }
  g_autofree char *expected = NULL;
  if (!g_file_get_contents(expected_path, &expected, NULL, NULL))
    g_test_fail_printf("%s is missing: run with BVM_REGENERATE_GOLDEN=1", expected_path);
  else if (strcmp(expected, xml) != 0)
    g_test_fail_printf("%s differs from what is generated: if meant, regenerate with "
                       "BVM_REGENERATE_GOLDEN=1 and review the diff",
                       expected_path);
}

static BvmUnattendOptions base(void)
{
  return (BvmUnattendOptions){.arch = BVM_ARCH_AARCH64,
                              .user = "Ada",
                              .password = "pw",
                              .locale = "en-US",
                              .timezone = "UTC"};
}

static void expect_refused(BvmUnattendOptions o, const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = bvm_unattend_generate(&o, &error);
  g_assert_null(xml);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, words));
  g_assert_null(strchr(error->message, '\n'));
}

static void test_hostile_input_refused(void)
{
  BvmUnattendOptions o = base();
  o.user = "<x>";
  expect_refused(o, "does not allow");
  o.user = "a</Name><Group>x";
  expect_refused(o, "does not allow");
  o.user = "tab\there";
  expect_refused(o, "control character");
  o.user = "Administrator";
  expect_refused(o, "cannot be");
  o = base();
  o.locale = "en-US\"/><x";
  expect_refused(o, "locale");
  o.locale = "english";
  expect_refused(o, "locale");
  o = base();
  o.timezone = "UTC</TimeZone><x>";
  expect_refused(o, "time zone");
  o.timezone = "Mars/Olympus_Mons";
  expect_refused(o, "time zone");
  o = base();
  o.password = "line\nbreak";
  expect_refused(o, "control character");
}

static void test_metacharacters_escaped(void)
{
  BvmUnattendOptions o = base();
  o.user = "A&B's \"pc\"";
  /* '"' is not allowed in Windows names: refused, and the rest escaped. */
  expect_refused(o, "does not allow");
  o.user = "A&B's";
  o.password = "]]></Value><x>&";
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = bvm_unattend_generate(&o, &error);
  g_assert_no_error(error);
  g_assert_nonnull(strstr(xml, "<Name>A&amp;B&apos;s</Name>"));
  g_assert_null(strstr(xml, "]]>"));
  check_answer_file(xml, &o);
}

static void test_timezone_table(void)
{
  g_assert_cmpstr(bvm_unattend_timezone_from_iana("Europe/Berlin"), ==, "W. Europe Standard Time");
  g_assert_cmpstr(bvm_unattend_timezone_from_iana("America/Los_Angeles"), ==,
                  "Pacific Standard Time");
  g_assert_null(bvm_unattend_timezone_from_iana("Mars/Olympus_Mons"));
  g_autofree char *tz = bvm_unattend_windows_timezone("Central Standard Time (Mexico)", NULL);
  g_assert_cmpstr(tz, ==, "Central Standard Time (Mexico)");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  golden_dir = g_getenv("BVM_GOLDEN_DIR");
  g_assert_nonnull(golden_dir);
  g_autofree char *dir = g_build_filename(golden_dir, "unattend", NULL);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *n;
  while ((n = g_dir_read_name(d)) != NULL)
    if (g_str_has_suffix(n, ".json"))
      g_ptr_array_add(names, g_strndup(n, strlen(n) - 5));
  g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
  g_assert_cmpuint(names->len, >=, 4);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_strdup_printf("/golden/unattend/%s", (char *)names->pdata[i]);
    g_test_add_data_func(path, names->pdata[i], test_golden);
  }
  g_test_add_func("/unattend/hostile-input-refused", test_hostile_input_refused);
  g_test_add_func("/unattend/metacharacters-escaped", test_metacharacters_escaped);
  g_test_add_func("/unattend/timezone-table", test_timezone_table);
  return g_test_run();
}
