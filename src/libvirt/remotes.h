/* Remote libvirt hosts beside the library (LIBRARY/remotes.json: a name and
 * a URI each, nothing else: credentials stay libvirt's, in ssh keys and TLS
 * certificates), their domains, and start/stop/kill of one. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;
  char *uri;
} BvmRemote;

void bvm_remote_free(BvmRemote *remote);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmRemote, bvm_remote_free)

/* The remotes of @library, in the order added (empty when none). */
GPtrArray *bvm_remotes_load(const char *library, GError **error);
/* INVALID_ARGUMENT for a bad name or a URI with a password in it;
 * ALREADY_EXISTS for a name taken. */
gboolean bvm_remotes_add(const char *library, const char *name, const char *uri, GError **error);
gboolean bvm_remotes_remove(const char *library, const char *name, GError **error);
const BvmRemote *bvm_remotes_find(GPtrArray *remotes, const char *name);
/* [{"name", "uri"}] */
JsonNode *bvm_remotes_to_json(GPtrArray *remotes);

/* [{"name", "state", "cpus", "memoryMiB", "remote"}] of every domain at @uri. */
JsonNode *bvm_remote_domains(const char *uri, const char *remote, GError **error);

typedef enum { BVM_REMOTE_START, BVM_REMOTE_STOP, BVM_REMOTE_KILL } BvmRemoteAction;
/* start (virDomainCreate), stop (ACPI shutdown, waiting up to @timeout_s
 * for it to be shut off; then destroy when @force) or kill (destroy). */
gboolean bvm_remote_act(const char *uri, const char *domain, BvmRemoteAction action, int timeout_s,
                        gboolean force, GError **error);

G_END_DECLS
