#include "bundle.h"
#include "cli.h"
#include "disk.h"
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
  g_autofree char *press_key = NULL;
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
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("set", "VM [OPTIONS]", "Change a stopped VM's settings.", entries, TRUE,
                     &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("set", "give exactly one VM");
  if (iso != NULL && eject)
    return bvm_cli_usage("set", "--iso and --eject contradict each other");
  if (cpus < 0)
    return bvm_cli_usage("set", "--cpus must be a positive number");
  if (press_key != NULL && g_strcmp0(press_key, "on") != 0 && g_strcmp0(press_key, "off") != 0)
    return bvm_cli_usage("set", "--press-key-on-boot takes on or off, not '%s'", press_key);
  if (cpus == 0 && !memory && !disk && !resolution && !iso && !eject && !press_key)
    return bvm_cli_usage("set", "nothing to change: give --cpus, --memory, --disk, --resolution, "
                                "--iso or --eject");

  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  if (!bvm_bundle_check_stopped(e->config, paths, "change its settings", &error))
    return bvm_cli_fail(error);

  g_autoptr(BvmConfig) c = bvm_config_copy(e->config);
  guint64 bytes = 0;
  if (cpus > 0)
    c->cpus = (guint)cpus;
  if (memory != NULL) {
    if (!bvm_parse_size(memory, 'M', &bytes, &error))
      return bvm_cli_fail(error);
    c->memory_mib = MAX(bytes / BVM_MIB, 1);
  }
  if (disk != NULL) {
    if (!bvm_parse_size(disk, 'G', &bytes, &error))
      return bvm_cli_fail(error);
    guint64 gib = (bytes + BVM_GIB - 1) / BVM_GIB;
    if (gib < e->config->disk_gib) {
      g_set_error(&error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                  "VM '%s' has a %" G_GUINT64_FORMAT " GiB disk; shrinking it would lose data: "
                  "give %" G_GUINT64_FORMAT "G or more",
                  c->name, e->config->disk_gib, e->config->disk_gib);
      return bvm_cli_fail(error);
    }
    c->disk_gib = gib;
  }
  if (resolution != NULL &&
      !bvm_parse_resolution(resolution, &c->display_width, &c->display_height, &error))
    return bvm_cli_fail(error);
  if (iso != NULL) {
    if (!bvm_validate_iso(iso, &error))
      return bvm_cli_fail(error);
    g_free(c->iso_path);
    c->iso_path = g_canonicalize_filename(iso, NULL);
  }
  if (eject)
    g_clear_pointer(&c->iso_path, g_free);
  if (press_key != NULL)
    c->press_key_on_boot = g_strcmp0(press_key, "on") == 0;
  if (cpus > 0 || memory != NULL || disk != NULL)
    c->preset = BVM_PRESET_CUSTOM;

  BvmHostInfo host;
  bvm_host_info_probe(&host);
  if (!bvm_validate_resources(c, &host, &error) || !bvm_validate_windows11(c, &error))
    return bvm_cli_fail(error);

  /* The disk first: if growing fails, the config still tells the truth. */
  if (c->disk_gib != e->config->disk_gib && !bvm_disk_grow(paths->disk, c->disk_gib, &error))
    return bvm_cli_fail(error);
  if (!bvm_config_save(c, e->path, &error))
    return bvm_cli_fail(error);

  if (common.json) {
    BvmVmEntry updated = {.path = e->path, .config = c};
    g_autoptr(JsonNode) node = bvm_vm_entry_to_json(&updated);
    bvm_cli_print_json(node);
  } else {
    printf("Updated VM '%s'\n", c->name);
  }
  return BVM_EXIT_OK;
}
