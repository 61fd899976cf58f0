/* Where every file of a VM bundle lives. Pure: computes paths, creates none. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Unix socket paths are limited to sizeof(sun_path) - 1 = 107 bytes. */
#define BVM_SOCKET_PATH_MAX 107

typedef struct {
  char *bundle;      /* absolute: LIBRARY/NAME.bridgevm */
  char *config;      /* config.json */
  char *disk;        /* disk.qcow2 */
  char *vars;        /* efi-vars.fd */
  char *tpm_dir;     /* tpm/ (swtpm state) */
  char *logs_dir;    /* logs/ */
  char *qemu_log;    /* logs/qemu.log (QEMU's stderr) */
  char *swtpm_log;   /* logs/swtpm.log */
  char *monitor_log; /* logs/monitor.log */
  char *serial_log;  /* logs/serial.log */
  char *last_screen; /* last-screen.png: run/screen.png kept when the VM stops */
  /* The monitor holds flock() on the bundle directory itself for the VM's
   * life: no lock file to unlink, so run/ can go entirely when stopped. */
  char *run_dir;         /* run/, or $XDG_RUNTIME_DIR/bridgevm/ID when too deep */
  char *stop_request;    /* run/stop-request: "stop" or "kill", so the monitor knows why */
  char *tpm_alias;       /* run/tpm-state: a symlink to tpm_dir with no comma in its path */
  char *state;           /* run/state.json */
  char *qmp_sock;        /* run/qmp.sock: the monitor's QMP connection */
  char *qmp_client_sock; /* run/qmp-client.sock: for CLI/server/app */
  char *qga_sock;        /* run/qga.sock: guest agent */
  char *swtpm_sock;      /* run/swtpm.sock */
  char *vnc_sock;        /* run/vnc.sock */
  char *serial_sock;     /* run/serial.sock: QEMU's serial chardev when no monitor holds it */
  char *console_sock;    /* run/console.sock: the monitor's fan-out of the serial (serial.h) */
  char *screen_png;      /* run/screen.png: the thumbnail, refreshed while someone looks */
  char *qemu_pid;        /* run/qemu.pid */
  char *swtpm_pid;       /* run/swtpm.pid */
} BvmPaths;

/* The run dir alone (what bvm_paths_new puts in run_dir). */
char *bvm_paths_run_dir(const char *bundle_dir, const char *vm_id);

/* @bundle_dir must be absolute. @vm_id picks the fallback run dir. */
BvmPaths *bvm_paths_new(const char *bundle_dir, const char *vm_id);
void bvm_paths_free(BvmPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmPaths, bvm_paths_free)

G_END_DECLS
