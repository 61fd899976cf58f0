/* libFuzzer: API request bodies (what a web page or script sends to serve).
 * The first byte picks an operation that changes nothing; the rest is the
 * JSON params. */
#include "api.h"
#include "error.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static BvmApi *api;
  static char *library;
  if (api == NULL) {
    library = g_dir_make_tmp("bvm-fuzz-api-XXXXXX", NULL);
    api = bvm_api_new(library, "/nonexistent/bridgevm");
  }
  static const char *const ops[] = {"listVms",     "showVm",  "vmStatus", "vmCommand", "vmLogs",
                                    "validateIso", "presets", "hostInfo", "noSuchOp"};
  if (size == 0)
    return 0;
  const char *op = ops[data[0] % G_N_ELEMENTS(ops)];
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonNode *params = NULL;
  if (size > 1 &&
      json_parser_load_from_data(parser, (const char *)data + 1, (gssize)size - 1, NULL))
    params = json_parser_get_root(parser);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = bvm_api_call(api, op, params, &error);
  if (result == NULL) {
    g_assert_nonnull(error);
    g_autoptr(JsonNode) ej = bvm_api_error_to_json(error);
    g_assert_nonnull(ej);
    guint status = bvm_error_http_status(error);
    g_assert_true(status >= 400 && status < 600);
  }
  return 0;
}
