#include "libvirt-harness.h"
#include "cli-harness.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* Inside the namespace: each directory of libvirt's (and swtpm's, which
 * libvirt runs) replaced by one under ROOT, a tmpfs for the small pool,
 * then virtlogd and libvirtd. --config names ROOT in both command lines,
 * so harness_cleanup finds them if the test dies; --pid-file keeps their
 * pid files out of the host's /run (two tests' daemons at once). */
static const char start_script[] =
    "set -e\n"
    "R=$1\n"
    "exec >\"$R/daemon.log\" 2>&1\n"
    "bind() { mkdir -p \"$2\"; mount --bind \"$R/$1\" \"$2\"; }\n"
    "bind etc /etc/libvirt\n"
    "bind lib /var/lib/libvirt\n"
    "bind run /run/libvirt\n"
    "bind log /var/log/libvirt\n"
    "bind cache /var/cache/libvirt\n"
    "bind swtpm-log /var/log/swtpm\n"
    "bind swtpm-localca /var/lib/swtpm-localca\n"
    "mkdir -p /var/lib/libvirt/small\n"
    "mount -t tmpfs -o size=1m bvm-small-pool /var/lib/libvirt/small\n"
    "virtlogd --config \"$R/etc/virtlogd.conf\" --pid-file \"$R/run/virtlogd.pid\" &\n"
    "exec libvirtd --config \"$R/etc/libvirtd.conf\" --pid-file \"$R/run/libvirtd.pid\"\n";

/* user/group root: the test's disks and logs stay readable without
 * relabelling; no cgroups: nothing is made in the host's cgroup tree. */
static const char qemu_conf[] = "user = \"root\"\n"
                                "group = \"root\"\n"
                                "swtpm_user = \"root\"\n"
                                "swtpm_group = \"root\"\n"
                                "cgroup_controllers = [ ]\n"
                                "remember_owner = 0\n";

static void write_file(const char *root, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename(root, name, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_set_contents(path, text, -1, &error));
}

static void mkdirs(const char *root, const char *const *names)
{
  for (const char *const *n = names; *n; n++) {
    g_autofree char *d = g_build_filename(root, *n, NULL);
    g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
  }
}

char *harness_libvirt_host_path(const HarnessLibvirt *h, const char *path)
{
  static const struct {
    const char *in, *out;
  } map[] = {{"/var/lib/libvirt/", "lib/"},
             {"/var/log/libvirt/", "log/"},
             {"/run/libvirt/", "run/"},
             {"/etc/libvirt/", "etc/"}};
  for (guint i = 0; i < G_N_ELEMENTS(map); i++)
    if (g_str_has_prefix(path, map[i].in))
      return g_strconcat(h->root, "/", map[i].out, path + strlen(map[i].in), NULL);
  return g_strdup(path);
}

static gboolean run_quiet(const char *const *argv, char **out)
{
  g_autoptr(GSubprocess) p = g_subprocess_newv(
      argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, NULL);
  if (p == NULL)
    return FALSE;
  g_autofree char *text = NULL;
  if (!g_subprocess_communicate_utf8(p, NULL, NULL, &text, NULL, NULL))
    return FALSE;
  gboolean ok = g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0;
  if (out != NULL)
    *out = g_steal_pointer(&text);
  return ok;
}

char *harness_virsh(const HarnessLibvirt *h, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)"virsh");
  g_ptr_array_add(argv, (char *)"-q");
  g_ptr_array_add(argv, (char *)"-c");
  g_ptr_array_add(argv, h->uri);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add(argv, (char *)*a);
  g_ptr_array_add(argv, NULL);
  char *out = NULL;
  if (!run_quiet((const char *const *)argv->pdata, &out))
    g_error("virsh %s failed: %s", args[0], out ? out : "(no output)");
  return out;
}

