#include "caps.h"
#include "cli.h"
#include "error.h"
#include "qemu_cmd.h"

#include <stdio.h>

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
  BvmCmdOptions opts = {.display = BVM_DISPLAY_AUTO, .start_paused = paused};
  if (display != NULL && !bvm_display_mode_from_string(display, &opts.display))
    return bvm_cli_usage("command", "--display must be auto, window, none or vnc, not '%s'",
                         display);

  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmHostCaps) caps =
      caps_file ? bvm_host_caps_load_file(caps_file, &error) : bvm_host_caps_get(FALSE, &error);
  if (caps == NULL)
    return bvm_cli_fail(error);
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autoptr(BvmCommand) cmd = bvm_qemu_cmd_build(e->config, caps, paths, &opts, &error);
  if (cmd == NULL)
    return bvm_cli_fail(error);
  if (common.json) {
    g_autoptr(JsonNode) node = bvm_command_to_json(cmd);
    bvm_cli_print_json(node);
  } else if (explain) {
    g_autofree char *text = bvm_command_explain(cmd);
    fputs(text, stdout);
  } else {
    g_autofree char *text = bvm_command_to_args_text(cmd);
    fputs(text, stdout);
  }
  return BVM_EXIT_OK;
}
