/* Showing a VM changes nothing; reconciling a crash is a step of its own.
 * A bundle whose run/ outlived its monitor (the host crashed) reads as it
 * is until bvm_vm_reconcile tidies it and records the crash. */
#include "config.h"
#include "registry.h"
#include "state.h"
#include "util.h"
#include "vm.h"

#include <glib/gstdio.h>

static char *file_text(const char *path)
{
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static void test_view_reads_and_reconcile_acts(void)
{
  g_autofree char *lib = g_dir_make_tmp("bvm-view-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_new();
  c->name = g_strdup("view");
  c->id = g_uuid_string_random();
  g_autofree char *bundle = bvm_registry_bundle_path(lib, c->name);
  g_assert_cmpint(g_mkdir(bundle, 0700), ==, 0);
  g_assert_true(bvm_config_save(c, bundle, &error));
  g_assert_no_error(error);
  /* run/ as a monitor leaves it when the host dies under it: no lock. */
  g_autoptr(BvmPaths) paths = bvm_paths_new(bundle, c->id);
  g_assert_cmpint(g_mkdir_with_parents(paths->run_dir, 0700), ==, 0);
  BvmRunState rs = {.state = BVM_VM_RUNNING, .started_at = (char *)"2026-11-24T00:00:00Z"};
  g_assert_true(bvm_run_state_save(paths, &rs, &error));
  g_autofree char *config_path = g_build_filename(bundle, "config.json", NULL);
  g_autofree char *before = file_text(config_path);

  /* The view, twice: nothing on disk moves. */
  for (int i = 0; i < 2; i++) {
    g_autoptr(BvmVmEntry) e = bvm_registry_find(lib, "view", &error);
    g_assert_no_error(error);
    g_autoptr(JsonNode) node = bvm_vm_to_json(e);
    JsonObject *o = json_node_get_object(node);
    g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "stopped");
    g_assert_true(g_file_test(paths->state, G_FILE_TEST_EXISTS));
    g_autofree char *after = file_text(config_path);
    g_assert_cmpstr(after, ==, before);
  }

  /* Reconciling: run/ goes, the crash is recorded, the view says so. */
  g_autoptr(BvmVmEntry) e = bvm_registry_find(lib, "view", &error);
  g_assert_no_error(error);
  g_assert_true(bvm_vm_reconcile(e));
  g_assert_false(g_file_test(paths->run_dir, G_FILE_TEST_EXISTS));
  g_autoptr(JsonNode) node = bvm_vm_to_json(e);
  JsonObject *o = json_node_get_object(node);
  g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "crashed");
  g_assert_true(json_object_has_member(o, "lastExit"));
  g_autoptr(BvmConfig) saved = bvm_config_load(bundle, &error);
  g_assert_no_error(error);
  g_assert_nonnull(saved->last_exit);
  g_assert_cmpint(saved->last_exit->kind, ==, BVM_EXIT_KIND_CRASH);
  /* Once is enough: nothing is left to reconcile. */
  g_autoptr(BvmVmEntry) again = bvm_registry_find(lib, "view", &error);
  g_assert_false(bvm_vm_reconcile(again));
  bvm_remove_tree(lib, NULL);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/vm/view-reads-and-reconcile-acts", test_view_reads_and_reconcile_acts);
  return g_test_run();
}
