/* Newline-delimited JSON over a unix socket, with a deadline on every read
 * and write and a bound on every line: what QMP and the guest agent share. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A line from a peer longer than this is refused (a hostile guest or a
 * broken QEMU cannot make us buffer without end). */
#define BVM_JSON_LINE_MAX (1024 * 1024)

typedef struct {
  int fd;
  GString *buf; /* bytes read but not yet consumed */
  char *peer;   /* "QEMU", "guest agent": for messages */
} BvmJsonStream;

/* Connect to @path within @timeout_ms. */
BvmJsonStream *bvm_json_stream_connect(const char *path, const char *peer, guint timeout_ms,
                                       GError **error);
/* Wrap an fd already connected (tests and fuzzers use a socketpair); the
 * stream owns it. It must be non-blocking. */
BvmJsonStream *bvm_json_stream_new_from_fd(int fd, const char *peer);
void bvm_json_stream_free(BvmJsonStream *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmJsonStream, bvm_json_stream_free)

gboolean bvm_json_stream_write(BvmJsonStream *s, const char *data, gsize len, gint64 deadline_us,
                               GError **error);
/* Read until a byte equal to @delim; returns the bytes before it. */
char *bvm_json_stream_read_until(BvmJsonStream *s, char delim, gint64 deadline_us, GError **error);
/* Next line parsed as a JSON object. */
JsonNode *bvm_json_stream_read_object(BvmJsonStream *s, gint64 deadline_us, GError **error);
/* Bytes already buffered (an event may be waiting without the fd being
 * readable). */
gboolean bvm_json_stream_has_buffered_line(BvmJsonStream *s);

/* Send {"execute": @command, "arguments": @arguments, "id": @id} as one
 * line (no arguments when NULL, no id when @id < 0): QMP and the agent
 * speak the same request format. */
gboolean bvm_json_stream_send_command(BvmJsonStream *s, const char *command, JsonNode *arguments,
                                      gint64 id, gint64 deadline_us, GError **error);
/* The "desc" of a reply's {"error": {...}}, or NULL when it is no error. */
const char *bvm_json_reply_error(JsonObject *reply);

/* A monotonic deadline @timeout_ms from now. */
gint64 bvm_deadline_in(guint timeout_ms);

G_END_DECLS
