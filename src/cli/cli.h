/* What every verb of the bridgevm CLI shares: options, output, errors. */
#pragma once

#include "config.h"
#include "registry.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *library; /* --library DIR */
  gboolean json; /* --json */
} BvmCliCommon;

void bvm_cli_common_clear(BvmCliCommon *common);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BvmCliCommon, bvm_cli_common_clear)

/* Parse @entries plus --library (and --json when @with_json) for a verb.
 * On a usage error prints it and returns FALSE with *out_status = 2;
 * "--help" prints help and returns FALSE with *out_status = 0. */
gboolean bvm_cli_parse(const char *verb, const char *args_summary, const char *description,
                       const GOptionEntry *entries, gboolean with_json, BvmCliCommon *common,
                       int *argc, char ***argv, int *out_status);

/* Print "bridgevm: MESSAGE" on stderr; return the exit status for @error. */
int bvm_cli_fail(const GError *error);
/* A usage error: message plus a pointer to --help; returns 2. */
int bvm_cli_usage(const char *verb, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The library directory from --library / $BRIDGEVM_LIBRARY / the default. */
char *bvm_cli_library(const BvmCliCommon *common);

/* The VM named @query (a name or an id prefix) in the library; NULL after
 * printing why, with *out_status the exit status to return. */
BvmVmEntry *bvm_cli_find_vm(const BvmCliCommon *common, const char *query, int *out_status);

/* Run the API operation @op with @params (taken; NULL for none) on the
 * library of @common, as serve and the app do (src/core/api.c), reporting
 * progress with bvm_cli_progress. On success *out_result is the answer and
 * the return is BVM_EXIT_OK; on failure the error is printed and the exit
 * status for it returned. */
int bvm_cli_call(BvmCliCommon *common, const char *op, JsonObject *params, JsonNode **out_result);

/* {"vm": @query}, the parameters most operations start from. */
JsonObject *bvm_cli_vm_params(const char *query);

/* A member of a result object: a string (NULL when absent or null), an
 * integer (@fallback when absent or null), a boolean, an object. */
const char *bvm_cli_str(JsonObject *o, const char *key);
gint64 bvm_cli_int(JsonObject *o, const char *key, gint64 fallback);
gboolean bvm_cli_bool(JsonObject *o, const char *key);
JsonObject *bvm_cli_obj(JsonObject *o, const char *key);

/* The status text of a VM from a vmStatus-shaped answer (start, stop,
 * pause, resume, status). */
void bvm_cli_print_status(JsonObject *status);

/* Pretty JSON on stdout, newline-terminated. An array is emptied as it is
 * printed. */
void bvm_cli_print_json(JsonNode *node);

/* A progress line on stderr when it is a terminal (and not --json). */
void bvm_cli_progress(const char *step, gpointer common);

/* The absolute path of this executable (to re-exec it as a VM monitor). */
char *bvm_cli_self_path(void);

/* A notice for the user on stderr ("bridgevm: note: ..."). */
void bvm_cli_notice(const char *text);

/* memoryMiB, diskGiB and width/height in @params from the flags' text
 * (--memory 8G, --disk 128G, --resolution WxH; NULL: not given). A disk
 * that rounds to 0 GiB is 1 with @disk_at_least_one, else left out. */
gboolean bvm_cli_size_params(JsonObject *params, const char *memory, const char *disk,
                             const char *resolution, gboolean disk_at_least_one, GError **error);

/* set's --forward, --no-forward, --forward-bind, --share and --no-share
 * (sharing.c): one API call each, removals first; *out_result is the
 * last answer (the VM), untouched when no flag was given. */
int bvm_cli_set_sharing(BvmCliCommon *common, const char *vm, char **forwards, char **no_forwards,
                        const char *bind, char **shares, char **no_shares, JsonNode **out_result);

/* show's lines for a VM's forwards and shares, each share with the
 * command that mounts it in the guest. */
void bvm_cli_print_sharing(JsonObject *vm);

/* Verbs. Each takes the argv after the verb name (argv[0] = verb). */
int bvm_cmd_create(int argc, char **argv);
int bvm_cmd_list(int argc, char **argv);
int bvm_cmd_show(int argc, char **argv);
int bvm_cmd_set(int argc, char **argv);
int bvm_cmd_delete(int argc, char **argv);
int bvm_cmd_reset_nvram(int argc, char **argv);
int bvm_cmd_command(int argc, char **argv);
int bvm_cmd_export(int argc, char **argv);
int bvm_cmd_push(int argc, char **argv);
/* An answer's "notes" (strings, or {"what", "why"}) as notices on stderr:
 * what libvirt cannot carry (export, push, import). */
void bvm_cli_print_notes(JsonObject *answer);
int bvm_cmd_import(int argc, char **argv);
int bvm_cmd_remote(int argc, char **argv);
/* push, import, remote in a bridgevm built without libvirt: says so; 5. */
int bvm_cli_without_libvirt(void);
/* VM@REMOTE for start/stop/kill: TRUE when @target named a domain of a
 * remote (no local VM has that exact name) and the action was taken, with
 * *out_status its exit status; FALSE: a local VM (src/cli/remote.c). */
gboolean bvm_cli_remote_lifecycle(BvmCliCommon *common, const char *verb, const char *target,
                                  int timeout_s, gboolean force, int *out_status);
int bvm_cmd_doctor(int argc, char **argv);
int bvm_cmd_presets(int argc, char **argv);
int bvm_cmd_validate_iso(int argc, char **argv);
int bvm_cmd_start(int argc, char **argv);
int bvm_cmd_stop(int argc, char **argv);
int bvm_cmd_kill(int argc, char **argv);
int bvm_cmd_pause(int argc, char **argv);
int bvm_cmd_resume(int argc, char **argv);
int bvm_cmd_status(int argc, char **argv);
int bvm_cmd_monitor(int argc, char **argv);
int bvm_cmd_logs(int argc, char **argv);
int bvm_cmd_agent(int argc, char **argv);
int bvm_cmd_console(int argc, char **argv);
int bvm_cmd_screenshot(int argc, char **argv);
int bvm_cmd_caps(int argc, char **argv);
int bvm_cmd_serve(int argc, char **argv);
int bvm_cmd_snapshot(int argc, char **argv);
int bvm_cmd_clone(int argc, char **argv);

G_END_DECLS
