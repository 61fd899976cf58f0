/* bridgevm doctor: what this host can run, and what to install. */
#include "caps.h"
#include "cli.h"
#include "error.h"
#include "util.h"

#include <stdio.h>

static guint array_length(JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member(o, key);
  return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_array_get_length(json_node_get_array(n)) : 0;
}

/* The doctor's answer as text. */
static void print_doctor(JsonObject *d)
{
  JsonObject *h = bvm_cli_obj(d, "host");
  const char *os = bvm_cli_str(h, "os"), *arch = bvm_cli_str(h, "arch");
  BvmHostOs host_os = BVM_HOST_OS_LINUX;
  (void)bvm_host_os_from_string(os, &host_os);
  g_autofree char *mem = bvm_format_mib((guint64)bvm_cli_int(h, "memoryMiB", 0));
  JsonArray *accels = json_object_get_array_member(d, "accelerators");
  GString *accel_text = g_string_new(NULL);
  for (guint i = 0; i < json_array_get_length(accels); i++)
    g_string_append_printf(accel_text, "%s%s", i ? ", " : "",
                           json_array_get_string_element(accels, i));
  printf("Host:          %s %s, %u cores, %s\n", os, arch, (guint)bvm_cli_int(h, "cores", 0), mem);
  printf("Accelerators:  %s%s\n", accel_text->str,
         json_array_get_length(accels) > 1
             ? ""
             : "  (no KVM/HVF: guests run under TCG emulation, slowly)");
  g_string_free(accel_text, TRUE);
  if (bvm_cli_str(d, "kvmError") != NULL)
    printf("               %s\n"
           "               (a nested or restricted hypervisor?); VMs use TCG unless set to kvm\n",
           bvm_cli_str(d, "kvmError"));
  printf("\nTools:\n");
  JsonArray *tools = json_object_get_array_member(d, "tools");
  for (guint i = 0; i < json_array_get_length(tools); i++) {
    JsonObject *dep = json_array_get_object_element(tools, i);
    const char *path = bvm_cli_str(dep, "path"), *version = bvm_cli_str(dep, "version");
    if (path != NULL)
      printf("  ok       %-20s %-8s %s\n", bvm_cli_str(dep, "name"), version ? version : "?", path);
    else
      printf("  MISSING  %-20s %s: %s\n", bvm_cli_str(dep, "name"), bvm_cli_str(dep, "purpose"),
             bvm_cli_str(dep, "installHint"));
  }
  printf("\nFirmware:\n");
  gboolean firmware_ok = FALSE;
  JsonArray *firmware = json_object_get_array_member(d, "firmware");
  for (guint i = 0; i < json_array_get_length(firmware); i++) {
    JsonObject *fw = json_array_get_object_element(firmware, i);
    g_autofree char *base = g_path_get_basename(bvm_cli_str(fw, "descriptor"));
    firmware_ok |= g_strcmp0(bvm_cli_str(fw, "arch"), arch) == 0;
    printf("  %-8s %-36s secure-boot=%s enrolled-keys=%s requires-smm=%s\n",
           bvm_cli_str(fw, "arch"), base, bvm_cli_bool(fw, "secureBoot") ? "yes" : "no",
           bvm_cli_bool(fw, "enrolledKeys") ? "yes" : "no",
           bvm_cli_bool(fw, "requiresSmm") ? "yes" : "no");
  }
  JsonArray *skipped = json_object_get_array_member(d, "skippedFirmware");
  for (guint i = 0; i < array_length(d, "skippedFirmware"); i++)
    printf("  skipped  %s\n", json_array_get_string_element(skipped, i));
  if (!firmware_ok)
    printf("  MISSING  UEFI firmware for %s: %s\n", arch,
           host_os == BVM_HOST_OS_MACOS      ? "brew install qemu"
           : g_strcmp0(arch, "aarch64") == 0 ? "apt-get install -y qemu-efi-aarch64"
                                             : "apt-get install -y ovmf");
  printf("\n%s\n", bvm_cli_bool(d, "ok") ? "Ready: VMs of this host's architecture can run."
                                         : "Not ready: install what is missing above.");
}

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

  JsonObject *p = json_object_new();
  json_object_set_boolean_member(p, "refresh", refresh);
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "doctor", p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  JsonObject *d = json_node_get_object(result);
  int exit_status = bvm_cli_bool(d, "ok") ? BVM_EXIT_OK : BVM_EXIT_DEPENDENCY;
  if (common.json) {
    bvm_cli_print_json(result);
    return exit_status;
  }
  print_doctor(d);
  return exit_status;
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