HarnessLibvirt *harness_libvirt_start(const char *dir, char **out_skip)
{
  if (geteuid() != 0) {
    *out_skip = g_strdup("libvirt's system daemon needs root (the tests start their own)");
    return NULL;
  }
  const char *need[] = {"libvirtd", "virtlogd", "unshare", "virsh", NULL};
  for (const char **n = need; *n; n++) {
    g_autofree char *p = g_find_program_in_path(*n);
    if (p == NULL) {
      *out_skip =
          g_strdup_printf("%s is not installed (scripts/install-deps: libvirt-daemon-system, "
                          "libvirt-clients)",
                          *n);
      return NULL;
    }
  }
  HarnessLibvirt *h = g_new0(HarnessLibvirt, 1);
  h->root = g_build_filename(dir, "libvirt", NULL);
  const char *dirs[] = {"etc",      "lib/images", "lib/qemu/nvram", "lib/swtpm",     "run",
                        "log/qemu", "cache",      "swtpm-log",      "swtpm-localca", NULL};
  mkdirs(h->root, dirs);
  g_chmod(h->root, 0755);
  write_file(h->root, "etc/qemu.conf", qemu_conf);
  write_file(h->root, "etc/libvirtd.conf", "unix_sock_rw_perms = \"0700\"\n");
  write_file(h->root, "etc/virtlogd.conf", "");
  write_file(h->root, "start.sh", start_script);
  /* mount points the script makes on the host's filesystem (a booted
   * Debian has them from the packages and tmpfiles): removed at stop */
  static const char *const points[] = {
      "/etc/libvirt",       "/var/lib/libvirt", "/run/libvirt",          "/var/log/libvirt",
      "/var/cache/libvirt", "/var/log/swtpm",   "/var/lib/swtpm-localca"};
  h->made_dirs = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < G_N_ELEMENTS(points); i++)
    if (!g_file_test(points[i], G_FILE_TEST_IS_DIR))
      g_ptr_array_add(h->made_dirs, g_strdup(points[i]));
  g_autofree char *script = g_build_filename(h->root, "start.sh", NULL);
  h->uri = g_strdup_printf("qemu:///system?socket=%s/run/libvirt-sock", h->root);

  const char *argv[] = {"unshare", "-m", "--propagation", "private", "sh", script, h->root, NULL};
  g_autoptr(GError) error = NULL;
  h->daemon = harness_spawn_tied(G_SUBPROCESS_FLAGS_NONE, argv, &error);
  g_assert_no_error(error);
  /* libvirtd has no readiness notice without systemd: try the socket
   * until it answers (about a second here), 30 s at most. */
  const char *version[] = {"virsh", "-q", "-c", h->uri, "version", NULL};
  for (int i = 0; i < 300; i++) {
    if (run_quiet(version, NULL)) {
      /* the QEMUs libvirtd starts name no temp dir of ours: they die, if
       * the test does, with the namespace they run in */
      h->ns = harness_track_namespace(
          (pid_t)g_ascii_strtoll(g_subprocess_get_identifier(h->daemon), NULL, 10));
      return h;
    }
    if (g_subprocess_get_identifier(h->daemon) == NULL)
      break;
    g_usleep(100 * 1000);
  }
  g_error("libvirtd did not answer on %s within 30 s", h->uri);
}

