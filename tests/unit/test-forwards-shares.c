/* Port forwards and shared folders: hostile specs are refused with the
 * reason, and what is accepted reaches QEMU's argv escaped, never broken. */
#include "caps.h"
#include "config.h"
#include "error.h"
#include "forwards.h"
#include "paths.h"
#include "ports.h"
#include "qemu_cmd.h"
#include "shares.h"

#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

static void expect_forward_refused(const char *spec, const char *bind, const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmForward) f = bvm_forward_parse(spec, bind, &error);
  g_assert_null(f);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  if (strstr(error->message, words) == NULL)
    g_error("'%s': '%s' does not say '%s'", spec, error->message, words);
}

static void test_forward_hostile_ports_refused(void)
{
  expect_forward_refused("tcp:0:80", NULL, "host port '0' must be a number from 1 to 65535");
  expect_forward_refused("tcp:65536:80", NULL, "host port '65536'");
  expect_forward_refused("tcp:8080:0", NULL, "guest port '0'");
  expect_forward_refused("tcp:-1:80", NULL, "host port '-1'");
  expect_forward_refused("tcp:80a:80", NULL, "host port '80a'");
  expect_forward_refused("sctp:8080:80", NULL, "tcp or udp, not 'sctp'");
  expect_forward_refused("8080", NULL, "is not PROTO:HOSTPORT:GUESTPORT");
  expect_forward_refused("tcp:8080:80", "127.0.0.1,hostfwd=tcp::22-:22", "not an IPv4 address");
  expect_forward_refused("tcp:8080:80", "localhost", "not an IPv4 address");
}

static void test_forward_parsed_and_spelled_for_qemu(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmForward) f = bvm_forward_parse("udp:5353:53", NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(f->proto, ==, BVM_FORWARD_UDP);
  g_autofree char *rule = bvm_forward_hostfwd(f);
  g_assert_cmpstr(rule, ==, "udp:127.0.0.1:5353-:53");
  g_autofree char *key = bvm_forward_hostfwd_key(f);
  g_assert_cmpstr(key, ==, "udp:127.0.0.1:5353");
  g_assert_false(bvm_forward_is_public(f));
  g_autoptr(BvmForward) tcp = bvm_forward_parse("8080:80", "0.0.0.0", &error);
  g_assert_no_error(error);
  g_assert_cmpint(tcp->proto, ==, BVM_FORWARD_TCP);
  g_assert_true(bvm_forward_is_public(tcp));
}

static void test_forward_duplicate_refused(void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_forward_free);
  g_ptr_array_add(list, bvm_forward_new(BVM_FORWARD_TCP, 8080, 80, NULL));
  g_autoptr(BvmForward) same = bvm_forward_new(BVM_FORWARD_TCP, 8080, 81, NULL);
  g_autoptr(GError) error = NULL;
  g_assert_false(bvm_forward_check(list, same, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS);
  g_assert_nonnull(strstr(error->message, "host port 8080 (tcp) is already forwarded"));
  /* the same port number over the other protocol is another socket */
  g_autoptr(BvmForward) udp = bvm_forward_new(BVM_FORWARD_UDP, 8080, 80, NULL);
  g_assert_true(bvm_forward_check(list, udp, NULL));
}

static void test_config_with_duplicate_forwards_refused(void)
{
  const char *data =
      "{\"schemaVersion\":1,\"id\":\"0b0a4d4e-3c2f-4a43-9a1e-2d6a1f0b9c11\",\"name\":\"v\","
      "\"os\":\"linux\",\"arch\":\"x86_64\",\"cpus\":1,\"memoryMiB\":512,\"diskGiB\":1,"
      "\"forwards\":[{\"proto\":\"tcp\",\"hostPort\":80,\"guestPort\":80},"
      "{\"proto\":\"tcp\",\"hostPort\":80,\"guestPort\":81}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data(data, -1, &error);
  g_assert_null(c);
  g_assert_nonnull(strstr(error->message, "forwards[1]"));
  const char *bad_port =
      "{\"schemaVersion\":1,\"id\":\"0b0a4d4e-3c2f-4a43-9a1e-2d6a1f0b9c11\",\"name\":\"v\","
      "\"os\":\"linux\",\"arch\":\"x86_64\",\"cpus\":1,\"memoryMiB\":512,\"diskGiB\":1,"
      "\"forwards\":[{\"proto\":\"tcp\",\"hostPort\":65536,\"guestPort\":80}]}";
  g_clear_error(&error);
  g_autoptr(BvmConfig) c2 = bvm_config_from_data(bad_port, -1, &error);
  g_assert_null(c2);
  g_assert_nonnull(strstr(error->message, "'hostPort' is 65536, outside 1..65535"));
}

