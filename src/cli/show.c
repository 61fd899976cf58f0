#include "cli.h"
#include "error.h"
#include "util.h"

#include <stdio.h>

static const char * or (const char *s, const char *fallback)
{
  return s != NULL ? s : fallback;
}

int bvm_cmd_show(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("show", "VM", "Show one VM (by name or id prefix).", NULL, TRUE, &common,
                     &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("show", "give exactly one VM");
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "showVm", bvm_cli_vm_params(argv[1]), &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json) {
    bvm_cli_print_json(result);
    return BVM_EXIT_OK;
  }
  JsonObject *c = json_node_get_object(result);
  JsonObject *st = bvm_cli_obj(c, "status"), *fw = bvm_cli_obj(c, "firmware");
  JsonObject *display = bvm_cli_obj(c, "display"), *last = bvm_cli_obj(c, "lastExit");
  g_autofree char *mem = bvm_format_mib((guint64)bvm_cli_int(c, "memoryMiB", 0));
  g_autofree char *disk = bvm_format_mib((guint64)bvm_cli_int(c, "diskGiB", 0) * 1024);
  gint64 pid = bvm_cli_int(st, "pid", 0);
  printf("Name:          %s\n", bvm_cli_str(c, "name"));
  printf("Id:            %s\n", bvm_cli_str(c, "id"));
  printf("State:         %s", bvm_cli_str(c, "state"));
  if (pid > 0)
    printf(" (pid %" G_GINT64_FORMAT ", up %" G_GINT64_FORMAT " s)", pid,
           bvm_cli_int(st, "uptimeSeconds", -1));
  printf("\n");
  printf("Path:          %s\n", bvm_cli_str(c, "path"));
  printf("OS / arch:     %s / %s\n", bvm_cli_str(c, "os"), bvm_cli_str(c, "arch"));
  printf("Preset:        %s\n", or (bvm_cli_str(c, "preset"), "custom"));
  printf("CPUs:          %u\n", (guint)bvm_cli_int(c, "cpus", 0));
  printf("Memory:        %s\n", mem);
  JsonObject *usage = bvm_cli_obj(c, "diskUsage");
  g_autofree char *allocated =
      g_format_size_full((guint64)bvm_cli_int(usage, "allocatedBytes", 0), G_FORMAT_SIZE_IEC_UNITS);
  if (usage != NULL)
    printf("Disk:          %s (%s allocated on the host, snapshots included)\n", disk, allocated);
  else
    printf("Disk:          %s\n", disk);
  printf("Display:       %ux%u\n", (guint)bvm_cli_int(display, "width", 0),
         (guint)bvm_cli_int(display, "height", 0));
  printf("Secure Boot:   %s%s\n", bvm_cli_bool(fw, "secureBoot") ? "on" : "off",
         bvm_cli_bool(fw, "enrolledKeys") ? " (Microsoft keys enrolled)" : "");
  printf("Firmware:      %s\n", or (bvm_cli_str(fw, "code"), "(none)"));
  printf("TPM 2.0:       %s\n", bvm_cli_bool(bvm_cli_obj(c, "tpm"), "enabled") ? "on" : "off");
  printf("ISO:           %s\n", or (bvm_cli_str(c, "isoPath"), "(none)"));
  if (bvm_cli_str(c, "licenseAcceptedAt") != NULL)
    printf("Licence:       acknowledged %s\n", bvm_cli_str(c, "licenseAcceptedAt"));
  printf("Created:       %s\n", or (bvm_cli_str(c, "createdAt"), "?"));
  printf("Last started:  %s\n", or (bvm_cli_str(c, "startedAt"), "never"));
  if (last != NULL)
    printf("Last exit:     %s (%s)\n", or (bvm_cli_str(last, "reason"), "?"),
           or (bvm_cli_str(last, "at"), "?"));
  bvm_cli_print_sharing(c);
  JsonNode *snaps = json_object_get_member(c, "snapshots");
  JsonArray *a = snaps != NULL && JSON_NODE_HOLDS_ARRAY(snaps) ? json_node_get_array(snaps) : NULL;
  for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
    JsonObject *s = json_array_get_object_element(a, i);
    g_autofree char *held =
        g_format_size_full((guint64)bvm_cli_int(s, "diskHeldBytes", 0), G_FORMAT_SIZE_IEC_UNITS);
    printf("%s %s  %s, %s, holds %s of disk\n", i == 0 ? "Snapshots:    " : "              ",
           bvm_cli_str(s, "name"), bvm_cli_str(s, "createdAt"), bvm_cli_str(s, "consistency"),
           held);
  }
  return BVM_EXIT_OK;
}
