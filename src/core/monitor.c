#include "monitor.h"
#include "bundle.h"
#include "caps.h"
#include "deps.h"
#include "diskspace.h"
#include "error.h"
#include "express.h"
#include "logs.h"
#include "qmp.h"
#include "snapshot.h"
#include "state.h"
#include "tpm.h"
#include "util.h"
#include "vcpu_stop.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long QEMU may take from spawn to answering QMP. Under TCG on a busy
 * 2-core host it is well under a second; the margin is for slow disks. */
#define QMP_READY_TIMEOUT_MS 30000
#define QMP_TIMEOUT_MS 5000
#define SWTPM_READY_TIMEOUT_MS 10000
/* QEMU closed QMP before its greeting: it is exiting; how long its exit
 * may take to be reported. */
#define QEMU_EXIT_TIMEOUT_MS 5000
/* QEMU's fd for the monitor's QMP socket, listening already (qmp_fd). */
#define QEMU_QMP_FD 3
/* How often the logs QEMU writes are checked against their bound. */
#define LOG_ROTATE_SECONDS 2

typedef struct {
  BvmConfig *config;
  BvmPaths *paths;
  int lock_fd; /* the bundle lock, held for the VM's life */
  int log_fd;
  int status_fd;
  GMainLoop *loop;
  GSubprocess *qemu;
  GSubprocess *swtpm;
  BvmQmp *qmp;
  BvmRunState run;
  gboolean qemu_exited;
  gboolean swtpm_exited;
  gboolean shutdown_guest; /* SHUTDOWN event said the guest asked */
  char *shutdown_reason;   /* SHUTDOWN event's reason */
  guint keypress_left;     /* Windows "press any key" presses to send */
  char *accel;             /* the accelerator QEMU runs with: kvm, hvf, tcg */
  char *crash_reason;      /* QEMU stopped the guest for good (KVM error, panic) */
  gboolean disk_full;      /* the last BLOCK_IO_ERROR said "nospace" */
} Monitor;

