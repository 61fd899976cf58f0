/* Every argv the builder makes for this host is accepted by the real QEMU:
 * for each guest profile, create the VM with the real tools, start its
 * swtpm, start QEMU paused with the builder's argv, ask QMP, then quit. */
#include "caps.h"
#include "cli-harness.h"
#include "error.h"
#include "paths.h"
#include "qemu_cmd.h"
#include "qmp.h"
#include "registry.h"
#include "tpm.h"
#include "util.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

static char *root, *library, *iso;
static BvmHostCaps *caps;

typedef struct {
  const char *name;
  const char *const *create_args;
  BvmDisplayMode display;
  /* with a port forward and two shared folders (one read-only), their
   * paths holding a comma and "file=" */
  gboolean sharing;
} Profile;

static char *share_dir;

static void add_sharing(const char *vm)
{
  g_autofree char *fwd = g_strdup_printf("tcp:%u:80", harness_free_tcp_port());
  g_autofree char *rw = g_strdup_printf("%s:data", share_dir);
  g_autofree char *ro = g_strdup_printf("%s:docs:ro", share_dir);
  const char *set[] = {"set", vm, "--forward", fwd, "--share", rw, "--share", ro, NULL};
  harness_run_ok(library, set);
}

static gboolean wait_for_path(const char *path, GSubprocess *owner)
{
  for (int i = 0; i < 500; i++) {
    if (g_file_test(path, G_FILE_TEST_EXISTS))
      return TRUE;
    if (g_subprocess_get_identifier(owner) == NULL)
      return FALSE;
    g_usleep(20 * 1000);
  }
  return FALSE;
}

/* swtpm (if any), then QEMU paused, then a QMP connection. NULL when
 * *out_qmp is set; else why not (QEMU's stderr, or the connect error). */
static char *start_pair(const BvmConfig *config, const BvmPaths *paths, const BvmCommand *cmd,
                        GSubprocess **out_swtpm, GSubprocess **out_qemu, BvmQmp **out_qmp)
{
  g_autoptr(GError) error = NULL;
  if (config->tpm_enabled) {
    g_assert_cmpint(symlink(paths->tpm_dir, paths->tpm_alias), ==, 0);
    g_autofree char *swtpm_bin = g_find_program_in_path("swtpm");
    g_auto(GStrv) targv = bvm_tpm_build_argv(swtpm_bin, paths);
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
    int log = open(paths->swtpm_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    g_subprocess_launcher_take_fd(l, log, 3);
    *out_swtpm = g_subprocess_launcher_spawnv(l, (const char *const *)targv, &error);
    g_assert_no_error(error);
    g_assert_true(wait_for_path(paths->swtpm_sock, *out_swtpm));
  }
  g_autoptr(GSubprocessLauncher) ql =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  GSubprocess *qemu =
      g_subprocess_launcher_spawnv(ql, (const char *const *)cmd->argv->pdata, &error);
  g_assert_no_error(error);
  *out_qemu = qemu;
  if (wait_for_path(paths->qmp_sock, qemu)) {
    /* QEMU binds before it listens: retry a refused connect while QEMU
     * lives (a loaded 2-core host can take seconds), 30 s at most. */
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
    while (*out_qmp == NULL && g_subprocess_get_identifier(qemu) != NULL &&
           g_get_monotonic_time() < deadline) {
      g_clear_error(&error);
      *out_qmp = bvm_qmp_connect(paths->qmp_sock, 10000, &error);
      if (*out_qmp == NULL)
        g_usleep(20 * 1000);
    }
    if (*out_qmp != NULL)
      return NULL;
  }
  /* QEMU gave up (or never answered): its words */
  g_subprocess_force_exit(qemu);
  g_autofree char *err = NULL;
  (void)g_subprocess_communicate_utf8(qemu, NULL, NULL, NULL, &err, NULL);
  return g_strdup_printf("%s%s%s", err ? err : "", error ? "; " : "", error ? error->message : "");
}

static void test_profile(gconstpointer data)
{
  const Profile *p = data;
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  g_ptr_array_add(args, (char *)"create");
  g_ptr_array_add(args, (char *)p->name);
  g_ptr_array_add(args, (char *)"--iso");
  g_ptr_array_add(args, iso);
  for (const char *const *a = p->create_args; *a; a++)
    g_ptr_array_add(args, (char *)*a);
  g_ptr_array_add(args, NULL);
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, (const char *const *)args->pdata);
  if (r.status != 0)
    g_error("create %s: %s", p->name, r.err);

  if (p->sharing)
    add_sharing(p->name);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmVmEntry) e = bvm_registry_find(library, p->name, &error);
  g_assert_no_error(error);
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  BvmCmdOptions opts = {.display = p->display, .start_paused = TRUE};
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(e->config, caps, paths, &opts, &error);
  g_assert_no_error(error);
  g_assert_cmpint(g_mkdir_with_parents(paths->run_dir, 0700), ==, 0);

  g_autoptr(GSubprocess) swtpm = NULL, qemu = NULL;
  g_autoptr(BvmQmp) qmp = NULL;
  /* Rarely, under load, QEMU fails its first exchange with a fresh swtpm
   * ("tpm-emulator: ..."): the monitor then starts both once more
   * (monitor.c, start_processes), and so does this test. */
  for (int attempt = 0; qmp == NULL; attempt++) {
    g_autofree char *why = start_pair(e->config, paths, cmd, &swtpm, &qemu, &qmp);
    if (qmp != NULL)
      break;
    if (attempt > 0 || why == NULL || strstr(why, "tpm-emulator") == NULL) {
      g_autofree char *text = bvm_command_to_args_text(cmd);
      g_error("QEMU refused the argv of %s:\n%s\nargv:\n%s", p->name, why ? why : "", text);
    }
    g_test_message("QEMU could not talk to swtpm (%s): starting both once more", why);
    if (swtpm != NULL) {
      g_subprocess_force_exit(swtpm);
      (void)g_subprocess_wait(swtpm, NULL, NULL);
    }
    g_clear_object(&swtpm);
    g_clear_object(&qemu);
    g_unlink(paths->swtpm_sock);
    g_unlink(paths->qmp_sock);
    g_unlink(paths->qmp_client_sock);
    g_unlink(paths->qga_sock);
    g_unlink(paths->vnc_sock);
    g_unlink(paths->tpm_alias);
  }
  g_autoptr(JsonNode) status = bvm_qmp_execute(qmp, "query-status", NULL, 10000, &error);
  g_assert_no_error(error);
  JsonObject *so = json_node_get_object(status);
  g_assert_false(json_object_get_boolean_member(so, "running"));
  g_assert_cmpstr(json_object_get_string_member(so, "status"), ==, "prelaunch");
  if (e->config->tpm_enabled) {
    g_autoptr(JsonNode) tpm = bvm_qmp_execute(qmp, "query-tpm", NULL, 10000, &error);
    g_assert_no_error(error);
    g_autofree char *text = json_to_string(tpm, FALSE);
    g_assert_nonnull(strstr(text, "emulator"));
  }
  g_autoptr(JsonNode) quit = bvm_qmp_execute(qmp, "quit", NULL, 10000, NULL);
  g_assert_true(g_subprocess_wait(qemu, NULL, NULL));
  g_assert_true(g_subprocess_get_if_exited(qemu));
  g_assert_cmpint(g_subprocess_get_exit_status(qemu), ==, 0);
  if (swtpm != NULL) {
    /* --terminate: swtpm ends with its QEMU connection. */
    g_assert_true(g_subprocess_wait(swtpm, NULL, NULL));
  }
  bvm_remove_tree(paths->run_dir, NULL);
}

