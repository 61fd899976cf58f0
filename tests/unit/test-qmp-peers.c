/* The QMP and guest-agent clients against the real QEMU and against
 * hostile fake peers: garbage, huge lines, silence, a peer that vanishes
 * mid-reply. Nothing may hang or crash; every failure is a clear error. */
#include "error.h"
#include "guest_agent.h"
#include "qmp.h"
#include "util.h"
#include "vcpu_stop.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char *tmpdir;

typedef void (*PeerScript)(int fd);

typedef struct {
  char *path;
  int listen_fd;
  PeerScript script;
  GThread *thread;
} FakePeer;

static gpointer peer_main(gpointer data)
{
  FakePeer *p = data;
  int fd = accept(p->listen_fd, NULL, NULL);
  if (fd >= 0) {
    p->script(fd);
    close(fd);
  }
  return NULL;
}

static FakePeer *peer_start(const char *name, PeerScript script)
{
  FakePeer *p = g_new0(FakePeer, 1);
  p->path = g_build_filename(tmpdir, name, NULL);
  p->script = script;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  g_strlcpy(addr.sun_path, p->path, sizeof addr.sun_path);
  p->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(bind(p->listen_fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
  g_assert_cmpint(listen(p->listen_fd, 1), ==, 0);
  p->thread = g_thread_new(name, peer_main, p);
  return p;
}

static void peer_stop(FakePeer *p)
{
  g_thread_join(p->thread);
  close(p->listen_fd);
  unlink(p->path);
  g_free(p->path);
  g_free(p);
}

static void say(int fd, const char *text)
{
  (void)!write(fd, text, strlen(text));
}

/* Read one request line (to answer after it). */
static void hear(int fd)
{
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n')
    ;
}

#define GREETING                                                                                   \
  "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}}}\n"

static void script_garbage(int fd)
{
  say(fd, GREETING);
  hear(fd);
  say(fd, "this is not json\n");
}

static void script_huge_line(int fd)
{
  say(fd, GREETING);
  hear(fd);
  g_autofree char *big = g_strnfill(2 * 1024 * 1024, 'x');
  say(fd, "{\"return\": \"");
  say(fd, big);
}

static void script_vanish(int fd)
{
  say(fd, GREETING);
  hear(fd);
  say(fd, "{\"return\": {}, \"i");
}

static void script_silent(int fd)
{
  say(fd, GREETING);
  hear(fd);
  g_usleep(1500 * 1000);
}

static void script_events_first(int fd)
{
  say(fd, GREETING);
  hear(fd);
  say(fd, "{\"return\": {}, \"id\": 1}\n");
  hear(fd);
  say(fd, "{\"event\": \"POWERDOWN\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\n"
          "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 3}}\n"
          "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 2}\n");
  g_usleep(200 * 1000);
}

/* After a STOP the monitor asks query-status: this peer answers with the
 * run state in stop_state and records what it was asked. */
static const char *stop_state;
static char asked[256];

static void script_run_state(int fd)
{
  say(fd, GREETING);
  hear(fd);
  say(fd, "{\"return\": {}}\n");
  char c;
  size_t n = 0;
  while (read(fd, &c, 1) == 1 && c != '\n' && n + 1 < sizeof asked)
    asked[n++] = c;
  asked[n] = '\0';
  g_autofree char *reply = g_strdup_printf(
      "{\"return\": {\"status\": \"%s\", \"singlestep\": false, \"running\": false}}\n",
      stop_state);
  say(fd, reply);
  g_usleep(100 * 1000);
}

static void explain_stop(const char *state, const char *accel, gboolean disk_full, const char *log,
                         BvmVcpuStop *out)
{
  stop_state = state;
  asked[0] = '\0';
  FakePeer *p = peer_start("qmp-stop.sock", script_run_state);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(p->path, 2000, &error);
  g_assert_no_error(error);
  bvm_vcpu_stop_explain(qmp, 2000, accel, disk_full, log, "vm, one", out);
  g_assert_nonnull(strstr(asked, "\"query-status\""));
  peer_stop(p);
}

/* STOP, then internal-error: crashed with QEMU's words and the hint;
 * io-error: paused with the disk reason (resumable); guest-panicked:
 * crashed. The log quoted is a real KVM failure. */
static void test_stop_explained_by_run_state(void)
{
  g_autofree char *log = g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "fixtures", "probe",
                                          "kvm-internal-error.stderr", NULL);
  g_auto(BvmVcpuStop) kvm = {0};
  explain_stop("internal-error", "kvm", FALSE, log, &kvm);
  g_assert_true(kvm.crashed);
  g_assert_nonnull(strstr(kvm.reason, "KVM internal error. Suberror: 1"));
  g_assert_nonnull(strstr(kvm.reason, "bridgevm set 'vm, one' --accel tcg"));
  g_auto(BvmVcpuStop) disk = {0};
  explain_stop("io-error", "kvm", TRUE, log, &disk);
  g_assert_false(disk.crashed);
  g_assert_cmpint(disk.state, ==, BVM_VM_PAUSED);
  g_assert_nonnull(strstr(disk.reason, "free space on it, then resume"));
  g_auto(BvmVcpuStop) panic = {0};
  explain_stop("guest-panicked", "tcg", FALSE, log, &panic);
  g_assert_true(panic.crashed);
  g_assert_cmpstr(panic.reason, ==, "the guest kernel panicked");
  g_auto(BvmVcpuStop) user = {0};
  explain_stop("paused", "tcg", FALSE, log, &user);
  g_assert_false(user.crashed);
  g_assert_cmpint(user.state, ==, BVM_VM_PAUSED);
  g_assert_null(user.reason);
}

static void expect_qmp_failure(PeerScript script, int code, const char *fragment)
{
  FakePeer *p = peer_start("qmp-fake.sock", script);
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(p->path, 300, &error);
  gint64 took_ms = (g_get_monotonic_time() - t0) / 1000;
  g_assert_null(qmp);
  g_assert_error(error, BVM_ERROR, code);
  if (strstr(error->message, fragment) == NULL)
    g_error("'%s' lacks '%s'", error->message, fragment);
  /* bounded: the deadline holds, whatever the peer does */
  g_assert_cmpint(took_ms, <, 5000);
  peer_stop(p);
}

static void test_qmp_hostile_peers(void)
{
  expect_qmp_failure(script_garbage, BVM_ERROR_QEMU_FAILED, "not a JSON object");
  expect_qmp_failure(script_huge_line, BVM_ERROR_QEMU_FAILED, "over 1048576 bytes");
  expect_qmp_failure(script_vanish, BVM_ERROR_QEMU_FAILED, "closed the connection");
  expect_qmp_failure(script_silent, BVM_ERROR_TIMEOUT, "did not answer in time");
}

static void test_qmp_events_are_queued(void)
{
  FakePeer *p = peer_start("qmp-events.sock", script_events_first);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(p->path, 2000, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(bvm_qmp_get_version(qmp), ==, "7.2.0");
  g_autoptr(JsonNode) r = bvm_qmp_execute(qmp, "query-status", NULL, 2000, &error);
  g_assert_no_error(error);
  g_assert_true(json_object_get_boolean_member(json_node_get_object(r), "running"));
  g_assert_true(bvm_qmp_has_pending_event(qmp));
  g_autoptr(JsonNode) e1 = bvm_qmp_next_event(qmp, 100, &error);
  g_autoptr(JsonNode) e2 = bvm_qmp_next_event(qmp, 100, &error);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(e1), "event"), ==,
                  "POWERDOWN");
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(e2), "event"), ==, "STOP");
  peer_stop(p);
}