static void mlog(Monitor *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void mlog(Monitor *m, const char *fmt, ...)
{
  if (m->log_fd < 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_autofree char *line = g_strdup_printf("%s %s\n", stamp, msg);
  (void)!write(m->log_fd, line, strlen(line));
}

static void report(Monitor *m, const char *line)
{
  if (m->status_fd < 0)
    return;
  g_autofree char *text = g_strconcat(line, "\n", NULL);
  (void)!write(m->status_fd, text, strlen(text));
  close(m->status_fd);
  m->status_fd = -1;
}

static void report_error(Monitor *m, const GError *error)
{
  mlog(m, "error: %s", error->message);
  g_autofree char *line = g_strdup_printf(
      "error %d %s", error->domain == BVM_ERROR ? error->code : BVM_ERROR_FAILED, error->message);
  /* One line: the message may not carry a newline. */
  g_strdelimit(line, "\n", ' ');
  report(m, line);
}

static void save_run_state_why(Monitor *m, BvmVmState state, const char *reason)
{
  m->run.state = state;
  g_free(m->run.reason);
  m->run.reason = g_strdup(reason);
  g_autoptr(GError) error = NULL;
  if (!bvm_run_state_save(m->paths, &m->run, &error))
    mlog(m, "cannot write run state: %s", error->message);
}

static void save_run_state(Monitor *m, BvmVmState state)
{
  m->run.state = state;
  g_clear_pointer(&m->run.reason, g_free);
  g_autoptr(GError) error = NULL;
  if (!bvm_run_state_save(m->paths, &m->run, &error))
    mlog(m, "cannot write run state: %s", error->message);
}

static void on_qemu_exit(GObject *source, GAsyncResult *result, gpointer data)
{
  Monitor *m = data;
  (void)g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
  /* A QEMU of an earlier start attempt is not the one we run now. */
  if (G_SUBPROCESS(source) != m->qemu)
    return;
  m->qemu_exited = TRUE;
  if (m->loop != NULL)
    g_main_loop_quit(m->loop);
}

static void on_swtpm_exit(GObject *source, GAsyncResult *result, gpointer data)
{
  Monitor *m = data;
  (void)g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
  /* An swtpm of an earlier start attempt is not the one we run now. */
  if (G_SUBPROCESS(source) == m->swtpm)
    m->swtpm_exited = TRUE;
}

static gboolean on_wait_expired(gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Run the main context until @done says so, woken by the events it waits
 * for (a child's exit, a file created in run/), or until @timeout_ms pass.
 * Returns what @done says last. */
static gboolean wait_for(Monitor *m, gboolean (*done)(Monitor *m), guint timeout_ms)
{
  gboolean expired = FALSE;
  guint timer = g_timeout_add(timeout_ms, on_wait_expired, &expired);
  while (!done(m) && !expired)
    g_main_context_iteration(NULL, TRUE);
  if (!expired)
    g_source_remove(timer);
  return done(m);
}

static gboolean qemu_gone(Monitor *m)
{
  return m->qemu_exited;
}

static gboolean swtpm_gone(Monitor *m)
{
  return m->swtpm_exited;
}

static gboolean swtpm_ready_or_gone(Monitor *m)
{
  return m->swtpm_exited || g_file_test(m->paths->swtpm_sock, G_FILE_TEST_EXISTS);
}

static GSubprocess *spawn(Monitor *m, const char *const *argv, int stderr_fd, int fd3,
                          GError **error)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
  int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int null_out = open("/dev/null", O_WRONLY | O_CLOEXEC);
  g_subprocess_launcher_take_stdin_fd(l, null_in);
  g_subprocess_launcher_take_stdout_fd(l, null_out);
  g_subprocess_launcher_take_stderr_fd(l, dup(stderr_fd));
  if (fd3 >= 0)
    g_subprocess_launcher_take_fd(l, dup(fd3), 3);
  g_autofree char *joined = g_strjoinv(" ", (char **)argv);
  mlog(m, "spawn: %s", joined);
  g_autoptr(GError) local = NULL;
  GSubprocess *child = g_subprocess_launcher_spawnv(l, argv, &local);
  if (child == NULL)
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "cannot start %s for VM '%s': %s", argv[0],
                m->config->name, local->message);
  return child;
}

/* swtpm makes its socket itself (the ctrl channel QEMU connects to): wait
 * for it to appear in run/ (inotify through GFileMonitor) or for swtpm to
 * exit, whichever comes first. */
static gboolean wait_swtpm_socket(Monitor *m)
{
  g_autoptr(GFile) dir_file = g_file_new_for_path(m->paths->run_dir);
  g_autoptr(GError) local = NULL;
  g_autoptr(GFileMonitor) watch =
      g_file_monitor_directory(dir_file, G_FILE_MONITOR_NONE, NULL, &local);
  if (watch == NULL)
    mlog(m, "cannot watch %s (%s): waiting on swtpm's exit and the deadline only",
         m->paths->run_dir, local->message);
  /* No handler needed: the event's dispatch wakes wait_for, which looks. */
  return wait_for(m, swtpm_ready_or_gone, SWTPM_READY_TIMEOUT_MS) && !m->swtpm_exited;
}

static gboolean start_swtpm(Monitor *m, GError **error)
{
  g_autofree char *swtpm = bvm_find_tool("swtpm", "BRIDGEVM_SWTPM", BVM_SWTPM_HINT, error);
  if (swtpm == NULL)
    return FALSE;
  if (symlink(m->paths->tpm_dir, m->paths->tpm_alias) != 0 && errno != EEXIST) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot link %s: %s", m->paths->tpm_alias,
                g_strerror(saved));
    return FALSE;
  }
  bvm_log_rotate_if_large(m->paths->swtpm_log);
  int log = bvm_log_open_append(m->paths->swtpm_log, error);
  if (log < 0)
    return FALSE;
  g_auto(GStrv) argv = bvm_tpm_build_argv(swtpm, m->paths);
  m->swtpm = spawn(m, (const char *const *)argv, log, log, error);
  close(log);
  if (m->swtpm == NULL)
    return FALSE;
  m->swtpm_exited = FALSE;
  g_subprocess_wait_async(m->swtpm, NULL, on_swtpm_exit, m);
  m->run.swtpm_pid = atoi(g_subprocess_get_identifier(m->swtpm));
  save_run_state(m, BVM_VM_STARTING);
  if (!wait_swtpm_socket(m)) {
    g_autofree char *last = bvm_log_last_line(m->paths->swtpm_log);
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "swtpm did not start for VM '%s': %s (see %s)", m->config->name,
                last ? last : "no message", m->paths->swtpm_log);
    return FALSE;
  }
  mlog(m, "swtpm %d ready on %s", m->run.swtpm_pid, m->paths->swtpm_sock);
  bvm_fault_point("start-after-swtpm");
  return TRUE;
}

/* QEMU's last words: the last line of qemu.log without -msg timestamp's
 * prefix. */
