/* export and push against a real libvirtd the test starts (libvirt-harness.h),
 * without booting a guest: libvirt 9.0 defines every export; a push leaves
 * a domain and its volumes; every failure (unreachable URI, a name taken,
 * a pool without space, a push killed half-way) says so and leaves nothing
 * on either side. */
#include "cli-harness.h"
#include "libvirt-harness.h"

#include <string.h>

static char *root;
static char *library;
static char *iso;
static HarnessLibvirt *lv;

static void create_vm(const char *name)
{
  const char *create[] = {"create",   name, "--iso",  iso,  "--preset",         "light",
                          "--memory", "1G", "--disk", "2G", "--no-secure-boot", NULL};
  harness_run_ok(library, create);
}

static char *domains(void)
{
  const char *list[] = {"list", "--all", "--name", NULL};
  char *out = harness_virsh(lv, list);
  return g_strstrip(out);
}

static char *volumes(const char *pool)
{
  const char *refresh[] = {"pool-refresh", pool, NULL};
  g_free(harness_virsh(lv, refresh));
  const char *list[] = {"vol-list", pool, NULL};
  char *out = harness_virsh(lv, list);
  return g_strstrip(out);
}

/* The domain and volume listings are what they were: nothing left. */
static void assert_nothing_left(const char *doms_before, const char *vols_before)
{
  g_autofree char *d = domains();
  g_autofree char *v = volumes("default");
  g_assert_cmpstr(d, ==, doms_before);
  g_assert_cmpstr(v, ==, vols_before);
}

static void test_export_defines(void)
{
  create_vm("exported");
  g_autofree char *out = g_build_filename(root, "exported.xml", NULL);
  const char *export[] = {"export", "exported", "--libvirt", "--out", out, NULL};
  harness_run_ok(library, export);
  const char *validate[] = {"virt-xml-validate", out, "domain", NULL};
  g_autoptr(GSubprocess) p = g_subprocess_newv(validate, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, NULL);
  g_assert_true(g_subprocess_wait_check(p, NULL, NULL));
  /* libvirt 9.0's QEMU driver takes it, not only the schema */
  const char *define[] = {"define", out, NULL};
  g_free(harness_virsh(lv, define));
  g_autofree char *d = domains();
  g_assert_cmpstr(d, ==, "exported");
  const char *undefine[] = {"undefine", "exported", "--nvram", NULL};
  g_free(harness_virsh(lv, undefine));
}

static void test_push_defines_and_uploads(void)
{
  create_vm("pushed");
  const char *push[] = {"push", "pushed", lv->uri, "--json", NULL};
  g_autoptr(JsonNode) n = harness_run_json(library, push);
  JsonObject *o = json_node_get_object(n);
  g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "pushed");
  g_assert_false(json_object_get_boolean_member(o, "started"));
  /* sparse: no more sent than the image holds */
  g_assert_cmpint(json_object_get_int_member(o, "diskSent"), <=,
                  json_object_get_int_member(o, "diskSize"));
  g_autofree char *d = domains();
  assert_contains(d, "pushed");
  g_autofree char *v = volumes("default");
  assert_contains(v, "pushed.qcow2");
  assert_contains(v, "pushed_VARS.fd");
  const char *dumpxml[] = {"dumpxml", "pushed", NULL};
  g_autofree char *xml = harness_virsh(lv, dumpxml);
  assert_contains(xml, "/var/lib/libvirt/images/pushed.qcow2");
  assert_contains(xml, "/var/lib/libvirt/images/pushed_VARS.fd");
  /* the uploaded image is the bundle's, byte for byte */
  g_autofree char *bundle_disk = g_build_filename(library, "pushed.bridgevm", "disk.qcow2", NULL);
  g_autofree char *vol_disk = harness_libvirt_host_path(lv, "/var/lib/libvirt/images/pushed.qcow2");
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  g_assert_true(g_file_get_contents(bundle_disk, &a, &la, NULL));
  g_assert_true(g_file_get_contents(vol_disk, &b, &lb, NULL));
  g_assert_cmpuint(la, ==, lb);
  g_assert_true(memcmp(a, b, la) == 0);
}

static void push_fails(const char *const *args, int status, const char *message,
                       const char *const *env)
{
  g_autofree char *d0 = domains();
  g_autofree char *v0 = volumes("default");
  g_auto(BvmRun) r = {0};
  harness_run_in(&r, NULL, env, library, args);
  g_test_message("push: exit %d: %s", r.status, r.err);
  g_assert_cmpint(r.status, ==, status);
  assert_contains(r.err, message);
  assert_nothing_left(d0, v0);
}

