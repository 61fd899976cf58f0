/* Properties of the command builder that hold for every input, beside the
 * golden files: hostile strings are escaped, optimizations are gated on
 * the host, devices follow the machine. */
#include "caps.h"
#include "config.h"
#include "error.h"
#include "paths.h"
#include "qemu_cmd.h"

static BvmHostCaps *load_caps(const char *name)
{
  g_autofree char *file = g_strdup_printf("%s.json", name);
  g_autofree char *path =
      g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "golden", "caps", file, NULL);
  g_autoptr(GError) error = NULL;
  BvmHostCaps *caps = bvm_host_caps_load_file(path, &error);
  g_assert_no_error(error);
  return caps;
}

static BvmConfig *make_config(const char *name, const char *iso)
{
  BvmConfig *c = bvm_config_new();
  c->id = g_strdup("0b0a4d4e-3c2f-4a43-9a1e-2d6a1f0b9c11");
  c->name = g_strdup(name);
  c->iso_path = g_strdup(iso);
  c->firmware.code = g_strdup("/fw/CODE.fd");
  c->firmware.vars_template = g_strdup("/fw/VARS.fd");
  return c;
}

static BvmCommand *build(BvmConfig *c, BvmHostCaps *caps, const char *bundle, BvmDisplayMode d)
{
  g_autoptr(BvmPaths) paths = bvm_paths_new(bundle, c->id);
  BvmCmdOptions opts = {.display = d};
  g_autoptr(GError) error = NULL;
  BvmCommand *cmd = bvm_qemu_cmd_build(c, caps, paths, &opts, &error);
  g_assert_no_error(error);
  return cmd;
}