static char *qemu_last_words(Monitor *m)
{
  char *last = bvm_log_last_line(m->paths->qemu_log);
  g_autoptr(GRegex) stamp = g_regex_new("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ", 0, 0, NULL);
  if (last != NULL && g_regex_match(stamp, last, 0, NULL)) {
    char *rest = g_strdup(strchr(last, ' ') + 1);
    g_free(last);
    last = rest;
  }
  return last;
}

/* A start that fails under KVM: KVM is what to change. */
static const char *kvm_hint(Monitor *m)
{
  return g_strcmp0(m->accel, "kvm") == 0 ? " (KVM cannot run this VM on this host: bridgevm set "
                                           "VM --accel auto, or tcg)"
                                         : "";
}

/* QEMU never got to answer QMP: end it if need be, then say why. */
static void qemu_start_failed(Monitor *m, GError **error)
{
  if (!m->qemu_exited) {
    g_subprocess_force_exit(m->qemu);
    (void)g_subprocess_wait(m->qemu, NULL, NULL);
    m->qemu_exited = TRUE;
  }
  g_autofree char *last = qemu_last_words(m);
  int sig = g_subprocess_get_if_signaled(m->qemu) ? g_subprocess_get_term_sig(m->qemu) : 0;
  if (sig != 0)
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "QEMU failed to start VM '%s': killed by signal %d (%s)%s%s%s", m->config->name,
                sig, g_strsignal(sig), last ? ": " : "", last ? last : "", kvm_hint(m));
  else
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "QEMU failed to start VM '%s': %s%s",
                m->config->name, last ? last : "no message in qemu.log", kvm_hint(m));
}

/* The monitor's QMP socket, bound and listening before QEMU exists: QEMU
 * inherits it (qmp_fd), so the monitor's connect succeeds at once (the
 * kernel queues it until QEMU accepts) instead of racing QEMU's bind. */
static int listen_qmp(Monitor *m, GError **error)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  const char *path = m->paths->qmp_sock;
  if (strlen(path) >= sizeof addr.sun_path) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "socket path too long: %s", path);
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  (void)g_unlink(path);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 1) != 0) {
    int saved = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot listen on %s for VM '%s': %s", path,
                m->config->name, g_strerror(saved));
    return -1;
  }
  return fd;
}

/* QEMU is spawned and holds the listening QMP socket: connect and read its
 * greeting. A QEMU that gives up first (a missing ISO, a bad flag) closes
 * the socket and the read fails at once. */
static gboolean connect_qmp(Monitor *m, GError **error)
{
  g_autoptr(GError) local = NULL;
  m->qmp = bvm_qmp_connect(m->paths->qmp_sock, QMP_READY_TIMEOUT_MS, &local);
  if (m->qmp != NULL)
    return TRUE;
  mlog(m, "QMP did not answer: %s", local->message);
  /* QEMU closed QMP because it is exiting: let its exit be reported, so
   * its status and last words are those of its own end. */
  if (!g_error_matches(local, BVM_ERROR, BVM_ERROR_TIMEOUT))
    (void)wait_for(m, qemu_gone, QEMU_EXIT_TIMEOUT_MS);
  qemu_start_failed(m, error);
  return FALSE;
}

static gboolean disk_is_empty(Monitor *m)
{
  return bvm_express_disk_untouched(m->paths->disk);
}

/* An express VM's answer ISO while Windows has not begun installing: the
 * disk still empty is the signal (Setup copies the answer file onto the
 * disk in its first pass, and reboots within the same run). Once the disk
 * holds data, the ISO is removed: it is never attached to a disk Setup
 * could wipe again, and its obscured password does not linger. */
static char *express_answer_iso(Monitor *m)
{
  char *pending = bvm_express_pending_iso(m->paths->bundle, m->paths->disk);
  if (pending != NULL)
    return pending;
  g_autofree char *iso = bvm_express_iso_path(m->paths->bundle);
  if (g_unlink(iso) == 0)
    mlog(m, "removed the express answer ISO: Windows is installing or installed on the disk");
  return NULL;
}