static void test_push_failures_leave_nothing(void)
{
  create_vm("failing");
  /* an unreachable URI */
  g_autofree char *nowhere = g_strdup_printf("qemu:///system?socket=%s/no-such-libvirt-sock", root);
  const char *unreachable[] = {"push", "failing", nowhere, NULL};
  push_fails(unreachable, 3, "cannot reach libvirt at", NULL);

  /* a name that exists there (the pushed VM of the test before) */
  const char *taken[] = {"push", "failing", lv->uri, "--name", "pushed", NULL};
  push_fails(taken, 4, "a domain named 'pushed' already exists", NULL);

  /* a pool without space: a 1 MiB tmpfs */
  const char *pool[] = {"pool-create-as",         "small", "dir", "--target",
                        "/var/lib/libvirt/small", NULL};
  g_free(harness_virsh(lv, pool));
  /* make the disk hold more than 1 MiB */
  g_autofree char *disk = g_build_filename(library, "failing.bridgevm", "disk.qcow2", NULL);
  const char *fill[] = {"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 4M", disk, NULL};
  g_autoptr(GSubprocess) q = g_subprocess_newv(fill, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, NULL);
  g_assert_true(g_subprocess_wait_check(q, NULL, NULL));
  const char *small[] = {"push", "failing", lv->uri, "--pool", "small", NULL};
  push_fails(small, 1, "the storage pool 'small' on", NULL);
  const char *small_vols[] = {"vol-list", "small", NULL};
  g_autofree char *sv = harness_virsh(lv, small_vols);
  g_assert_cmpstr(g_strstrip(sv), ==, "");

  /* killed half-way by a user's kill (SIGTERM): undone at once */
  g_auto(GStrv) env_term =
      g_environ_setenv(g_get_environ(), "BRIDGEVM_FAULT", "push-upload-term", TRUE);
  const char *push[] = {"push", "failing", lv->uri, NULL};
  push_fails(push, 1, "interrupted (signal 15): undone", (const char *const *)env_term);

  /* killed by SIGKILL: the marker volume tells the next push what to undo */
  g_autofree char *d0 = domains();
  g_autofree char *v0 = volumes("default");
  g_auto(GStrv) env_kill =
      g_environ_setenv(g_get_environ(), "BRIDGEVM_FAULT", "push-upload-kill", TRUE);
  g_auto(BvmRun) killed = {0};
  harness_run_in(&killed, NULL, (const char *const *)env_kill, library, push);
  g_assert_cmpint(killed.status, ==, 128 + 9);
  g_autofree char *left = volumes("default");
  assert_contains(left, "failing.bvm-push-partial");
  const char *again[] = {"push", "failing", lv->uri, NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, again);
  g_assert_cmpint(r.status, ==, 0);
  assert_contains(r.err, "was killed half-way: removed the volumes it left");
  g_autofree char *after = volumes("default");
  g_assert_null(strstr(after, "bvm-push-partial"));
  assert_contains(after, "failing.qcow2");
  (void)d0;
  (void)v0;
}

/* The pushed domain back as a bundle: the same settings, the same disk. */
static void test_import_maps_back(void)
{
  const char *import[] = {"import", lv->uri, "pushed", "--name", "imported", "--json", NULL};
  g_autoptr(JsonNode) n = harness_run_json(library, import);
  JsonObject *o = json_node_get_object(n);
  g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "imported");
  const char *show[] = {"show", "imported", "--json", NULL};
  g_autoptr(JsonNode) shown = harness_run_json(library, show);
  JsonObject *vm = json_node_get_object(shown);
  g_assert_cmpint(json_object_get_int_member(vm, "memoryMiB"), ==, 1024);
  g_assert_cmpint(json_object_get_int_member(vm, "diskGiB"), ==, 2);
  g_assert_cmpstr(json_object_get_string_member(vm, "os"), ==, "linux");
  g_assert_cmpstr(json_object_get_string_member(vm, "preset"), ==, "light");
  JsonObject *fw = json_object_get_object_member(vm, "firmware");
  g_assert_false(json_object_get_boolean_member(fw, "secureBoot"));
  /* the disk is the pushed one, byte for byte */
  g_autofree char *mine = g_build_filename(library, "pushed.bridgevm", "disk.qcow2", NULL);
  g_autofree char *back = g_build_filename(library, "imported.bridgevm", "disk.qcow2", NULL);
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  g_assert_true(g_file_get_contents(mine, &a, &la, NULL));
  g_assert_true(g_file_get_contents(back, &b, &lb, NULL));
  g_assert_cmpuint(la, ==, lb);
  g_assert_true(memcmp(a, b, la) == 0);
  /* the UUID was this library's already: a new one, said so */
  g_autofree char *text = json_to_string(n, FALSE);
  assert_contains(text, "gets a new one");
  g_assert_cmpstr(json_object_get_string_member(vm, "id"), !=, "");
}

