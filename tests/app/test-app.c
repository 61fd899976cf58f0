/* bridgevm-app under Xvfb, as a person would use it: launch on a temp
 * library, create and start a real VM (the test guest, TCG) through the
 * page's own fetch() calls, close the window (the VM keeps running),
 * launch again (the VM shows), pause, resume, pause and stop it with its
 * page's buttons (a notification), see a crash under the app (a
 * notification), and leave no QEMU behind. The app runs each step's script
 * through its test hook (BRIDGEVM_APP_TEST_SCRIPT) and prints the result. */
#include "cli-harness.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VM "appvm"

static char *root, *library, *iso, *app_binary, *artifacts;
static char *kill_argv[6];

/* A failed assertion aborts the test: kill the VM first, so no QEMU
 * outlives it. */
static void on_fatal_signal(int sig)
{
  pid_t pid = fork();
  if (pid == 0) {
    execv(kill_argv[0], kill_argv);
    _exit(127);
  }
  if (pid > 0)
    waitpid(pid, NULL, 0);
  signal(sig, SIG_DFL);
  raise(sig);
}

typedef struct {
  int status;
  char *out;
  char *err;
  JsonNode *result;
} AppRun;

static void app_run_clear(AppRun *r)
{
  g_clear_pointer(&r->out, g_free);
  g_clear_pointer(&r->err, g_free);
  g_clear_pointer(&r->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(AppRun, app_run_clear)

static char *build_iso(void)
{
  const char *src = g_getenv("BVM_SOURCE_ROOT");
  g_autofree char *script = g_build_filename(src, "tools", "build-test-guest.sh", NULL);
  const char *argv[] = {script, "plain", NULL};
  g_autofree char *out = NULL, *err = NULL;
  int wait_status = 0;
  g_assert_true(
      g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out, &err, &wait_status, NULL));
  if (!g_spawn_check_wait_status(wait_status, NULL))
    g_error("build-test-guest.sh plain failed: %s", err);
  g_strchomp(out);
  const char *last = strrchr(out, '\n');
  return g_strdup(last ? last + 1 : out);
}

/* The line of @out that starts with @tag, without the tag and timestamp. */
static const char *report_line(const char *out, const char *tag, char **out_owned)
{
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (!g_str_has_prefix(*l, tag) || (*l)[strlen(tag)] != ' ')
      continue;
    const char *rest = strchr(*l + strlen(tag) + 1, ' ');
    *out_owned = g_strdup(rest ? rest + 1 : "");
    return *out_owned;
  }
  *out_owned = NULL;
  return NULL;
}

/* Launch the app with @script_name (tests/app) under a fresh X server, wait
 * for it to close its window and exit. @on_loaded (optional) runs once the
 * app reports its page loaded (BVM-LOADED), while the script goes on. */
