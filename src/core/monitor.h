/* The per-VM monitor: a small process (the CLI re-executed, like conmon)
 * that owns one running VM. It holds the bundle lock for the VM's life,
 * starts swtpm and QEMU, keeps a QMP connection for events, records how the
 * VM ended in config.json, reaps swtpm and removes run/. */
#pragma once

#include "qemu_cmd.h"

#include <glib.h>

G_BEGIN_DECLS

/* Run the monitor for the bundle at @bundle_dir until its QEMU exits.
 * Readiness goes to @status_fd as one line, "ok PID" once QMP answers and
 * the vCPUs run, or "error CODE MESSAGE"; then the fd is closed. Returns the
 * process exit status. */
int bvm_monitor_run(const char *bundle_dir, BvmDisplayMode display, int status_fd);

G_END_DECLS
