#include "config.h"
#include "error.h"
#include "presets.h"
#include "util.h"
#include "validate.h"

#include <glib/gstdio.h>
#include <unistd.h>

static char *tmpdir;

static char *write_file(const char *name, const char *data, gsize len)
{
  char *path = g_build_filename(tmpdir, name, NULL);
  g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
  return path;
}

/* A file with a volume descriptor identifier at sector 16, byte 1. */
static char *make_image(const char *name, const char *ident)
{
  gsize len = 17 * 2048;
  g_autofree char *data = g_malloc0(len);
  memcpy(data + 16 * 2048 + 1, ident, 5);
  return write_file(name, data, len);
}

/* The call runs first, then its error is checked (argument evaluation order
 * is unspecified in C, hence the macro). */
#define expect(call, error, code, fragment)                                                        \
  do {                                                                                             \
    gboolean ok_ = (call);                                                                         \
    expect_error(ok_, (error), (code), (fragment));                                                \
  } while (0)

static void expect_error(gboolean ok, GError *error, int code, const char *fragment)
{
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_assert_cmpint(error->code, ==, code);
  if (strstr(error->message, fragment) == NULL)
    g_error("message '%s' lacks '%s'", error->message, fragment);
}

static void test_iso_accepts_iso9660_and_udf(void)
{
  g_autofree char *iso = make_image("a.iso", "CD001");
  g_autofree char *udf = make_image("b.iso", "NSR02");
  g_autoptr(GError) error = NULL;
  g_assert_true(bvm_validate_iso(iso, &error));
  g_assert_true(bvm_validate_iso(udf, &error));
  g_assert_no_error(error);
}

static void test_iso_refusals_name_the_problem(void)
{
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  g_autofree char *text = write_file("notes.iso", "hello, not an iso\n", 18);
  expect(bvm_validate_iso(text, &e1), e1, BVM_ERROR_INVALID_ARGUMENT, "is not an ISO image");
  g_autofree char *missing = g_build_filename(tmpdir, "missing.iso", NULL);
  expect(bvm_validate_iso(missing, &e2), e2, BVM_ERROR_NOT_FOUND, "No such file");
  expect(bvm_validate_iso(tmpdir, &e3), e3, BVM_ERROR_INVALID_ARGUMENT, "a directory");
  expect(bvm_validate_iso(NULL, &e4), e4, BVM_ERROR_INVALID_ARGUMENT, "no ISO given");
  if (geteuid() != 0) {
    g_autofree char *locked = make_image("locked.iso", "CD001");
    g_chmod(locked, 0);
    expect(bvm_validate_iso(locked, &e5), e5, BVM_ERROR_INVALID_ARGUMENT, "cannot be read");
  }
}

static void test_name_rules(void)
{
  g_autoptr(GError) e = NULL;
  g_assert_true(bvm_validate_name("Windows 11, work", NULL));
  g_assert_true(bvm_validate_name("日本語", NULL));
  expect(bvm_validate_name("", &e), e, BVM_ERROR_INVALID_ARGUMENT, "empty");
  g_clear_error(&e);
  expect(bvm_validate_name("a/b", &e), e, BVM_ERROR_INVALID_ARGUMENT, "contains '/'");
  g_clear_error(&e);
  expect(bvm_validate_name("..", &e), e, BVM_ERROR_INVALID_ARGUMENT, "cannot be a VM name");
  g_clear_error(&e);
  expect(bvm_validate_name("a\nb", &e), e, BVM_ERROR_INVALID_ARGUMENT, "control character");
  g_clear_error(&e);
  g_autofree char *long_name = g_strnfill(65, 'x');
  expect(bvm_validate_name(long_name, &e), e, BVM_ERROR_INVALID_ARGUMENT, "at most 64");
  g_clear_error(&e);
  expect(bvm_validate_name("\xff\xfe", &e), e, BVM_ERROR_INVALID_ARGUMENT, "UTF-8");
  g_clear_error(&e);
  g_autofree char *exactly = g_strnfill(64, 'y');
  g_assert_true(bvm_validate_name(exactly, NULL));
}

