/* The three kinds of Linux host BridgeVM meets, on whichever this machine
 * is, with the others simulated: (a) no /dev/kvm, by a private mount
 * namespace that binds /dev/null over it; (b) a /dev/kvm where QEMU aborts
 * on the CPU's MSRs, and (c) one that stops inside the UEFI firmware, by a
 * QEMU wrapper that says what such hosts really printed
 * (tests/fixtures/probe) and runs the real QEMU under TCG. Each checks what
 * a user sees: doctor's accelerators and reason, the command's accelerator
 * and why, and --accel kvm refused where there is no KVM. */
#include "cli-harness.h"
#include "error.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *root, *library, *iso;

/* /dev/kvm is KVM's device here (not necessarily a working one). */
static gboolean have_dev_kvm(void)
{
  struct stat st;
  return stat("/dev/kvm", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
         minor(st.st_rdev) == 232 && access("/dev/kvm", R_OK | W_OK) == 0;
}

/* Run bridgevm ARGS with a fresh caps cache and @qemu as its x86_64 QEMU
 * (NULL: the real one), inside a namespace without /dev/kvm when @no_kvm. */
static void run_on_host(BvmRun *out, const char *cache, const char *qemu, gboolean no_kvm,
                        const char *const *args)
{
  const char *hide_kvm[] = {
      "unshare", "-m", "sh", "-c", "mount --bind /dev/null /dev/kvm && exec \"$@\"", "sh", NULL};
  g_auto(GStrv) env = g_get_environ();
  env = g_environ_setenv(env, "XDG_CACHE_HOME", cache, TRUE);
  if (qemu != NULL)
    env = g_environ_setenv(env, "BRIDGEVM_QEMU_X86_64", qemu, TRUE);
  harness_run_in(out, no_kvm ? hide_kvm : NULL, (const char *const *)env, library, args);
}

static JsonObject *parse_object(const char *text, JsonNode **keep)
{
  g_autoptr(JsonParser) p = json_parser_new();
  g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
  *keep = json_node_copy(json_parser_get_root(p));
  return json_node_get_object(*keep);
}

/* A QEMU that behaves like a kind of host when asked for KVM: prints what
 * that host printed, then aborts (b) or runs the real QEMU under TCG (c).
 * Everything else goes to the real QEMU untouched. */
static char *make_wrapper(const char *name, const char *stderr_fixture, gboolean abort_after)
{
  g_autofree char *fixture = g_build_filename(g_getenv("BVM_SOURCE_ROOT"), "tests", "fixtures",
                                              "probe", stderr_fixture, NULL);
  g_autofree char *real = g_find_program_in_path("qemu-system-x86_64");
  g_assert_nonnull(real);
  char *path = g_build_filename(root, name, NULL);
  g_autofree char *script =
      g_strdup_printf("#!/bin/sh\n"
                      "case \" $* \" in\n"
                      "*' -accel kvm '*)\n"
                      "  cat '%s' >&2\n"
                      "  %s\n"
                      "  args=''\n"
                      "  for a in \"$@\"; do\n"
                      "    case $a in kvm) a=tcg ;; host) a=max ;; esac\n"
                      "    set -- \"$@\" \"$a\"; shift\n"
                      "  done\n"
                      "  exec '%s' \"$@\" ;;\n"
                      "esac\n"
                      "exec '%s' \"$@\"\n",
                      fixture, abort_after ? "kill -ABRT $$" : ":", real, real);
  g_assert_true(g_file_set_contents(path, script, -1, NULL));
  g_assert_cmpint(g_chmod(path, 0755), ==, 0);
  return path;
}

/* doctor, explain and --accel kvm on one simulated host. */
static void check_host(const char *kind, const char *qemu, gboolean no_kvm,
                       const char *kvm_error_part)
{
  g_autofree char *cache = g_build_filename(root, kind, NULL);
  g_auto(BvmRun) doc = {0};
  const char *doctor[] = {"doctor", "--json", "--refresh", NULL};
  run_on_host(&doc, cache, qemu, no_kvm, doctor);
  JsonNode *keep = NULL;
  JsonObject *d = parse_object(doc.out, &keep);
  g_autofree char *accels = json_to_string(json_object_get_member(d, "accelerators"), FALSE);
  /* in no case is KVM offered as working */
  g_assert_null(strstr(accels, "kvm"));
  if (kvm_error_part == NULL)
    g_assert_false(json_object_has_member(d, "kvmError"));
  else
    assert_contains(json_object_get_string_member(d, "kvmError"), kvm_error_part);
  json_node_unref(keep);

  g_auto(BvmRun) explain = {0};
  const char *cmd[] = {"command", "hosts", "--explain", NULL};
  run_on_host(&explain, cache, qemu, no_kvm, cmd);
  g_assert_cmpint(explain.status, ==, 0);
  assert_contains(explain.out, "accelerator tcg");
  assert_contains(explain.out, kvm_error_part ? kvm_error_part : "/dev/kvm is missing");
  if (kvm_error_part != NULL)
    assert_contains(explain.out, "using TCG");

  /* Where /dev/kvm is missing, asking for KVM is refused with the fix;
   * where it is there but failed the probe, the user may insist, and the
   * command says what the probe found. */
  g_auto(BvmRun) set = {0};
  const char *force[] = {"set", "hosts", "--accel", "kvm", NULL};
  run_on_host(&set, cache, qemu, no_kvm, force);
  if (no_kvm) {
    g_assert_cmpint(set.status, ==, 1);
    assert_contains(set.err, "no usable /dev/kvm; use auto or tcg");
  } else {
    g_assert_cmpint(set.status, ==, 0);
    g_auto(BvmRun) forced = {0};
    run_on_host(&forced, cache, qemu, no_kvm, cmd);
    assert_contains(forced.out, "accelerator kvm");
    assert_contains(forced.out, "although the probe found");
    const char *back[] = {"set", "hosts", "--accel", "auto", NULL};
    g_auto(BvmRun) reset = {0};
    run_on_host(&reset, cache, qemu, no_kvm, back);
    g_assert_cmpint(reset.status, ==, 0);
  }
}

static void test_no_dev_kvm(void)
{
  if (getuid() != 0 && have_dev_kvm()) {
    g_test_skip("hiding /dev/kvm needs a private mount namespace (root)");
    return;
  }
  /* on a machine without /dev/kvm this is simply the machine */
  check_host("no-kvm", NULL, have_dev_kvm(), NULL);
}

static void test_kvm_that_aborts(void)
{
  if (!have_dev_kvm()) {
    g_test_skip("no /dev/kvm here: the probe is not run (its parser is tested on this host's "
                "recorded output in unit/probe)");
    return;
  }
  g_autofree char *qemu = make_wrapper("qemu-aborts", "msr-abort.stderr", TRUE);
  check_host("aborts", qemu, FALSE, "failed to set MSR 0x10a");
}

static void test_kvm_that_stops_in_firmware(void)
{
  if (!have_dev_kvm()) {
    g_test_skip("no /dev/kvm here: the probe is not run (its parser is tested on this host's "
                "recorded output in unit/probe)");
    return;
  }
  g_autofree char *qemu = make_wrapper("qemu-firmware-fails", "kvm-internal-error.stderr", FALSE);
  check_host("firmware-fails", qemu, FALSE, "cannot run UEFI firmware on this host");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-accel-XXXXXX");
  library = g_build_filename(root, "lib", NULL);
  iso = harness_make_iso(root, "hosts.iso");
  g_autofree char *cache = g_build_filename(root, "create-cache", NULL);
  g_auto(BvmRun) made = {0};
  const char *create[] = {"create", "hosts",  "--iso", iso,        "--preset",
                          "light",  "--disk", "2G",    "--no-tpm", NULL};
  run_on_host(&made, cache, NULL, FALSE, create);
  g_assert_cmpint(made.status, ==, 0);
  g_test_add_func("/accel-hosts/no-dev-kvm", test_no_dev_kvm);
  g_test_add_func("/accel-hosts/kvm-that-aborts", test_kvm_that_aborts);
  g_test_add_func("/accel-hosts/kvm-that-stops-in-firmware", test_kvm_that_stops_in_firmware);
  harness_add_final_check(root, NULL);
  int status = g_test_run();
  harness_cleanup(root);
  return status;
}
