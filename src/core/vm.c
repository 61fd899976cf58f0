#include "vm.h"
#include "bundle.h"
#include "diskspace.h"
#include "error.h"
#include "guest_agent.h"
#include "logs.h"
#include "qmp.h"
#include "util.h"
#include "sharing.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

/* From spawning the monitor to QEMU running: swtpm + QEMU start in well
 * under 2 s here; the bound only guards against a wedged monitor. */
#define MONITOR_READY_TIMEOUT_MS 90000
#define QMP_TIMEOUT_MS 5000
/* How long after the ACPI button the guest agent is asked instead. */
#define ACPI_GRACE_SECONDS 15

gboolean bvm_vm_reconcile(BvmVmEntry *e)
{
  if (e->config == NULL)
    return FALSE;
  /* Without a run dir nothing needs reconciling: skip the full paths. */
  g_autofree char *run_dir = bvm_paths_run_dir(e->path, e->config->id);
  if (g_access(run_dir, F_OK) != 0)
    return FALSE;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  if (!bvm_state_reconcile(e->config, paths))
    return FALSE;
  g_clear_pointer(&e->json, json_node_unref);
  return TRUE;
}

JsonNode *bvm_vm_to_json(BvmVmEntry *e)
{
  if (e->config == NULL) {
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "path");
    json_builder_add_string_value(b, e->path);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, "broken");
    json_builder_set_member_name(b, "problem");
    json_builder_add_string_value(b, e->problem ? e->problem : "unreadable");
    json_builder_end_object(b);
    return json_builder_get_root(b);
  }
  g_auto(BvmVmStatus) status = {0};
  /* Without a run dir nothing runs: skip the full paths (this is most of a
   * large `list`). */
  g_autofree char *run_dir = bvm_paths_run_dir(e->path, e->config->id);
  if (g_access(run_dir, F_OK) == 0) {
    g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
    bvm_state_get(e->config, paths, &status);
  } else {
    status.state = bvm_vm_state_when_stopped(e->config);
    status.uptime_seconds = -1;
  }
  /* The parsed config.json is the answer unless the config changed since
   * (bvm_vm_reconcile and bvm_update_vm drop it). */
  JsonNode *node = e->json != NULL ? g_steal_pointer(&e->json) : bvm_config_to_json(e->config);
  JsonObject *obj = json_node_get_object(node);
  json_object_set_string_member(obj, "path", e->path);
  json_object_set_string_member(obj, "state", bvm_vm_state_to_string(status.state));
  json_object_set_member(obj, "status", bvm_vm_status_to_json(&status, NULL));
  bvm_sharing_annotate_view(obj, e->config);
  return node;
}

/* What a command acting on a VM must know first: its state now, after
 * reconciling a crash (a stale run/ must not read as running). */
static void status_now(BvmConfig *config, const BvmPaths *paths, BvmVmStatus *out_status)
{
  bvm_state_reconcile(config, paths);
  bvm_state_get(config, paths, out_status);
}

static gboolean read_status_line(int fd, guint timeout_ms, char **out_line, GError **error)
{
  GString *line = g_string_new(NULL);
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  for (;;) {
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;
    if (left <= 0) {
      g_string_free(line, TRUE);
      g_set_error(error, BVM_ERROR, BVM_ERROR_TIMEOUT,
                  "the VM's monitor did not report within %u s: see its logs/monitor.log",
                  timeout_ms / 1000);
      return FALSE;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r = poll(&pfd, 1, (int)MIN(left, G_MAXINT));
    if (r < 0 && errno == EINTR)
      continue;
    char buf[512];
    ssize_t n = r > 0 ? read(fd, buf, sizeof buf) : 0;
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || line->len > 8192)
      break;
    g_string_append_len(line, buf, n);
    if (memchr(buf, '\n', (size_t)n) != NULL)
      break;
  }
  g_strchomp(line->str);
  *out_line = g_string_free(line, FALSE);
  return TRUE;
}

