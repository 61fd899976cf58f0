/* End to end, under TCG, in one boot of the test guest: port forwards (an
 * HTTP answer from busybox httpd in the guest through 127.0.0.1, a forward
 * added and removed while the VM runs, a second VM refused the same port)
 * and shared folders over virtio-9p (a host file read in the guest, a guest
 * write seen on the host, a read-only share that refuses the guest's
 * write; the read-write share's path holds a comma and "file=", so QEMU
 * must get it escaped). */
#include "cli-harness.h"
#include "error.h"
#include "paths.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define VM "fs"

static char *root, *library, *other_library, *plain_iso;

static JsonNode *show_json(const char *lib, const char *vm)
{
  const char *args[] = {"show", vm, "--json", NULL};
  return harness_run_json(lib, args);
}

/* GET / from 127.0.0.1:@port: the whole answer, or NULL with @error when the
 * connection fails. */
static char *http_get(guint port, GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_set_timeout(client, 5);
  g_autoptr(GSocketConnection) conn =
      g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, error);
  if (conn == NULL)
    return NULL;
  const char req[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
  if (!g_output_stream_write_all(out, req, sizeof req - 1, NULL, NULL, error))
    return NULL;
  GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
  GString *answer = g_string_new(NULL);
  char buf[4096];
  gssize n;
  while ((n = g_input_stream_read(in, buf, sizeof buf, NULL, error)) > 0)
    g_string_append_len(answer, buf, n);
  if (n < 0) {
    g_string_free(answer, TRUE);
    return NULL;
  }
  return g_string_free(answer, FALSE);
}

/* The guest's page through @port, retried while httpd starts (slirp accepts
 * on the host and resets until the guest listens). */
static char *http_get_retrying(guint port)
{
  gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
  g_autoptr(GError) last = NULL;
  while (g_get_monotonic_time() < deadline) {
    g_clear_error(&last);
    char *answer = http_get(port, &last);
    if (answer != NULL && strstr(answer, "hello-from-guest") != NULL)
      return answer;
    g_free(answer);
    g_usleep(500 * 1000);
  }
  g_error("no page from the guest through 127.0.0.1:%u: %s", port,
          last ? last->message : "empty answers");
}

static char *read_file_waiting(const char *path, guint seconds)
{
  gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
  char *data = NULL;
  while (!g_file_get_contents(path, &data, NULL, NULL) && g_get_monotonic_time() < deadline)
    g_usleep(250 * 1000);
  return data;
}

/* A VM that is never started: made to be refused a port. */
static void create_stopped_vm(const char *lib, const char *name)
{
  const char *create[] = {"create",   name, "--iso",  plain_iso, "--preset", "light",
                          "--memory", "1G", "--disk", "2G",      "--no-tpm", NULL};
  harness_run_ok(lib, create);
}

/* `set VM --forward tcp:PORT:80` fails saying @words. */
static void expect_forward_refused(const char *lib, const char *vm, guint port, const char *words)
{
  g_autofree char *fwd = g_strdup_printf("tcp:%u:80", port);
  const char *set[] = {"set", vm, "--forward", fwd, NULL};
  g_auto(BvmRun) refused = {0};
  harness_run(&refused, lib, set);
  g_assert_cmpint(refused.status, !=, 0);
  assert_contains(refused.err, words);
}

