#include "cli-harness.h"
#include "error.h"
#include "guest_agent.h"
#include "jsonstream.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

void harness_run_in(BvmRun *out_run, const char *const *prefix, const char *const *env,
                    const char *library, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  for (const char *const *p = prefix; p && *p; p++)
    g_ptr_array_add(argv, (char *)*p);
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
  if (!g_spawn_sync(NULL, (char **)argv->pdata, (char **)env,
                    G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_SEARCH_PATH, NULL, NULL, &out_run->out,
                    &out_run->err, &wait_status, &error))
    g_error("cannot run %s: %s", harness_binary(), error->message);
  if (WIFEXITED(wait_status))
    out_run->status = WEXITSTATUS(wait_status);
  else
    out_run->status = 128 + WTERMSIG(wait_status);
  g_test_message("bridgevm exit %d\nstdout: %s\nstderr: %s", out_run->status, out_run->out,
                 out_run->err);
}

void harness_run(BvmRun *out_run, const char *library, const char *const *args)
{
  harness_run_in(out_run, NULL, NULL, library, args);
}

/* ---- Nothing outlives a test ------------------------------------------
 * The VMs a test starts run in their own sessions (the monitor is a daemon
 * by design), so neither the process group nor PR_SET_PDEATHSIG reaches
 * them. What does: their command lines name the test's temp dir (library,
 * bundle, run dir, TPM state). On a fatal signal the handler scans /proc
 * with raw system calls (no malloc, no stdio: it may run inside either) and
 * kills each match, then lets the signal take the process. */

#define TRACKED_MAX 4
static char tracked[TRACKED_MAX][PATH_MAX];
/* Mount namespaces (as /proc/PID/ns/mnt reads, "mnt:[N]") whose processes
 * die with the test: a daemon's own namespace, whose children (QEMU
 * started by libvirtd) name no temp dir on their command lines. */
static char tracked_ns[TRACKED_MAX][64];
static int n_tracked_ns;
static volatile sig_atomic_t n_tracked;

struct harness_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* Does /proc/@pid/cmdline (NULs read as spaces) contain @needle? */
static gboolean cmdline_contains(const char *pid, const char *needle)
{
  char path[64] = "/proc/";
  size_t n = strlen(path);
  for (const char *c = pid; *c && n < sizeof path - 10; c++)
    path[n++] = *c;
  memcpy(path + n, "/cmdline", sizeof "/cmdline");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  char buf[32768];
  size_t len = 0;
  ssize_t r;
  while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) != 0) {
    if (r < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    len += (size_t)r;
  }
  close(fd);
  for (size_t i = 0; i < len; i++)
    if (buf[i] == '\0')
      buf[i] = ' ';
  buf[len] = '\0';
  return needle[0] != '\0' && strstr(buf, needle) != NULL;
}

/* Whether process @pid (its /proc name) is one to kill, given @arg. */
typedef gboolean (*ProcessMatch)(const char *pid, const char *arg);

static int kill_pass(ProcessMatch match, const char *arg)
{
  int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  pid_t self = getpid();
  int killed = 0;
  char buf[8192];
  long got;
  while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
    for (long off = 0; off < got;) {
      struct harness_dirent64 *d = (struct harness_dirent64 *)(buf + off);
      off += d->d_reclen;
      pid_t pid = 0;
      const char *c = d->d_name;
      for (; *c >= '0' && *c <= '9'; c++)
        pid = pid * 10 + (*c - '0');
      if (*c != '\0' || pid <= 1 || pid == self)
        continue;
      if (match(d->d_name, arg) && kill(pid, SIGKILL) == 0)
        killed++;
    }
  }
  close(fd);
  return killed;
}

/* SIGKILL every process @match picks, pass after pass (async-signal-safe):
 * a process caught mid-fork can leave a child the first pass missed. */
