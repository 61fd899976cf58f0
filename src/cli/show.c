#include "cli.h"
#include "error.h"
#include "state.h"
#include "vm.h"
#include "util.h"

#include <stdio.h>

int bvm_cmd_show(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("show", "VM", "Show one VM (by name or id prefix).", NULL, TRUE, &common,
                     &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("show", "give exactly one VM");
  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  if (common.json) {
    bvm_vm_reconcile(e);
    g_autoptr(JsonNode) node = bvm_vm_to_json(e);
    bvm_cli_print_json(node);
    return BVM_EXIT_OK;
  }
  BvmConfig *c = e->config;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, c->id);
  g_auto(BvmVmStatus) st = {0};
  bvm_state_reconcile(c, paths);
  bvm_state_get(c, paths, &st);
  g_autofree char *mem = bvm_format_mib(c->memory_mib);
  g_autofree char *disk = bvm_format_mib(c->disk_gib * 1024);
  printf("Name:          %s\n", c->name);
  printf("Id:            %s\n", c->id);
  printf("State:         %s", bvm_vm_state_to_string(st.state));
  if (st.qemu_pid > 0)
    printf(" (pid %d, up %" G_GINT64_FORMAT " s)", st.qemu_pid, st.uptime_seconds);
  printf("\n");
  printf("Path:          %s\n", e->path);
  printf("OS / arch:     %s / %s\n", bvm_os_to_string(c->os), bvm_arch_to_string(c->arch));
  printf("Preset:        %s\n", bvm_preset_to_string(c->preset));
  printf("CPUs:          %u\n", c->cpus);
  printf("Memory:        %s\n", mem);
  printf("Disk:          %s\n", disk);
  printf("Display:       %ux%u\n", c->display_width, c->display_height);
  printf("Secure Boot:   %s%s\n", c->firmware.secure_boot ? "on" : "off",
         c->firmware.enrolled_keys ? " (Microsoft keys enrolled)" : "");
  printf("Firmware:      %s\n", c->firmware.code ? c->firmware.code : "(none)");
  printf("TPM 2.0:       %s\n", c->tpm_enabled ? "on" : "off");
  printf("ISO:           %s\n", c->iso_path ? c->iso_path : "(none)");
  if (c->license_accepted_at)
    printf("Licence:       acknowledged %s\n", c->license_accepted_at);
  printf("Created:       %s\n", c->created_at ? c->created_at : "?");
  printf("Last started:  %s\n", c->started_at ? c->started_at : "never");
  if (c->last_exit != NULL)
    printf("Last exit:     %s (%s)\n", c->last_exit->reason ? c->last_exit->reason : "?",
           c->last_exit->at ? c->last_exit->at : "?");
  return BVM_EXIT_OK;
}