static void import_fails(const char *const *args, int status, const char *message)
{
  g_autofree char *before = harness_list_dir(library);
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, args);
  g_test_message("import: exit %d: %s", r.status, r.err);
  g_assert_cmpint(r.status, ==, status);
  assert_contains(r.err, message);
  g_autofree char *after = harness_list_dir(library);
  g_assert_cmpstr(after, ==, before);
}

static void test_import_refuses(void)
{
  const char *nothing[] = {"import", lv->uri, "no-such-domain", NULL};
  import_fails(nothing, 3, "no domain 'no-such-domain' on");
  const char *taken[] = {"import", lv->uri, "pushed", "--name", "imported", NULL};
  import_fails(taken, 4, "a VM named 'imported' already exists");
  /* a second disk has no BridgeVM equivalent */
  const char *dumpxml[] = {"dumpxml", "pushed", "--inactive", NULL};
  g_autofree char *xml = harness_virsh(lv, dumpxml);
  g_autoptr(GString) two = g_string_new(xml);
  g_string_replace(two, "<name>pushed</name>", "<name>two-disks</name>", 1);
  g_autoptr(GRegex) uuid = g_regex_new("<uuid>[^<]*</uuid>", 0, 0, NULL);
  g_autofree char *no_uuid = g_regex_replace_literal(uuid, two->str, -1, 0, "", 0, NULL);
  g_autoptr(GString) x = g_string_new(no_uuid);
  g_string_replace(x, "<devices>",
                   "<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                   "<source file='/var/lib/libvirt/images/extra.img'/><target dev='vdb' "
                   "bus='virtio'/></disk>",
                   1);
  g_autoptr(GRegex) nvram = g_regex_new("<nvram[^>]*>[^<]*</nvram>", 0, 0, NULL);
  g_autofree char *final = g_regex_replace_literal(nvram, x->str, -1, 0, "", 0, NULL);
  g_autofree char *path = g_build_filename(root, "two-disks.xml", NULL);
  g_assert_true(g_file_set_contents(path, final, -1, NULL));
  const char *define[] = {"define", path, NULL};
  g_free(harness_virsh(lv, define));
  const char *two_disks[] = {"import", lv->uri, "two-disks", NULL};
  import_fails(two_disks, 1, "domain 'two-disks' has 2 disks (a BridgeVM VM has one)");
  const char *undefine[] = {"undefine", "two-disks", NULL};
  g_free(harness_virsh(lv, undefine));
}

/* Remotes: stored without secrets, listed beside the local VMs, acted on
 * as VM@REMOTE (kill/start on a defined domain need no guest: start is
 * checked by the boot test). */