static void on_monitor_ended(GObject *source, GAsyncResult *res, gpointer data)
{
  (void)g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
  *(gboolean *)data = TRUE;
}

static gboolean on_wait_timeout(gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A monitor that reported a failure is on its way out: wait (a bounded
 * time) until it is gone, so a failed start leaves no process behind. */
static void wait_monitor_gone(GSubprocess *child, guint timeout_ms)
{
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  /* heap: a late callback after a timeout must not write to this stack */
  gboolean *ended = g_new0(gboolean, 1);
  gboolean timed_out = FALSE;
  g_subprocess_wait_async(child, NULL, on_monitor_ended, ended);
  GSource *timer = g_timeout_source_new(timeout_ms);
  g_source_set_callback(timer, on_wait_timeout, &timed_out, NULL);
  g_source_attach(timer, ctx);
  while (!*ended && !timed_out)
    g_main_context_iteration(ctx, TRUE);
  g_source_destroy(timer);
  g_source_unref(timer);
  g_main_context_pop_thread_default(ctx);
  if (*ended)
    g_free(ended);
}

gboolean bvm_vm_start(const char *monitor_binary, BvmConfig *config, const BvmPaths *paths,
                      const BvmStartOptions *opts, int *out_pid, GError **error)
{
  g_auto(BvmVmStatus) st = {0};
  status_now(config, paths, &st);
  if (st.state != BVM_VM_STOPPED && st.state != BVM_VM_CRASHED) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY, "VM '%s' is already running (%s)", config->name,
                bvm_vm_state_to_string(st.state));
    return FALSE;
  }
  if (config->iso_path != NULL && g_access(config->iso_path, R_OK) != 0) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
        "the ISO %s of VM '%s' cannot be read: attach another with 'bridgevm set %s --iso PATH' or detach it with --eject",
        config->iso_path, config->name, config->name);
    return FALSE;
  }
  g_autofree char *full = bvm_disk_space_check(paths->disk, "start it");
  if (full != NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "VM '%s' cannot start: %s", config->name, full);
    return FALSE;
  }
  int fds[2];
  if (g_unix_open_pipe(fds, FD_CLOEXEC, NULL) == FALSE) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create a pipe");
    return FALSE;
  }
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  /* The monitor's own stderr (GLib warnings, sanitizer reports) goes to
   * its log, not to the terminal that ran `start` and will close. */
  int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int log_fd = bvm_log_open_append(paths->monitor_log, NULL);
  g_subprocess_launcher_take_stdin_fd(l, null_in);
  if (log_fd >= 0)
    g_subprocess_launcher_take_stderr_fd(l, log_fd);
  else
    g_subprocess_launcher_set_flags(l, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                           G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_take_fd(l, fds[1], 3);
  const char *argv[] = {monitor_binary,
                        "__monitor",
                        paths->bundle,
                        "--display",
                        bvm_display_mode_to_string(opts->display),
                        "--status-fd",
                        "3",
                        NULL};
  g_autoptr(GError) local = NULL;
  g_autoptr(GSubprocess) child = g_subprocess_launcher_spawnv(l, argv, &local);
  if (child == NULL) {
    close(fds[0]);
    g_set_error(error, BVM_ERROR, BVM_ERROR_FAILED, "cannot start the VM's monitor %s: %s",
                monitor_binary, local->message);
    return FALSE;
  }
  /* The launcher holds the write end until it is freed; drop it so EOF
   * reaches us if the monitor dies. */
  g_clear_object(&l);
  g_autofree char *line = NULL;
  gboolean ok = read_status_line(fds[0], MONITOR_READY_TIMEOUT_MS, &line, error);
  close(fds[0]);
  if (!ok)
    return FALSE;
  if (g_str_has_prefix(line, "ok ")) {
    if (out_pid != NULL)
      *out_pid = atoi(line + 3);
  } else if (g_str_has_prefix(line, "error ")) {
    char *end = NULL;
    long code = strtol(line + 6, &end, 10);
    if (code < 0 || code >= BVM_ERROR_N_CODES)
      code = BVM_ERROR_FAILED;
    g_set_error_literal(error, BVM_ERROR, (int)code, end && *end == ' ' ? end + 1 : line);
    wait_monitor_gone(child, 5000);
    return FALSE;
  } else {
    g_set_error(error, BVM_ERROR, BVM_ERROR_FAILED, "the VM's monitor ended without a word: see %s",
                paths->monitor_log);
    wait_monitor_gone(child, 5000);
    return FALSE;
  }
  if (opts->wait_agent_seconds > 0)
    return bvm_vm_wait_agent(config, paths, opts->wait_agent_seconds * 1000, error);
  return TRUE;
}