static void test_forwards_and_shares_in_one_boot(void)
{
  const char *create[] = {"create",   VM,   "--iso",  plain_iso, "--preset",         "light",
                          "--memory", "1G", "--disk", "2G",      "--no-secure-boot", "--no-tpm",
                          NULL};
  harness_run_ok(library, create);

  g_autofree char *rw = g_build_filename(root, "rw,file=x", NULL);
  g_autofree char *ro = g_build_filename(root, "ro", NULL);
  g_assert_cmpint(g_mkdir_with_parents(rw, 0700), ==, 0);
  g_assert_cmpint(g_mkdir_with_parents(ro, 0700), ==, 0);
  g_autofree char *host_txt = g_build_filename(rw, "host.txt", NULL);
  g_autofree char *ro_txt = g_build_filename(ro, "host.txt", NULL);
  g_assert_true(g_file_set_contents(host_txt, "from-host\n", -1, NULL));
  g_assert_true(g_file_set_contents(ro_txt, "ro-host\n", -1, NULL));

  guint port = harness_free_tcp_port(), live_port = harness_free_tcp_port();
  g_assert_cmpuint(port, !=, live_port);
  g_autofree char *fwd = g_strdup_printf("tcp:%u:80", port);
  g_autofree char *rw_spec = g_strdup_printf("%s:data", rw);
  g_autofree char *ro_spec = g_strdup_printf("%s:docs:ro", ro);
  const char *set[] = {"set", VM, "--forward", fwd, "--share", rw_spec, "--share", ro_spec, NULL};
  harness_run_ok(library, set);

  /* show names each share with the command that mounts it in the guest */
  const char *show[] = {"show", VM, NULL};
  g_auto(BvmRun) shown = {0};
  harness_run(&shown, library, show);
  assert_contains(
      shown.out,
      "in the guest: mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 data /mnt/data");
  assert_contains(
      shown.out,
      "in the guest: mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro docs /mnt/docs");
  g_autofree char *fwd_line = g_strdup_printf("tcp 127.0.0.1:%u -> guest 80", port);
  assert_contains(shown.out, fwd_line);

  /* a second VM of the library may not take the same host port */
  create_stopped_vm(library, "other");
  g_autofree char *by_fs =
      g_strdup_printf("host port %u (tcp) is already forwarded by VM 'fs'", port);
  expect_forward_refused(library, "other", port, by_fs);

  JsonNode *vm = show_json(library, VM);
  JsonObject *vo = json_node_get_object(vm);
  g_autoptr(BvmPaths) paths = bvm_paths_new(json_object_get_string_member(vo, "path"),
                                            json_object_get_string_member(vo, "id"));
  json_node_unref(vm);
  const char *start[] = {"start", VM, "--wait-agent=240", "--display", "none", NULL};
  harness_run_ok(library, start);

  /* the guest mounts both shares, reads and writes, then serves a page */
  g_autoptr(GError) error = NULL;
  harness_guest_exec(
      paths->qga_sock,
      "mkdir -p /mnt/rw /mnt/ro /www; "
      "mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 data /mnt/rw; "
      "mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 docs /mnt/ro; "
      "cat /mnt/rw/host.txt > /mnt/rw/guest-read.txt; "
      "cat /mnt/ro/host.txt > /mnt/rw/guest-read-ro.txt; "
      "echo guest-wrote > /mnt/rw/guest.txt; "
      "if echo x > /mnt/ro/denied.txt; then echo wrote; else echo refused; fi > /mnt/rw/ro-result; "
      "echo hello-from-guest > /www/index.html; httpd -p 80 -h /www; "
      "echo done > /mnt/rw/done",
      &error);
  g_assert_no_error(error);
  g_autofree char *done_path = g_build_filename(rw, "done", NULL);
  g_autofree char *done = read_file_waiting(done_path, 120);
  if (done == NULL)
    g_error("the guest never wrote %s through the 9p share", done_path);
  g_autofree char *p1 = g_build_filename(rw, "guest-read.txt", NULL);
  g_autofree char *p2 = g_build_filename(rw, "guest-read-ro.txt", NULL);
  g_autofree char *p3 = g_build_filename(rw, "guest.txt", NULL);
  g_autofree char *p4 = g_build_filename(rw, "ro-result", NULL);
  g_autofree char *p5 = g_build_filename(ro, "denied.txt", NULL);
  g_autofree char *read_rw = NULL, *read_ro = NULL, *wrote = NULL, *ro_result = NULL;
  g_assert_true(g_file_get_contents(p1, &read_rw, NULL, NULL));
  g_assert_true(g_file_get_contents(p2, &read_ro, NULL, NULL));
  g_assert_true(g_file_get_contents(p3, &wrote, NULL, NULL));
  g_assert_true(g_file_get_contents(p4, &ro_result, NULL, NULL));
  g_assert_cmpstr(read_rw, ==, "from-host\n");
  g_assert_cmpstr(read_ro, ==, "ro-host\n");
  g_assert_cmpstr(wrote, ==, "guest-wrote\n");
  g_assert_cmpstr(ro_result, ==, "refused\n");
  g_assert_false(g_file_test(p5, G_FILE_TEST_EXISTS));
  /* security_model=none: what the guest made is an ordinary file of ours */
  GStatBuf st;
  g_assert_cmpint(g_stat(p3, &st), ==, 0);
  g_assert_cmpuint(st.st_uid, ==, getuid());

  /* the forward made at start answers */
  g_autofree char *page = http_get_retrying(port);
  assert_contains(page, "hello-from-guest");

  /* another library's VM: the port is taken on this host, by VM 'fs' */
  create_stopped_vm(other_library, "far");
  g_autofree char *in_use =
      g_strdup_printf("host port %u (tcp) is in use by VM 'fs' (QEMU, pid", port);
  expect_forward_refused(other_library, "far", port, in_use);

  /* a forward added while the VM runs works at once... */
  g_autofree char *live = g_strdup_printf("tcp:%u:80", live_port);
  const char *add_live[] = {"set", VM, "--forward", live, NULL};
  harness_run_ok(library, add_live);
  g_autofree char *live_page = http_get_retrying(live_port);
  assert_contains(live_page, "hello-from-guest");
  /* ...and removing it closes the host port */
  g_autofree char *live_text = g_strdup_printf("%u", live_port);
  const char *remove_live[] = {"set", VM, "--no-forward", live_text, NULL};
  harness_run_ok(library, remove_live);
  g_autoptr(GError) closed = NULL;
  g_autofree char *none = http_get(live_port, &closed);
  g_assert_null(none);
  g_assert_error(closed, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  /* the config says what runs */
  JsonNode *after = show_json(library, VM);
  JsonArray *forwards = json_object_get_array_member(json_node_get_object(after), "forwards");
  g_assert_cmpuint(json_array_get_length(forwards), ==, 1);
  g_assert_cmpint(
      json_object_get_int_member(json_array_get_object_element(forwards, 0), "hostPort"), ==, port);
  json_node_unref(after);

  const char *kill[] = {"kill", VM, NULL};
  harness_run_ok(library, kill);
  /* with the VM gone the port is free: the other library's VM may take it */
  g_autofree char *far_fwd = g_strdup_printf("tcp:%u:80", port);
  const char *set_far[] = {"set", "far", "--forward", far_fwd, NULL};
  harness_run_ok(other_library, set_far);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-e2e-fs-XXXXXX");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(root, "lib", NULL);
  other_library = g_build_filename(root, "lib2", NULL);
  plain_iso = harness_build_test_guest("plain");
  g_test_add_func("/e2e/forwards-and-shares-in-one-boot", test_forwards_and_shares_in_one_boot);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  const char *kill[] = {"kill", VM, NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, kill);
  harness_cleanup(root);
  return rc;
}
