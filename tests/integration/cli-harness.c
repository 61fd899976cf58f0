#include "cli-harness.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>

void bvm_run_clear(BvmRun *run)
{
  g_clear_pointer(&run->out, g_free);
  g_clear_pointer(&run->err, g_free);
}

const char *harness_binary(void)
{
  static char *path;
  if (path == NULL) {
    const char *root = g_getenv("BVM_BUILD_ROOT");
    g_assert_nonnull(root);
    path = g_build_filename(root, "bridgevm", NULL);
  }
  return path;
}

void harness_run(BvmRun *out_run, const char *library, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)harness_binary());
  if (library != NULL) {
    g_ptr_array_add(argv, (char *)"--library");
    g_ptr_array_add(argv, (char *)library);
  }
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add(argv, (char *)*a);
  g_ptr_array_add(argv, NULL);
  int wait_status = 0;
  g_autoptr(GError) error = NULL;
  memset(out_run, 0, sizeof *out_run);
  if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL,
                    &out_run->out, &out_run->err, &wait_status, &error))
    g_error("cannot run %s: %s", harness_binary(), error->message);
  if (WIFEXITED(wait_status))
    out_run->status = WEXITSTATUS(wait_status);
  else
    out_run->status = 128 + WTERMSIG(wait_status);
  g_test_message("bridgevm exit %d\nstdout: %s\nstderr: %s", out_run->status, out_run->out,
                 out_run->err);
}

char *harness_tmpdir(const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp(tmpl, &error);
  g_assert_no_error(error);
  return dir;
}

void harness_cleanup(const char *dir)
{
  bvm_remove_tree(dir, NULL);
}

char *harness_make_iso(const char *dir, const char *name)
{
  gsize len = 18 * 2048;
  g_autofree char *data = g_malloc0(len);
  memcpy(data + 16 * 2048, "\001CD001\001", 7);
  char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
  return path;
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char *harness_list_dir(const char *dir)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (d != NULL) {
    const char *n;
    while ((n = g_dir_read_name(d)) != NULL)
      g_ptr_array_add(names, g_strdup(n));
  }
  g_ptr_array_sort(names, compare_strings);
  g_ptr_array_add(names, NULL);
  return g_strjoinv("\n", (char **)names->pdata);
}

char *harness_process_mentioning(const char *needle)
{
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  const char *name;
  while ((name = g_dir_read_name(proc)) != NULL) {
    if (!g_ascii_isdigit(name[0]) || atoi(name) == getpid())
      continue;
    g_autofree char *path = g_build_filename("/proc", name, "cmdline", NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL) || len == 0)
      continue;
    for (gsize i = 0; i + 1 < len; i++)
      if (data[i] == '\0')
        data[i] = ' ';
    if (strstr(data, needle) != NULL)
      return g_strdup_printf("%s: %s", name, data);
  }
  return NULL;
}

static void die_with_parent(gpointer unused)
{
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

GSubprocess *harness_spawn_tied(GSubprocessFlags flags, const char *const *argv, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(flags);
  g_subprocess_launcher_set_child_setup(launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv(launcher, argv, error);
}