static int kill_matching(ProcessMatch match, const char *arg)
{
  int saved = errno, total = 0;
  for (int pass = 0; pass < 5; pass++) {
    int killed = kill_pass(match, arg);
    total += killed;
    if (killed == 0)
      break;
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  errno = saved;
  return total;
}

static gboolean in_namespace(const char *pid, const char *ns)
{
  char path[64], link[64];
  /* no snprintf: this runs in a signal handler */
  if (strlen(pid) > 32)
    return FALSE;
  strcpy(path, "/proc/");
  strcat(path, pid);
  strcat(path, "/ns/mnt");
  ssize_t n = readlink(path, link, sizeof link - 1);
  if (n <= 0)
    return FALSE;
  link[n] = '\0';
  return strcmp(link, ns) == 0;
}

int harness_kill_namespace(const char *ns)
{
  return kill_matching(in_namespace, ns);
}

int harness_kill_processes_mentioning(const char *needle)
{
  return kill_matching(cmdline_contains, needle);
}

static void kill_tracked(void)
{
  for (int i = 0; i < n_tracked_ns; i++)
    if (tracked_ns[i][0] != '\0')
      harness_kill_namespace(tracked_ns[i]);
  for (int i = 0; i < n_tracked; i++)
    if (tracked[i][0] != '\0')
      harness_kill_processes_mentioning(tracked[i]);
}

static void say(const char *text)
{
  ssize_t unused = write(STDERR_FILENO, text, strlen(text));
  (void)unused;
}

static void on_fatal_signal(int sig)
{
  say("# test process dying: killing every process that names its temp dir");
  for (int i = 0; i < n_tracked; i++) {
    if (tracked[i][0] != '\0') {
      say(" ");
      say(tracked[i]);
    }
  }
  say(" (the dir is kept for a post-mortem)\n");
  kill_tracked();
  /* SA_RESETHAND restored the default action: the signal, still blocked
   * here, ends the process once the handler returns. */
  raise(sig);
}

/* The fatal-signal handlers and the atexit hook, once. */
static void track_dir_handlers(void)
{
  static gboolean installed;
  if (!installed) {
    installed = TRUE;
    static const int sigs[] = {SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGILL,
                               SIGFPE,  SIGTERM, SIGINT,  SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (gsize i = 0; i < G_N_ELEMENTS(sigs); i++)
      sigaction(sigs[i], &sa, NULL);
    atexit(kill_tracked);
  }
}

static void track_dir(const char *dir)
{
  track_dir_handlers();
  g_assert_cmpint(n_tracked, <, TRACKED_MAX);
  g_assert_cmpuint(strlen(dir), <, PATH_MAX);
  g_strlcpy(tracked[n_tracked], dir, PATH_MAX);
  n_tracked++;
}

static void untrack_dir(const char *dir)
{
  for (int i = 0; i < n_tracked; i++)
    if (strcmp(tracked[i], dir) == 0)
      tracked[i][0] = '\0';
}

void harness_run_ok(const char *library, const char *const *args)
{
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  if (r.status != 0)
    g_error("bridgevm %s failed (%d): %s", args[0], r.status, r.err);
}

int harness_run_with_fault(const char *library, const char *fault, const char *const *args)
{
  if (fault != NULL)
    g_setenv("BRIDGEVM_FAULT", fault, TRUE);
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  g_unsetenv("BRIDGEVM_FAULT");
  return r.status;
}

JsonNode *harness_run_json(const char *library, const char *const *args)
{
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  if (r.status != 0)
    g_error("bridgevm %s failed (%d): %s", args[0], r.status, r.err);
  g_autoptr(JsonParser) p = json_parser_new();
  if (!json_parser_load_from_data(p, r.out, -1, NULL))
    g_error("bridgevm %s printed no JSON: %s", args[0], r.out);
  return json_node_copy(json_parser_get_root(p));
}

char *harness_tmpdir(const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp(tmpl, &error);
  g_assert_no_error(error);
  track_dir(dir);
  return dir;
}

/* Every process other than this one naming @needle, one per line, or NULL. */
static char *processes_mentioning(const char *needle)
{
  g_autoptr(GString) found = NULL;
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
    if (strstr(data, needle) == NULL)
      continue;
    if (found == NULL)
      found = g_string_new(NULL);
    g_string_append_printf(found, "%s%s: %s", found->len ? "\n" : "", name, data);
  }
  return found ? g_string_free(g_steal_pointer(&found), FALSE) : NULL;
}

void harness_cleanup(const char *dir)
{
  g_autofree char *left = processes_mentioning(dir);
  if (left != NULL) {
    g_printerr("# killing what still names %s:\n# %s\n", dir, left);
    harness_kill_processes_mentioning(dir);
  }
  untrack_dir(dir);
  bvm_remove_tree(dir, NULL);
}

static const char *final_dir;
static void (*final_teardown)(void);

static void test_no_process_names_the_temp_dir(void)
{
  if (final_teardown != NULL)
    final_teardown();
  /* A VM just ended can take a moment to go (swtpm --terminate follows
   * QEMU, the monitor reaps both): that is not a leak. */
  g_autofree char *left = NULL;
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  do {
    g_free(left);
    left = processes_mentioning(final_dir);
    if (left == NULL)
      return;
    g_usleep(100 * 1000);
  } while (g_get_monotonic_time() < deadline);
  g_error("still running after the suite, naming its temp dir %s:\n%s", final_dir, left);
}

void harness_add_final_check(const char *dir, void (*teardown)(void))
{
  final_dir = dir;
  final_teardown = teardown;
  g_test_add_func("/teardown/no-process-names-the-temp-dir", test_no_process_names_the_temp_dir);
}

char *harness_build_test_guest(const char *kind)
{
  const char *src = g_getenv("BVM_SOURCE_ROOT");
  g_autofree char *script = g_build_filename(src, "tools", "build-test-guest.sh", NULL);
  const char *argv[] = {script, kind, NULL};
  g_autofree char *out = NULL, *err = NULL;
  int wait_status = 0;
  g_assert_true(
      g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out, &err, &wait_status, NULL));
  if (!g_spawn_check_wait_status(wait_status, NULL))
    g_error("build-test-guest.sh %s failed: %s", kind, err);
  g_strchomp(out);
  const char *last = strrchr(out, '\n');
  return g_strdup(last ? last + 1 : out);
}