static gboolean start_qemu(Monitor *m, BvmDisplayMode display, GError **error)
{
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(FALSE, error);
  if (caps == NULL)
    return FALSE;
  if (display == BVM_DISPLAY_AUTO)
    display = caps->host.desktop ? BVM_DISPLAY_WINDOW : BVM_DISPLAY_VNC;
  g_free(m->run.display);
  m->run.display = g_strdup(bvm_display_mode_to_string(display));
  /* Paused: QMP is connected before the first guest instruction runs, so
   * no event and no early keypress window is missed. */
  g_autofree char *smbd = bvm_deps_locate("smbd");
  BvmCmdOptions opts = {
      .display = display, .start_paused = TRUE, .qmp_fd = QEMU_QMP_FD, .smbd = smbd};
  if (!bvm_accel_from_env(&opts.accel, &opts.accel_override, error))
    return FALSE;
  g_autofree char *answer_iso = express_answer_iso(m);
  opts.answer_iso = answer_iso;
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(m->config, caps, m->paths, &opts, error);
  if (cmd == NULL)
    return FALSE;
  g_free(m->accel);
  m->accel = g_strdup(cmd->accel);
  bvm_log_rotate_if_large(m->paths->qemu_log);
  bvm_log_rotate_if_large(m->paths->serial_log);
  int log = bvm_log_open_append(m->paths->qemu_log, error);
  if (log < 0)
    return FALSE;
  int qmp_listen = listen_qmp(m, error);
  if (qmp_listen < 0) {
    close(log);
    return FALSE;
  }
  m->qemu = spawn(m, (const char *const *)cmd->argv->pdata, log, qmp_listen, error);
  close(log);
  /* QEMU alone holds it now: its exit closes the socket and ends our read. */
  close(qmp_listen);
  if (m->qemu == NULL)
    return FALSE;
  m->run.qemu_pid = atoi(g_subprocess_get_identifier(m->qemu));
  g_free(m->run.started_at);
  m->run.started_at = bvm_now_iso8601();
  g_subprocess_wait_async(m->qemu, NULL, on_qemu_exit, m);
  save_run_state(m, BVM_VM_STARTING);

  bvm_fault_point("start-before-qmp");
  if (!connect_qmp(m, error))
    return FALSE;
  g_autoptr(JsonNode) r = bvm_qmp_execute(m->qmp, "cont", NULL, QMP_TIMEOUT_MS, error);
  if (r == NULL)
    return FALSE;
  m->config->command_version = cmd->command_version;
  return TRUE;
}

/* QEMU writes qemu.log and serial.log itself (O_APPEND): bound them while
 * the VM runs, not only at the next start. */
static gboolean rotate_logs(gpointer data)
{
  Monitor *m = data;
  if (bvm_log_copytruncate_if_large(m->paths->qemu_log))
    mlog(m, "rotated %s", m->paths->qemu_log);
  if (bvm_log_copytruncate_if_large(m->paths->serial_log))
    mlog(m, "rotated %s", m->paths->serial_log);
  return G_SOURCE_CONTINUE;
}

/* The host disk fills: pause before QEMU's NVMe turns the failed write
 * into a guest I/O error (diskspace.h). */
static gboolean check_disk_space(gpointer data)
{
  Monitor *m = data;
  if (m->run.state != BVM_VM_RUNNING || m->qmp == NULL)
    return G_SOURCE_CONTINUE;
  g_autofree char *full = bvm_disk_space_check(m->paths->disk, "resume");
  if (full == NULL)
    return G_SOURCE_CONTINUE;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) r = bvm_qmp_execute(m->qmp, "stop", NULL, QMP_TIMEOUT_MS, &error);
  if (r == NULL) {
    mlog(m, "cannot pause for the full disk: %s", error->message);
    return G_SOURCE_CONTINUE;
  }
  mlog(m, "paused: %s", full);
  save_run_state_why(m, BVM_VM_PAUSED, full);
  return G_SOURCE_CONTINUE;
}

