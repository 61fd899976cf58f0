/* The probe's parser (caps_parse.c) on what a broken or unexpected QEMU
 * could print; what QEMU 7.2 really prints is golden-tested
 * (tests/golden/parse, tests/fixtures/caps). */
#include "caps.h"
#include "error.h"

#include <string.h>

static BvmQemuCaps *new_caps(void)
{
  BvmQemuCaps *c = g_new0(BvmQemuCaps, 1);
  c->binary = g_strdup("/usr/bin/qemu-system-x86_64");
  c->arch = BVM_ARCH_X86_64;
  return c;
}

#define VERSION                                                                                    \
  "{\"return\": {\"qemu\": {\"micro\": 1, \"minor\": 2, \"major\": 9}}, \"id\": \"version\"}\r\n"
#define MACHINES                                                                                   \
  "{\"return\": [{\"name\": \"pc-q35-9.2\", \"alias\": \"q35\"}], \"id\": \"machines\"}\r\n"

static void test_minimal_answer_parses(void)
{
  g_autoptr(BvmQemuCaps) c = new_caps();
  g_autoptr(GError) error = NULL;
  g_assert_true(bvm_caps_parse_qmp(c, VERSION MACHINES, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(c->version, ==, "9.2.1");
  g_assert_cmpuint(c->version_code, ==, 90201);
  g_assert_true(bvm_qemu_caps_has_machine(c, "q35"));
  g_assert_true(bvm_qemu_caps_has_machine(c, "pc-q35-9.2"));
  /* no sandbox reply: no seccomp */
  g_assert_false(c->sandbox);
  g_assert_false(bvm_qemu_caps_has_device(c, "nvme"));
}

/* Lines that are not replies of the batch, or replies of the wrong shape,
 * are skipped: the probe never crashes on what another process printed. */
static void test_odd_lines_are_skipped(void)
{
  static const char *const odd[] = {
      "not json at all",
      "[1, 2, 3]",
      "{\"id\": 5, \"return\": {}}",
      "{\"id\": \"version\", \"return\": {}}",
      "{\"id\": \"version\", \"return\": {\"qemu\": 7}}",
      "{\"id\": \"version\", \"return\": {\"qemu\": {\"major\": \"x\"}}}",
      "{\"id\": \"machines\", \"return\": [1, null, {\"alias\": 3}]}",
      "{\"id\": \"devices\", \"return\": [1, {\"name\": 2}, {\"name\": \"nvme\"}]}",
      "{\"id\": \"props:nvme\", \"return\": [\"max_ioqpairs\", {\"name\": 3}, {\"name\": \"serial\"}]}",
      "{\"id\": \"props:virtio-vga\", \"error\": {\"class\": \"DeviceNotFound\"}}",
      "{\"timestamp\": {}, \"event\": \"SHUTDOWN\"}",
      "",
      NULL,
  };
  g_autoptr(GString) out = g_string_new(NULL);
  for (const char *const *l = odd; *l; l++)
    g_string_append_printf(out, "%s\n", *l);
  g_string_append(out, VERSION MACHINES);
  g_autoptr(BvmQemuCaps) c = new_caps();
  g_autoptr(GError) error = NULL;
  g_assert_true(bvm_caps_parse_qmp(c, out->str, &error));
  g_assert_cmpstr(c->version, ==, "9.2.1");
  g_assert_true(bvm_qemu_caps_has_device(c, "nvme"));
  g_assert_true(bvm_qemu_caps_has_property(c, "nvme", "serial"));
  g_assert_false(bvm_qemu_caps_has_property(c, "nvme", "max_ioqpairs"));
  g_assert_false(bvm_qemu_caps_has_device(c, "virtio-vga"));
}

static void test_sandbox_error_means_no_seccomp(void)
{
  g_autoptr(BvmQemuCaps) c = new_caps();
  g_assert_true(bvm_caps_parse_qmp(
      c, VERSION MACHINES "{\"id\": \"sandbox\", \"error\": {\"class\": \"GenericError\"}}\n",
      NULL));
  g_assert_false(c->sandbox);
  g_autoptr(BvmQemuCaps) d = new_caps();
  g_assert_true(
      bvm_caps_parse_qmp(d, VERSION MACHINES "{\"id\": \"sandbox\", \"return\": []}\n", NULL));
  g_assert_true(d->sandbox);
}

static void test_no_version_fails_naming_the_binary(void)
{
  static const char *const outputs[] = {"", MACHINES, VERSION, "garbage\n", NULL};
  for (const char *const *o = outputs; *o; o++) {
    g_autoptr(BvmQemuCaps) c = new_caps();
    g_autoptr(GError) error = NULL;
    g_assert_false(bvm_caps_parse_qmp(c, *o, &error));
    g_assert_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED);
    g_assert_nonnull(strstr(error->message, "/usr/bin/qemu-system-x86_64"));
  }
  g_autoptr(BvmQemuCaps) c = new_caps();
  g_assert_false(bvm_caps_parse_qmp(c, NULL, NULL));
}

static void test_help_list(void)
{
  g_auto(GStrv) accels = bvm_caps_parse_help_list("Accelerators supported in QEMU binary:\n"
                                                  "tcg\r\n"
                                                  "  hvf  \n"
                                                  "\n"
                                                  "some other words\n");
  const char *const want[] = {"tcg", "hvf", NULL};
  g_assert_cmpstrv(accels, want);
  g_auto(GStrv) none = bvm_caps_parse_help_list("");
  g_assert_cmpuint(g_strv_length(none), ==, 0);
}

static void test_version_code(void)
{
  g_assert_cmpuint(bvm_caps_parse_version_code("7.2.22"), ==, 70222);
  g_assert_cmpuint(bvm_caps_parse_version_code("10.0"), ==, 100000);
  g_assert_cmpuint(bvm_caps_parse_version_code("x"), ==, 0);
  g_assert_cmpuint(bvm_caps_parse_version_code(NULL), ==, 0);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/caps-parse/minimal-answer-parses", test_minimal_answer_parses);
  g_test_add_func("/caps-parse/odd-lines-are-skipped", test_odd_lines_are_skipped);
  g_test_add_func("/caps-parse/sandbox-error-means-no-seccomp",
                  test_sandbox_error_means_no_seccomp);
  g_test_add_func("/caps-parse/no-version-fails-naming-the-binary",
                  test_no_version_fails_naming_the_binary);
  g_test_add_func("/caps-parse/help-list", test_help_list);
  g_test_add_func("/caps-parse/version-code", test_version_code);
  return g_test_run();
}