static void run_app_hooked(AppRun *out_run, const char *script_name, const char *screenshot,
                           void (*on_loaded)(void))
{
  const char *src = g_getenv("BVM_SOURCE_ROOT");
  g_autofree char *common_path = g_build_filename(src, "tests", "app", "common.js", NULL);
  g_autofree char *step_path = g_build_filename(src, "tests", "app", script_name, NULL);
  g_autofree char *common = NULL, *step = NULL;
  g_assert_true(g_file_get_contents(common_path, &common, NULL, NULL));
  g_assert_true(g_file_get_contents(step_path, &step, NULL, NULL));
  g_autofree char *script =
      g_strdup_printf("const VM = '%s', ISO = '%s';\n%s\n%s", VM, iso, common, step);
  g_autofree char *script_file = g_build_filename(root, script_name, NULL);
  g_assert_true(g_file_set_contents(script_file, script, -1, NULL));

  g_autofree char *err_file = g_build_filename(root, "app-stderr.txt", NULL);
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
      G_SUBPROCESS_FLAGS_STDOUT_PIPE | (on_loaded ? 0 : G_SUBPROCESS_FLAGS_STDERR_PIPE));
  if (on_loaded != NULL)
    g_subprocess_launcher_set_stderr_file_path(l, err_file);
  g_subprocess_launcher_setenv(l, "BRIDGEVM_APP_TEST_SCRIPT", script_file, TRUE);
  if (screenshot != NULL)
    g_subprocess_launcher_setenv(l, "BRIDGEVM_APP_SCREENSHOT", screenshot, TRUE);
  else
    g_subprocess_launcher_unsetenv(l, "BRIDGEVM_APP_SCREENSHOT");
  g_subprocess_launcher_setenv(l, "NO_AT_BRIDGE", "1", TRUE);
  g_subprocess_launcher_setenv(l, "G_MESSAGES_DEBUG", "bridgevm", TRUE);
  g_subprocess_launcher_setenv(l, "GTK_A11Y", "none", TRUE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, "timeout");
  g_ptr_array_add(argv, "240");
  g_ptr_array_add(argv, "xvfb-run");
  g_ptr_array_add(argv, "-a");
  /* -a takes the first free display from -n on: start from one of our own,
   * so two runs at once do not race for the same number */
  g_autofree char *servernum = g_strdup_printf("%d", 100 + (int)(getpid() % 800));
  g_ptr_array_add(argv, "-n");
  g_ptr_array_add(argv, servernum);
  g_ptr_array_add(argv, "-s");
  g_ptr_array_add(argv, "-screen 0 1280x800x24");
  g_autofree char *dbus = g_find_program_in_path("dbus-run-session");
  if (dbus != NULL)
    g_ptr_array_add(argv, dbus); /* a session bus, for notifications */
  g_ptr_array_add(argv, app_binary);
  g_ptr_array_add(argv, "--library");
  g_ptr_array_add(argv, library);
  g_ptr_array_add(argv, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p =
      g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &error);
  g_assert_no_error(error);
  if (on_loaded == NULL) {
    g_assert_true(
        g_subprocess_communicate_utf8(p, NULL, NULL, &out_run->out, &out_run->err, &error));
    g_assert_no_error(error);
  } else {
    /* line by line, to catch the moment the page is up */
    g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
    GString *all = g_string_new(NULL);
    gboolean fired = FALSE;
    char *line;
    while ((line = g_data_input_stream_read_line_utf8(in, NULL, NULL, NULL)) != NULL) {
      g_string_append_printf(all, "%s\n", line);
      if (!fired && g_str_has_prefix(line, "BVM-LOADED ")) {
        fired = TRUE;
        on_loaded();
      }
      g_free(line);
    }
    g_assert_true(g_subprocess_wait(p, NULL, &error));
    out_run->out = g_string_free(all, FALSE);
    (void)g_file_get_contents(err_file, &out_run->err, NULL, NULL);
  }
  out_run->status = g_subprocess_get_exit_status(p);
  g_test_message("%s: exit %d\n%s%s", script_name, out_run->status, out_run->out, out_run->err);
  g_autofree char *json = NULL;
  if (report_line(out_run->out, "BVM-RESULT", &json) == NULL)
    g_error("%s: no result from the app (exit %d): %s %s", script_name, out_run->status,
            out_run->out, out_run->err);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
  out_run->result = json_node_copy(json_parser_get_root(parser));
}

static void run_app(AppRun *out_run, const char *script_name, const char *screenshot)
{
  run_app_hooked(out_run, script_name, screenshot, NULL);
}

static JsonObject *member(JsonObject *o, const char *name)
{
  g_assert_true(json_object_has_member(o, name));
  return json_object_get_object_member(o, name);
}

static const char *cli_state(void)
{
  static char state[32];
  g_auto(BvmRun) r = {0};
  const char *args[] = {"status", VM, "--json", NULL};
  harness_run(&r, library, args);
  g_assert_cmpint(r.status, ==, 0);
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, r.out, -1, NULL));
  JsonObject *o = json_node_get_object(json_parser_get_root(p));
  g_strlcpy(state, json_object_get_string_member(o, "state"), sizeof state);
  return state;
}

static void assert_png(const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_cmpuint(len, >, 1000);
  g_assert_true(memcmp(data, "\x89PNG", 4) == 0);
}