static void test_qmp_real_qemu(void)
{
  g_autofree char *sock = g_build_filename(tmpdir, "qemu.sock", NULL);
  g_autofree char *qmp_opt = g_strdup_printf("unix:%s,server=on,wait=off", sock);
  const char *argv[] = {"qemu-system-x86_64",
                        "-machine",
                        "none",
                        "-nodefaults",
                        "-display",
                        "none",
                        "-S",
                        "-qmp",
                        qmp_opt,
                        NULL};
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) qemu = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 200 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++)
    g_usleep(20 * 1000);
  /* QEMU binds before it listens: retry a refused connect briefly. */
  g_autoptr(BvmQmp) qmp = NULL;
  for (int i = 0; i < 100 && qmp == NULL; i++) {
    g_clear_error(&error);
    qmp = bvm_qmp_connect(sock, 5000, &error);
    if (qmp == NULL)
      g_usleep(20 * 1000);
  }
  g_assert_no_error(error);
  g_autoptr(JsonNode) st = bvm_qmp_execute(qmp, "query-status", NULL, 5000, &error);
  g_assert_no_error(error);
  g_assert_false(json_object_get_boolean_member(json_node_get_object(st), "running"));
  g_autoptr(JsonNode) bad = bvm_qmp_execute(qmp, "no-such-command", NULL, 5000, &error);
  g_assert_null(bad);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED);
  g_assert_nonnull(strstr(error->message, "QEMU refused no-such-command: "));
  g_clear_error(&error);
  g_autoptr(JsonNode) quit = bvm_qmp_execute(qmp, "quit", NULL, 5000, &error);
  g_assert_no_error(error);
  g_assert_true(g_subprocess_wait(qemu, NULL, NULL));
  g_autoptr(JsonNode) after = bvm_qmp_execute(qmp, "query-status", NULL, 2000, &error);
  g_assert_null(after);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED);
}

