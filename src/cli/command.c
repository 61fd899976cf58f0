#include "caps.h"
#include "cli.h"
#include "error.h"
#include "qemu_cmd.h"

#include <stdio.h>

static int command_from_caps_file(BvmCliCommon *common, const char *query, const char *caps_file,
                                  BvmDisplayMode mode, gboolean paused, JsonNode **out_result)
{
  int status;
  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(common, query, &status);
  if (e == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) caps = bvm_host_caps_load_file(caps_file, &error);
  if (caps == NULL)
    return bvm_cli_fail(error);
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  BvmCmdOptions opts = {.display = mode, .start_paused = paused};
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(e->config, caps, paths, &opts, &error);
  if (cmd == NULL)
    return bvm_cli_fail(error);
  *out_result = bvm_command_to_json(cmd);
  return BVM_EXIT_OK;
}

/* One argument per line (bvm_command_to_args_text), from vmCommand's answer. */
static void print_args(JsonObject *o)
{
  JsonArray *argv = json_object_get_array_member(o, "argv");
  for (guint i = 0; i < json_array_get_length(argv); i++)
    printf("%s\n", json_array_get_string_element(argv, i));
}

/* The argv by flag group with its reason (bvm_command_explain), from
 * vmCommand's answer. */
static void print_explain(JsonObject *o)
{
  printf("# QEMU command (command version %u, accelerator %s)\n\n",
         (guint)bvm_cli_int(o, "commandVersion", 0), bvm_cli_str(o, "accel"));
  JsonArray *groups = json_object_get_array_member(o, "groups");
  for (guint i = 0; i < json_array_get_length(groups); i++) {
    JsonObject *g = json_array_get_object_element(groups, i);
    printf("# %s\n", bvm_cli_str(g, "reason"));
    JsonArray *flags = json_object_get_array_member(g, "flags");
    for (guint j = 0; j < json_array_get_length(flags); j++) {
      const char *f = json_array_get_string_element(flags, j);
      g_autofree char *quoted = g_shell_quote(f);
      printf("  %s%s\n", f[0] == '-' ? "" : "  ", quoted);
    }
    printf("\n");
  }
  JsonArray *dropped = json_object_get_array_member(o, "dropped");
  if (json_array_get_length(dropped) > 0) {
    printf("# Not used on this host:\n");
    for (guint i = 0; i < json_array_get_length(dropped); i++) {
      JsonObject *d = json_array_get_object_element(dropped, i);
      printf("#   %s: %s\n", bvm_cli_str(d, "what"), bvm_cli_str(d, "why"));
    }
  }
}

int bvm_cmd_command(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean explain = FALSE, paused = FALSE;
  g_autofree char *display = NULL, *caps_file = NULL;
  const GOptionEntry entries[] = {
      {"explain", 0, 0, G_OPTION_ARG_NONE, &explain, "Show the reason for every flag group", NULL},
      {"display", 0, 0, G_OPTION_ARG_STRING, &display,
       "auto, window, none or vnc (default: auto: a window on a desktop, else VNC)", "MODE"},
      {"paused", 0, 0, G_OPTION_ARG_NONE, &paused, "Start with the vCPUs paused (-S)", NULL},
      {"caps", 0, 0, G_OPTION_ARG_FILENAME, &caps_file,
       "Use recorded host capabilities (JSON) instead of probing this host", "FILE"},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("command", "VM",
                     "Print the QEMU command line BridgeVM runs for VM: one argument per line, "
                     "or with reasons (--explain) or as JSON (--json).",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("command", "give exactly one VM");
  BvmDisplayMode mode = BVM_DISPLAY_AUTO;
  if (display != NULL && !bvm_display_mode_from_string(display, &mode))
    return bvm_cli_usage("command", "--display must be auto, window, none or vnc, not '%s'",
                         display);

  g_autoptr(JsonNode) result = NULL;
  if (caps_file != NULL) {
    /* Recorded capabilities are a developer's tool the API does not take:
     * build from them here, the same way vmCommand does from the probed. */
    status = command_from_caps_file(&common, argv[1], caps_file, mode, paused, &result);
  } else {
    JsonObject *p = bvm_cli_vm_params(argv[1]);
    json_object_set_string_member(p, "display", bvm_display_mode_to_string(mode));
    json_object_set_boolean_member(p, "paused", paused);
    status = bvm_cli_call(&common, "vmCommand", p, &result);
  }
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json)
    bvm_cli_print_json(result);
  else if (explain)
    print_explain(json_node_get_object(result));
  else
    print_args(json_node_get_object(result));
  return BVM_EXIT_OK;
}
