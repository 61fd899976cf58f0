/* start, stop, kill, status and the hidden __monitor verb. */
#include "cli.h"
#include "error.h"
#include "monitor.h"
#include "state.h"
#include "vm.h"

#include <stdio.h>
#include <stdlib.h>

static BvmVmEntry *find_vm(const char *verb, BvmCliCommon *common, int argc, char **argv,
                           int *out_status)
{
  if (argc != 2) {
    *out_status = bvm_cli_usage(verb, "give exactly one VM");
    return NULL;
  }
  return bvm_cli_find_vm(common, argv[1], out_status);
}

static void print_status(BvmVmEntry *e, gboolean json)
{
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_auto(BvmVmStatus) st = {0};
  bvm_state_reconcile(e->config, paths);
  bvm_state_get(e->config, paths, &st);
  if (json) {
    g_autoptr(JsonNode) node = bvm_vm_status_to_json(&st, e->config);
    json_object_set_string_member(json_node_get_object(node), "name", e->config->name);
    json_object_set_string_member(json_node_get_object(node), "id", e->config->id);
    bvm_cli_print_json(node);
    return;
  }
  printf("%s: %s", e->config->name, bvm_vm_state_to_string(st.state));
  if (st.qemu_pid > 0)
    printf(", pid %d", st.qemu_pid);
  if (st.uptime_seconds >= 0)
    printf(", up %" G_GINT64_FORMAT " s", st.uptime_seconds);
  if (st.display != NULL && st.qemu_pid > 0)
    printf(", display %s", st.display);
  if (st.reason != NULL)
    printf(": %s", st.reason);
  printf("\n");
  if (e->config->last_exit != NULL && st.qemu_pid == 0)
    printf("last exit: %s (%s)\n",
           e->config->last_exit->reason ? e->config->last_exit->reason : "?",
           e->config->last_exit->at ? e->config->last_exit->at : "?");
}

/* The monitor writes startedAt and lastExit: show what is on disk now. */
static void print_fresh_status(BvmVmEntry *e, gboolean json)
{
  g_autoptr(BvmConfig) fresh = bvm_config_load(e->path, NULL);
  if (fresh != NULL) {
    bvm_config_free(e->config);
    e->config = g_steal_pointer(&fresh);
  }
  print_status(e, json);
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
  BvmStartOptions opts = {.display = BVM_DISPLAY_AUTO};
  if (display != NULL && !bvm_display_mode_from_string(display, &opts.display))
    return bvm_cli_usage("start", "--display must be window, none or vnc, not '%s'", display);
  if (wait_agent == 0 || wait_agent < -1)
    return bvm_cli_usage("start", "--wait-agent takes a number of seconds above 0");
  opts.wait_agent_seconds = wait_agent > 0 ? (guint)wait_agent : 0;
  g_autoptr(BvmVmEntry) e = find_vm("start", &common, argc, argv, &status);
  if (e == NULL)
    return status;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autofree char *self = bvm_cli_self_path();
  g_autoptr(GError) error = NULL;
  bvm_cli_progress("starting", &common);
  if (!bvm_vm_start(self, e->config, paths, &opts, NULL, &error))
    return bvm_cli_fail(error);
  print_fresh_status(e, common.json);
  return BVM_EXIT_OK;
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
  g_autoptr(BvmVmEntry) e = find_vm("stop", &common, argc, argv, &status);
  if (e == NULL)
    return status;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autoptr(GError) error = NULL;
  bvm_cli_progress("stopping", &common);
  if (!bvm_vm_stop(e->config, paths, (guint)timeout, force, &error))
    return bvm_cli_fail(error);
  print_fresh_status(e, common.json);
  return BVM_EXIT_OK;
}

int bvm_cmd_kill(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("kill", "VM", "End a VM's QEMU at once (like pulling the plug).", NULL, FALSE,
                     &common, &argc, &argv, &status))
    return status;
  g_autoptr(BvmVmEntry) e = find_vm("kill", &common, argc, argv, &status);
  if (e == NULL)
    return status;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autoptr(GError) error = NULL;
  if (!bvm_vm_kill(e->config, paths, &error))
    return bvm_cli_fail(error);
  printf("Killed VM '%s'\n", e->config->name);
  return BVM_EXIT_OK;
}

/* pause and resume: the same shape, one QMP command each. */
static int pause_or_resume(const char *verb, const char *description,
                           gboolean (*act)(BvmConfig *, const BvmPaths *, GError **), int argc,
                           char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse(verb, "VM", description, NULL, TRUE, &common, &argc, &argv, &status))
    return status;
  g_autoptr(BvmVmEntry) e = find_vm(verb, &common, argc, argv, &status);
  if (e == NULL)
    return status;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autoptr(GError) error = NULL;
  if (!act(e->config, paths, &error))
    return bvm_cli_fail(error);
  print_status(e, common.json);
  return BVM_EXIT_OK;
}

int bvm_cmd_pause(int argc, char **argv)
{
  return pause_or_resume("pause", "Pause a running VM's vCPUs (its memory stays as it is).",
                         bvm_vm_pause, argc, argv);
}

int bvm_cmd_resume(int argc, char **argv)
{
  return pause_or_resume("resume", "Resume a paused VM.", bvm_vm_resume, argc, argv);
}

int bvm_cmd_status(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int status;
  if (!bvm_cli_parse("status", "VM", "Show a VM's state, pid, uptime and last exit.", NULL, TRUE,
                     &common, &argc, &argv, &status))
    return status;
  g_autoptr(BvmVmEntry) e = find_vm("status", &common, argc, argv, &status);
  if (e == NULL)
    return status;
  print_status(e, common.json);
  return BVM_EXIT_OK;
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
