/* The VM's log files: bounded, rotated, timestamped where we write them. */
#pragma once

#include "jsonread.h"
#include "paths.h"

#include <glib.h>

G_BEGIN_DECLS

/* A log past this size is rotated to NAME.1 (one generation kept). */
#define BVM_LOG_MAX_BYTES (2 * 1024 * 1024)

typedef enum {
  BVM_LOG_QEMU,
  BVM_LOG_SWTPM,
  BVM_LOG_MONITOR,
  BVM_LOG_SERIAL,
  BVM_LOG_N
} BvmLogSource;
const char *bvm_log_source_to_string(BvmLogSource source);
gboolean bvm_log_source_from_string(const char *s, BvmLogSource *out_source);
extern const BvmJsonWords bvm_log_source_words;
const char *bvm_log_path(const BvmPaths *paths, BvmLogSource source);

/* Rotate @path to @path.1 when it is larger than BVM_LOG_MAX_BYTES. */
void bvm_log_rotate_if_large(const char *path);

/* While a writer holds @path open with O_APPEND: when it is larger than
 * BVM_LOG_MAX_BYTES, copy it to @path.1 and truncate it in place (the
 * writer's next line lands at the start). Returns TRUE when it rotated. */
gboolean bvm_log_copytruncate_if_large(const char *path);

/* Open @path for appending (O_APPEND|O_CLOEXEC, 0600); -1 with @error. */
int bvm_log_open_append(const char *path, GError **error);

/* The last @lines lines of @path (at most the file's last 1 MiB). */
char *bvm_log_tail(const char *path, guint lines, GError **error);

/* The last @lines complete lines of @path as it is now, and *out_end, the
 * byte offset just after them: where following the log (events' `from`)
 * goes on without losing or repeating a line. */
char *bvm_log_tail_lines(const char *path, guint lines, goffset *out_end, GError **error);

/* The last non-empty line of @path, or NULL. */
char *bvm_log_last_line(const char *path);

G_END_DECLS