static gboolean send_keypress(gpointer data)
{
  Monitor *m = data;
  if (m->keypress_left == 0 || m->qmp == NULL)
    return G_SOURCE_REMOVE;
  m->keypress_left--;
  g_autoptr(JsonNode) args =
      json_from_string("{\"keys\": [{\"type\": \"qcode\", \"data\": \"ret\"}]}", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) r = bvm_qmp_execute(m->qmp, "send-key", args, QMP_TIMEOUT_MS, &error);
  if (r == NULL)
    mlog(m, "send-key failed: %s", error->message);
  else
    mlog(m, "pressed Enter for the installer's boot prompt (%u more)", m->keypress_left);
  return m->keypress_left > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* QEMU will not run this guest again: record why and end QEMU; the child
 * watch finishes up and record_exit writes it as a crash. */
static void end_with_crash(Monitor *m, char *reason)
{
  mlog(m, "crash: %s", reason);
  if (m->crash_reason == NULL)
    m->crash_reason = reason;
  else
    g_free(reason);
  if (m->qmp != NULL) {
    g_autoptr(JsonNode) r = bvm_qmp_execute(m->qmp, "quit", NULL, QMP_TIMEOUT_MS, NULL);
    (void)r; /* QEMU exits either way */
  } else if (m->qemu != NULL && !m->qemu_exited) {
    g_subprocess_send_signal(m->qemu, SIGTERM);
  }
}

/* The vCPUs stopped: ask QEMU why, and show only what can resume as
 * paused. */
static void on_stop(Monitor *m)
{
  g_auto(BvmVcpuStop) stop = {0};
  bvm_vcpu_stop_explain(m->qmp, QMP_TIMEOUT_MS, m->accel, m->disk_full, m->paths->qemu_log,
                        m->config->name, &stop);
  mlog(m, "vCPUs stopped: %s%s%s", stop.crashed ? "crash" : bvm_vm_state_to_string(stop.state),
       stop.reason ? ": " : "", stop.reason ? stop.reason : "");
  if (stop.ignore)
    return;
  if (stop.crashed)
    end_with_crash(m, g_steal_pointer(&stop.reason));
  else if (stop.state == BVM_VM_PAUSED && stop.reason == NULL && m->run.state == BVM_VM_PAUSED)
    return; /* paused already, by whoever said why (the disk space check) */
  else
    save_run_state_why(m, stop.state, stop.reason);
}

static void handle_event(Monitor *m, JsonNode *event)
{
  JsonObject *o = json_node_get_object(event);
  const char *name = json_object_get_string_member_with_default(o, "event", "");
  mlog(m, "event %s", name);
  JsonObject *data =
      json_object_has_member(o, "data") ? json_object_get_object_member(o, "data") : NULL;
  if (strcmp(name, "SHUTDOWN") == 0) {
    m->shutdown_guest = data && json_object_get_boolean_member_with_default(data, "guest", FALSE);
    g_free(m->shutdown_reason);
    m->shutdown_reason =
        g_strdup(data ? json_object_get_string_member_with_default(data, "reason", "") : "");
    if (g_strcmp0(m->shutdown_reason, "guest-panic") == 0 && m->crash_reason == NULL)
      m->crash_reason = g_strdup("the guest kernel panicked");
    save_run_state(m, BVM_VM_STOPPING);
  } else if (strcmp(name, "GUEST_PANICKED") == 0) {
    /* With -action panic=shutdown (QEMU's default since 6.0) QEMU exits by
     * itself; with pause it waits: end it either way. */
    const char *action = data ? json_object_get_string_member_with_default(data, "action", "") : "";
    if (strcmp(action, "poweroff") == 0 && m->crash_reason == NULL)
      m->crash_reason = g_strdup("the guest kernel panicked");
    else if (strcmp(action, "poweroff") != 0)
      end_with_crash(m, g_strdup("the guest kernel panicked"));
  } else if (strcmp(name, "BLOCK_IO_ERROR") == 0) {
    m->disk_full = data && json_object_get_boolean_member_with_default(data, "nospace", FALSE);
  } else if (strcmp(name, "POWERDOWN") == 0) {
    save_run_state(m, BVM_VM_STOPPING);
  } else if (strcmp(name, "STOP") == 0 && m->crash_reason == NULL) {
    on_stop(m);
  } else if (strcmp(name, "RESUME") == 0 && m->run.state == BVM_VM_PAUSED) {
    save_run_state(m, BVM_VM_RUNNING);
  }
}

static gboolean on_qmp_readable(gint fd, GIOCondition cond, gpointer data)
{
  Monitor *m = data;
  do {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ev = bvm_qmp_next_event(m->qmp, 100, &error);
    if (ev == NULL) {
      if (g_error_matches(error, BVM_ERROR, BVM_ERROR_TIMEOUT))
        return G_SOURCE_CONTINUE;
      /* QEMU closed QMP: it is exiting; the child watch finishes up. */
      mlog(m, "QMP closed: %s", error->message);
      g_clear_pointer(&m->qmp, bvm_qmp_free);
      return G_SOURCE_REMOVE;
    }
    handle_event(m, ev);
  } while (m->qmp != NULL && bvm_qmp_has_pending_event(m->qmp));
  return G_SOURCE_CONTINUE;
}

static gboolean on_terminate(gpointer data)
{
  Monitor *m = data;
  mlog(m, "monitor asked to terminate: quitting QEMU");
  if (m->qmp != NULL) {
    g_autoptr(JsonNode) r = bvm_qmp_execute(m->qmp, "quit", NULL, QMP_TIMEOUT_MS, NULL);
    (void)r; /* QEMU exits either way; the child watch ends the loop */
  } else if (m->qemu != NULL) {
    g_subprocess_send_signal(m->qemu, SIGTERM);
  }
  return G_SOURCE_CONTINUE;
}

static char *read_stop_request(Monitor *m)
{
  char *text = NULL;
  if (!g_file_get_contents(m->paths->stop_request, &text, NULL, NULL))
    return NULL;
  return g_strstrip(text);
}

/* Decide how the run ended, from what QEMU said and what the user asked. */
static void record_exit(Monitor *m, gboolean ran)
{
  int status = -1, sig = 0;
  if (m->qemu != NULL && g_subprocess_get_if_exited(m->qemu))
    status = g_subprocess_get_exit_status(m->qemu);
  else if (m->qemu != NULL && g_subprocess_get_if_signaled(m->qemu))
    sig = g_subprocess_get_term_sig(m->qemu);
  g_autofree char *request = read_stop_request(m);
  g_autofree char *last = qemu_last_words(m);
  g_autofree char *reason = NULL;
  BvmExitKind kind;
  if (ran && m->crash_reason != NULL) {
    /* QEMU stopped the guest for good before anyone asked to stop it */
    kind = BVM_EXIT_KIND_CRASH;
    reason = g_strdup(m->crash_reason);
  } else if (!ran && request != NULL && sig != 0) {
    kind = BVM_EXIT_KIND_USER;
    reason = g_strdup("stopped by the user while starting");
  } else if (!ran) {
    kind = BVM_EXIT_KIND_FAILED;
    if (sig != 0)
      reason = g_strdup_printf("failed to start: QEMU killed by signal %d (%s)%s%s%s", sig,
                               g_strsignal(sig), last ? ": " : "", last ? last : "", kvm_hint(m));
    else
      reason =
          g_strdup_printf("failed to start: %s%s", last ? last : "QEMU ended at once", kvm_hint(m));
  } else if (g_strcmp0(request, "kill") == 0) {
    kind = BVM_EXIT_KIND_USER;
    reason = g_strdup("killed by the user");
  } else if (g_strcmp0(request, "stop") == 0 && sig == 0) {
    kind = BVM_EXIT_KIND_USER;
    reason = g_strdup("stopped by the user");
  } else if (sig != 0) {
    kind = BVM_EXIT_KIND_CRASH;
    reason = g_strdup_printf("QEMU killed by signal %d", sig);
  } else if (status != 0) {
    kind = BVM_EXIT_KIND_CRASH;
    reason = g_strdup_printf("QEMU exited with status %d%s%s", status, last && *last ? ": " : "",
                             last ? last : "");
  } else if (m->shutdown_guest) {
    kind = BVM_EXIT_KIND_GUEST;
    reason = g_strdup("guest powered off");
  } else {
    kind = BVM_EXIT_KIND_USER;
    reason = g_strdup_printf("QEMU quit (%s)", m->shutdown_reason ? m->shutdown_reason : "host");
  }
  mlog(m, "QEMU ended: %s", reason);
  /* Reload: the config on disk is the truth (nothing edits a running VM,
   * but startedAt was written by us). */
  g_autoptr(BvmConfig) fresh = bvm_config_load(m->paths->bundle, NULL);
  BvmConfig *c = fresh ? fresh : m->config;
  bvm_config_set_last_exit(c, kind, reason, status, sig);
  g_autoptr(GError) error = NULL;
  if (!bvm_config_save(c, m->paths->bundle, &error))
    mlog(m, "cannot record the exit: %s", error->message);
}

static void stop_swtpm(Monitor *m, gboolean ran)
{
  if (m->swtpm == NULL)
    return;
  /* --terminate ends swtpm when QEMU disconnects; give it a moment, then
   * make sure, so no swtpm outlives its VM. A QEMU that never ran may
   * never have connected: nothing to wait for. */
  if (!wait_for(m, swtpm_gone, ran ? 2000 : 0)) {
    mlog(m, "swtpm still running: killing it");
    g_subprocess_force_exit(m->swtpm);
  }
  (void)g_subprocess_wait(m->swtpm, NULL, NULL);
}

/* swtpm, then QEMU. Rarely (seen once in many CI runs, under load) QEMU
 * fails its first exchange with a fresh swtpm ("tpm-emulator: Could not
 * stop TPM"): then both are started once more before giving up. */
static gboolean start_processes(Monitor *m, BvmDisplayMode display, GError **error)
{
  for (int attempt = 0;; attempt++) {
    g_autoptr(GError) local = NULL;
    if ((!m->config->tpm_enabled || start_swtpm(m, &local)) && start_qemu(m, display, &local))
      return TRUE;
    gboolean tpm_race =
        m->qemu != NULL && m->swtpm != NULL && strstr(local->message, "tpm-emulator") != NULL;
    if (attempt > 0 || !tpm_race) {
      g_propagate_error(error, g_steal_pointer(&local));
      return FALSE;
    }
    mlog(m, "QEMU could not talk to swtpm (%s): starting both once more", local->message);
    stop_swtpm(m, FALSE);
    g_clear_object(&m->swtpm);
    g_clear_object(&m->qemu);
    g_clear_pointer(&m->qmp, bvm_qmp_free);
    m->qemu_exited = FALSE;
    const char *sockets[] = {m->paths->swtpm_sock, m->paths->qmp_sock, m->paths->qmp_client_sock,
                             m->paths->qga_sock,   m->paths->vnc_sock, NULL};
    for (const char **sock = sockets; *sock; sock++)
      g_unlink(*sock);
  }
}

/* The start failed: record how in config.json (QEMU's last words when it
 * ran at all). */
static void record_start_failure(Monitor *m, const GError *error)
{
  if (m->qemu == NULL) {
    bvm_config_set_last_exit(m->config, BVM_EXIT_KIND_FAILED, error->message, -1, 0);
    (void)bvm_config_save(m->config, m->paths->bundle, NULL);
    return;
  }
  /* Let QEMU finish dying so its last words are in qemu.log. */
  if (!m->qemu_exited) {
    g_subprocess_force_exit(m->qemu);
    (void)g_subprocess_wait(m->qemu, NULL, NULL);
    m->qemu_exited = TRUE;
  }
  record_exit(m, FALSE);
}

/* Prepare: take the bundle lock, make run/ and start swtpm and QEMU up to
 * running vCPUs. On failure everything it made is left for
 * monitor_tear_down (which knows from m->lock_fd whether run/ is ours). */
static gboolean monitor_prepare(Monitor *m, const char *bundle_dir, BvmDisplayMode display,
                                GError **error)
{
  m->config = bvm_config_load(bundle_dir, error);
  if (m->config == NULL)
    return FALSE;
  m->paths = bvm_paths_new(bundle_dir, m->config->id);
  g_autoptr(GError) local = NULL;
  m->lock_fd = bvm_bundle_lock(m->paths, &local);
  if (m->lock_fd < 0) {
    if (g_error_matches(local, BVM_ERROR, BVM_ERROR_BUSY))
      g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY, "VM '%s' is already running (or being changed)",
                  m->config->name);
    else
      g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  /* A snapshot operation a crash interrupted is finished or undone before
   * QEMU opens the disk (docs/snapshots.md). */
  if (!bvm_snapshot_recover(m->paths, NULL, error))
    return FALSE;
  /* A run dir with the lock free is a leftover of a crash. */
  (void)bvm_remove_tree(m->paths->run_dir, NULL);
  if (g_mkdir_with_parents(m->paths->run_dir, 0700) != 0 ||
      g_mkdir_with_parents(m->paths->logs_dir, 0700) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create %s: %s", m->paths->run_dir,
                g_strerror(saved));
    return FALSE;
  }
  bvm_log_rotate_if_large(m->paths->monitor_log);
  m->log_fd = bvm_log_open_append(m->paths->monitor_log, NULL);
  mlog(m, "monitor %d starting VM '%s' (%s)", (int)getpid(), m->config->name, m->config->id);
  m->run.monitor_pid = (int)getpid();
  m->run.display = g_strdup(bvm_display_mode_to_string(display));
  save_run_state(m, BVM_VM_STARTING);

  if (!start_processes(m, display, error)) {
    record_start_failure(m, *error);
    return FALSE;
  }
  g_free(m->config->started_at);
  m->config->started_at = g_strdup(m->run.started_at);
  if (!bvm_config_save(m->config, bundle_dir, &local))
    mlog(m, "cannot record startedAt: %s", local->message);
  save_run_state(m, BVM_VM_RUNNING);
  return TRUE;
}

