/* Firmware discovery and selection over fixture descriptor dirs (written at
 * test time, since descriptors name absolute paths), and over this
 * machine's real descriptors. */
#include "error.h"
#include "firmware.h"
#include "util.h"

#include <glib/gstdio.h>

static char *root;

static char *fixture_file(const char *name)
{
  char *path = g_build_filename(root, "files", name, NULL);
  g_assert_true(g_file_set_contents(path, "firmware bytes", -1, NULL));
  return path;
}

static void write_descriptor(const char *dir, const char *name, const char *arch,
                             const char *machine, const char *code, const char *vars,
                             const char *features)
{
  g_autofree char *text = g_strdup_printf(
      "{\"description\": \"%s\", \"interface-types\": [\"uefi\"],"
      " \"mapping\": {\"device\": \"flash\", \"executable\": {\"filename\": \"%s\", \"format\": "
      "\"raw\"}, \"nvram-template\": {\"filename\": \"%s\", \"format\": \"raw\"}},"
      " \"targets\": [{\"architecture\": \"%s\", \"machines\": [\"%s\"]}],"
      " \"features\": [%s], \"tags\": []}",
      name, code, vars, arch, machine, features);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_mkdir_with_parents(dir, 0700);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static char *dir_of(const char *name)
{
  return g_build_filename(root, name, NULL);
}

static void test_discovery_skips_broken_descriptors(void)
{
  g_autofree char *code = fixture_file("CODE.fd");
  g_autofree char *vars = fixture_file("VARS.fd");
  g_autofree char *d = dir_of("skips");
  write_descriptor(d, "10-good.json", "x86_64", "pc-q35-*", code, vars, "\"acpi-s3\"");
  write_descriptor(d, "20-missing.json", "x86_64", "pc-q35-*", "/nonexistent/CODE.secboot.fd", vars,
                   "\"secure-boot\"");
  g_autofree char *bad = g_build_filename(d, "30-bad.json", NULL);
  g_assert_true(g_file_set_contents(bad, "{ not json", -1, NULL));
  const char *dirs[] = {d, NULL};
  g_auto(GStrv) skipped = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = bvm_firmware_discover_full(dirs, &skipped, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(list->len, ==, 1);
  g_assert_cmpstr(((BvmFirmware *)list->pdata[0])->code, ==, code);
  g_assert_cmpuint(g_strv_length(skipped), ==, 2);
  g_assert_nonnull(strstr(skipped[0], "20-missing.json: /nonexistent/CODE.secboot.fd is missing"));
  g_assert_nonnull(strstr(skipped[1], "30-bad.json: malformed JSON"));
}

static void test_priority_override_and_mask(void)
{
  g_autofree char *code = fixture_file("CODE.fd");
  g_autofree char *code2 = fixture_file("CODE-override.fd");
  g_autofree char *vars = fixture_file("VARS.fd");
  g_autofree char *ours = dir_of("ours");
  g_autofree char *low = dir_of("usr-share");
  g_autofree char *high = dir_of("etc");
  write_descriptor(ours, "90-ours.json", "x86_64", "pc-q35-*", code, vars, "");
  write_descriptor(low, "50-a.json", "x86_64", "pc-q35-*", code, vars, "");
  write_descriptor(high, "50-a.json", "x86_64", "pc-q35-*", code2, vars, "");
  write_descriptor(low, "60-masked.json", "x86_64", "pc-q35-*", code, vars, "");
  g_autofree char *mask = g_build_filename(high, "60-masked.json", NULL);
  g_assert_true(g_file_set_contents(mask, "", 0, NULL));
  g_autofree char *std_low = g_strconcat("std:", low, NULL);
  g_autofree char *std_high = g_strconcat("std:", high, NULL);
  const char *dirs[] = {ours, std_low, std_high, NULL};
  g_autoptr(GPtrArray) list = bvm_firmware_discover(dirs, NULL);
  g_assert_cmpuint(list->len, ==, 2);
  /* our dir first, whatever its file names */
  g_assert_true(g_str_has_suffix(((BvmFirmware *)list->pdata[0])->descriptor, "90-ours.json"));
  /* the same name in the higher-priority standard dir wins */
  g_assert_cmpstr(((BvmFirmware *)list->pdata[1])->code, ==, code2);
}

static void test_selection_rules(void)
{
  g_autofree char *code = fixture_file("CODE.fd");
  g_autofree char *vars = fixture_file("VARS.fd");
  g_autofree char *d = dir_of("select");
  write_descriptor(d, "40-x86-enrolled.json", "x86_64", "pc-q35-*", code, vars,
                   "\"enrolled-keys\", \"requires-smm\", \"secure-boot\"");
  write_descriptor(d, "50-x86-secure.json", "x86_64", "pc-q35-*", code, vars,
                   "\"requires-smm\", \"secure-boot\"");
  write_descriptor(d, "60-x86.json", "x86_64", "pc-q35-*", code, vars, "\"acpi-s3\"");
  write_descriptor(d, "60-arm.json", "aarch64", "virt-*", code, vars, "");
  const char *dirs[] = {d, NULL};
  g_autoptr(GPtrArray) list = bvm_firmware_discover(dirs, NULL);
  g_assert_cmpuint(list->len, ==, 4);
  g_autoptr(GError) error = NULL;

  g_autoptr(BvmFirmware) win =
      bvm_firmware_select(list, BVM_ARCH_X86_64, "q35", TRUE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_true(g_str_has_suffix(win->descriptor, "40-x86-enrolled.json"));
  g_assert_true(win->requires_smm && win->enrolled_keys && win->secure_boot);

  g_autoptr(BvmFirmware) plain =
      bvm_firmware_select(list, BVM_ARCH_X86_64, "q35", FALSE, FALSE, &error);
  g_assert_true(g_str_has_suffix(plain->descriptor, "60-x86.json"));
  g_assert_false(plain->secure_boot);

  g_autoptr(BvmFirmware) arm =
      bvm_firmware_select(list, BVM_ARCH_AARCH64, "virt", FALSE, FALSE, &error);
  g_assert_true(g_str_has_suffix(arm->descriptor, "60-arm.json"));

  /* no secure-boot build for arm here: a clear error naming what to install */
  g_autoptr(BvmFirmware) none =
      bvm_firmware_select(list, BVM_ARCH_AARCH64, "virt", TRUE, TRUE, &error);
  g_assert_null(none);
  g_assert_error(error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING);
  g_assert_nonnull(strstr(error->message, "no UEFI firmware for aarch64 (virt) with Secure Boot"));
  g_assert_nonnull(strstr(error->message, "qemu-efi-aarch64"));
  g_clear_error(&error);
  /* machines are matched: a q35 descriptor is not for virt */
  g_assert_null(bvm_firmware_select(list, BVM_ARCH_X86_64, "virt", FALSE, FALSE, NULL));

  BvmFirmwareChoice choice = {.secure_boot = TRUE};
  bvm_firmware_to_choice(win, &choice);
  g_assert_true(choice.secure_boot && choice.enrolled_keys && choice.requires_smm);
  g_assert_cmpstr(choice.code, ==, code);
  g_free(choice.code);
  g_free(choice.vars_template);
}

static void test_debian_descriptors(void)
{
  if (!g_file_test("/usr/share/qemu/firmware/60-edk2-x86_64.json", G_FILE_TEST_EXISTS)) {
    g_test_skip("Debian's ovmf descriptors are not installed");
    return;
  }
  const char *dirs[] = {"std:/usr/share/qemu/firmware", NULL};
  g_auto(GStrv) skipped = NULL;
  g_autoptr(GPtrArray) list = bvm_firmware_discover_full(dirs, &skipped, NULL);
  g_autoptr(BvmFirmware) win = bvm_firmware_select(list, BVM_ARCH_X86_64, "q35", TRUE, TRUE, NULL);
  g_assert_nonnull(win);
  g_assert_true(g_str_has_suffix(win->descriptor, "40-edk2-x86_64-secure-enrolled.json"));
  g_assert_cmpstr(win->vars_template, ==, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
  g_autoptr(BvmFirmware) plain =
      bvm_firmware_select(list, BVM_ARCH_X86_64, "q35", FALSE, FALSE, NULL);
  g_assert_true(g_str_has_suffix(plain->descriptor, "60-edk2-x86_64.json"));
  if (g_file_test("/usr/share/qemu/firmware/50-edk2-aarch64-secure.json", G_FILE_TEST_EXISTS) &&
      !g_file_test("/usr/share/AAVMF/AAVMF_CODE.secboot.fd", G_FILE_TEST_EXISTS)) {
    gboolean seen = FALSE;
    for (char **s = skipped; *s; s++)
      seen |= g_str_has_prefix(*s, "50-edk2-aarch64-secure.json: ");
    g_assert_true(seen);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = g_dir_make_tmp("bvm-fw-XXXXXX", NULL);
  g_autofree char *files = g_build_filename(root, "files", NULL);
  g_mkdir(files, 0700);
  g_test_add_func("/firmware/discovery-skips-broken-descriptors",
                  test_discovery_skips_broken_descriptors);
  g_test_add_func("/firmware/priority-override-and-mask", test_priority_override_and_mask);
  g_test_add_func("/firmware/selection-rules", test_selection_rules);
  g_test_add_func("/firmware/debian-descriptors", test_debian_descriptors);
  int rc = g_test_run();
  bvm_remove_tree(root, NULL);
  g_free(root);
  return rc;
}
