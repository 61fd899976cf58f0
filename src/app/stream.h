/* A response body written over time (SSE, NDJSON progress): the write end
 * of a pipe whose read end WebKit reads as the body of a bridgevm://
 * response. Main thread only. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct BvmStream BvmStream;

/* @out_body: the read end, for webkit_uri_scheme_response_new. */
BvmStream *bvm_stream_new(GInputStream **out_body, GError **error);

/* Called once when the page stops reading (the fetch was aborted, the page
 * went away). The stream stays valid until freed or finished. */
void bvm_stream_set_closed_func(BvmStream *stream, GSourceFunc func, gpointer user_data);

/* Queue @text; FALSE once the reader is gone or the backlog is past its
 * bound (a page that stopped reading), after which writes are dropped. */
gboolean bvm_stream_write(BvmStream *stream, const char *text);

/* End the body once the backlog is written, then free the stream. */
void bvm_stream_finish(BvmStream *stream);

/* Drop the stream now (the reader sees the body end). */
void bvm_stream_free(BvmStream *stream);

G_END_DECLS
