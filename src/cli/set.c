#include "cli.h"
#include "error.h"
#include "util.h"
#include "validate.h"

#include <stdio.h>

int bvm_cmd_set(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *memory = NULL, *disk = NULL, *resolution = NULL, *iso = NULL;
  int cpus = 0;
  gboolean eject = FALSE;
  g_autofree char *press_key = NULL, *accel = NULL, *forward_bind = NULL, *drivers = NULL;
  g_auto(GStrv) forwards = NULL, no_forwards = NULL, shares = NULL, no_shares = NULL;
  const GOptionEntry entries[] = {
      {"cpus", 0, 0, G_OPTION_ARG_INT, &cpus, "Virtual CPUs", "N"},
      {"memory", 0, 0, G_OPTION_ARG_STRING, &memory, "Memory, like 8G or 4096 (MiB)", "SIZE"},
      {"disk", 0, 0, G_OPTION_ARG_STRING, &disk, "Grow the disk to SIZE (never shrinks)", "SIZE"},
      {"resolution", 0, 0, G_OPTION_ARG_STRING, &resolution, "Display size", "WxH"},
      {"iso", 0, 0, G_OPTION_ARG_FILENAME, &iso, "Attach an installer ISO", "PATH"},
      {"eject", 0, 0, G_OPTION_ARG_NONE, &eject, "Detach the ISO", NULL},
      {"drivers", 0, 0, G_OPTION_ARG_FILENAME, &drivers, "Attach the virtio-win driver ISO as a CD",
       "ISO"},
      {"press-key-on-boot", 0, 0, G_OPTION_ARG_STRING, &press_key,
       "on or off: press Enter a few times in the first seconds of a boot from the ISO with an "
       "empty disk, to answer \"Press any key to boot from CD or DVD\" (default on for Windows)",
       "on|off"},
      {"accel", 0, 0, G_OPTION_ARG_STRING, &accel,
       "auto, kvm, hvf or tcg: the accelerator (auto: the fastest that works here)", "ACCEL"},
      {"forward", 0, 0, G_OPTION_ARG_STRING_ARRAY, &forwards,
       "Forward a host port into the guest, like tcp:8080:80 or udp:5353:53 (repeatable; works "
       "while the VM runs)",
       "PROTO:HOSTPORT:GUESTPORT"},
      {"no-forward", 0, 0, G_OPTION_ARG_STRING_ARRAY, &no_forwards,
       "Stop forwarding a host port (repeatable; works while the VM runs)", "[PROTO:]HOSTPORT"},
      {"forward-bind", 0, 0, G_OPTION_ARG_STRING, &forward_bind,
       "The host address --forward listens on (default 127.0.0.1: this machine only; 0.0.0.0 "
       "lets other machines reach the guest)",
       "ADDR"},
      {"share", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &shares,
       "Share a host directory with the guest (repeatable): mounted by TAG (default: the "
       "directory's name), read-only with :ro",
       "PATH[:TAG][:ro]"},
      {"no-share", 0, 0, G_OPTION_ARG_STRING_ARRAY, &no_shares, "Stop sharing the folder TAG",
       "TAG"},
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
  if (forward_bind != NULL && forwards == NULL)
    return bvm_cli_usage("set", "--forward-bind applies to --forward: give one");
  gboolean sharing = forwards || no_forwards || shares || no_shares;
  gboolean settings =
      cpus != 0 || memory || disk || resolution || iso || eject || press_key || accel || drivers;
  if (!settings && !sharing)
    return bvm_cli_usage("set", "nothing to change: give --cpus, --memory, --disk, --resolution, "
                                "--iso, --eject, --drivers, --press-key-on-boot, --accel, "
                                "--forward, --no-forward, --share or --no-share");

  /* The flags as updateVm's parameters, sizes and WxH in the API's units. */
  JsonObject *p = bvm_cli_vm_params(argv[1]);
  g_autoptr(JsonObject) owner = p;
  if (cpus > 0)
    json_object_set_int_member(p, "cpus", cpus);
  if (iso != NULL)
    json_object_set_string_member(p, "isoPath", iso);
  if (eject)
    json_object_set_boolean_member(p, "eject", TRUE);
  if (drivers != NULL) {
    g_autofree char *abs = g_canonicalize_filename(drivers, NULL);
    json_object_set_string_member(p, "driversIsoPath", abs);
  }
  if (press_key != NULL)
    json_object_set_boolean_member(p, "pressKeyOnBoot", g_strcmp0(press_key, "on") == 0);
  if (accel != NULL)
    json_object_set_string_member(p, "accel", bvm_accel_to_string(accel_word));
  g_autoptr(GError) error = NULL;
  if (!bvm_cli_size_params(p, memory, disk, resolution, TRUE, &error))
    return bvm_cli_fail(error);

  g_autoptr(JsonNode) result = NULL;
  if (settings &&
      (status = bvm_cli_call(&common, "updateVm", g_steal_pointer(&owner), &result)) != BVM_EXIT_OK)
    return status;
  if (sharing &&
      (status = bvm_cli_set_sharing(&common, argv[1], forwards, no_forwards, forward_bind, shares,
                                    no_shares, &result)) != BVM_EXIT_OK)
    return status;
  if (common.json)
    bvm_cli_print_json(result);
  else
    printf("Updated VM '%s'\n", bvm_cli_str(json_node_get_object(result), "name"));
  return BVM_EXIT_OK;
}
