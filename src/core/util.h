/* Small helpers shared by every module: atomic files, QEMU option escaping,
 * sizes and timestamps; and the few that touch the system for everyone:
 * running and finding a tool, removing a tree, telling our processes by
 * pid. They call nothing of BridgeVM's but error.c (docs/architecture.md). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Write @len bytes to @path atomically: a temp file in the same directory,
 * fsync, rename, fsync of the directory. The file gets @mode. */
gboolean bvm_file_write_atomic(const char *path, const char *data, gssize len, int mode,
                               GError **error);

/* A value for a QEMU option list ("a,b=c"): commas are doubled so that a
 * comma in a path or name is data, not an option separator. */
char *bvm_qemu_escape(const char *value);

/* Parse "8G", "512M", "4096" (MiB when no suffix and @default_unit is 'M'),
 * "1.5T" into bytes. Suffixes K M G T, optional "iB"/"B". Case-insensitive. */
gboolean bvm_parse_size(const char *text, char default_unit, guint64 *out_bytes, GError **error);

/* "2026-11-24T02:23:45Z" for now, UTC. */
char *bvm_now_iso8601(void);

/* Human text for a size in MiB: "8 GiB", "512 MiB". */
char *bvm_format_mib(guint64 mib);

/* The Content-Type of a web UI file by its name (serve and the app), or
 * application/octet-stream. */
const char *bvm_content_type_for_path(const char *path);

#define BVM_MIB G_GUINT64_CONSTANT(1048576)
#define BVM_GIB (BVM_MIB * 1024)

G_END_DECLS

G_BEGIN_DECLS

/* Run a helper tool (qemu-img, swtpm_setup) to completion: no shell, stdin
 * from /dev/null, every other fd closed. On a non-zero exit the error
 * (BVM_ERROR_QEMU_FAILED) carries the tool's last stderr line. A tool that is
 * not installed is BVM_ERROR_DEPENDENCY_MISSING naming @install_hint. */
gboolean bvm_run_tool(const char *const *argv, const char *install_hint, char **out_stdout,
                      GError **error);

/* Absolute path of @program: $ENV_OVERRIDE if set, else found in PATH; NULL
 * with BVM_ERROR_DEPENDENCY_MISSING naming @install_hint otherwise. */
char *bvm_find_tool(const char *program, const char *env_override, const char *install_hint,
                    GError **error);

/* The index of @s in @table (@n words), for the enums' string tables:
 * FALSE for an unknown or NULL word. */
gboolean bvm_enum_from_string(const char *const *table, guint n, const char *s, guint *out_index);

/* Fault injection for tests: when $BRIDGEVM_FAULT equals @point, the
 * process SIGKILLs itself right here, so a test can prove that a crash at
 * this point loses nothing. A no-op otherwise. */
void bvm_fault_point(const char *point);

/* rm -rf @path, not following symlinks. */
gboolean bvm_remove_tree(const char *path, GError **error);

/* TRUE when @pid is alive and its command line contains @needle (so a
 * recycled pid is never mistaken for ours). */
gboolean bvm_pid_matches(int pid, const char *needle);

G_END_DECLS
