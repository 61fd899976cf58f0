/* bridgevm doctor: what this host can run, and what to install. */
#include "caps.h"
#include "cli.h"
#include "deps.h"
#include "doctor.h"
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
  g_autoptr(BvmDoctor) d = bvm_doctor_run(refresh, &error);
  if (d == NULL)
    return bvm_cli_fail(error);
  const BvmHostInfo *h = &d->caps->host;
  if (common.json) {
    g_autoptr(JsonNode) node = bvm_doctor_to_json(d);
    bvm_cli_print_json(node);
    return d->ok ? BVM_EXIT_OK : BVM_EXIT_DEPENDENCY;
  }

  g_autofree char *mem = bvm_format_mib(h->memory_mib);
  g_autofree char *accel_text = g_strjoinv(", ", d->accels);
  printf("Host:          %s %s, %u cores, %s\n", bvm_host_os_to_string(h->os),
         bvm_arch_to_string(h->arch), h->cores, mem);
  printf("Accelerators:  %s%s\n", accel_text,
         g_strv_length(d->accels) > 1 ? ""
                                      : "  (no KVM/HVF: guests run under TCG emulation, slowly)");
  if (d->kvm_error != NULL)
    printf("               %s\n"
           "               (a nested or restricted hypervisor?); VMs use TCG unless set to kvm\n",
           d->kvm_error);
  printf("\nTools:\n");
  for (guint i = 0; i < d->deps->len; i++) {
    const BvmDep *dep = d->deps->pdata[i];
    if (dep->path != NULL) {
      printf("  ok       %-20s %-8s %s\n", dep->name, dep->version ? dep->version : "?", dep->path);
    } else {
      g_autofree char *hint = bvm_dep_install_hint(dep, h->os);
      printf("  MISSING  %-20s %s: %s\n", dep->name, dep->purpose, hint);
    }
  }
  printf("\nFirmware:\n");
  for (guint i = 0; i < d->firmware->len; i++) {
    const BvmFirmware *fw = d->firmware->pdata[i];
    g_autofree char *base = g_path_get_basename(fw->descriptor);
    printf("  %-8s %-36s secure-boot=%s enrolled-keys=%s requires-smm=%s\n",
           bvm_arch_to_string(fw->arch), base, fw->secure_boot ? "yes" : "no",
           fw->enrolled_keys ? "yes" : "no", fw->requires_smm ? "yes" : "no");
  }
  for (char **s = d->skipped; s && *s; s++)
    printf("  skipped  %s\n", *s);
  if (!d->firmware_ok)
    printf("  MISSING  UEFI firmware for %s: %s\n", bvm_arch_to_string(h->arch),
           h->os == BVM_HOST_OS_MACOS    ? "brew install qemu"
           : h->arch == BVM_ARCH_AARCH64 ? "apt-get install -y qemu-efi-aarch64"
                                         : "apt-get install -y ovmf");
  printf("\n%s\n", d->ok ? "Ready: VMs of this host's architecture can run."
                         : "Not ready: install what is missing above.");
  return d->ok ? BVM_EXIT_OK : BVM_EXIT_DEPENDENCY;
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
