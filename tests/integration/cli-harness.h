/* Running the real bridgevm binary from tests, on a temp library. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

typedef struct {
  int status; /* exit status, or 128 + signal */
  char *out;
  char *err;
} BvmRun;

void bvm_run_clear(BvmRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BvmRun, bvm_run_clear)

/* Path of build/bridgevm (from $BVM_BUILD_ROOT). */
const char *harness_binary(void);
/* Run bridgevm with @args (NULL-terminated) and --library @library. */
void harness_run(BvmRun *out_run, const char *library, const char *const *args);
/* The same, with @prefix (NULL-terminated, or NULL) before the binary, such
 * as an unshare command, and @env (NULL: this process's environment). */
void harness_run_in(BvmRun *out_run, const char *const *prefix, const char *const *env,
                    const char *library, const char *const *args);
/* harness_run that must succeed (else the test fails with bridgevm's
 * stderr); the _json form parses its stdout. */
void harness_run_ok(const char *library, const char *const *args);
/* harness_run with $BRIDGEVM_FAULT set to @fault (NULL: none) for the run:
 * the exit status (128 + 9 when the fault point killed it). */
int harness_run_with_fault(const char *library, const char *fault, const char *const *args);
JsonNode *harness_run_json(const char *library, const char *const *args);
/* A fresh temp dir; removed by harness_cleanup. Until then the dir is
 * tracked: when this test process dies of a signal (a failed g_assert
 * aborts, g_error traps, meson's timeout sends SIGTERM) or exits without
 * harness_cleanup, every process whose command line names the dir (a VM's
 * monitor, QEMU, swtpm, a server) is killed first, so no VM outlives its
 * test, pass or fail. */
char *harness_tmpdir(const char *tmpl);
/* Kill whatever still names @dir (reporting it on stderr), then remove it. */
void harness_cleanup(const char *dir);
/* SIGKILL every process other than this one whose command line contains
 * @needle; returns how many. Async-signal-safe (raw /proc reads). */
int harness_kill_processes_mentioning(const char *needle);

/* SIGKILL every process in mount namespace @ns ("mnt:[N]"); the count. */
int harness_kill_namespace(const char *ns);

/* The mount namespace of @pid (a daemon the test started in a namespace of
 * its own): every process in it is killed if the test dies, as the temp
 * dirs' processes are. Returns the namespace, for harness_kill_namespace
 * and harness_untrack_namespace at a normal stop. */
char *harness_track_namespace(pid_t pid);
void harness_untrack_namespace(const char *ns);
/* Add the suite's final test case, "/teardown/no-process-names-the-temp-dir":
 * it runs @teardown (may be NULL: what the suite still has running, such as
 * a server), then fails, naming them, when processes other than this one
 * still name @dir after a 10 s grace. Call it after every other g_test_add:
 * a top-level suite added last runs last. */
void harness_add_final_check(const char *dir, void (*teardown)(void));
/* The path of the test guest ISO of @kind ("plain", "secureboot"), built
 * (or taken from its cache) by tools/build-test-guest.sh. */
char *harness_build_test_guest(const char *kind);
/* @root/@name, made 0700 and set as environment variable @var (XDG_DATA_HOME,
 * XDG_RUNTIME_DIR, ...), so the test's processes keep their files in it. */
char *harness_env_dir(const char *root, const char *var, const char *name);
/* A small file with an ISO 9660 signature (what validation looks for). */
char *harness_make_iso(const char *dir, const char *name);
/* A real ISO 9660 image made by xorriso, bootable as installers are (an El
 * Torito record with a small FAT EFI image: libosinfo identifies only
 * bootable media), with volume id @volume_id, publisher @publisher (or
 * NULL) and the (possibly nested) directories @dirs (NULL-terminated, or
 * NULL), each holding a file "x". */
char *harness_make_media_iso(const char *dir, const char *name, const char *volume_id,
                             const char *publisher, const char *const *dirs);
/* Names in @dir (sorted, newline-separated) — to prove nothing was left. */
char *harness_list_dir(const char *dir);
/* The command lines ("PID: ARGS", spaces for NULs, one per line) of the
 * processes other than this one that contain @needle, or NULL: proof that
 * nothing of a VM was left running. */
char *harness_process_mentioning(const char *needle);
/* Spawn @argv as a child that is sent SIGTERM when this test process ends,
 * even by an aborted assertion (PR_SET_PDEATHSIG): no server or X server
 * outlives a failed test and holds meson's pipes. */
GSubprocess *harness_spawn_tied(GSubprocessFlags flags, const char *const *argv, GError **error);
/* Run `/bin/sh -c @shell_cmd` in the guest through its agent on
 * @qga_sock (guest-exec, no output captured) and return once the agent
 * answered with the pid: the command's end is not awaited (a panic never
 * answers). The answer can be lost when the command ends the guest at once:
 * after `echo c > /proc/sysrq-trigger` with pvpanic and QEMU's default
 * -action panic=shutdown, QEMU exits ~0.1 s later, sometimes before the
 * agent's reply leaves it. A socket nobody listens on any more after the
 * command was sent counts as done; a QEMU that runs on and never answers is
 * a TIMEOUT error. */
gboolean harness_guest_exec(const char *qga_sock, const char *shell_cmd, GError **error);
/* A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick). */
guint harness_free_tcp_port(void);
/* Assert @haystack contains @needle, printing both when not. */
#define assert_contains(haystack, needle)                                                          \
  do {                                                                                             \
    if ((haystack) == NULL || strstr((haystack), (needle)) == NULL)                                \
      g_error("expected '%s' in: %s", (needle), (haystack) ? (haystack) : "(null)");               \
  } while (0)
