/* The QEMU guest agent, over its virtio-serial chardev's unix socket.
 * Every call has a deadline; replies are bounded (jsonstream.h). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct BvmAgent BvmAgent;

/* Connect and resynchronise (guest-sync-delimited): TIMEOUT "guest agent
 * not answering" when the guest has no running agent. */
BvmAgent *bvm_agent_connect(const char *socket_path, guint timeout_ms, GError **error);
void bvm_agent_free(BvmAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmAgent, bvm_agent_free)

JsonNode *bvm_agent_execute(BvmAgent *agent, const char *command, JsonNode *arguments,
                            guint timeout_ms, GError **error);
gboolean bvm_agent_ping(BvmAgent *agent, guint timeout_ms, GError **error);
/* guest-shutdown never replies (the guest goes away): sent, not awaited. */
gboolean bvm_agent_shutdown(BvmAgent *agent, const char *mode, GError **error);
/* guest-exec of @path with @args (NULL-terminated, may be NULL): the agent
 * answers with the command's pid once it has started it, without waiting
 * for it to end (guest-exec-status would). No output is captured. */
gboolean bvm_agent_exec(BvmAgent *agent, const char *path, const char *const *args,
                        guint timeout_ms, gint64 *out_pid, GError **error);
JsonNode *bvm_agent_info(BvmAgent *agent, guint timeout_ms, GError **error);
JsonNode *bvm_agent_osinfo(BvmAgent *agent, guint timeout_ms, GError **error);
JsonNode *bvm_agent_hostname(BvmAgent *agent, guint timeout_ms, GError **error);
JsonNode *bvm_agent_network(BvmAgent *agent, guint timeout_ms, GError **error);

G_END_DECLS