/* The guest agent ------------------------------------------------------- */

static gint64 sync_id_from(const char *line)
{
  const char *p = strstr(line, "\"id\":");
  return p ? g_ascii_strtoll(p + 5, NULL, 10) : -1;
}

static void script_agent_good(int fd)
{
  GString *line = g_string_new(NULL);
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n')
    g_string_append_c(line, c);
  gint64 id = sync_id_from(line->str);
  g_string_free(line, TRUE);
  /* stale junk from an earlier client, then the delimiter and our reply */
  say(fd, "{\"return\": 12345}\n{\"return\": {}}\n");
  say(fd, "\xff");
  g_autofree char *reply = g_strdup_printf("{\"return\": %" G_GINT64_FORMAT "}\n", id);
  say(fd, reply);
  hear(fd);
  say(fd, "{\"return\": {}}\n");
  hear(fd);
  say(fd, "{\"return\": {\"id\": \"debian\", \"kernel-release\": \"6.1\"}}\n");
  hear(fd);
  say(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"nope\"}}\n");
}

static void script_agent_silent(int fd)
{
  hear(fd);
  g_usleep(1500 * 1000);
}

static void test_agent_sync_and_calls(void)
{
  FakePeer *p = peer_start("qga-good.sock", script_agent_good);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmAgent) agent = bvm_agent_connect(p->path, 2000, &error);
  g_assert_no_error(error);
  g_assert_true(bvm_agent_ping(agent, 2000, &error));
  g_autoptr(JsonNode) os = bvm_agent_osinfo(agent, 2000, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(os), "id"), ==, "debian");
  g_autoptr(JsonNode) net = bvm_agent_network(agent, 2000, &error);
  g_assert_null(net);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED);
  g_assert_nonnull(
      strstr(error->message, "guest agent refused guest-network-get-interfaces: nope"));
  peer_stop(p);
}

static void test_agent_not_answering(void)
{
  FakePeer *p = peer_start("qga-silent.sock", script_agent_silent);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmAgent) agent = bvm_agent_connect(p->path, 300, &error);
  g_assert_null(agent);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_TIMEOUT);
  g_assert_nonnull(strstr(error->message, "guest agent not answering"));
  peer_stop(p);
  g_clear_error(&error);
  g_autofree char *missing = g_build_filename(tmpdir, "none.sock", NULL);
  g_autoptr(BvmAgent) none = bvm_agent_connect(missing, 300, &error);
  g_assert_null(none);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  /* A fake peer writing to a client that hung up must not kill us. */
  signal(SIGPIPE, SIG_IGN);
  tmpdir = g_dir_make_tmp("bvm-qmp-XXXXXX", NULL);
  g_test_add_func("/qmp/hostile-peers", test_qmp_hostile_peers);
  g_test_add_func("/qmp/events-are-queued", test_qmp_events_are_queued);
  g_test_add_func("/qmp/stop-explained-by-run-state", test_stop_explained_by_run_state);
  g_test_add_func("/qmp/real-qemu", test_qmp_real_qemu);
  g_test_add_func("/agent/sync-and-calls", test_agent_sync_and_calls);
  g_test_add_func("/agent/not-answering", test_agent_not_answering);
  int rc = g_test_run();
  bvm_remove_tree(tmpdir, NULL);
  g_free(tmpdir);
  return rc;
}
