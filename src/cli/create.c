#include "cli.h"
#include "create.h"
#include "error.h"
#include "util.h"
#include "validate.h"
#include "vm.h"

#include <stdio.h>

int bvm_cmd_create(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *iso = NULL, *os = NULL, *arch = NULL, *preset = NULL, *memory = NULL,
                  *disk = NULL, *resolution = NULL, *accel = NULL;
  int cpus = 0;
  gboolean no_tpm = FALSE, no_secure_boot = FALSE, secure_boot = FALSE, accept = FALSE;
  const GOptionEntry entries[] = {
      {"iso", 0, 0, G_OPTION_ARG_FILENAME, &iso, "Installer ISO to boot from (required)", "PATH"},
      {"os", 0, 0, G_OPTION_ARG_STRING, &os, "windows11, linux or other (default: linux)", "OS"},
      {"arch", 0, 0, G_OPTION_ARG_STRING, &arch, "x86_64 or aarch64 (default: the host's)", "ARCH"},
      {"preset", 0, 0, G_OPTION_ARG_STRING, &preset,
       "light, recommended or pro (default: recommended)", "PRESET"},
      {"cpus", 0, 0, G_OPTION_ARG_INT, &cpus, "Virtual CPUs (overrides the preset)", "N"},
      {"memory", 0, 0, G_OPTION_ARG_STRING, &memory, "Memory, like 8G or 4096 (MiB)", "SIZE"},
      {"disk", 0, 0, G_OPTION_ARG_STRING, &disk, "Disk size, like 128G (GiB without a unit)",
       "SIZE"},
      {"resolution", 0, 0, G_OPTION_ARG_STRING, &resolution, "Display size (default 1920x1080)",
       "WxH"},
      {"no-tpm", 0, 0, G_OPTION_ARG_NONE, &no_tpm, "No TPM 2.0 (Windows 11 needs one)", NULL},
      {"secure-boot", 0, 0, G_OPTION_ARG_NONE, &secure_boot,
       "UEFI Secure Boot on (default for Windows 11)", NULL},
      {"no-secure-boot", 0, 0, G_OPTION_ARG_NONE, &no_secure_boot, "UEFI Secure Boot off", NULL},
      {"accel", 0, 0, G_OPTION_ARG_STRING, &accel,
       "auto, kvm, hvf or tcg (default auto: the fastest that works here)", "ACCEL"},
      {"accept-license", 0, 0, G_OPTION_ARG_NONE, &accept,
       "Acknowledge the Microsoft Software License Terms (Windows 11)", NULL},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("create", "NAME --iso PATH", "Create a VM from an installer ISO.", entries,
                     TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("create", "give exactly one NAME");
  if (iso == NULL)
    return bvm_cli_usage("create", "--iso PATH is required");
  if (secure_boot && no_secure_boot)
    return bvm_cli_usage("create", "--secure-boot and --no-secure-boot contradict each other");

  BvmCreateRequest req = {0};
  req.name = argv[1];
  req.iso_path = iso;
  req.os = BVM_OS_LINUX;
  if (os != NULL && !bvm_os_from_string(os, &req.os))
    return bvm_cli_usage("create", "--os must be windows11, linux or other, not '%s'", os);
  if (arch != NULL) {
    if (!bvm_arch_from_string(arch, &req.arch))
      return bvm_cli_usage("create", "--arch must be x86_64 or aarch64, not '%s'", arch);
    req.arch_set = TRUE;
  }
  if (preset != NULL) {
    if (!bvm_preset_from_string(preset, &req.preset) || req.preset == BVM_PRESET_CUSTOM)
      return bvm_cli_usage("create", "--preset must be light, recommended or pro, not '%s'",
                           preset);
    req.preset_set = TRUE;
  }
  if (accel != NULL && !bvm_accel_from_string(accel, &req.accel))
    return bvm_cli_usage("create", "--accel must be auto, kvm, hvf or tcg, not '%s'", accel);
  g_autoptr(GError) error = NULL;
  if (cpus < 0)
    return bvm_cli_usage("create", "--cpus must be a positive number");
  req.cpus = (guint)cpus;
  guint64 bytes = 0;
  if (memory != NULL) {
    if (!bvm_parse_size(memory, 'M', &bytes, &error))
      return bvm_cli_fail(error);
    req.memory_mib = bytes / BVM_MIB;
    if (req.memory_mib == 0)
      req.memory_mib = 1;
  }
  if (disk != NULL) {
    if (!bvm_parse_size(disk, 'G', &bytes, &error))
      return bvm_cli_fail(error);
    req.disk_gib = (bytes + BVM_GIB - 1) / BVM_GIB;
  }
  if (resolution != NULL && !bvm_validate_resolution(resolution, &req.width, &req.height, &error))
    return bvm_cli_fail(error);
  req.no_tpm = no_tpm;
  req.secure_boot_set = secure_boot || no_secure_boot;
  req.secure_boot = secure_boot;
  req.accept_license = accept;

  BvmHostInfo host;
  bvm_host_info_probe(&host);
  g_autofree char *library = bvm_cli_library(&common);
  g_autofree char *path = NULL, *notices = NULL;
  g_autoptr(BvmConfig) config =
      bvm_create_vm(library, &req, &host, NULL, bvm_cli_progress, &common, &path, &notices, &error);
  if (config == NULL)
    return bvm_cli_fail(error);
  if (notices != NULL)
    bvm_cli_notice(notices);
  if (common.json) {
    BvmVmEntry entry = {.path = path, .config = config};
    g_autoptr(JsonNode) node = bvm_vm_to_json(&entry);
    bvm_cli_print_json(node);
  } else {
    printf("Created VM '%s' (%s) in %s\n", config->name, config->id, path);
  }
  return BVM_EXIT_OK;
}