gboolean harness_libvirt_start_sshd(HarnessLibvirt *h, char **out_skip)
{
  if (!g_file_test("/usr/sbin/sshd", G_FILE_TEST_IS_EXECUTABLE)) {
    *out_skip = g_strdup("sshd is not installed (scripts/install-deps: openssh-server)");
    return FALSE;
  }
  g_autofree char *ssh = g_build_filename(h->root, "ssh", NULL);
  g_assert_cmpint(g_mkdir_with_parents(ssh, 0700), ==, 0);
  g_autofree char *host_key = g_build_filename(ssh, "host_key", NULL);
  g_autofree char *user_key = g_build_filename(ssh, "id_ed25519", NULL);
  const char *kg1[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key, NULL};
  const char *kg2[] = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", user_key, NULL};
  g_assert_true(run_quiet(kg1, NULL) && run_quiet(kg2, NULL));
  g_autofree char *pub_path = g_strconcat(user_key, ".pub", NULL);
  g_autofree char *pub = NULL;
  g_assert_true(g_file_get_contents(pub_path, &pub, NULL, NULL));
  write_file(ssh, "authorized_keys", pub);
  /* a free loopback port: bind 0, read it, close (sshd binds it next) */
  g_autoptr(GSocket) s =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(s, any, TRUE, NULL));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, NULL);
  guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_socket_close(s, NULL);
  g_autofree char *config = g_strdup_printf(
      "Port %u\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s/authorized_keys\n"
      "PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication "
      "no\nUsePAM no\nStrictModes no\nPidFile none\n",
      port, host_key, ssh);
  write_file(ssh, "sshd_config", config);
  g_autofree char *config_path = g_build_filename(ssh, "sshd_config", NULL);
  /* sshd needs its privilege-separation dir (systemd's tmpfiles makes it
   * on a booted system); removed again at stop when made here */
  h->made_run_sshd = !g_file_test("/run/sshd", G_FILE_TEST_IS_DIR);
  g_mkdir_with_parents("/run/sshd", 0755);
  const char *argv[] = {"/usr/sbin/sshd", "-D", "-e", "-f", config_path, NULL};
  g_autoptr(GError) error = NULL;
  h->sshd = harness_spawn_tied(G_SUBPROCESS_FLAGS_STDERR_SILENCE, argv, &error);
  g_assert_no_error(error);
  /* ssh takes its options from the environment of whoever runs it:
   * the key, no known_hosts prompt, no agent */
  g_autofree char *ssh_cmd = g_strdup_printf(
      "ssh -i %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes "
      "-o LogLevel=ERROR",
      user_key);
  g_autofree char *wrapper = g_build_filename(ssh, "ssh", NULL);
  g_autofree char *wrapper_text = g_strdup_printf("#!/bin/sh\nexec %s \"$@\"\n", ssh_cmd);
  write_file(ssh, "ssh", wrapper_text);
  g_chmod(wrapper, 0755);
  /* libvirt's ssh transport runs ?command= (ssh with the throwaway key);
   * the far side's socket is not the default one, so ?socket= names it and
   * proxy=netcat makes the far side use nc -U on it (virt-ssh-helper
   * would connect to the default socket) */
  h->ssh_uri = g_strdup_printf("qemu+ssh://root@127.0.0.1:%u/system?socket=%s/run/libvirt-sock&"
                               "command=%s&proxy=netcat",
                               port, h->root, wrapper);
  g_autofree char *port_text = g_strdup_printf("%u", port);
  const char *probe[] = {wrapper, "-p", port_text, "root@127.0.0.1", "true", NULL};
  for (int i = 0; i < 100; i++) {
    if (run_quiet(probe, NULL))
      return TRUE;
    g_usleep(100 * 1000);
  }
  g_error("sshd did not let root in on 127.0.0.1:%u within 10 s", port);
}

void harness_libvirt_stop(HarnessLibvirt *h)
{
  if (h == NULL)
    return;
  const char *list[] = {"list", "--all", "--name", NULL};
  g_autofree char *names = harness_virsh(h, list);
  g_auto(GStrv) lines = g_strsplit(names, "\n", -1);
  for (char **n = lines; *n; n++) {
    if (**n == '\0')
      continue;
    const char *destroy[] = {"virsh", "-q", "-c", h->uri, "destroy", *n, NULL};
    run_quiet(destroy, NULL);
    const char *undefine[] = {"virsh", "-q",      "-c",    h->uri, "undefine",
                              *n,      "--nvram", "--tpm", NULL};
    run_quiet(undefine, NULL);
  }
  if (h->sshd != NULL) {
    g_subprocess_send_signal(h->sshd, SIGTERM);
    g_subprocess_wait(h->sshd, NULL, NULL);
  }
  /* libvirtd ends on SIGTERM; virtlogd (its orphan then) by the config
   * path on its command line */
  g_subprocess_send_signal(h->daemon, SIGTERM);
  g_subprocess_wait(h->daemon, NULL, NULL);
  g_autofree char *vl_conf = g_build_filename(h->root, "etc", "virtlogd.conf", NULL);
  harness_kill_processes_mentioning(vl_conf);
  if (h->ns != NULL) {
    /* a QEMU libvirt left (a domain virsh could not destroy) */
    harness_kill_namespace(h->ns);
    harness_untrack_namespace(h->ns);
    g_free(h->ns);
  }
  if (h->made_run_sshd)
    g_rmdir("/run/sshd");
  /* not while another test's daemon still mounts on them (an rmdir here
   * would detach its mounts) */
  g_autofree char *other = harness_process_mentioning("/libvirt/etc/libvirtd.conf");
  for (guint i = 0; other == NULL && i < h->made_dirs->len; i++)
    g_rmdir(h->made_dirs->pdata[i]);
  g_ptr_array_unref(h->made_dirs);
  g_clear_object(&h->sshd);
  g_clear_object(&h->daemon);
  g_free(h->root);
  g_free(h->uri);
  g_free(h->ssh_uri);
  g_free(h);
}
