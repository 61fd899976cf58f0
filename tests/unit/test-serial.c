/* The serial console's fan-out (serial.h) against a fake QEMU end (one side
 * of a socketpair): every client reads what the guest writes, only the
 * keyboard's holder reaches the guest, a second interactive attach watches,
 * the keyboard frees when its holder leaves, a new client is shown the
 * recent output, bad handshakes and QEMU's exit close the clients. */
#include "error.h"
#include "serial.h"

#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
  char *dir;
  char *path;
  int qemu; /* the fake QEMU's end */
  BvmSerialHub *hub;
} Fixture;

static void fixture_set_up(Fixture *f, gconstpointer data)
{
  (void)data;
  f->dir = g_dir_make_tmp("bvm-serial-XXXXXX", NULL);
  f->path = g_build_filename(f->dir, "console.sock", NULL);
  int pair[2];
  g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  f->qemu = pair[0];
  g_autoptr(GError) error = NULL;
  f->hub = bvm_serial_hub_new(pair[1], f->path, &error);
  g_assert_no_error(error);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
  (void)data;
  g_clear_pointer(&f->hub, bvm_serial_hub_free);
  g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
  if (f->qemu >= 0)
    close(f->qemu);
  g_rmdir(f->dir);
  g_free(f->path);
  g_free(f->dir);
}

/* Attach blocks for the hub's answer, and the hub runs in this thread's
 * main loop: attach from a worker while the loop turns. */
typedef struct {
  const char *path;
  gboolean want_write;
  gboolean writer;
  int fd;
  gint done;
} Attach;

static gpointer attach_main(gpointer data)
{
  Attach *a = data;
  a->fd = bvm_serial_attach(a->path, a->want_write, &a->writer, NULL);
  g_atomic_int_set(&a->done, 1);
  g_main_context_wakeup(NULL);
  return NULL;
}

static int attach(Fixture *f, gboolean want_write, gboolean *out_writer)
{
  Attach a = {.path = f->path, .want_write = want_write, .fd = -1};
  GThread *t = g_thread_new("attach", attach_main, &a);
  while (!g_atomic_int_get(&a.done))
    g_main_context_iteration(NULL, TRUE);
  g_thread_join(t);
  g_assert_cmpint(a.fd, >=, 0);
  *out_writer = a.writer;
  return a.fd;
}

/* Turn the loop until @n bytes came on @fd (or EOF: fewer); 5 s at most. */
static char *read_n(int fd, gsize n)
{
  GString *got = g_string_new(NULL);
  gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
  while (got->len < n && g_get_monotonic_time() < deadline) {
    while (g_main_context_iteration(NULL, FALSE))
      ;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 10) <= 0)
      continue;
    char buf[256];
    ssize_t r = recv(fd, buf, MIN(sizeof buf, n - got->len), MSG_DONTWAIT);
    if (r == 0)
      break;
    if (r > 0)
      g_string_append_len(got, buf, r);
  }
  return g_string_free(got, FALSE);
}

static void turn_loop(void)
{
  for (int i = 0; i < 20; i++) {
    while (g_main_context_iteration(NULL, FALSE))
      ;
    g_usleep(1000);
  }
}

static void send_str(int fd, const char *s)
{
  g_assert_cmpint(send(fd, s, strlen(s), MSG_NOSIGNAL), ==, (ssize_t)strlen(s));
}