static void test_first_launch(void)
{
  g_autofree char *shot = g_build_filename(artifacts, "app-first-launch.png", NULL);
  g_unlink(shot);
  g_auto(AppRun) run = {0};
  run_app(&run, "first-launch.js", shot);
  g_assert_cmpint(run.status, ==, 0);
  JsonObject *o = json_node_get_object(run.result);

  /* The API through the scheme, with HTTP statuses as in serve mode. */
  JsonObject *empty = member(o, "empty");
  g_assert_cmpint(json_object_get_int_member(empty, "status"), ==, 200);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(empty, "body")), ==, 0);
  JsonObject *unknown = member(o, "unknown");
  g_assert_cmpint(json_object_get_int_member(unknown, "status"), ==, 404);
  g_assert_cmpstr(json_object_get_string_member(member(member(unknown, "body"), "error"), "code"),
                  ==, "notFound");
  g_assert_cmpint(json_object_get_int_member(o, "getApi"), ==, 405);

  /* No remote content: fetch and images from the web break the CSP. */
  g_assert_cmpstr(json_object_get_string_member(o, "remoteFetch"), ==, "blocked");
  JsonArray *violations = json_object_get_array_member(o, "violations");
  g_assert_cmpuint(json_array_get_length(violations), ==, 2);
  g_assert_cmpstr(json_array_get_string_element(violations, 0), ==, "https://example.com/x.json");
  g_assert_cmpstr(json_array_get_string_element(violations, 1), ==, "https://example.com/x.png");

  /* Navigation outside the app: refused, the page stays. The hook's script
   * counts as a user gesture, so the link is handed to the browser (which
   * the hook only reports: BVM-EXTERNAL); window.open makes no window. */
  g_assert_cmpstr(json_object_get_string_member(o, "stayed"), ==, "bridgevm://app/");
  assert_contains(run.out, "BVM-EXTERNAL");
  assert_contains(run.out, " https://example.com/\n");

  /* createVm with progress lines, then the result. */
  JsonObject *create = member(o, "create");
  g_assert_cmpint(json_object_get_int_member(create, "status"), ==, 200);
  g_assert_cmpstr(json_object_get_string_member(create, "type"), ==, "application/x-ndjson");
  JsonArray *lines = json_object_get_array_member(create, "lines");
  guint n = json_array_get_length(lines);
  g_assert_cmpuint(n, >=, 2);
  g_assert_true(json_object_has_member(json_array_get_object_element(lines, 0), "progress"));
  JsonObject *last = json_array_get_object_element(lines, n - 1);
  g_assert_cmpstr(json_object_get_string_member(member(last, "result"), "name"), ==, VM);

  /* SSE through the scheme: the first event is the VM's state. */
  JsonObject *event = member(o, "event");
  g_assert_cmpint(json_object_get_int_member(event, "status"), ==, 200);
  g_assert_cmpstr(json_object_get_string_member(event, "type"), ==, "text/event-stream");
  const char *text = json_object_get_string_member(event, "text");
  assert_contains(text, "event: state\ndata: {");
  assert_contains(text, "\"state\":\"stopped\"");
  /* ...and when the page lets go of the stream, its poller goes too. */
  assert_contains(run.out, "the page let go of an event stream"); /* g_debug: stdout */

  /* startVm streamed to its result: running. */
  JsonArray *start = json_object_get_array_member(member(o, "start"), "lines");
  JsonObject *start_last = json_array_get_object_element(start, json_array_get_length(start) - 1);
  if (!json_object_has_member(start_last, "result"))
    g_error("startVm failed: %s", run.out);
  g_assert_cmpstr(json_object_get_string_member(member(start_last, "result"), "state"), ==,
                  "running");
  g_assert_cmpstr(json_object_get_string_member(member(member(o, "status"), "body"), "state"), ==,
                  "running");
  g_assert_true(json_object_get_boolean_member(o, "shown"));
  assert_png(shot);

  /* The window is closed and the app gone: the VM's monitor still owns it. */
  g_assert_cmpstr(cli_state(), ==, "running");
}

static void test_relaunch_pause_resume_stop(void)
{
  g_autofree char *shot = g_build_filename(artifacts, "app-relaunch.png", NULL);
  g_auto(AppRun) run = {0};
  run_app(&run, "relaunch.js", shot);
  g_assert_cmpint(run.status, ==, 0);
  JsonObject *o = json_node_get_object(run.result);
  JsonArray *list = json_object_get_array_member(member(o, "list"), "body");
  g_assert_cmpuint(json_array_get_length(list), ==, 1);
  JsonObject *vm = json_array_get_object_element(list, 0);
  g_assert_cmpstr(json_object_get_string_member(vm, "name"), ==, VM);
  g_assert_cmpstr(json_object_get_string_member(vm, "state"), ==, "running");
  /* The page's Pause and Resume reached the VM; Stop works on a paused one. */
  g_assert_cmpstr(json_object_get_string_member(o, "paused"), ==, "paused");
  g_assert_cmpstr(json_object_get_string_member(o, "resumed"), ==, "running");
  g_assert_cmpstr(json_object_get_string_member(member(member(o, "status"), "body"), "state"), ==,
                  "stopped");
  /* The Snapshots tab took one of the stopped VM; Clone made a VM of its own id. */
  JsonArray *snaps = json_object_get_array_member(member(o, "snapshots"), "body");
  g_assert_cmpuint(json_array_get_length(snaps), ==, 1);
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(snaps, 0), "consistency"), ==,
      "stopped");
  JsonObject *clone = member(member(o, "clone"), "body");
  g_assert_cmpstr(json_object_get_string_member(clone, "name"), ==, VM "-twin");
  g_assert_cmpstr(json_object_get_string_member(clone, "id"), !=,
                  json_object_get_string_member(member(member(o, "source"), "body"), "id"));
  g_assert_cmpint(json_object_get_int_member(o, "nativeUnknown"), ==, 404);
  g_assert_cmpstr(json_object_get_string_member(o, "chooseIso"), ==, "pending");
  /* The notifier saw it go. */
  assert_contains(run.out, "BVM-NOTIFY");
  assert_contains(run.out, VM " stopped");
  assert_png(shot);
  g_assert_cmpstr(cli_state(), ==, "stopped");
  g_autofree char *left = harness_process_mentioning(library);
  g_assert_null(left);
}