static gboolean argv_has(BvmCommand *cmd, const char *needle)
{
  for (guint i = 0; i + 1 < cmd->argv->len; i++)
    if (strstr(cmd->argv->pdata[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

/* In every option value, each run of commas coming from user data has even
 * length: an odd run would split the option. */
static void assert_no_lone_commas_in(BvmCommand *cmd, const char *user)
{
  g_auto(GStrv) parts = g_strsplit(user, ",", -1);
  g_autofree char *doubled = g_strjoinv(",,", parts);
  gboolean seen = FALSE;
  for (guint i = 0; i + 1 < cmd->argv->len; i++) {
    const char *arg = cmd->argv->pdata[i];
    if (strstr(arg, doubled) != NULL)
      seen = TRUE;
    /* the raw (unescaped) form must never appear followed by more options */
    const char *raw = strstr(arg, user);
    if (raw != NULL && strstr(arg, doubled) == NULL)
      g_error("'%s' reaches QEMU unescaped in '%s'", user, arg);
  }
  g_assert_true(seen);
}

static void test_hostile_strings_are_escaped(void)
{
  g_autoptr(BvmHostCaps) caps = load_caps("linux-x86_64-tcg");
  const char *name = "evil,file=/etc/shadow,if=pflash";
  const char *iso = "/isos/x,driver=raw,file=/dev/sda.iso";
  g_autoptr(BvmConfig) c = make_config(name, iso);
  g_autoptr(BvmCommand) cmd = build(c, caps, "/vms/a,b.bridgevm", BVM_DISPLAY_VNC);
  assert_no_lone_commas_in(cmd, name);
  assert_no_lone_commas_in(cmd, iso);
  /* the bundle path has a comma: its sockets moved to a comma-free run dir */
  g_assert_true(argv_has(cmd, "/vms/a,,b.bridgevm/disk.qcow2"));
  g_assert_false(argv_has(cmd, "/vms/a,b.bridgevm/run"));
}

static void test_l2_cache_rule(void)
{
  g_autoptr(BvmHostCaps) linux_caps = load_caps("linux-x86_64-kvm");
  g_autoptr(BvmHostCaps) mac = load_caps("macos-arm64-hvf");
  g_autoptr(BvmConfig) c = make_config("disk", NULL);
  c->disk_gib = 256; /* needs exactly 32 MiB: Linux's default covers it */
  g_autoptr(BvmCommand) a = build(c, linux_caps, "/vms/d.bridgevm", BVM_DISPLAY_NONE);
  g_assert_false(argv_has(a, "l2-cache-size"));
  c->disk_gib = 512;
  g_autoptr(BvmCommand) b = build(c, linux_caps, "/vms/d.bridgevm", BVM_DISPLAY_NONE);
  g_assert_true(argv_has(b, "l2-cache-size=64M"));
  c->arch = BVM_ARCH_AARCH64;
  c->disk_gib = 64; /* 8 MiB: macOS's default covers it */
  g_autoptr(BvmCommand) m1 = build(c, mac, "/vms/d.bridgevm", BVM_DISPLAY_NONE);
  g_assert_false(argv_has(m1, "l2-cache-size"));
  c->disk_gib = 128;
  g_autoptr(BvmCommand) m2 = build(c, mac, "/vms/d.bridgevm", BVM_DISPLAY_NONE);
  g_assert_true(argv_has(m2, "l2-cache-size=16M"));
}

static void test_accelerator_and_devices_follow_the_host(void)
{
  g_autoptr(BvmHostCaps) tcg = load_caps("linux-x86_64-tcg");
  g_autoptr(BvmHostCaps) kvm = load_caps("linux-x86_64-kvm");
  g_autoptr(BvmConfig) c = make_config("w", "/w.iso");
  c->os = BVM_OS_WINDOWS11;
  c->firmware.requires_smm = TRUE;
  g_autoptr(BvmCommand) k = build(c, kvm, "/vms/w.bridgevm", BVM_DISPLAY_VNC);
  g_assert_cmpstr(k->accel, ==, "kvm");
  g_assert_true(argv_has(k, "hv_relaxed"));
  g_assert_true(argv_has(k, "smm=on"));
  g_assert_true(argv_has(k, "driver=cfi.pflash01,property=secure,value=on"));
  g_assert_true(argv_has(k, "tpm-crb"));
  g_assert_true(argv_has(k, "blob=on"));
  g_autoptr(BvmCommand) t = build(c, tcg, "/vms/w.bridgevm", BVM_DISPLAY_VNC);
  g_assert_cmpstr(t->accel, ==, "tcg");
  g_assert_false(argv_has(t, "hv_relaxed"));
  g_assert_false(argv_has(t, "blob=on"));
  gboolean blob_dropped = FALSE;
  for (guint i = 0; i < t->dropped->len; i++)
    blob_dropped |= strstr(((BvmCmdDropped *)t->dropped->pdata[i])->why, "udmabuf") != NULL;
  g_assert_true(blob_dropped);
  c->arch = BVM_ARCH_AARCH64;
  c->firmware.requires_smm = FALSE;
  g_autoptr(BvmCommand) a = build(c, tcg, "/vms/w.bridgevm", BVM_DISPLAY_VNC);
  g_assert_true(argv_has(a, "tpm-tis-device"));
  g_assert_true(argv_has(a, "usb-storage"));
  g_assert_true(argv_has(a, "gic-version=3"));
  g_assert_false(argv_has(a, "tpm-crb"));
  /* VNC only ever on a unix socket */
  g_assert_true(argv_has(a, "unix:"));
  for (guint i = 0; i + 1 < a->argv->len; i++)
    g_assert_null(strstr(a->argv->pdata[i], "127.0.0.1"));
}

/* A host whose /dev/kvm cannot run a vCPU (seen on nested hosts: QEMU
 * aborts setting an MSR) gets TCG, with the reason; the record keeps it. */
static void test_broken_kvm_falls_back_to_tcg(void)
{
  g_autoptr(BvmHostCaps) kvm = load_caps("linux-x86_64-kvm");
  BvmQemuCaps *q = kvm->qemu[BVM_ARCH_X86_64];
  g_assert_true(bvm_host_caps_kvm_usable(kvm, q));
  q->kvm_checked = TRUE;
  q->kvm_error = g_strdup("failed to set MSR 0x10a to 0x69");
  g_assert_false(bvm_host_caps_kvm_usable(kvm, q));
  g_autoptr(BvmConfig) c = make_config("l", "/l.iso");
  g_autoptr(BvmCommand) t = build(c, kvm, "/vms/l.bridgevm", BVM_DISPLAY_NONE);
  g_assert_cmpstr(t->accel, ==, "tcg");
  g_assert_false(argv_has(t, "kvm"));
  gboolean said = FALSE;
  for (guint i = 0; i < t->dropped->len; i++)
    said |= strstr(((BvmCmdDropped *)t->dropped->pdata[i])->why, "MSR 0x10a") != NULL;
  g_assert_true(said);

  g_autoptr(JsonNode) json = bvm_host_caps_to_json(kvm);
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) back = bvm_host_caps_from_json(json, &error);
  g_assert_no_error(error);
  g_assert_true(back->qemu[BVM_ARCH_X86_64]->kvm_checked);
  g_assert_cmpstr(back->qemu[BVM_ARCH_X86_64]->kvm_error, ==, q->kvm_error);
}

static gboolean dropped_says(BvmCommand *cmd, const char *what, const char *part)
{
  for (guint i = 0; i < cmd->dropped->len; i++) {
    BvmCmdDropped *d = cmd->dropped->pdata[i];
    if (g_str_equal(d->what, what) && strstr(d->why, part) != NULL)
      return TRUE;
  }
  return FALSE;
}

/* The VM's accel (or BRIDGEVM_ACCEL's override) is used as asked, says why,
 * and one this host does not have is refused with what to do. */
static void test_per_vm_accelerator(void)
{
  g_autoptr(BvmHostCaps) kvm = load_caps("linux-x86_64-kvm");
  g_autoptr(BvmHostCaps) none = load_caps("linux-x86_64-tcg");
  g_autoptr(BvmConfig) c = make_config("a, b", "/a.iso");
  g_autoptr(BvmPaths) paths = bvm_paths_new("/vms/a.bridgevm", c->id);

  c->accel = BVM_ACCEL_TCG;
  g_autoptr(BvmCommand) t = build(c, kvm, "/vms/a.bridgevm", BVM_DISPLAY_NONE);
  g_assert_cmpstr(t->accel, ==, "tcg");
  g_assert_true(dropped_says(t, "hardware acceleration", "the VM's settings ask for TCG"));

  /* the override wins over the VM's word */
  BvmCmdOptions env = {.display = BVM_DISPLAY_NONE, .accel_override = TRUE, .accel = BVM_ACCEL_KVM};
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmCommand) k = bvm_qemu_cmd_build(c, kvm, paths, &env, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(k->accel, ==, "kvm");
  g_assert_true(argv_has(k, "kvm"));

  /* asked for, KVM is used even where the probe saw it fail, and says so */
  kvm->qemu[BVM_ARCH_X86_64]->kvm_error = g_strdup(
      "KVM is present but cannot run UEFI firmware on this host: QEMU stopped the vCPU with "
      "\"KVM internal error. Suberror: 1\" (emulation failure)");
  c->accel = BVM_ACCEL_KVM;
  g_autoptr(BvmCommand) forced = build(c, kvm, "/vms/a.bridgevm", BVM_DISPLAY_NONE);
  g_assert_cmpstr(forced->accel, ==, "kvm");
  gboolean noted = FALSE;
  for (guint i = 0; i < forced->groups->len; i++)
    noted |= strstr(((BvmCmdGroup *)forced->groups->pdata[i])->reason,
                    "although the probe found") != NULL;
  g_assert_true(noted);
  /* auto takes the probe's word: TCG, and why, in explain */
  c->accel = BVM_ACCEL_AUTO;
  g_autoptr(BvmCommand) fell = build(c, kvm, "/vms/a.bridgevm", BVM_DISPLAY_NONE);
  g_assert_cmpstr(fell->accel, ==, "tcg");
  g_assert_true(
      dropped_says(fell, "hardware acceleration", "cannot run UEFI firmware on this host"));
  g_autofree char *explain = bvm_command_explain(fell);
  g_assert_nonnull(strstr(explain, "KVM internal error"));
  g_assert_nonnull(strstr(explain, "using TCG"));

  /* kvm or hvf where the host has none: refused, naming the fix */
  c->accel = BVM_ACCEL_KVM;
  BvmCmdOptions plain = {.display = BVM_DISPLAY_NONE};
  g_autoptr(BvmCommand) no = bvm_qemu_cmd_build(c, none, paths, &plain, &error);
  g_assert_null(no);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "/dev/kvm is missing"));
  g_assert_nonnull(strstr(error->message, "bridgevm set 'a, b' --accel auto"));
  g_clear_error(&error);
  c->accel = BVM_ACCEL_HVF;
  g_autoptr(BvmCommand) nohvf = bvm_qemu_cmd_build(c, kvm, paths, &plain, &error);
  g_assert_null(nohvf);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
}

/* blob=on only where the probe realized the device with it. */
static void test_blob_follows_the_probe(void)
{
  g_autoptr(BvmHostCaps) kvm = load_caps("linux-x86_64-kvm");
  g_autoptr(BvmConfig) c = make_config("g", "/g.iso");
  g_autoptr(BvmCommand) on = build(c, kvm, "/vms/g.bridgevm", BVM_DISPLAY_NONE);
  g_assert_true(argv_has(on, "blob=on"));
  BvmQemuCaps *q = kvm->qemu[BVM_ARCH_X86_64];
  q->gpu_blob = FALSE;
  q->gpu_blob_error = g_strdup("need udmabuf or rutabaga for blob resources");
  g_autoptr(BvmCommand) off = build(c, kvm, "/vms/g.bridgevm", BVM_DISPLAY_NONE);
  g_assert_false(argv_has(off, "blob=on"));
  g_assert_true(dropped_says(off, "virtio-gpu blob scanout", "need udmabuf or rutabaga"));
  q->gpu_blob_checked = FALSE;
  g_autoptr(BvmCommand) unknown = build(c, kvm, "/vms/g.bridgevm", BVM_DISPLAY_NONE);
  g_assert_false(argv_has(unknown, "blob=on"));
}

static void test_missing_qemu_is_a_dependency_error(void)
{
  g_autoptr(BvmHostCaps) arm = load_caps("linux-arm64-kvm");
  g_autoptr(BvmConfig) c = make_config("x", NULL);
  g_autoptr(BvmPaths) paths = bvm_paths_new("/vms/x.bridgevm", c->id);
  BvmCmdOptions opts = {0};
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(c, arm, paths, &opts, &error);
  g_assert_null(cmd);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING);
  g_assert_nonnull(strstr(error->message, "qemu-system-x86"));
}