char *harness_env_dir(const char *root, const char *var, const char *name)
{
  char *dir = g_build_filename(root, name, NULL);
  g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
  g_setenv(var, dir, TRUE);
  return dir;
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

static void run_tool(const char *const *argv)
{
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, NULL, &err, &status, &error))
    g_error("%s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("%s failed: %s", argv[0], err);
}

char *harness_make_media_iso(const char *dir, const char *name, const char *volume_id,
                             const char *publisher, const char *const *dirs)
{
  g_autofree char *tree = g_build_filename(dir, "iso-tree-XXXXXX", NULL);
  g_assert_nonnull(g_mkdtemp(tree));
  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++) {
    g_autofree char *sub = g_build_filename(tree, dirs[i], NULL);
    g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
    g_autofree char *file = g_build_filename(sub, "x", NULL);
    g_assert_true(g_file_set_contents(file, "x", 1, NULL));
  }
  g_autofree char *efi = g_build_filename(tree, "efi.img", NULL);
  const char *mkfs[] = {"mkfs.vfat", "-C", efi, "1440", NULL};
  run_tool(mkfs);
  char *path = g_build_filename(dir, name, NULL);
  const char *xorriso[] = {"xorriso",
                           "-as",
                           "mkisofs",
                           "-quiet",
                           "-V",
                           volume_id,
                           "-publisher",
                           publisher ? publisher : "",
                           "-e",
                           "efi.img",
                           "-no-emul-boot",
                           "-o",
                           path,
                           tree,
                           NULL};
  run_tool(xorriso);
  bvm_remove_tree(tree, NULL);
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
  return processes_mentioning(needle);
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

gboolean harness_guest_exec(const char *qga_sock, const char *shell_cmd, GError **error)
{
  g_autoptr(BvmAgent) agent = bvm_agent_connect(qga_sock, 10000, error);
  if (agent == NULL)
    return FALSE;
  const char *args[] = {"-c", shell_cmd, NULL};
  g_autoptr(GError) local = NULL;
  gint64 pid = 0;
  if (bvm_agent_exec(agent, "/bin/sh", args, 10000, &pid, &local)) {
    g_test_message("guest-exec of '%s': pid %" G_GINT64_FORMAT " in the guest", shell_cmd, pid);
    return TRUE;
  }
  g_clear_pointer(&agent, bvm_agent_free);
  /* Nobody listens on the socket any more: QEMU ended after the command
   * was sent, before the agent's answer got out. */
  g_autoptr(BvmJsonStream) probe = bvm_json_stream_connect(qga_sock, "the guest agent", 1000, NULL);
  if (probe == NULL) {
    g_test_message("guest-exec of '%s': QEMU ended before the agent answered (%s)", shell_cmd,
                   local->message);
    return TRUE;
  }
  g_propagate_prefixed_error(error, g_steal_pointer(&local), "guest-exec of '%s': ", shell_cmd);
  return FALSE;
}

guint harness_free_tcp_port(void)
{
  g_autoptr(GSocket) s =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(s, any, FALSE, NULL));
  g_autoptr(GSocketAddress) got = g_socket_get_local_address(s, NULL);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(got));
}

char *harness_track_namespace(pid_t pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/ns/mnt", (int)pid);
  g_autofree char *ns = g_file_read_link(path, NULL);
  g_autofree char *own = g_file_read_link("/proc/self/ns/mnt", NULL);
  /* never this test's own namespace: that would be every process here */
  g_assert_nonnull(ns);
  g_assert_cmpstr(ns, !=, own);
  g_assert_cmpint(n_tracked_ns, <, TRACKED_MAX);
  g_assert_cmpuint(strlen(ns), <, sizeof tracked_ns[0]);
  g_strlcpy(tracked_ns[n_tracked_ns++], ns, sizeof tracked_ns[0]);
  track_dir_handlers();
  return g_steal_pointer(&ns);
}

void harness_untrack_namespace(const char *ns)
{
  for (int i = 0; i < n_tracked_ns; i++)
    if (strcmp(tracked_ns[i], ns) == 0)
      tracked_ns[i][0] = '\0';
}
