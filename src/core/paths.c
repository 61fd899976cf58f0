#include "paths.h"

#include <string.h>

/* The longest name we put in run/. */
#define LONGEST_SOCKET "qmp-client.sock"

static char *fallback_run_dir(const char *vm_id)
{
  /* Sockets must fit sun_path; a deep library gets its run/ in the user's
   * runtime dir (tmpfs, per user, 0700), keyed by the VM's id. */
  return g_build_filename(g_get_user_runtime_dir(), "bridgevm", vm_id, NULL);
}

char *bvm_paths_run_dir(const char *bundle_dir, const char *vm_id)
{
  char *run_dir = g_build_filename(bundle_dir, "run", NULL);
  /* swtpm cannot take a comma in a path (its option parser has no escape),
   * so a bundle whose path has one gets a comma-free run dir. */
  if (strlen(run_dir) + 1 + strlen(LONGEST_SOCKET) > BVM_SOCKET_PATH_MAX ||
      strchr(run_dir, ',') != NULL) {
    g_free(run_dir);
    run_dir = fallback_run_dir(vm_id);
  }
  return run_dir;
}

BvmPaths *bvm_paths_new(const char *bundle_dir, const char *vm_id)
{
  g_return_val_if_fail(bundle_dir != NULL && g_path_is_absolute(bundle_dir), NULL);
  g_return_val_if_fail(vm_id != NULL, NULL);

  BvmPaths *p = g_new0(BvmPaths, 1);
  p->bundle = g_strdup(bundle_dir);
  p->config = g_build_filename(bundle_dir, "config.json", NULL);
  p->disk = g_build_filename(bundle_dir, "disk.qcow2", NULL);
  p->vars = g_build_filename(bundle_dir, "efi-vars.fd", NULL);
  p->tpm_dir = g_build_filename(bundle_dir, "tpm", NULL);
  p->logs_dir = g_build_filename(bundle_dir, "logs", NULL);
  p->qemu_log = g_build_filename(p->logs_dir, "qemu.log", NULL);
  p->swtpm_log = g_build_filename(p->logs_dir, "swtpm.log", NULL);
  p->monitor_log = g_build_filename(p->logs_dir, "monitor.log", NULL);
  p->serial_log = g_build_filename(p->logs_dir, "serial.log", NULL);
  p->last_screen = g_build_filename(bundle_dir, "last-screen.png", NULL);

  p->run_dir = bvm_paths_run_dir(bundle_dir, vm_id);
  p->stop_request = g_build_filename(p->run_dir, "stop-request", NULL);
  p->tpm_alias = g_build_filename(p->run_dir, "tpm-state", NULL);
  p->state = g_build_filename(p->run_dir, "state.json", NULL);
  p->qmp_sock = g_build_filename(p->run_dir, "qmp.sock", NULL);
  p->qmp_client_sock = g_build_filename(p->run_dir, "qmp-client.sock", NULL);
  p->qga_sock = g_build_filename(p->run_dir, "qga.sock", NULL);
  p->swtpm_sock = g_build_filename(p->run_dir, "swtpm.sock", NULL);
  p->vnc_sock = g_build_filename(p->run_dir, "vnc.sock", NULL);
  p->serial_sock = g_build_filename(p->run_dir, "serial.sock", NULL);
  p->console_sock = g_build_filename(p->run_dir, "console.sock", NULL);
  p->screen_png = g_build_filename(p->run_dir, "screen.png", NULL);
  p->qemu_pid = g_build_filename(p->run_dir, "qemu.pid", NULL);
  p->swtpm_pid = g_build_filename(p->run_dir, "swtpm.pid", NULL);
  return p;
}

void bvm_paths_free(BvmPaths *p)
{
  if (p == NULL)
    return;
  g_free(p->bundle);
  g_free(p->config);
  g_free(p->disk);
  g_free(p->vars);
  g_free(p->tpm_dir);
  g_free(p->logs_dir);
  g_free(p->qemu_log);
  g_free(p->swtpm_log);
  g_free(p->monitor_log);
  g_free(p->serial_log);
  g_free(p->last_screen);
  g_free(p->run_dir);
  g_free(p->stop_request);
  g_free(p->tpm_alias);
  g_free(p->state);
  g_free(p->qmp_sock);
  g_free(p->qmp_client_sock);
  g_free(p->qga_sock);
  g_free(p->swtpm_sock);
  g_free(p->vnc_sock);
  g_free(p->serial_sock);
  g_free(p->console_sock);
  g_free(p->screen_png);
  g_free(p->qemu_pid);
  g_free(p->swtpm_pid);
  g_free(p);
}