static BvmHostInfo small_host(void)
{
  BvmHostInfo h = {0};
  h.os = BVM_HOST_OS_LINUX;
  h.arch = BVM_ARCH_X86_64;
  h.cores = 2;
  h.memory_mib = 24 * 1024;
  return h;
}

static void test_resources_ranges(void)
{
  BvmHostInfo h = small_host();
  g_autoptr(BvmConfig) c = bvm_config_new();
  g_autoptr(GError) e = NULL;
  c->cpus = 2;
  c->memory_mib = 4096;
  c->disk_gib = 64;
  g_assert_true(bvm_validate_resources(c, &h, NULL));
  c->cpus = 3;
  expect(bvm_validate_resources(c, &h, &e), e, BVM_ERROR_INVALID_ARGUMENT, "1 to 2");
  g_clear_error(&e);
  c->cpus = 2;
  c->memory_mib = 23 * 1024;
  expect(bvm_validate_resources(c, &h, &e), e, BVM_ERROR_INVALID_ARGUMENT, "22528 MiB");
  g_clear_error(&e);
  c->memory_mib = 256;
  expect(bvm_validate_resources(c, &h, &e), e, BVM_ERROR_INVALID_ARGUMENT, "512 MiB");
  g_clear_error(&e);
  c->memory_mib = 4096;
  c->disk_gib = 17 * 1024;
  expect(bvm_validate_resources(c, &h, &e), e, BVM_ERROR_INVALID_ARGUMENT, "16 TiB");
  g_clear_error(&e);
  c->disk_gib = 16 * 1024;
  g_assert_true(bvm_validate_resources(c, &h, NULL));
}

static void test_windows11_requirements(void)
{
  g_autoptr(BvmConfig) c = bvm_config_new();
  g_autoptr(GError) e = NULL;
  c->os = BVM_OS_WINDOWS11;
  c->cpus = 2;
  c->memory_mib = 4096;
  c->disk_gib = 64;
  c->tpm_enabled = TRUE;
  c->firmware.secure_boot = TRUE;
  expect(bvm_validate_windows11(c, &e), e, BVM_ERROR_PERMISSION, "--accept-license");
  g_clear_error(&e);
  c->license_accepted_at = g_strdup("2026-11-24T00:00:00Z");
  g_assert_true(bvm_validate_windows11(c, NULL));
  c->cpus = 1;
  expect(bvm_validate_windows11(c, &e), e, BVM_ERROR_INVALID_ARGUMENT, "at least 2 vCPUs");
  g_clear_error(&e);
  c->cpus = 2;
  c->memory_mib = 2048;
  expect(bvm_validate_windows11(c, &e), e, BVM_ERROR_INVALID_ARGUMENT, "at least 4 GiB");
  g_clear_error(&e);
  c->memory_mib = 4096;
  c->disk_gib = 32;
  expect(bvm_validate_windows11(c, &e), e, BVM_ERROR_INVALID_ARGUMENT, "--disk 64G");
  g_clear_error(&e);
  c->disk_gib = 64;
  c->tpm_enabled = FALSE;
  expect(bvm_validate_windows11(c, &e), e, BVM_ERROR_INVALID_ARGUMENT, "drop --no-tpm");
  g_clear_error(&e);
  c->tpm_enabled = TRUE;
  c->firmware.secure_boot = FALSE;
  expect(bvm_validate_windows11(c, &e), e, BVM_ERROR_INVALID_ARGUMENT, "Secure Boot");
}