static int qemu_pid;

/* A few of the notifier's 2 s rounds after the page is up, QEMU dies. */
static gpointer kill_qemu_later(gpointer unused)
{
  g_usleep(5 * G_USEC_PER_SEC);
  kill(qemu_pid, SIGKILL);
  return NULL;
}

static void on_loaded_kill_qemu(void)
{
  g_thread_unref(g_thread_new("kill-qemu", kill_qemu_later, NULL));
}

/* QEMU killed under the app: the VM shows crashed and the notifier says so,
 * with the reason from lastExit. */
static void test_crash_notifies(void)
{
  const char *start[] = {"start", VM, "--display", "none", NULL};
  g_auto(BvmRun) st = {0};
  harness_run(&st, library, start);
  g_assert_cmpint(st.status, ==, 0);
  g_auto(BvmRun) r = {0};
  const char *status[] = {"status", VM, "--json", NULL};
  harness_run(&r, library, status);
  g_autoptr(JsonParser) jp = json_parser_new();
  g_assert_true(json_parser_load_from_data(jp, r.out, -1, NULL));
  qemu_pid = (int)json_object_get_int_member(json_node_get_object(json_parser_get_root(jp)), "pid");
  g_assert_cmpint(qemu_pid, >, 1);

  g_auto(AppRun) run = {0};
  run_app_hooked(&run, "crash.js", NULL, on_loaded_kill_qemu);
  g_assert_cmpint(run.status, ==, 0);
  JsonObject *o = json_node_get_object(run.result);
  g_assert_cmpstr(json_object_get_string_member(o, "before"), ==, "running");
  g_assert_cmpstr(json_object_get_string_member(o, "after"), ==, "crashed");
  assert_contains(run.out, "BVM-NOTIFY");
  assert_contains(run.out, VM " crashed");
  assert_contains(run.out, "signal 9");
  g_assert_cmpstr(cli_state(), ==, "crashed");
  g_autofree char *left = harness_process_mentioning(library);
  g_assert_null(left);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  const char *build = g_getenv("BVM_BUILD_ROOT");
  app_binary = g_build_filename(build ? build : ".", "bridgevm-app", NULL);
  g_autofree char *xvfb = g_find_program_in_path("xvfb-run");
  if (!g_file_test(app_binary, G_FILE_TEST_IS_EXECUTABLE) || xvfb == NULL) {
    /* TAP: the whole program is skipped, with the reason. */
    printf("1..0 # SKIP %s\n", xvfb == NULL ? "xvfb-run is not installed (apt-get install xvfb)"
                                            : "bridgevm-app was not built (gtk4, webkitgtk-6.0)");
    return 0;
  }
  root = harness_tmpdir("bvm-app-XXXXXX");
  library = g_build_filename(root, "VMs", NULL);
  g_mkdir_with_parents(library, 0700);
  kill_argv[0] = (char *)harness_binary();
  kill_argv[1] = "--library";
  kill_argv[2] = library;
  kill_argv[3] = "kill";
  kill_argv[4] = VM;
  signal(SIGABRT, on_fatal_signal);
  signal(SIGTRAP, on_fatal_signal);
  iso = build_iso();
  const char *src = g_getenv("BVM_SOURCE_ROOT");
  artifacts = g_build_filename(src, "test-artifacts", NULL);
  g_mkdir_with_parents(artifacts, 0755);

  /* In order: each step starts from where the last one left the library. */
  g_test_add_func("/app/first-launch-creates-and-starts", test_first_launch);
  g_test_add_func("/app/relaunch-shows-running-vm-pause-resume-stop-notifies",
                  test_relaunch_pause_resume_stop);
  g_test_add_func("/app/crash-notifies", test_crash_notifies);
  harness_add_final_check(root, NULL);
  int status = g_test_run();

  /* Whatever failed: no VM left running. */
  g_auto(BvmRun) r = {0};
  const char *args[] = {"kill", VM, NULL};
  harness_run(&r, library, args);
  harness_cleanup(root);
  return status;
}