gboolean bvm_vm_wait_agent(const BvmConfig *config, const BvmPaths *paths, guint timeout_ms,
                           GError **error)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  g_autoptr(GError) last = NULL;
  while (g_get_monotonic_time() < deadline) {
    if (!bvm_bundle_is_locked(paths)) {
      /* It will never answer: say how the run ended. */
      g_autoptr(BvmConfig) fresh = bvm_config_load(paths->bundle, NULL);
      const char *why = fresh && fresh->last_exit ? fresh->last_exit->reason : NULL;
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                  "VM '%s' stopped before its guest agent answered: %s", config->name,
                  why ? why : "see 'bridgevm status'");
      return FALSE;
    }
    guint left = (guint)MAX((deadline - g_get_monotonic_time()) / 1000, 1);
    g_clear_error(&last);
    g_autoptr(BvmAgent) agent = bvm_agent_connect(paths->qga_sock, MIN(left, 3000), &last);
    if (agent != NULL && bvm_agent_ping(agent, MIN(left, 3000), &last))
      return TRUE;
    /* Polled: the guest's agent sends nothing until it starts; asking is the only event. */
    g_usleep(500 * 1000);
  }
  g_set_error(
      error, BVM_ERROR, BVM_ERROR_TIMEOUT,
      "the guest of VM '%s' never reached its agent within %u s: check that it boots ('bridgevm logs %s --source serial'); under Secure Boot an unsigned boot loader is refused, so try --no-secure-boot or a signed image",
      config->name, timeout_ms / 1000, config->name);
  return FALSE;
}

/* Wait (bounded) for @pid, the VM's monitor, to exit: it releases the
 * bundle lock as its very last act. The exit is an event through a pidfd
 * (Linux 5.3); returns FALSE at once where there is none, and the caller
 * polls. */
static gboolean wait_monitor_exit(int pid, const BvmPaths *paths, gint64 deadline)
{
#if defined(__linux__) && defined(SYS_pidfd_open)
  if (pid <= 0)
    return FALSE;
  int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (pidfd < 0)
    return FALSE;
  /* The pidfd pins the pid: checked now, it cannot be recycled under us. */
  gboolean exited = FALSE;
  if (bvm_pid_matches(pid, paths->bundle)) {
    for (;;) {
      gint64 left = (deadline - g_get_monotonic_time()) / 1000;
      struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
      int r = poll(&pfd, 1, (int)CLAMP(left, 0, G_MAXINT));
      if (r < 0 && errno == EINTR)
        continue;
      exited = r > 0;
      break;
    }
  }
  close(pidfd);
  return exited;
#else
  (void)pid;
  (void)paths;
  (void)deadline;
  return FALSE;
#endif
}

static gboolean wait_unlocked(const BvmPaths *paths, int monitor_pid, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  if (bvm_bundle_is_locked(paths))
    (void)wait_monitor_exit(monitor_pid, paths, deadline);
  while (bvm_bundle_is_locked(paths)) {
    if (g_get_monotonic_time() >= deadline)
      return FALSE;
    /* Polled: no pidfd here, or another holder of the lock; flock has no timed wait. */
    g_usleep(50 * 1000);
  }
  return TRUE;
}

