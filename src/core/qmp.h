/* A synchronous QMP client over a unix socket: bounded lines, a deadline
 * on every call, events queued while waiting for a reply. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct BvmQmp BvmQmp;

/* Connect, read the greeting, negotiate capabilities. */
BvmQmp *bvm_qmp_connect(const char *socket_path, guint timeout_ms, GError **error);
void bvm_qmp_free(BvmQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmQmp, bvm_qmp_free)

/* "7.2.22" from the greeting. */
const char *bvm_qmp_get_version(BvmQmp *qmp);

/* The "return" of @command (a copy); QEMU's error as QEMU_FAILED. */
JsonNode *bvm_qmp_execute(BvmQmp *qmp, const char *command, JsonNode *arguments, guint timeout_ms,
                          GError **error);

/* The next event, queued or read; TIMEOUT when none arrives in time. */
JsonNode *bvm_qmp_next_event(BvmQmp *qmp, guint timeout_ms, GError **error);
gboolean bvm_qmp_has_pending_event(BvmQmp *qmp);
int bvm_qmp_get_fd(BvmQmp *qmp);

G_END_DECLS