static const char *const linux_tpm[] = {"--preset", "light", "--memory", "1G", NULL};
static const char *const linux_bare[] = {"--preset",         "light", "--memory", "1G", "--no-tpm",
                                         "--no-secure-boot", NULL};
static const char *const linux_sb[] = {"--preset", "light",         "--memory",
                                       "1G",       "--secure-boot", NULL};
static const char *const win11[] = {"--os",  "windows11",        "--preset",
                                    "light", "--accept-license", NULL};
static const char *const arm_linux[] = {"--arch",   "aarch64", "--preset", "light",
                                        "--memory", "1G",      NULL};
static const char *const arm_win11[] = {
    "--arch", "aarch64", "--os", "windows11", "--preset", "light", "--accept-license", NULL};

static const Profile profiles[] = {
    {"x86 linux, tpm", linux_tpm, BVM_DISPLAY_VNC},
    {"x86 linux bare", linux_bare, BVM_DISPLAY_NONE, TRUE},
    {"x86 linux secure boot", linux_sb, BVM_DISPLAY_VNC},
    {"x86 windows 11", win11, BVM_DISPLAY_VNC},
    {"arm linux", arm_linux, BVM_DISPLAY_VNC, TRUE},
    {"arm windows 11", arm_win11, BVM_DISPLAY_NONE},
};

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-accepts-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib, with comma", NULL);
  iso = harness_make_iso(root, "an iso, with=comma.iso");
  share_dir = g_build_filename(root, "shared, file=x", NULL);
  g_assert_cmpint(g_mkdir_with_parents(share_dir, 0700), ==, 0);
  g_autoptr(GError) error = NULL;
  caps = bvm_host_caps_get(FALSE, &error);
  g_assert_no_error(error);
  for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
    g_autofree char *path = g_strdup_printf("/qemu-accepts/%s", profiles[i].name);
    g_strdelimit(path + 1, " ,", '-');
    g_test_add_data_func(path, &profiles[i], test_profile);
  }
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  bvm_host_caps_free(caps);
  harness_cleanup(root);
  return rc;
}