static gboolean write_stop_request(const BvmPaths *paths, const char *what)
{
  return bvm_file_write_atomic(paths->stop_request, what, -1, 0600, NULL);
}

static gboolean running_or_fail(BvmConfig *config, const BvmPaths *paths, BvmVmStatus *st,
                                GError **error)
{
  status_now(config, paths, st);
  if (st->state == BVM_VM_STOPPED || st->state == BVM_VM_CRASHED) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "VM '%s' is not running (%s)",
                config->name, bvm_vm_state_to_string(st->state));
    return FALSE;
  }
  return TRUE;
}

static gboolean qmp_command(const BvmPaths *paths, const char *command, GError **error)
{
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, error);
  if (qmp == NULL)
    return FALSE;
  g_autoptr(JsonNode) r = bvm_qmp_execute(qmp, command, NULL, QMP_TIMEOUT_MS, error);
  return r != NULL;
}

static gboolean kill_qemu(BvmConfig *config, const BvmVmStatus *st)
{
  /* Only the QEMU whose command line carries this VM's id. */
  if (!bvm_pid_matches(st->qemu_pid, config->id))
    return FALSE;
  return kill(st->qemu_pid, SIGKILL) == 0;
}

gboolean bvm_vm_stop(BvmConfig *config, const BvmPaths *paths, guint timeout_seconds,
                     gboolean force, GError **error)
{
  g_auto(BvmVmStatus) st = {0};
  if (!running_or_fail(config, paths, &st, error))
    return FALSE;
  write_stop_request(paths, "stop");
  if (st.state == BVM_VM_STARTING) {
    /* No guest runs yet (the vCPUs wait for cont): nothing to shut down. */
    if (!kill_qemu(config, &st) && st.monitor_pid > 0 &&
        bvm_pid_matches(st.monitor_pid, paths->bundle))
      kill(st.monitor_pid, SIGTERM);
    if (!wait_unlocked(paths, st.monitor_pid, 10000)) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_TIMEOUT, "VM '%s' is still starting: see %s",
                  config->name, paths->monitor_log);
      return FALSE;
    }
    return TRUE;
  }
  if (st.state == BVM_VM_PAUSED && !qmp_command(paths, "cont", NULL))
    g_debug("cont before powerdown failed");
  g_autoptr(GError) acpi_error = NULL;
  if (!qmp_command(paths, "system_powerdown", &acpi_error))
    g_debug("system_powerdown: %s", acpi_error->message);
  bvm_fault_point("stop-after-powerdown");

  guint grace = MIN(ACPI_GRACE_SECONDS, timeout_seconds / 2);
  if (wait_unlocked(paths, st.monitor_pid, grace * 1000))
    return TRUE;
  /* The guest ignored the power button: ask its agent, if it answers. */
  g_autoptr(BvmAgent) agent = bvm_agent_connect(paths->qga_sock, 2000, NULL);
  if (agent != NULL)
    (void)bvm_agent_shutdown(agent, "powerdown", NULL);
  if (wait_unlocked(paths, st.monitor_pid, (timeout_seconds - grace) * 1000))
    return TRUE;
  if (!force) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_TIMEOUT,
        "VM '%s' did not stop within %u s (the guest ignored the power button): use --force to end it, or 'bridgevm kill %s'",
        config->name, timeout_seconds, config->name);
    return FALSE;
  }
  if (!qmp_command(paths, "quit", NULL))
    kill_qemu(config, &st);
  if (!wait_unlocked(paths, st.monitor_pid, 10000)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_TIMEOUT, "VM '%s' is still shutting down: see %s",
                config->name, paths->monitor_log);
    return FALSE;
  }
  return TRUE;
}

