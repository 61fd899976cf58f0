/* Running the real bridgevm binary from tests, on a temp library. */
#pragma once

#include <gio/gio.h>

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
/* A fresh temp dir; removed by harness_cleanup. */
char *harness_tmpdir(const char *tmpl);
void harness_cleanup(const char *dir);
/* A small file with an ISO 9660 signature (what validation looks for). */
char *harness_make_iso(const char *dir, const char *name);
/* Names in @dir (sorted, newline-separated) — to prove nothing was left. */
char *harness_list_dir(const char *dir);
/* The command line (spaces for NULs) of a process other than this one that
 * contains @needle, or NULL: proof that nothing of a VM was left running. */
char *harness_process_mentioning(const char *needle);
/* Spawn @argv as a child that is sent SIGTERM when this test process ends,
 * even by an aborted assertion (PR_SET_PDEATHSIG): no server or X server
 * outlives a failed test and holds meson's pipes. */
GSubprocess *harness_spawn_tied(GSubprocessFlags flags, const char *const *argv, GError **error);
/* Assert @haystack contains @needle, printing both when not. */
#define assert_contains(haystack, needle)                                                          \
  do {                                                                                             \
    if ((haystack) == NULL || strstr((haystack), (needle)) == NULL)                                \
      g_error("expected '%s' in: %s", (needle), (haystack) ? (haystack) : "(null)");               \
  } while (0)
