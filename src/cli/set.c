#include "update.h"
#include "cli.h"
#include "disk.h"
#include "error.h"
#include "util.h"
#include "validate.h"
#include "vm.h"

#include <stdio.h>

int bvm_cmd_set(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *memory = NULL, *disk = NULL, *resolution = NULL, *iso = NULL;
  int cpus = 0;
  gboolean eject = FALSE;
  g_autofree char *press_key = NULL, *accel = NULL;
  const GOptionEntry entries[] = {
      {"cpus", 0, 0, G_OPTION_ARG_INT, &cpus, "Virtual CPUs", "N"},
      {"memory", 0, 0, G_OPTION_ARG_STRING, &memory, "Memory, like 8G or 4096 (MiB)", "SIZE"},
      {"disk", 0, 0, G_OPTION_ARG_STRING, &disk, "Grow the disk to SIZE (never shrinks)", "SIZE"},
      {"resolution", 0, 0, G_OPTION_ARG_STRING, &resolution, "Display size", "WxH"},
      {"iso", 0, 0, G_OPTION_ARG_FILENAME, &iso, "Attach an installer ISO", "PATH"},
      {"eject", 0, 0, G_OPTION_ARG_NONE, &eject, "Detach the ISO", NULL},
      {"press-key-on-boot", 0, 0, G_OPTION_ARG_STRING, &press_key,
       "on or off: press Enter a few times in the first seconds of a boot from the ISO with an "
       "empty disk, to answer \"Press any key to boot from CD or DVD\" (default on for Windows)",
       "on|off"},
      {"accel", 0, 0, G_OPTION_ARG_STRING, &accel,
       "auto, kvm, hvf or tcg: the accelerator (auto: the fastest that works here)", "ACCEL"},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("set", "VM", "Change a stopped VM's settings.", entries, TRUE, &common, &argc,
                     &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("set", "give exactly one VM");
  if (iso != NULL && eject)
    return bvm_cli_usage("set", "--iso and --eject contradict each other");
  if (cpus < 0)
    return bvm_cli_usage("set", "--cpus must be a positive number");
  if (press_key != NULL && g_strcmp0(press_key, "on") != 0 && g_strcmp0(press_key, "off") != 0)
    return bvm_cli_usage("set", "--press-key-on-boot takes on or off, not '%s'", press_key);
  BvmAccel accel_word = BVM_ACCEL_AUTO;
  if (accel != NULL && !bvm_accel_from_string(accel, &accel_word))
    return bvm_cli_usage("set", "--accel must be auto, kvm, hvf or tcg, not '%s'", accel);
  if (cpus == 0 && !memory && !disk && !resolution && !iso && !eject && !press_key && !accel)
    return bvm_cli_usage("set", "nothing to change: give --cpus, --memory, --disk, --resolution, "
                                "--iso, --eject, --press-key-on-boot or --accel");

  g_autoptr(GError) error = NULL;
  BvmUpdateRequest req = {.cpus = (guint)cpus,
                          .iso_path = iso,
                          .eject = eject,
                          .press_key_on_boot = press_key ? g_strcmp0(press_key, "on") == 0 : -1,
                          .accel_set = accel != NULL,
                          .accel = accel_word};
  guint64 bytes = 0;
  if (memory != NULL) {
    if (!bvm_parse_size(memory, 'M', &bytes, &error))
      return bvm_cli_fail(error);
    req.memory_mib = MAX(bytes / BVM_MIB, 1);
  }
  if (disk != NULL) {
    if (!bvm_parse_size(disk, 'G', &bytes, &error))
      return bvm_cli_fail(error);
    req.disk_gib = MAX((bytes + BVM_GIB - 1) / BVM_GIB, 1);
  }
  if (resolution != NULL && !bvm_validate_resolution(resolution, &req.width, &req.height, &error))
    return bvm_cli_fail(error);

  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  BvmHostInfo host;
  bvm_host_info_probe(&host);
  if (!bvm_update_vm(e, &req, &host, &error))
    return bvm_cli_fail(error);
  BvmConfig *c = e->config;

  if (common.json) {
    bvm_vm_reconcile(e);
    g_autoptr(JsonNode) node = bvm_vm_to_json(e);
    bvm_cli_print_json(node);
  } else {
    printf("Updated VM '%s'\n", c->name);
  }
  return BVM_EXIT_OK;
}
