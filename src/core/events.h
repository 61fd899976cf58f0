/* A VM's live events, transport-neutral: "state" (the status JSON whenever
 * it changes), "log" (new complete lines of one log) and "gone" (no such VM).
 * serve sends them as server-sent events over HTTP, the app through its
 * bridgevm:// scheme; both format them with bvm_events_format_sse. */
#pragma once

#include "logs.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct BvmEvents BvmEvents;

/* One event; @data is JSON for "state", text for "log", the name for "gone". */
typedef void (*BvmEventsFunc)(const char *event, const char *data, gpointer user_data);

/* Poll @vm in @library on the thread-default main context (every 500 ms,
 * and once now: @func may run before this returns). With @source, new lines
 * of that log from byte @from (where a vmLogs answer ended: no line lost
 * between the two), or from its current end when @from < 0. Stop with
 * bvm_events_free. */
BvmEvents *bvm_events_new(const char *library, const char *vm, const BvmLogSource *source,
                          goffset from, BvmEventsFunc func, gpointer user_data);

/* The same from a request's query: vm, source (qemu|swtpm|monitor|serial;
 * another value follows no log) and from. */
BvmEvents *bvm_events_new_for_query(const char *library, GHashTable *query, BvmEventsFunc func,
                                    gpointer user_data);
void bvm_events_free(BvmEvents *events);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmEvents, bvm_events_free)

/* "event: NAME\ndata: LINE\n...\n\n": one SSE message, a data line per line. */
char *bvm_events_format_sse(const char *event, const char *data);

G_END_DECLS