static void test_share_spec_parsed(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmShare) a = bvm_share_parse("/srv/my data", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(a->path, ==, "/srv/my data");
  g_assert_cmpstr(a->tag, ==, "my_data");
  g_assert_false(a->read_only);
  g_autoptr(BvmShare) b = bvm_share_parse("/srv/x:code:ro", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(b->path, ==, "/srv/x");
  g_assert_cmpstr(b->tag, ==, "code");
  g_assert_true(b->read_only);
  /* a colon inside the path (followed by a '/') stays in the path */
  g_autoptr(BvmShare) c = bvm_share_parse("/a:b/c:ro", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(c->path, ==, "/a:b/c");
  g_assert_cmpstr(c->tag, ==, "c");
  g_autofree char *mount = bvm_share_mount_command(b, FALSE);
  g_assert_cmpstr(mount, ==,
                  "mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro code /mnt/code");
  g_autofree char *unc = bvm_share_mount_command(b, TRUE);
  g_assert_cmpstr(unc, ==, "net use Z: \\\\10.0.2.4\\qemu");
}

static void test_share_hostile_tags_refused(void)
{
  const char *specs[] = {"/srv:my tag", "/srv:a,b", "/srv:0123456789012345678901234567890x",
                         "/srv:tag=x", ":tag"};
  for (guint i = 0; i < G_N_ELEMENTS(specs); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BvmShare) s = bvm_share_parse(specs[i], &error);
    if (s != NULL)
      g_error("'%s' was accepted", specs[i]);
    g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  }
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_share_free);
  g_ptr_array_add(list, bvm_share_new("/a", "t", FALSE));
  g_autoptr(BvmShare) dup = bvm_share_new("/b", "t", FALSE);
  g_autoptr(GError) error = NULL;
  g_assert_false(bvm_share_check(list, dup, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS);
}

static BvmCommand *build(BvmOs os, const char *share_path, gboolean ro, const char *smbd)
{
  g_autofree char *caps_path = g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "golden",
                                                "caps", "linux-x86_64-tcg.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_load_file(caps_path, &error);
  g_assert_no_error(error);
  g_autoptr(BvmConfig) c = bvm_config_new();
  c->id = g_strdup("0b0a4d4e-3c2f-4a43-9a1e-2d6a1f0b9c11");
  c->name = g_strdup("v");
  c->os = os;
  c->firmware.code = g_strdup("/fw/CODE.fd");
  c->firmware.vars_template = g_strdup("/fw/VARS.fd");
  c->shares = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_share_free);
  g_ptr_array_add(c->shares, bvm_share_new(share_path, "t", ro));
  c->forwards = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_forward_free);
  g_ptr_array_add(c->forwards, bvm_forward_new(BVM_FORWARD_TCP, 8080, 80, NULL));
  g_autoptr(BvmPaths) paths = bvm_paths_new("/b/v.bridgevm", c->id);
  BvmCmdOptions opts = {.display = BVM_DISPLAY_NONE, .smbd = smbd};
  BvmCommand *cmd = bvm_qemu_cmd_build(c, caps, paths, &opts, &error);
  g_assert_no_error(error);
  return cmd;
}

static const char *arg_after(BvmCommand *cmd, const char *flag, const char *prefix)
{
  for (guint i = 0; i + 2 < cmd->argv->len; i++)
    if (strcmp(cmd->argv->pdata[i], flag) == 0 && g_str_has_prefix(cmd->argv->pdata[i + 1], prefix))
      return cmd->argv->pdata[i + 1];
  return NULL;
}

