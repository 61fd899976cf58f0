/* Golden argv tests: each tests/golden/cases/NAME/ holds config.json (a VM
 * record), case.json ({"caps": fixture, "bundle": path, "display": mode,
 * "paused": bool}) and expected.args, one argument per line. The builder's
 * output must match byte for byte. BVM_REGENERATE_GOLDEN=1 rewrites
 * expected.args instead; review the diff like code. */
#include "caps.h"
#include "config.h"
#include "paths.h"
#include "qemu_cmd.h"

#include <json-glib/json-glib.h>

static const char *golden_dir;

static void test_case(gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = g_build_filename(golden_dir, "cases", name, NULL);
  g_autofree char *config_path = g_build_filename(dir, "config.json", NULL);
  g_autofree char *case_path = g_build_filename(dir, "case.json", NULL);
  g_autofree char *expected_path = g_build_filename(dir, "expected.args", NULL);

  g_autoptr(GError) error = NULL;
  g_autofree char *config_text = NULL;
  g_assert_true(g_file_get_contents(config_path, &config_text, NULL, &error));
  g_autoptr(BvmConfig) config = bvm_config_from_data(config_text, -1, &error);
  g_assert_no_error(error);

  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_file(parser, case_path, &error));
  JsonObject *c = json_node_get_object(json_parser_get_root(parser));
  g_autofree char *caps_file = g_strdup_printf("%s.json", json_object_get_string_member(c, "caps"));
  g_autofree char *caps_path = g_build_filename(golden_dir, "caps", caps_file, NULL);
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_load_file(caps_path, &error);
  g_assert_no_error(error);
  g_autoptr(BvmPaths) paths = bvm_paths_new(json_object_get_string_member(c, "bundle"), config->id);
  BvmCmdOptions opts = {.display = BVM_DISPLAY_AUTO};
  g_assert_true(bvm_display_mode_from_string(
      json_object_get_string_member_with_default(c, "display", "auto"), &opts.display));
  opts.start_paused = json_object_get_boolean_member_with_default(c, "paused", FALSE);

  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(config, caps, paths, &opts, &error);
  g_assert_no_error(error);
  g_autofree char *actual = bvm_command_to_args_text(cmd);

  if (g_strcmp0(g_getenv("BVM_REGENERATE_GOLDEN"), "1") == 0) {
    g_assert_true(g_file_set_contents(expected_path, actual, -1, &error));
    g_test_message("regenerated %s", expected_path);
    return;
  }
  g_autofree char *expected = NULL;
  if (!g_file_get_contents(expected_path, &expected, NULL, &error))
    g_error("%s: %s (run with BVM_REGENERATE_GOLDEN=1 to create it)", expected_path,
            error->message);
  if (g_strcmp0(expected, actual) != 0) {
    g_test_message("expected (%s):\n%s\nactual:\n%s", expected_path, expected, actual);
    g_test_fail_printf("%s: the argv differs from expected.args; if the change is meant, "
                       "regenerate with BVM_REGENERATE_GOLDEN=1 and review the diff",
                       name);
  }
}

static int compare_names(gconstpointer a, gconstpointer b)
{
  return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* Paths must not depend on who runs the test (run dirs fall back to
   * $XDG_RUNTIME_DIR for deep or comma-laden bundles). */
  g_setenv("XDG_RUNTIME_DIR", "/run/user/1000", TRUE);
  golden_dir = g_getenv("BVM_GOLDEN_DIR");
  g_assert_nonnull(golden_dir);
  g_autofree char *cases_dir = g_build_filename(golden_dir, "cases", NULL);
  g_autoptr(GDir) d = g_dir_open(cases_dir, 0, NULL);
  g_assert_nonnull(d);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *n;
  while ((n = g_dir_read_name(d)) != NULL)
    g_ptr_array_add(names, g_strdup(n));
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_strdup_printf("/golden/%s", (char *)names->pdata[i]);
    g_test_add_data_func(path, names->pdata[i], test_case);
  }
  return g_test_run();
}