/* The monitor writes the state it sees from QMP events: wait (bounded) for
 * it to say @want. Polled: the state file is rewritten by rename, and a
 * 20 ms poll for at most 5 s is simpler than an inotify watch. */
static gboolean wait_state(BvmConfig *config, const BvmPaths *paths, BvmVmState want,
                           GError **error)
{
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  for (;;) {
    g_auto(BvmVmStatus) st = {0};
    status_now(config, paths, &st);
    if (st.state == want)
      return TRUE;
    if (st.state == BVM_VM_STOPPED || st.state == BVM_VM_CRASHED ||
        g_get_monotonic_time() >= deadline) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "VM '%s' is %s, not %s: see %s",
                  config->name, bvm_vm_state_to_string(st.state), bvm_vm_state_to_string(want),
                  paths->monitor_log);
      return FALSE;
    }
    /* Polled: a 20 ms look at state.json for at most 5 s beats an inotify watch (see above). */
    g_usleep(20 * 1000);
  }
}

gboolean bvm_vm_pause(BvmConfig *config, const BvmPaths *paths, GError **error)
{
  g_auto(BvmVmStatus) st = {0};
  status_now(config, paths, &st);
  if (st.state == BVM_VM_PAUSED)
    return TRUE;
  if (st.state != BVM_VM_RUNNING) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "VM '%s' is %s: only a running VM can be paused", config->name,
                bvm_vm_state_to_string(st.state));
    return FALSE;
  }
  if (!qmp_command(paths, "stop", error)) {
    g_prefix_error(error, "cannot pause VM '%s': ", config->name);
    return FALSE;
  }
  return wait_state(config, paths, BVM_VM_PAUSED, error);
}

gboolean bvm_vm_resume(BvmConfig *config, const BvmPaths *paths, GError **error)
{
  g_auto(BvmVmStatus) st = {0};
  status_now(config, paths, &st);
  if (st.state == BVM_VM_RUNNING)
    return TRUE;
  if (st.state != BVM_VM_PAUSED) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "VM '%s' is %s: only a paused VM can be resumed", config->name,
                bvm_vm_state_to_string(st.state));
    return FALSE;
  }
  g_autofree char *full = bvm_disk_space_check(paths->disk, "resume");
  if (full != NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "VM '%s' stays paused: %s", config->name, full);
    return FALSE;
  }
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, error);
  if (qmp == NULL)
    return FALSE;
  g_autoptr(JsonNode) status = bvm_qmp_execute(qmp, "query-status", NULL, QMP_TIMEOUT_MS, error);
  if (status == NULL)
    return FALSE;
  /* A guest that suspended itself wakes; cont would leave it asleep. */
  const char *now =
      JSON_NODE_HOLDS_OBJECT(status)
          ? json_object_get_string_member_with_default(json_node_get_object(status), "status", "")
          : "";
  g_autoptr(JsonNode) r = bvm_qmp_execute(
      qmp, strcmp(now, "suspended") == 0 ? "system_wakeup" : "cont", NULL, QMP_TIMEOUT_MS, error);
  if (r == NULL) {
    g_prefix_error(error, "cannot resume VM '%s': ", config->name);
    return FALSE;
  }
  return wait_state(config, paths, BVM_VM_RUNNING, error);
}

gboolean bvm_vm_kill(BvmConfig *config, const BvmPaths *paths, GError **error)
{
  g_auto(BvmVmStatus) st = {0};
  if (!running_or_fail(config, paths, &st, error))
    return FALSE;
  write_stop_request(paths, "kill");
  if (!kill_qemu(config, &st) && !qmp_command(paths, "quit", NULL)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_FAILED, "cannot end QEMU of VM '%s' (pid %d)",
                config->name, st.qemu_pid);
    return FALSE;
  }
  if (!wait_unlocked(paths, st.monitor_pid, 10000)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_TIMEOUT, "VM '%s' is still shutting down: see %s",
                config->name, paths->monitor_log);
    return FALSE;
  }
  return TRUE;
}