static void test_fan_out_and_one_keyboard(Fixture *f, gconstpointer data)
{
  (void)data;
  gboolean a_writes = FALSE, b_writes = TRUE, c_writes = TRUE;
  int a = attach(f, TRUE, &a_writes);
  int b = attach(f, TRUE, &b_writes);
  int c = attach(f, FALSE, &c_writes);
  g_assert_true(a_writes);
  g_assert_false(b_writes); /* the keyboard is taken: b watches */
  g_assert_false(c_writes);
  g_assert_cmpuint(bvm_serial_hub_n_clients(f->hub), ==, 3);

  send_str(f->qemu, "login: ");
  g_autofree char *ra = read_n(a, 7), *rb = read_n(b, 7), *rc = read_n(c, 7);
  g_assert_cmpstr(ra, ==, "login: ");
  g_assert_cmpstr(rb, ==, "login: ");
  g_assert_cmpstr(rc, ==, "login: ");

  send_str(b, "from-b");
  send_str(c, "from-c");
  send_str(a, "from-a\n");
  g_autofree char *typed = read_n(f->qemu, 7);
  g_assert_cmpstr(typed, ==, "from-a\n");

  /* a leaves: the keyboard is free for the next interactive attach, who is
   * shown the recent output first. */
  close(a);
  turn_loop();
  g_assert_cmpuint(bvm_serial_hub_n_clients(f->hub), ==, 2);
  gboolean d_writes = FALSE;
  int d = attach(f, TRUE, &d_writes);
  g_assert_true(d_writes);
  g_autofree char *history = read_n(d, 7);
  g_assert_cmpstr(history, ==, "login: ");
  send_str(d, "x");
  g_autofree char *typed_d = read_n(f->qemu, 1);
  g_assert_cmpstr(typed_d, ==, "x");

  /* QEMU's end closes (the VM stops): every client's read ends. */
  close(f->qemu);
  f->qemu = -1;
  g_autofree char *eof_b = read_n(b, 1), *eof_d = read_n(d, 1);
  g_assert_cmpstr(eof_b, ==, "");
  g_assert_cmpstr(eof_d, ==, "");
  g_assert_false(bvm_serial_hub_is_connected(f->hub));
  close(b);
  close(c);
  close(d);
}

static void test_history_is_bounded(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autofree char *big = g_strnfill(BVM_SERIAL_HISTORY + 100, 'a');
  big[BVM_SERIAL_HISTORY + 99] = 'z';
  send_str(f->qemu, big);
  turn_loop();
  gboolean w = FALSE;
  int a = attach(f, FALSE, &w);
  g_autofree char *history = read_n(a, BVM_SERIAL_HISTORY);
  g_assert_cmpuint(strlen(history), ==, BVM_SERIAL_HISTORY);
  g_assert_cmpint(history[BVM_SERIAL_HISTORY - 1], ==, 'z');
  struct pollfd p = {.fd = a, .events = POLLIN};
  g_assert_cmpint(poll(&p, 1, 20), ==, 0); /* nothing beyond the bound */
  close(a);
}

/* Not our protocol: closed, and the guest hears nothing of it. */
static void test_bad_handshake_is_closed(Fixture *f, gconstpointer data)
{
  (void)data;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  g_strlcpy(addr.sun_path, f->path, sizeof addr.sun_path);
  g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
  send_str(fd, "GET / HTTP/1.1\r\n");
  g_autofree char *got = read_n(fd, 1);
  g_assert_cmpstr(got, ==, "");
  g_assert_cmpuint(bvm_serial_hub_n_clients(f->hub), ==, 0);
  close(fd);
  struct pollfd p = {.fd = f->qemu, .events = POLLIN};
  g_assert_cmpint(poll(&p, 1, 50), ==, 0);
}

static void test_attach_without_hub(void)
{
  g_autoptr(GError) error = NULL;
  gboolean w;
  int fd = bvm_serial_attach("/nonexistent/console.sock", TRUE, &w, &error);
  g_assert_cmpint(fd, ==, -1);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND);
  g_assert_nonnull(strstr(error->message, "is the VM running?"));
}

static void test_escape(void)
{
  const guint8 keys[] = {'l', 's', '\r', 0x1d, 'q'};
  g_assert_cmpint(bvm_serial_find_escape(keys, sizeof keys, 0x1d), ==, 3);
  g_assert_cmpint(bvm_serial_find_escape(keys, 3, 0x1d), ==, -1);
  g_assert_cmpint(bvm_serial_find_escape(keys + 3, 2, 0x1d), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add("/serial/fan-out-and-one-keyboard", Fixture, NULL, fixture_set_up,
             test_fan_out_and_one_keyboard, fixture_tear_down);
  g_test_add("/serial/history-is-bounded", Fixture, NULL, fixture_set_up, test_history_is_bounded,
             fixture_tear_down);
  g_test_add("/serial/bad-handshake-is-closed", Fixture, NULL, fixture_set_up,
             test_bad_handshake_is_closed, fixture_tear_down);
  g_test_add_func("/serial/attach-without-hub", test_attach_without_hub);
  g_test_add_func("/serial/escape", test_escape);
  return g_test_run();
}
