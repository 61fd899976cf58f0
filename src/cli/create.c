#include "cli.h"
#include "error.h"
#include "util.h"
#include "validate.h"

#include <stdio.h>

int bvm_cmd_create(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *iso = NULL, *os = NULL, *arch = NULL, *preset = NULL, *memory = NULL,
                  *disk = NULL, *resolution = NULL, *accel = NULL, *user = NULL,
                  *password_file = NULL, *locale = NULL, *timezone = NULL, *drivers = NULL;
  gboolean express = FALSE;
  int cpus = 0;
  gboolean no_tpm = FALSE, no_secure_boot = FALSE, secure_boot = FALSE, accept = FALSE;
  const GOptionEntry entries[] = {
      {"iso", 0, 0, G_OPTION_ARG_FILENAME, &iso, "Installer ISO to boot from (required)", "PATH"},
      {"os", 0, 0, G_OPTION_ARG_STRING, &os,
       "windows11, linux or other (default: what the ISO is, else linux)", "OS"},
      {"arch", 0, 0, G_OPTION_ARG_STRING, &arch,
       "x86_64 or aarch64 (default: the ISO's, else the host's)", "ARCH"},
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
      {"express", 0, 0, G_OPTION_ARG_NONE, &express,
       "Unattended Windows 11 install with a local account (needs --user)", NULL},
      {"user", 0, 0, G_OPTION_ARG_STRING, &user, "Express: the local administrator's name", "NAME"},
      {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
       "Express: a file (not world-readable) holding the account's password (default: none)",
       "FILE"},
      {"locale", 0, 0, G_OPTION_ARG_STRING, &locale,
       "Express: language, formats and keyboard, like en-US (default: the host's)", "ll-CC"},
      {"timezone", 0, 0, G_OPTION_ARG_STRING, &timezone,
       "Express: Windows or IANA time zone (default: the host's)", "TZ"},
      {"drivers", 0, 0, G_OPTION_ARG_FILENAME, &drivers,
       "The virtio-win ISO, attached as a CD (express: its drivers are installed)", "ISO"},
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

  /* The flags as createVm's parameters; what the API takes only in its own
   * units (sizes, WxH) is converted here. */
  JsonObject *p = json_object_new();
  g_autoptr(JsonObject) owner = p;
  json_object_set_string_member(p, "name", argv[1]);
  json_object_set_string_member(p, "isoPath", iso);
  BvmOs os_word;
  if (os != NULL) {
    if (!bvm_os_from_string(os, &os_word))
      return bvm_cli_usage("create", "--os must be windows11, linux or other, not '%s'", os);
    json_object_set_string_member(p, "os", bvm_os_to_string(os_word));
  }
  BvmArch arch_word;
  if (arch != NULL) {
    if (!bvm_arch_from_string(arch, &arch_word))
      return bvm_cli_usage("create", "--arch must be x86_64 or aarch64, not '%s'", arch);
    json_object_set_string_member(p, "arch", bvm_arch_to_string(arch_word));
  }
  BvmPreset preset_word;
  if (preset != NULL) {
    if (!bvm_preset_from_string(preset, &preset_word) || preset_word == BVM_PRESET_CUSTOM)
      return bvm_cli_usage("create", "--preset must be light, recommended or pro, not '%s'",
                           preset);
    json_object_set_string_member(p, "preset", bvm_preset_to_string(preset_word));
  }
  BvmAccel accel_word;
  if (accel != NULL) {
    if (!bvm_accel_from_string(accel, &accel_word))
      return bvm_cli_usage("create", "--accel must be auto, kvm, hvf or tcg, not '%s'", accel);
    json_object_set_string_member(p, "accel", bvm_accel_to_string(accel_word));
  }
  g_autoptr(GError) error = NULL;
  if (cpus < 0)
    return bvm_cli_usage("create", "--cpus must be a positive number");
  if (cpus > 0)
    json_object_set_int_member(p, "cpus", cpus);
  /* a disk of 0 asks for the preset's size, as before */
  if (!bvm_cli_size_params(p, memory, disk, resolution, FALSE, &error))
    return bvm_cli_fail(error);
  json_object_set_boolean_member(p, "tpm", !no_tpm);
  if (secure_boot || no_secure_boot)
    json_object_set_boolean_member(p, "secureBoot", secure_boot);
  json_object_set_boolean_member(p, "acceptLicense", accept);
  if (!express && (user || password_file || locale || timezone))
    return bvm_cli_usage("create",
                         "--user, --password-file, --locale and --timezone go with --express");
  if (express) {
    if (user == NULL)
      return bvm_cli_usage("create", "--express needs --user NAME");
    json_object_set_boolean_member(p, "express", TRUE);
    json_object_set_string_member(p, "user", user);
    if (password_file != NULL) {
      g_autofree char *abs = g_canonicalize_filename(password_file, NULL);
      json_object_set_string_member(p, "passwordFile", abs);
    }
    if (locale != NULL)
      json_object_set_string_member(p, "locale", locale);
    if (timezone != NULL)
      json_object_set_string_member(p, "timezone", timezone);
  }
  if (drivers != NULL) {
    g_autofree char *abs = g_canonicalize_filename(drivers, NULL);
    json_object_set_string_member(p, "driversIsoPath", abs);
  }

  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "createVm", g_steal_pointer(&owner), &result);
  if (status != BVM_EXIT_OK)
    return status;
  JsonObject *vm = json_node_get_object(result);
  const char *notice = bvm_cli_str(vm, "notice");
  if (notice != NULL)
    bvm_cli_notice(notice);
  if (common.json)
    bvm_cli_print_json(result);
  else
    printf("Created VM '%s' (%s) in %s\n", bvm_cli_str(vm, "name"), bvm_cli_str(vm, "id"),
           bvm_cli_str(vm, "path"));
  return BVM_EXIT_OK;
}
