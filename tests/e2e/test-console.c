/* End to end, one boot of the test guest under TCG: `bridgevm console` under
 * a pseudo-terminal runs a command in the guest's serial shell and reads
 * its answer (raw mode while attached, Ctrl-] detaches, the terminal
 * restored); a second console watches read-only; serial.log holds the same
 * bytes; `bridgevm screenshot` saves a valid, non-blank PNG; the library's
 * cached screen is reused within its age, and kept (not live) after stop. */
#include "cli-harness.h"
#include "error.h"

#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define VM "e2e console"

static char *root, *library, *plain_iso;

static char *serial_log(void)
{
  g_autofree char *path = g_build_filename(library, VM ".bridgevm", "logs", "serial.log", NULL);
  char *data = NULL;
  g_file_get_contents(path, &data, NULL, NULL);
  return data ? data : g_strdup("");
}

/* Read @fd into @acc until it holds @needle (TRUE) or @seconds pass. */
static gboolean read_until(int fd, GString *acc, const char *needle, int seconds)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
  while (strstr(acc->str, needle) == NULL) {
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0)
      return FALSE;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, (int)(left / 1000) + 1) <= 0)
      continue;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
      return strstr(acc->str, needle) != NULL;
    g_string_append_len(acc, buf, n);
  }
  return TRUE;
}

static void test_boot(void)
{
  const char *create[] = {"create",   VM,   "--iso",  plain_iso, "--preset",         "light",
                          "--memory", "1G", "--disk", "2G",      "--no-secure-boot", NULL};
  harness_run_ok(library, create);
  const char *start[] = {"start", VM, "--wait-agent=240", "--display", "vnc", NULL};
  harness_run_ok(library, start);
  /* The serial shell starts right before the guest's last marker. */
  gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  g_autofree char *serial = NULL;
  do {
    g_free(serial);
    serial = serial_log();
    if (strstr(serial, "bridgevm-test# ") != NULL)
      break;
    g_usleep(200 * 1000);
  } while (g_get_monotonic_time() < deadline);
  assert_contains(serial, "BRIDGEVM-GUEST: ready");
  assert_contains(serial, "bridgevm-test# ");
}

static void test_console_under_a_pty(void)
{
  int master = -1;
  pid_t pid = forkpty(&master, NULL, NULL, NULL);
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    execl(harness_binary(), "bridgevm", "--library", library, "console", VM, (char *)NULL);
    _exit(127);
  }
  g_autoptr(GString) out = g_string_new(NULL);
  if (!read_until(master, out, "Ctrl-] detaches", 20))
    g_error("no console banner: %s", out->str);
  /* Attached: the terminal is raw (no echo, no line editing of its own). */
  struct termios tio;
  g_assert_cmpint(tcgetattr(master, &tio), ==, 0);
  g_assert_false(tio.c_lflag & (ECHO | ICANON));

  /* A second console while this one has the keyboard watches read-only:
   * it is told so and sees the same recent output. */
  g_auto(BvmRun) second = {0};
  const char *watch[] = {"console", VM, "--linger", "1", NULL};
  harness_run(&second, library, watch);
  g_assert_cmpint(second.status, ==, 0);
  assert_contains(second.err, "another console has the keyboard: attached read-only");
  assert_contains(second.out, "bridgevm-test# ");

  /* The guest's shell computes the answer: its text is not our echo. */
  const char *line = "echo BVM-CONSOLE-$((6*7))-OK\r";
  g_assert_cmpint(write(master, line, strlen(line)), ==, (ssize_t)strlen(line));
  /* Up to the next prompt: detaching mid-line would cut the answer's end. */
  if (!read_until(master, out, "BVM-CONSOLE-42-OK\r\nbridgevm-test# ", 30))
    g_error("the guest's shell did not answer: %s", out->str);
  g_assert_cmpint(write(master, "\x1d", 1), ==, 1); /* Ctrl-] */
  if (!read_until(master, out, "Detached from VM", 10))
    g_error("Ctrl-] did not detach: %s", out->str);
  int wstatus = 0;
  g_assert_cmpint(waitpid(pid, &wstatus, 0), ==, pid);
  g_assert_true(WIFEXITED(wstatus));
  g_assert_cmpint(WEXITSTATUS(wstatus), ==, 0);
  /* The terminal is as it was: line editing and echo back. */
  g_assert_cmpint(tcgetattr(master, &tio), ==, 0);
  g_assert_true(tio.c_lflag & ECHO);
  g_assert_true(tio.c_lflag & ICANON);
  close(master);

  /* serial.log holds the same bytes the console showed: the command as the
   * guest echoed it and the answer. */
  g_autofree char *serial = serial_log();
  assert_contains(serial, "echo BVM-CONSOLE-$((6*7))-OK\r\nBVM-CONSOLE-42-OK\r\n");
  assert_contains(out->str, "echo BVM-CONSOLE-$((6*7))-OK\r\nBVM-CONSOLE-42-OK\r\n");

  /* The keyboard is free again: a piped console types, and its output is
   * shown until --linger after stdin ends. */
  g_autofree char *cmd = g_strdup_printf("printf 'echo PIPED-$((7*6))\\n' | '%s' --library '%s' "
                                         "console '" VM "' --linger 3",
                                         harness_binary(), library);
  g_autofree char *piped_out = NULL;
  int piped_status = -1;
  g_autoptr(GError) error = NULL;
  const char *sh[] = {"/bin/sh", "-c", cmd, NULL};
  g_assert_true(g_spawn_sync(NULL, (char **)sh, NULL, G_SPAWN_DEFAULT, NULL, NULL, &piped_out, NULL,
                             &piped_status, &error));
  g_assert_no_error(error);
  g_assert_cmpint(piped_status, ==, 0);
  assert_contains(piped_out, "PIPED-42");
}