/* Loop: follow QEMU's events until it exits, then record how the run ended.
 * Timers only where nothing sends an event: free disk space, the size of
 * the logs QEMU writes, the installer's keypresses. */
static void monitor_loop(Monitor *m)
{
  m->loop = g_main_loop_new(NULL, FALSE);
  guint qmp_watch =
      g_unix_fd_add(bvm_qmp_get_fd(m->qmp), G_IO_IN | G_IO_HUP | G_IO_ERR, on_qmp_readable, m);
  guint term_watch = g_unix_signal_add(SIGTERM, on_terminate, m);
  guint int_watch = g_unix_signal_add(SIGINT, on_terminate, m);
  guint rotate_timer = g_timeout_add_seconds(LOG_ROTATE_SECONDS, rotate_logs, m);
  guint space_timer = g_timeout_add(BVM_DISK_SPACE_CHECK_MS, check_disk_space, m);
  if (m->config->press_key_on_boot && m->config->iso_path != NULL && disk_is_empty(m)) {
    /* Windows' DVD boot waits ~5 s for "Press any key"; a few Enters in
     * the first seconds answer it without the user racing the prompt. */
    m->keypress_left = 8;
    g_timeout_add(1000, send_keypress, m);
  }
  /* Events that came with the replies to cont: the fd will not wake us. */
  if (m->qmp != NULL && bvm_qmp_has_pending_event(m->qmp) &&
      on_qmp_readable(-1, G_IO_IN, m) == G_SOURCE_REMOVE) {
    g_source_remove(qmp_watch);
    qmp_watch = 0;
  }
  if (!m->qemu_exited)
    g_main_loop_run(m->loop);
  /* A watch that saw QMP close removed itself (and cleared m->qmp). */
  if (qmp_watch != 0 && m->qmp != NULL)
    g_source_remove(qmp_watch);
  g_source_remove(term_watch);
  g_source_remove(int_watch);
  g_source_remove(rotate_timer);
  g_source_remove(space_timer);
  record_exit(m, TRUE);
}

