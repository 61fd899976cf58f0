/* The VMs of a library (library.h): a directory of NAME.bridgevm bundles.
 * Finding and listing; no daemon, the directory is the registry. */
#pragma once

#include "config.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BVM_BUNDLE_SUFFIX ".bridgevm"
#define BVM_TEMP_PREFIX ".bridgevm-tmp-"

typedef struct {
  char *path;        /* absolute bundle dir */
  BvmConfig *config; /* NULL when config.json is unreadable */
  char *problem;     /* why config is NULL */
  char *sort_key;    /* the name case-folded and collation-keyed, for listing */
  JsonNode *json;    /* config.json as parsed, when canonical (see config.h) */
} BvmVmEntry;

void bvm_vm_entry_free(BvmVmEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmVmEntry, bvm_vm_entry_free)

/* Every bundle, sorted by name (case-folded). A missing library is empty. */
GPtrArray *bvm_registry_list(const char *library, GError **error);

/* By name (ignoring case) or by a unique id prefix; the entry returned
 * always has its config. NOT_FOUND naming @query, or INVALID_ARGUMENT when
 * a prefix is ambiguous. */
BvmVmEntry *bvm_registry_find(const char *library, const char *query, GError **error);

/* The existing VM whose name equals @name ignoring case, or NULL. */
BvmVmEntry *bvm_registry_find_name(GPtrArray *entries, const char *name);

/* The bundle dir a VM of @name gets. */
char *bvm_registry_bundle_path(const char *library, const char *name);

/* Remove temp dirs left by creates whose process died (a crash mid-create).
 * Call with the library lock held. */
void bvm_registry_sweep_temps(const char *library);

G_END_DECLS
