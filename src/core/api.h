/* The one JSON command dispatcher every front end calls: the CLI's
 * operations by name, camelCase JSON in and out. docs/api.md documents each
 * operation; tests/unit/test-api.c checks the two agree. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct BvmApi BvmApi;

/* @library: the VM library; @monitor_binary: the bridgevm executable that
 * `startVm` re-executes as a VM's monitor. */
BvmApi *bvm_api_new(const char *library, const char *monitor_binary);
void bvm_api_free(BvmApi *api);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmApi, bvm_api_free)

/* Run @op with @params (a JSON object, or NULL for none). The result is a
 * new node; on failure NULL and @error in BVM_ERROR (see error.h for its
 * HTTP status). An unknown @op is NOT_FOUND; a mistyped or missing
 * parameter INVALID_ARGUMENT naming it. */
JsonNode *bvm_api_call(BvmApi *api, const char *op, JsonNode *params, GError **error);

/* A step of a long operation (createVm, startVm), e.g. "creating the 64 GiB
 * disk"; called on the calling thread. */
typedef void (*BvmApiProgressFunc)(const char *step, gpointer user_data);

/* bvm_api_call, reporting each step of a long operation to @progress. */
JsonNode *bvm_api_call_progress(BvmApi *api, const char *op, JsonNode *params,
                                BvmApiProgressFunc progress, gpointer user_data, GError **error);

/* The NDJSON lines of a streamed call (docs/api.md), each ending in '\n':
 * {"progress": {"step": "..."}} for a step, then {"result": ...} or the
 * error object once it has ended (@result NULL: @error). */
char *bvm_api_progress_line(const char *step);
char *bvm_api_final_line(JsonNode *result, const GError *error);

/* {"error": {"code": "notFound", "message": "..."}} */
JsonNode *bvm_api_error_to_json(const GError *error);

typedef struct {
  const char *name;
  const char *summary;
} BvmApiOp;

/* Every operation, in the order docs/api.md lists them, then the
 * extensions'. */
const BvmApiOp *bvm_api_operations(guint *out_count);

/* Operations a front end adds (src/libvirt's, which libbridgevm does not
 * link): called with the library and the parameters, after the core's own
 * names. Register once at startup, before any call; @ext must stay. */
typedef JsonNode *(*BvmApiExtensionFunc)(const char *library, JsonObject *params, GError **error);
typedef struct {
  BvmApiOp op;
  BvmApiExtensionFunc run;
} BvmApiExtension;
void bvm_api_add_extensions(const BvmApiExtension *ext, guint n);

/* A step of an extension's long operation, to the running call's progress
 * (as createVm's steps): NDJSON lines in serve, a line on the CLI. */
void bvm_api_progress(const char *step);

/* A string parameter for an extension, faulted as the core's own are:
 * "parameter 'name' must be a string". */
gboolean bvm_api_param_string(JsonObject *params, const char *key, gboolean required,
                              const char **out, GError **error);

G_END_DECLS