/* Tear down: end what still runs, remove run/ and release the lock, in
 * that order, so a free lock with a run dir behind it always means a
 * crash. Nothing of run/ is touched without the lock: it may be another
 * monitor's. */
static void monitor_tear_down(Monitor *m, gboolean ran)
{
  if (m->lock_fd < 0)
    return;
  g_clear_pointer(&m->qmp, bvm_qmp_free);
  if (m->qemu != NULL && !m->qemu_exited) {
    g_subprocess_force_exit(m->qemu);
    (void)g_subprocess_wait(m->qemu, NULL, NULL);
    m->qemu_exited = TRUE;
  }
  stop_swtpm(m, ran);
  (void)bvm_remove_tree(m->paths->run_dir, NULL);
  close(m->lock_fd);
  m->lock_fd = -1;
}

/* Whatever path the monitor took: the reader of status_fd hears a word,
 * the log its last line, and the memory goes. */
static void monitor_clear(Monitor *m)
{
  if (m->status_fd >= 0)
    report(m, "error 1 the monitor ended before the VM ran");
  mlog(m, "monitor exiting");
  if (m->log_fd >= 0)
    close(m->log_fd);
  g_clear_pointer(&m->loop, g_main_loop_unref);
  g_clear_object(&m->qemu);
  g_clear_object(&m->swtpm);
  g_free(m->run.started_at);
  g_free(m->run.display);
  g_free(m->run.reason);
  g_free(m->shutdown_reason);
  g_free(m->accel);
  g_free(m->crash_reason);
  g_clear_pointer(&m->paths, bvm_paths_free);
  g_clear_pointer(&m->config, bvm_config_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Monitor, monitor_clear)

int bvm_monitor_run(const char *bundle_dir, BvmDisplayMode display, int status_fd)
{
  g_auto(Monitor) mon = {.lock_fd = -1, .log_fd = -1, .status_fd = status_fd};
  Monitor *m = &mon;

  /* Our own session: a closed terminal or a Ctrl-C in the shell that ran
   * `bridgevm start` must not reach the VM. */
  (void)setsid();
  signal(SIGPIPE, SIG_IGN);
  /* What the VM's processes create (QEMU's serial.log, swtpm's state and
   * sockets) is this user's alone, whatever the caller's umask. */
  umask(0077);

  g_autoptr(GError) error = NULL;
  gboolean ran = monitor_prepare(m, bundle_dir, display, &error);
  if (ran) {
    g_autofree char *ok = g_strdup_printf("ok %d", m->run.qemu_pid);
    mlog(m, "VM running: QEMU pid %d", m->run.qemu_pid);
    report(m, ok);
    monitor_loop(m);
  } else {
    report_error(m, error);
  }
  monitor_tear_down(m, ran);
  return ran ? 0 : 1;
}
