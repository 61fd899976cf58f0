/* bridgevm doctor: what this host can run, and what to install. */
#include "caps.h"
#include "cli.h"
#include "deps.h"
#include "error.h"
#include "firmware.h"
#include "util.h"

#include <stdio.h>

int bvm_cmd_doctor(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean refresh = FALSE;
  const GOptionEntry entries[] = {
      {"refresh", 0, 0, G_OPTION_ARG_NONE, &refresh, "Probe QEMU again instead of the cache", NULL},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("doctor", NULL,
                     "Check this host: accelerators, tools, firmware. Exits 0 when a VM of the "
                     "host's architecture can run, 5 when something it needs is missing.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return bvm_cli_usage("doctor", "takes no arguments");

  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(refresh, &error);
  if (caps == NULL)
    return bvm_cli_fail(error);
  const BvmHostInfo *h = &caps->host;
  g_autoptr(GPtrArray) deps = bvm_deps_check();
  g_auto(GStrv) dirs = bvm_firmware_default_dirs();
  g_auto(GStrv) skipped = NULL;
  g_autoptr(GPtrArray) fws =
      bvm_firmware_discover_full((const char *const *)dirs, &skipped, &error);
  if (fws == NULL)
    return bvm_cli_fail(error);

  /* A VM of the host's arch can run with its QEMU, qemu-img and a firmware
   * for it. swtpm is needed only for a TPM (Windows 11). */
  const char *qemu_name =
      h->arch == BVM_ARCH_AARCH64 ? "qemu-system-aarch64" : "qemu-system-x86_64";
  gboolean fw_ok = FALSE;
  for (guint i = 0; i < fws->len; i++)
    fw_ok |= ((BvmFirmware *)fws->pdata[i])->arch == h->arch;
  gboolean ok = bvm_deps_find(deps, qemu_name)->path != NULL &&
                bvm_deps_find(deps, "qemu-img")->path != NULL && fw_ok;
  g_autoptr(GStrvBuilder) accels_b = g_strv_builder_new();
  if (h->kvm)
    g_strv_builder_add(accels_b, "kvm");
  if (h->hvf)
    g_strv_builder_add(accels_b, "hvf");
  g_strv_builder_add(accels_b, "tcg");
  g_auto(GStrv) accels = g_strv_builder_end(accels_b);

  if (common.json) {
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, ok);
    json_builder_set_member_name(b, "host");
    g_autoptr(JsonNode) cj = bvm_host_caps_to_json(caps);
    json_builder_add_value(b, json_object_dup_member(json_node_get_object(cj), "host"));
    json_builder_set_member_name(b, "accelerators");
    json_builder_begin_array(b);
    for (char **a = accels; *a; a++)
      json_builder_add_string_value(b, *a);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "tools");
    json_builder_add_value(b, bvm_deps_to_json(deps, h->os));
    json_builder_set_member_name(b, "firmware");
    json_builder_begin_array(b);
    for (guint i = 0; i < fws->len; i++)
      json_builder_add_value(b, bvm_firmware_to_json(fws->pdata[i]));
    json_builder_end_array(b);
    json_builder_set_member_name(b, "skippedFirmware");
    json_builder_begin_array(b);
    for (char **s = skipped; s && *s; s++)
      json_builder_add_string_value(b, *s);
    json_builder_end_array(b);
    json_builder_end_object(b);
    g_autoptr(JsonNode) node = json_builder_get_root(b);
    bvm_cli_print_json(node);
    return ok ? BVM_EXIT_OK : BVM_EXIT_DEPENDENCY;
  }

  g_autofree char *mem = bvm_format_mib(h->memory_mib);
  g_autofree char *accel_text = g_strjoinv(", ", accels);
  printf("Host:          %s %s, %u cores, %s\n", bvm_host_os_to_string(h->os),
         bvm_arch_to_string(h->arch), h->cores, mem);
  printf("Accelerators:  %s%s\n", accel_text,
         h->kvm || h->hvf ? "" : "  (no KVM/HVF: guests run under TCG emulation, slowly)");
  printf("\nTools:\n");
  for (guint i = 0; i < deps->len; i++) {
    const BvmDep *d = deps->pdata[i];
    if (d->path != NULL) {
      printf("  ok       %-20s %-8s %s\n", d->name, d->version ? d->version : "?", d->path);
    } else {
      g_autofree char *hint = bvm_dep_install_hint(d, h->os);
      printf("  MISSING  %-20s %s: %s\n", d->name, d->purpose, hint);
    }
  }
  printf("\nFirmware:\n");
  for (guint i = 0; i < fws->len; i++) {
    const BvmFirmware *fw = fws->pdata[i];
    g_autofree char *base = g_path_get_basename(fw->descriptor);
    printf("  %-8s %-36s secure-boot=%s enrolled-keys=%s requires-smm=%s\n",
           bvm_arch_to_string(fw->arch), base, fw->secure_boot ? "yes" : "no",
           fw->enrolled_keys ? "yes" : "no", fw->requires_smm ? "yes" : "no");
  }
  for (char **s = skipped; s && *s; s++)
    printf("  skipped  %s\n", *s);
  if (!fw_ok)
    printf("  MISSING  UEFI firmware for %s: %s\n", bvm_arch_to_string(h->arch),
           h->os == BVM_HOST_OS_MACOS    ? "brew install qemu"
           : h->arch == BVM_ARCH_AARCH64 ? "apt-get install -y qemu-efi-aarch64"
                                         : "apt-get install -y ovmf");
  printf("\n%s\n", ok ? "Ready: VMs of this host's architecture can run."
                      : "Not ready: install what is missing above.");
  return ok ? BVM_EXIT_OK : BVM_EXIT_DEPENDENCY;
}

int bvm_cmd_caps(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean refresh = FALSE;
  const GOptionEntry entries[] = {
      {"refresh", 0, 0, G_OPTION_ARG_NONE, &refresh, "Probe QEMU again", NULL},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("__caps", NULL,
                     "Internal: print this host's probed capabilities as JSON (the format of "
                     "tests/golden/caps/, to record a fixture).",
                     entries, FALSE, &common, &argc, &argv, &status))
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_get(refresh, &error);
  if (caps == NULL)
    return bvm_cli_fail(error);
  g_autoptr(JsonNode) node = bvm_host_caps_to_json(caps);
  bvm_cli_print_json(node);
  return BVM_EXIT_OK;
}
