/* start, stop, kill, pause, resume, status (each its API operation) and
 * the hidden __monitor verb. */
#include "cli.h"
#include "error.h"
#include "monitor.h"
#include "qemu_cmd.h"

#include <stdio.h>
#include <stdlib.h>

static gboolean check_one_vm(const char *verb, int argc, int *out_status)
{
  if (argc != 2) {
    *out_status = bvm_cli_usage(verb, "give exactly one VM");
    return FALSE;
  }
  return TRUE;
}

/* Run @op with @params (taken); print its answer, a VM's status, as text
 * or JSON. */
static int call_and_print(BvmCliCommon *common, const char *op, JsonObject *params)
{
  g_autoptr(JsonNode) result = NULL;
  int status = bvm_cli_call(common, op, params, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common->json)
    bvm_cli_print_json(result);
  else
    bvm_cli_print_status(json_node_get_object(result));
  return BVM_EXIT_OK;
}

int bvm_cmd_start(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *display = NULL;
  int wait_agent = -1;
  gboolean wait_agent_default = FALSE;
  /* --wait-agent takes an optional value; GOption cannot, so accept both
   * "--wait-agent" and "--wait-agent=SECONDS" by rewriting the bare form. */
  for (int i = 1; i < argc; i++) {
    if (g_strcmp0(argv[i], "--wait-agent") == 0) {
      argv[i] = (char *)"--wait-agent=120";
      wait_agent_default = TRUE;
    }
  }
  const GOptionEntry entries[] = {
      {"wait-agent", 0, 0, G_OPTION_ARG_INT, &wait_agent,
       "Return once the guest agent answers (default 120 s)", "SECONDS"},
      {"display", 0, 0, G_OPTION_ARG_STRING, &display,
       "window, none or vnc (default: a window on a desktop, else VNC on a unix socket)", "MODE"},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("start", "VM", "Start a VM; returns once its vCPUs run.", entries, TRUE,
                     &common, &argc, &argv, &status))
    return status;
  (void)wait_agent_default;
  BvmDisplayMode mode = BVM_DISPLAY_AUTO;
  if (display != NULL && !bvm_display_mode_from_string(display, &mode))
    return bvm_cli_usage("start", "--display must be window, none or vnc, not '%s'", display);
  if (wait_agent == 0 || wait_agent < -1)
    return bvm_cli_usage("start", "--wait-agent takes a number of seconds above 0");
  if (!check_one_vm("start", argc, &status))
    return status;
  if (bvm_cli_remote_lifecycle(&common, "start", argv[1], 0, FALSE, &status))
    return status;
  JsonObject *p = bvm_cli_vm_params(argv[1]);
  json_object_set_string_member(p, "display", bvm_display_mode_to_string(mode));
  if (wait_agent > 0)
    json_object_set_int_member(p, "waitAgentSeconds", wait_agent);
  return call_and_print(&common, "startVm", p);
}

int bvm_cmd_stop(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int timeout = 60;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
      {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
       "Seconds to wait for the guest to power off (default 60)", "S"},
      {"force", 0, 0, G_OPTION_ARG_NONE, &force, "End QEMU when the timeout passes", NULL},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("stop", "VM",
                     "Press the VM's ACPI power button (then ask its guest agent); with --force, "
                     "end QEMU after the timeout.",
                     entries, TRUE, &common, &argc, &argv, &status))
    return status;
  if (timeout < 1)
    return bvm_cli_usage("stop", "--timeout must be at least 1 second");
  if (!check_one_vm("stop", argc, &status))
    return status;
  if (bvm_cli_remote_lifecycle(&common, "stop", argv[1], timeout, force, &status))
    return status;
  JsonObject *p = bvm_cli_vm_params(argv[1]);
  json_object_set_int_member(p, "timeoutSeconds", timeout);
  json_object_set_boolean_member(p, "force", force);
  bvm_cli_progress("stopping", &common);
  return call_and_print(&common, "stopVm", p);
}

int bvm_cmd_kill(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("kill", "VM", "End a VM's QEMU at once (like pulling the plug).", NULL, TRUE,
                     &common, &argc, &argv, &status))
    return status;
  if (!check_one_vm("kill", argc, &status))
    return status;
  if (bvm_cli_remote_lifecycle(&common, "kill", argv[1], 0, FALSE, &status))
    return status;
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "killVm", bvm_cli_vm_params(argv[1]), &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json)
    bvm_cli_print_json(result);
  else
    printf("Killed VM '%s'\n", bvm_cli_str(json_node_get_object(result), "name"));
  return BVM_EXIT_OK;
}

/* pause and resume: the same shape, one QMP command each. */
static int pause_or_resume(const char *verb, const char *description, const char *op, int argc,
                           char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse(verb, "VM", description, NULL, TRUE, &common, &argc, &argv, &status))
    return status;
  if (!check_one_vm(verb, argc, &status))
    return status;
  return call_and_print(&common, op, bvm_cli_vm_params(argv[1]));
}

int bvm_cmd_pause(int argc, char **argv)
{
  return pause_or_resume("pause", "Pause a running VM's vCPUs (its memory stays as it is).",
                         "pauseVm", argc, argv);
}

int bvm_cmd_resume(int argc, char **argv)
{
  return pause_or_resume("resume", "Resume a paused VM.", "resumeVm", argc, argv);
}

int bvm_cmd_status(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("status", "VM", "Show a VM's state, pid, uptime and last exit.", NULL, TRUE,
                     &common, &argc, &argv, &status))
    return status;
  if (!check_one_vm("status", argc, &status))
    return status;
  return call_and_print(&common, "vmStatus", bvm_cli_vm_params(argv[1]));
}

int bvm_cmd_monitor(int argc, char **argv)
{
  g_autofree char *display = NULL;
  int status_fd = -1;
  const GOptionEntry entries[] = {
      {"display", 0, 0, G_OPTION_ARG_STRING, &display, "Display mode", "MODE"},
      {"status-fd", 0, 0, G_OPTION_ARG_INT, &status_fd, "Where readiness is reported", "FD"},
      G_OPTION_ENTRY_NULL};
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("__monitor", "BUNDLE", "Internal: the per-VM monitor process.", entries, FALSE,
                     &common, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("__monitor", "give the bundle path");
  BvmDisplayMode mode = BVM_DISPLAY_AUTO;
  if (display != NULL && !bvm_display_mode_from_string(display, &mode))
    return bvm_cli_usage("__monitor", "bad --display");
  return bvm_monitor_run(argv[1], mode, status_fd);
}