static void test_share_path_with_commas_stays_one_option(void)
{
  g_autoptr(BvmCommand) cmd =
      build(BVM_OS_LINUX, "/srv/a,file=/etc/passwd,readonly=off", TRUE, NULL);
  g_assert_cmpstr(arg_after(cmd, "-fsdev", "local"), ==,
                  "local,id=fs0,path=/srv/a,,file=/etc/passwd,,readonly=off,security_model=none,"
                  "readonly=on");
  g_assert_cmpstr(arg_after(cmd, "-device", "virtio-9p-pci"), ==,
                  "virtio-9p-pci,id=fs0dev,fsdev=fs0,mount_tag=t");
  g_assert_cmpstr(arg_after(cmd, "-netdev", "user"), ==,
                  "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80");
}

static void test_windows_share_is_smb_or_dropped(void)
{
  g_autoptr(BvmCommand) smb = build(BVM_OS_WINDOWS11, "/srv/w,smb=/etc", FALSE, "/usr/sbin/smbd");
  g_assert_cmpstr(arg_after(smb, "-netdev", "user"), ==,
                  "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,smb=/srv/w,,smb=/etc");
  g_assert_null(arg_after(smb, "-fsdev", ""));
  g_autoptr(BvmCommand) none = build(BVM_OS_WINDOWS11, "/srv/w", FALSE, NULL);
  g_assert_cmpstr(arg_after(none, "-netdev", "user"), ==,
                  "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80");
  gboolean said = FALSE;
  for (guint i = 0; i < none->dropped->len; i++) {
    const BvmCmdDropped *d = none->dropped->pdata[i];
    said |= strstr(d->why, "install samba") != NULL;
  }
  g_assert_true(said);
}

/* A port this process listens on is refused, naming this process. */
static void test_port_in_use_names_its_owner(void)
{
  g_autoptr(GSocket) s =
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  g_assert_true(g_socket_bind(s, any, FALSE, NULL));
  g_assert_true(g_socket_listen(s, NULL));
  g_autoptr(GSocketAddress) got = g_socket_get_local_address(s, NULL);
  guint port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(got));
  g_autoptr(GError) error = NULL;
  g_assert_false(bvm_ports_check_free(BVM_FORWARD_TCP, "127.0.0.1", port, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_BUSY);
  /* Linux tells: the owner is this test, by its name and pid */
  g_autofree char *owner = g_strdup_printf("(pid %d)", (int)getpid());
  if (g_file_test("/proc/net/tcp", G_FILE_TEST_EXISTS) && strstr(error->message, owner) == NULL)
    g_error("'%s' does not name this process %s", error->message, owner);
  /* on 0.0.0.0 too: the wildcard overlaps the loopback listener */
  g_clear_error(&error);
  g_assert_false(bvm_ports_check_free(BVM_FORWARD_TCP, "0.0.0.0", port, &error));
  g_socket_close(s, NULL);
  g_assert_true(bvm_ports_check_free(BVM_FORWARD_TCP, "127.0.0.1", port, NULL));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/forwards/hostile-ports-refused", test_forward_hostile_ports_refused);
  g_test_add_func("/forwards/parsed-and-spelled-for-qemu",
                  test_forward_parsed_and_spelled_for_qemu);
  g_test_add_func("/forwards/duplicate-refused", test_forward_duplicate_refused);
  g_test_add_func("/forwards/config-with-duplicates-refused",
                  test_config_with_duplicate_forwards_refused);
  g_test_add_func("/shares/spec-parsed", test_share_spec_parsed);
  g_test_add_func("/shares/hostile-tags-refused", test_share_hostile_tags_refused);
  g_test_add_func("/shares/path-with-commas-stays-one-option",
                  test_share_path_with_commas_stays_one_option);
  g_test_add_func("/shares/windows-smb-or-dropped", test_windows_share_is_smb_or_dropped);
  g_test_add_func("/ports/in-use-names-its-owner", test_port_in_use_names_its_owner);
  return g_test_run();
}