static void test_presets_clamp_with_notice(void)
{
  BvmHostInfo h = small_host();
  g_autoptr(BvmConfig) c = bvm_config_new();
  g_autofree char *notice = NULL;
  bvm_preset_apply(BVM_PRESET_PRO, &h, c, &notice);
  g_assert_cmpuint(c->cpus, ==, 2);
  g_assert_cmpuint(c->memory_mib, ==, 16384);
  g_assert_cmpuint(c->disk_gib, ==, 256);
  g_assert_nonnull(notice);
  g_assert_nonnull(strstr(notice, "clamped to 2 vCPUs"));

  g_clear_pointer(&notice, g_free);
  h.cores = 16;
  h.memory_mib = 8192; /* less than pro's 16 GiB + 2 GiB for the host */
  bvm_preset_apply(BVM_PRESET_PRO, &h, c, &notice);
  g_assert_cmpuint(c->cpus, ==, 8);
  g_assert_cmpuint(c->memory_mib, ==, 6144);
  g_assert_nonnull(strstr(notice, "6144 MiB"));

  g_clear_pointer(&notice, g_free);
  h.memory_mib = 64 * 1024;
  bvm_preset_apply(BVM_PRESET_RECOMMENDED, &h, c, &notice);
  g_assert_null(notice);
  g_assert_cmpuint(c->cpus, ==, 4);
  g_assert_cmpuint(c->memory_mib, ==, 8192);
  g_assert_cmpuint(c->disk_gib, ==, 128);
  bvm_preset_apply(BVM_PRESET_LIGHT, &h, c, &notice);
  g_assert_cmpuint(c->cpus, ==, 2);
  g_assert_cmpuint(c->memory_mib, ==, 4096);
  g_assert_cmpuint(c->disk_gib, ==, 64);
}

static void test_resolution_and_sizes(void)
{
  guint w, h;
  guint64 bytes;
  g_assert_true(bvm_validate_resolution("2560x1440", &w, &h, NULL));
  g_assert_cmpuint(w, ==, 2560);
  g_assert_cmpuint(h, ==, 1440);
  g_assert_false(bvm_validate_resolution("2560", &w, &h, NULL));
  g_assert_false(bvm_validate_resolution("x1440", &w, &h, NULL));
  g_assert_false(bvm_validate_resolution("10x10x10", &w, &h, NULL));
  g_assert_true(bvm_parse_size("8G", 'M', &bytes, NULL));
  g_assert_cmpuint(bytes, ==, 8 * BVM_GIB);
  g_assert_true(bvm_parse_size("4096", 'M', &bytes, NULL));
  g_assert_cmpuint(bytes, ==, 4096 * BVM_MIB);
  g_assert_true(bvm_parse_size("1.5TiB", 'G', &bytes, NULL));
  g_assert_cmpuint(bytes, ==, 1536 * BVM_GIB);
  g_assert_false(bvm_parse_size("-1G", 'G', &bytes, NULL));
  g_assert_false(bvm_parse_size("8Q", 'G', &bytes, NULL));
  g_assert_false(bvm_parse_size("lots", 'G', &bytes, NULL));
  g_assert_false(bvm_parse_size("99999999999999999T", 'G', &bytes, NULL));
}

static void test_qemu_escape_doubles_commas(void)
{
  g_autofree char *a = bvm_qemu_escape("/vms/a,b,,c.iso");
  g_assert_cmpstr(a, ==, "/vms/a,,b,,,,c.iso");
  g_autofree char *b = bvm_qemu_escape("plain");
  g_assert_cmpstr(b, ==, "plain");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("bvm-validate-XXXXXX", NULL);
  g_test_add_func("/validate/iso-accepts-iso9660-and-udf", test_iso_accepts_iso9660_and_udf);
  g_test_add_func("/validate/iso-refusals-name-the-problem", test_iso_refusals_name_the_problem);
  g_test_add_func("/validate/name-rules", test_name_rules);
  g_test_add_func("/validate/resources-ranges", test_resources_ranges);
  g_test_add_func("/validate/windows11-requirements", test_windows11_requirements);
  g_test_add_func("/presets/clamp-with-notice", test_presets_clamp_with_notice);
  g_test_add_func("/util/resolution-and-sizes", test_resolution_and_sizes);
  g_test_add_func("/util/qemu-escape-doubles-commas", test_qemu_escape_doubles_commas);
  int rc = g_test_run();
  bvm_remove_tree(tmpdir, NULL);
  g_free(tmpdir);
  return rc;
}