static void test_remotes(void)
{
  const char *add[] = {"remote", "add", "lab", lv->uri, NULL};
  harness_run_ok(library, add);
  const char *dup[] = {"remote", "add", "lab", lv->uri, NULL};
  g_auto(BvmRun) r1 = {0};
  harness_run(&r1, library, dup);
  g_assert_cmpint(r1.status, ==, 4);
  const char *secret[] = {"remote", "add", "pw", "qemu+ssh://root:hunter2@host/system", NULL};
  g_auto(BvmRun) r2 = {0};
  harness_run(&r2, library, secret);
  g_assert_cmpint(r2.status, ==, 1);
  assert_contains(r2.err, "BridgeVM stores no secrets");
  g_autofree char *nowhere = g_strdup_printf("qemu:///system?socket=%s/nothing-here", root);
  const char *dead[] = {"remote", "add", "gone", nowhere, NULL};
  harness_run_ok(library, dead);
  const char *rlist[] = {"remote", "list", "--json", NULL};
  g_autoptr(JsonNode) rl = harness_run_json(library, rlist);
  g_assert_cmpuint(json_array_get_length(json_node_get_array(rl)), ==, 2);

  const char *all[] = {"list", "--all", "--json", NULL};
  g_autoptr(JsonNode) n = harness_run_json(library, all);
  JsonObject *o = json_node_get_object(n);
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "vms")), >, 0);
  JsonArray *remotes = json_object_get_array_member(o, "remotes");
  JsonObject *lab = json_array_get_object_element(remotes, 0);
  g_assert_cmpstr(json_object_get_string_member(lab, "name"), ==, "lab");
  JsonArray *doms = json_object_get_array_member(lab, "domains");
  gboolean found = FALSE;
  for (guint i = 0; i < json_array_get_length(doms); i++) {
    JsonObject *d = json_array_get_object_element(doms, i);
    if (g_strcmp0(json_object_get_string_member(d, "name"), "pushed") == 0) {
      found = TRUE;
      g_assert_cmpstr(json_object_get_string_member(d, "state"), ==, "stopped");
      g_assert_cmpint(json_object_get_int_member(d, "memoryMiB"), ==, 1024);
      g_assert_cmpint(json_object_get_int_member(d, "cpus"), >, 0);
    }
  }
  g_assert_true(found);
  /* an unreachable remote is a line of its own, not a failure */
  JsonObject *gone = json_array_get_object_element(remotes, 1);
  assert_contains(json_object_get_string_member(gone, "error"), "cannot reach libvirt");
  const char *text[] = {"list", "--all", NULL};
  g_auto(BvmRun) t = {0};
  harness_run(&t, library, text);
  g_assert_cmpint(t.status, ==, 0);
  assert_contains(t.out, "pushed@lab");
  assert_contains(t.out, "@gone");

  /* VM@REMOTE: kill on a stopped domain is libvirt's refusal, said */
  const char *kill[] = {"kill", "pushed@lab", NULL};
  g_auto(BvmRun) k = {0};
  harness_run(&k, library, kill);
  g_assert_cmpint(k.status, ==, 1);
  assert_contains(k.err, "cannot end domain 'pushed' at");
  const char *nodom[] = {"start", "nothing@lab", NULL};
  g_auto(BvmRun) s2 = {0};
  harness_run(&s2, library, nodom);
  g_assert_cmpint(s2.status, ==, 3);
  assert_contains(s2.err, "no domain 'nothing' at");

  /* a remote's name stands for its URI in push and import */
  const char *by_name[] = {"import", "lab", "pushed", "--name", "via-remote", NULL};
  harness_run_ok(library, by_name);
  const char *unknown[] = {"push", "pushed", "nowhere", NULL};
  g_auto(BvmRun) u = {0};
  harness_run(&u, library, unknown);
  g_assert_cmpint(u.status, ==, 3);
  assert_contains(u.err, "'nowhere' is neither a libvirt URI nor a remote");

  const char *rm[] = {"remote", "remove", "gone", NULL};
  harness_run_ok(library, rm);
  g_autofree char *path = g_build_filename(library, "remotes.json", NULL);
  g_autofree char *stored = NULL;
  g_assert_true(g_file_get_contents(path, &stored, NULL, NULL));
  g_assert_null(strstr(stored, "gone"));
  assert_contains(stored, "\"lab\"");
}

/* qemu+ssh:// against an sshd of the test's own on a loopback port */
static void test_push_over_ssh(void)
{
  g_autofree char *skip = NULL;
  if (!harness_libvirt_start_sshd(lv, &skip)) {
    g_test_skip(skip);
    return;
  }
  create_vm("over-ssh");
  const char *push[] = {"push", "over-ssh", lv->ssh_uri, "--json", NULL};
  g_autoptr(JsonNode) n = harness_run_json(library, push);
  g_assert_cmpstr(json_object_get_string_member(json_node_get_object(n), "name"), ==, "over-ssh");
  g_autofree char *d = domains();
  assert_contains(d, "over-ssh");
  g_autofree char *v = volumes("default");
  assert_contains(v, "over-ssh.qcow2");
}

static void teardown(void)
{
  harness_libvirt_stop(g_steal_pointer(&lv));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-libvirt-push-XXXXXX");
  library = g_build_filename(root, "VMs", NULL);
  g_free(harness_env_dir(root, "XDG_RUNTIME_DIR", "run"));
  g_free(harness_env_dir(root, "XDG_DATA_HOME", "data"));
  iso = harness_make_iso(root, "installer.iso");
  g_autofree char *skip = NULL;
  lv = harness_libvirt_start(root, &skip);
  if (lv == NULL) {
    g_test_skip(skip);
    harness_cleanup(root);
    return 77;
  }
  g_test_add_func("/libvirt/export-defines", test_export_defines);
  g_test_add_func("/libvirt/push-defines-and-uploads", test_push_defines_and_uploads);
  g_test_add_func("/libvirt/push-failures-leave-nothing", test_push_failures_leave_nothing);
  g_test_add_func("/libvirt/import-maps-back", test_import_maps_back);
  g_test_add_func("/libvirt/import-refuses", test_import_refuses);
  g_test_add_func("/libvirt/remotes", test_remotes);
  g_test_add_func("/libvirt/push-over-ssh", test_push_over_ssh);
  harness_add_final_check(root, teardown);
  int status = g_test_run();
  harness_cleanup(root);
  return status;
}