static void test_every_group_has_a_reason(void)
{
  g_autoptr(BvmHostCaps) kvm = load_caps("linux-x86_64-kvm");
  g_autoptr(BvmConfig) c = make_config("r", "/r.iso");
  g_autoptr(BvmCommand) cmd = build(c, kvm, "/vms/r.bridgevm", BVM_DISPLAY_WINDOW);
  guint flags = 0;
  for (guint i = 0; i < cmd->groups->len; i++) {
    BvmCmdGroup *g = cmd->groups->pdata[i];
    g_assert_cmpuint(strlen(g->reason), >, 20);
    flags += g_strv_length(g->flags);
  }
  /* the groups cover the argv exactly */
  g_assert_cmpuint(flags, ==, cmd->argv->len - 1);
  g_autoptr(JsonNode) json = bvm_command_to_json(cmd);
  g_autofree char *text = json_to_string(json, FALSE);
  g_assert_nonnull(strstr(text, "\"groups\""));
  g_assert_nonnull(strstr(text, "\"reason\""));
}

/* qmp_fd hands QEMU the monitor's listening socket: only qmp0 changes, and
 * without the option the argv is the golden one (path=). */
static void test_qmp_fd_replaces_the_monitor_socket_path(void)
{
  g_autoptr(BvmHostCaps) kvm = load_caps("linux-x86_64-kvm");
  g_autoptr(BvmConfig) c = make_config("q", "/q.iso");
  g_autoptr(BvmPaths) paths = bvm_paths_new("/vms/q.bridgevm", c->id);
  g_autoptr(BvmCommand) plain = build(c, kvm, "/vms/q.bridgevm", BVM_DISPLAY_NONE);
  g_autofree char *qmp0_path =
      g_strdup_printf("socket,id=qmp0,path=%s,server=on,wait=off", paths->qmp_sock);
  g_assert_true(argv_has(plain, qmp0_path));
  g_assert_false(argv_has(plain, "id=qmp0,fd="));

  BvmCmdOptions opts = {.display = BVM_DISPLAY_NONE, .qmp_fd = 3};
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmCommand) fd = bvm_qemu_cmd_build(c, kvm, paths, &opts, &error);
  g_assert_no_error(error);
  g_assert_true(argv_has(fd, "socket,id=qmp0,fd=3,server=on,wait=off"));
  g_assert_false(argv_has(fd, qmp0_path));
  /* the second socket, for everyone else, keeps its path */
  g_autofree char *qmp1_path =
      g_strdup_printf("socket,id=qmp1,path=%s,server=on,wait=off", paths->qmp_client_sock);
  g_assert_true(argv_has(fd, qmp1_path));
  /* nothing else moves */
  g_assert_cmpuint(fd->argv->len, ==, plain->argv->len);
  guint differ = 0;
  for (guint i = 0; i + 1 < fd->argv->len; i++)
    differ += g_strcmp0(fd->argv->pdata[i], plain->argv->pdata[i]) != 0;
  g_assert_cmpuint(differ, ==, 1);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_setenv("XDG_RUNTIME_DIR", "/run/user/1000", TRUE);
  g_test_add_func("/qemu-cmd/hostile-strings-are-escaped", test_hostile_strings_are_escaped);
  g_test_add_func("/qemu-cmd/l2-cache-rule", test_l2_cache_rule);
  g_test_add_func("/qemu-cmd/accelerator-and-devices-follow-the-host",
                  test_accelerator_and_devices_follow_the_host);
  g_test_add_func("/qemu-cmd/broken-kvm-falls-back-to-tcg", test_broken_kvm_falls_back_to_tcg);
  g_test_add_func("/qemu-cmd/per-vm-accelerator", test_per_vm_accelerator);
  g_test_add_func("/qemu-cmd/blob-follows-the-probe", test_blob_follows_the_probe);
  g_test_add_func("/qemu-cmd/missing-qemu-is-a-dependency-error",
                  test_missing_qemu_is_a_dependency_error);
  g_test_add_func("/qemu-cmd/every-group-has-a-reason", test_every_group_has_a_reason);
  g_test_add_func("/qemu-cmd/qmp-fd-replaces-the-monitor-socket-path",
                  test_qmp_fd_replaces_the_monitor_socket_path);
  return g_test_run();
}
