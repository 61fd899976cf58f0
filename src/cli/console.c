/* bridgevm console VM: the terminal attached to the guest's serial console
 * (the monitor's fan-out, serial.h). On a terminal: raw mode, Ctrl-] to
 * detach, the terminal restored on every way out. Piped: what comes on
 * stdin is typed into the guest, and the output is shown until --linger
 * seconds after stdin ends (scripts and tests). Outside the dispatcher, like
 * `logs --follow`: it streams both ways. */
#include "cli.h"
#include "error.h"
#include "paths.h"
#include "serial.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#define ESCAPE_KEY 0x1d /* Ctrl-] as telnet, virsh console and QEMU's -nographic use */

static struct termios saved_tty;
static gboolean tty_raw;
static volatile sig_atomic_t got_signal;

static void restore_tty(void)
{
  if (tty_raw) {
    (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    tty_raw = FALSE;
  }
}

static void on_signal(int sig)
{
  got_signal = sig;
}

static gboolean make_raw(void)
{
  if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
    return FALSE;
  struct termios raw = saved_tty;
  cfmakeraw(&raw);
  if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
    return FALSE;
  tty_raw = TRUE;
  atexit(restore_tty);
  return TRUE;
}

static void catch_signals(void)
{
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: poll returns EINTR and the loop ends cleanly. */
  const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  for (guint i = 0; i < G_N_ELEMENTS(sigs); i++)
    sigaction(sigs[i], &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static gboolean write_all(int fd, const guint8 *buf, gsize len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    buf += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* Shuttle bytes until detach, the console's end, a signal, or the linger
 * after stdin's end. */
static int shuttle(int fd, gboolean interactive, gboolean writer, guint linger_ms)
{
  /* Read even without the keyboard: a terminal's detach key, a pipe's end
   * (then --linger). What a read-only console types is dropped. */
  gboolean stdin_open = TRUE;
  gint64 stop_at = -1;
  for (;;) {
    if (got_signal)
      return BVM_EXIT_OK;
    struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
    int timeout = -1;
    if (stop_at >= 0) {
      gint64 left = stop_at - g_get_monotonic_time();
      if (left <= 0)
        return BVM_EXIT_OK;
      timeout = (int)(left / 1000) + 1;
    }
    int r = poll(p, stdin_open ? 2 : 1, timeout);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return BVM_EXIT_FAILURE;
    guint8 buf[4096];
    if (p[0].revents) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        restore_tty();
        fprintf(stderr, "\nbridgevm: the serial console closed (the VM stopped)\n");
        return BVM_EXIT_OK;
      }
      if (!write_all(STDOUT_FILENO, buf, (gsize)n))
        return BVM_EXIT_FAILURE;
    }
    if (stdin_open && p[1].revents) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n <= 0) {
        /* Piped input ended: keep showing what the guest answers a while. */
        stdin_open = FALSE;
        stop_at = g_get_monotonic_time() + (gint64)linger_ms * 1000;
        continue;
      }
      gssize esc = interactive ? bvm_serial_find_escape(buf, (gsize)n, ESCAPE_KEY) : -1;
      gsize len = esc >= 0 ? (gsize)esc : (gsize)n;
      if (writer && len > 0 && send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
        return BVM_EXIT_FAILURE;
      if (esc >= 0)
        return BVM_EXIT_OK;
    }
  }
}

int bvm_cmd_console(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean read_only = FALSE;
  int linger = 1;
  const GOptionEntry entries[] = {
      {"read-only", 'r', 0, G_OPTION_ARG_NONE, &read_only, "Watch only: never take the keyboard",
       NULL},
      {"linger", 0, 0, G_OPTION_ARG_INT, &linger,
       "When stdin is not a terminal: seconds to keep showing output after it ends (default 1)",
       "S"},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("console", "VM",
                     "Attach this terminal to a running VM's serial console (Ctrl-] detaches).\n"
                     "One console at a time has the keyboard; another attaches read-only.",
                     entries, FALSE, &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("console", "give one VM");
  if (linger < 0 || linger > 3600)
    return bvm_cli_usage("console", "--linger must be 0 to 3600 seconds");
  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autoptr(GError) error = NULL;
  gboolean writer = FALSE;
  int fd = bvm_serial_attach(paths->console_sock, !read_only, &writer, &error);
  if (fd < 0) {
    if (g_error_matches(error, BVM_ERROR, BVM_ERROR_NOT_FOUND)) {
      g_clear_error(&error);
      g_set_error(
          &error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
          "VM '%s' is not running (or was started before consoles existed): start it with 'bridgevm start %s'",
          e->config->name, e->config->name);
    }
    return bvm_cli_fail(error);
  }
  gboolean interactive = isatty(STDIN_FILENO);
  catch_signals();
  if (interactive) {
    fprintf(stderr, "Connected to VM '%s' serial console%s. Ctrl-] detaches.\r\n", e->config->name,
            writer      ? ""
            : read_only ? " (read-only)"
                        : " read-only: another console has the keyboard");
    if (!make_raw())
      interactive = FALSE;
  } else if (!writer && !read_only) {
    fprintf(stderr, "bridgevm: note: another console has the keyboard: attached read-only\n");
  }
  status = shuttle(fd, interactive, writer, (guint)linger * 1000);
  close(fd);
  restore_tty();
  if (interactive)
    fprintf(stderr, "\nDetached from VM '%s'.\n", e->config->name);
  return status;
}