/* Non-blank: more than one colour on the guest's screen (its text). */
static guint distinct_colours(GdkPixbuf *pb)
{
  const guint8 *px = gdk_pixbuf_read_pixels(pb);
  int n = gdk_pixbuf_get_n_channels(pb), stride = gdk_pixbuf_get_rowstride(pb);
  g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
  for (int y = 0; y < gdk_pixbuf_get_height(pb); y += 2)
    for (int x = 0; x < gdk_pixbuf_get_width(pb); x += 2) {
      const guint8 *p = px + y * stride + x * n;
      guint rgb = (guint)p[0] << 16 | (guint)p[1] << 8 | p[2];
      g_hash_table_add(seen, GUINT_TO_POINTER(rgb + 1));
    }
  return g_hash_table_size(seen);
}

static void test_screenshot(void)
{
  g_autofree char *png = g_build_filename(root, "shot.png", NULL);
  const char *shot[] = {"screenshot", VM, png, NULL};
  harness_run_ok(library, shot);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(png, &error);
  g_assert_no_error(error);
  g_assert_cmpint(gdk_pixbuf_get_width(pb), >=, 640);
  g_assert_cmpint(gdk_pixbuf_get_height(pb), >=, 480);
  g_assert_cmpuint(distinct_colours(pb), >=, 2);

  /* The library's thumbnail: scaled into 320x200 from QEMU's PPM dump, with
   * the guest's text still on it (grey). */
  g_autofree char *thumb = g_build_filename(root, "thumb.png", NULL);
  const char *small[] = {"screenshot", VM, thumb, "--thumbnail", "--json", NULL};
  g_autoptr(JsonNode) a = harness_run_json(library, small);
  JsonObject *ao = json_node_get_object(a);
  g_assert_true(json_object_get_boolean_member(ao, "live"));
  g_assert_false(json_object_has_member(ao, "png"));
  g_assert_cmpint(json_object_get_int_member(ao, "width"), <=, 320);
  g_assert_cmpint(json_object_get_int_member(ao, "height"), <=, 200);
  g_autoptr(GdkPixbuf) tp = gdk_pixbuf_new_from_file(thumb, &error);
  g_assert_no_error(error);
  g_assert_cmpint(gdk_pixbuf_get_width(tp), ==, json_object_get_int_member(ao, "width"));
  g_assert_cmpuint(distinct_colours(tp), >=, 2);

  /* Bad input: the file's directory does not exist. */
  g_auto(BvmRun) bad = {0};
  const char *nodir[] = {"screenshot", VM, "/nonexistent/dir/x.png", NULL};
  harness_run(&bad, library, nodir);
  g_assert_cmpint(bad.status, !=, 0);
  assert_contains(bad.err, "/nonexistent/dir/x.png");
}

static void test_stopped_vm_keeps_its_last_screen(void)
{
  const char *stop[] = {"stop", VM, "--timeout", "120", "--force", NULL};
  harness_run_ok(library, stop);
  g_autofree char *kept = g_build_filename(library, VM ".bridgevm", "last-screen.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new_from_file(kept, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(distinct_colours(pb), >=, 2);

  g_auto(BvmRun) shot = {0};
  g_autofree char *png = g_build_filename(root, "stopped.png", NULL);
  const char *args[] = {"screenshot", VM, png, NULL};
  harness_run(&shot, library, args);
  g_assert_cmpint(shot.status, ==, 1);
  assert_contains(shot.err, "is stopped: its screen can be taken while it runs");
  g_assert_false(g_file_test(png, G_FILE_TEST_EXISTS));

  g_auto(BvmRun) console = {0};
  const char *attach[] = {"console", VM, NULL};
  harness_run(&console, library, attach);
  g_assert_cmpint(console.status, ==, 1);
  assert_contains(console.err, "is not running");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-e2e-console-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib", NULL);
  plain_iso = harness_build_test_guest("plain");
  g_test_add_func("/e2e-console/boot", test_boot);
  g_test_add_func("/e2e-console/console-under-a-pty", test_console_under_a_pty);
  g_test_add_func("/e2e-console/screenshot", test_screenshot);
  g_test_add_func("/e2e-console/stopped-vm-keeps-its-last-screen",
                  test_stopped_vm_keeps_its_last_screen);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  harness_cleanup(root);
  return rc;
}
