#include "cli.h"
#include "api.h"
#include "error.h"
#include "library.h"
#include "util.h"
#include "validate.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

gboolean bvm_cli_parse(const char *verb, const char *args_summary, const char *description,
                       const GOptionEntry *entries, gboolean with_json, BvmCliCommon *common,
                       int *argc, char ***argv, int *out_status)
{
  const GOptionEntry common_entries[] = {
      {"library", 0, 0, G_OPTION_ARG_FILENAME, &common->library,
       "The VM library (default: $BRIDGEVM_LIBRARY or ~/.local/share/bridgevm/VMs)", "DIR"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &common->json, "Print JSON (camelCase, as the API)", NULL},
      G_OPTION_ENTRY_NULL};
  /* GOption's usage line is "PRGNAME [OPTION…] ARGS": the verb goes into
   * the program name while parsing (--help prints and exits inside the
   * parse), so it reads "bridgevm create [OPTION…] NAME --iso PATH". */
  g_autoptr(GOptionContext) ctx = g_option_context_new(args_summary);
  g_option_context_set_summary(ctx, description);
  g_option_context_set_help_enabled(ctx, TRUE);
  if (entries != NULL)
    g_option_context_add_main_entries(ctx, entries, NULL);
  GOptionEntry only_library[] = {common_entries[0], G_OPTION_ENTRY_NULL};
  g_option_context_add_main_entries(ctx, with_json ? common_entries : only_library, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup(g_get_prgname());
  g_autofree char *verb_prgname = g_strdup_printf("bridgevm %s", verb);
  g_set_prgname(verb_prgname);
  gboolean parsed = g_option_context_parse(ctx, argc, argv, &error);
  g_set_prgname(prgname);
  if (!parsed) {
    fprintf(stderr, "bridgevm %s: %s (see 'bridgevm %s --help')\n", verb, error->message, verb);
    *out_status = BVM_EXIT_USAGE;
    return FALSE;
  }
  *out_status = BVM_EXIT_OK;
  return TRUE;
}

int bvm_cli_fail(const GError *error)
{
  fprintf(stderr, "bridgevm: %s\n", error->message);
  return bvm_error_exit_status(error);
}

int bvm_cli_usage(const char *verb, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "bridgevm %s: %s (see 'bridgevm %s --help')\n", verb, msg, verb);
  return BVM_EXIT_USAGE;
}

char *bvm_cli_library(const BvmCliCommon *common)
{
  return bvm_library_resolve(common->library);
}

/* An array (listVms of a large library) one element at a time, each freed
 * once printed: its text is never held whole beside the tree. The bytes are
 * those of the generator on the whole array. */
static void print_json_array(JsonGenerator *gen, JsonArray *a)
{
  guint n = json_array_get_length(a);
  fputs(n ? "[\n" : "[]\n", stdout);
  GString *out = g_string_sized_new(4096);
  for (guint i = 0; i < n; i++) {
    /* element 0 each time: the one before it was removed */
    json_generator_set_root(gen, json_array_get_element(a, 0));
    g_string_truncate(out, 0);
    json_generator_to_gstring(gen, out);
    json_array_remove_element(a, 0);
    /* indented one level, as an element of the array */
    fputs("  ", stdout);
    const char *p = out->str;
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
      fwrite(p, 1, (size_t)(nl - p) + 1, stdout);
      fputs("  ", stdout);
    }
    fputs(p, stdout);
    fputs(i + 1 < n ? ",\n" : "\n]\n", stdout);
  }
  g_string_free(out, TRUE);
}

void bvm_cli_print_json(JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 2);
  if (JSON_NODE_HOLDS_ARRAY(node)) {
    print_json_array(gen, json_node_get_array(node));
    return;
  }
  json_generator_set_root(gen, node);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  printf("%s\n", text);
}

void bvm_cli_progress(const char *step, gpointer data)
{
  const BvmCliCommon *common = data;
  if ((common != NULL && common->json) || !isatty(STDERR_FILENO))
    return;
  fprintf(stderr, "bridgevm: %s…\n", step);
}

void bvm_cli_notice(const char *text)
{
  fprintf(stderr, "bridgevm: note: %s\n", text);
}

char *bvm_cli_self_path(void)
{
  char *path = g_file_read_link("/proc/self/exe", NULL);
  if (path != NULL)
    return path;
  /* No /proc (macOS): the binary as it was found on PATH. */
  const char *prgname = g_get_prgname();
  char *found = prgname ? g_find_program_in_path(prgname) : NULL;
  return found ? found : g_strdup("bridgevm");
}

void bvm_cli_common_clear(BvmCliCommon *common)
{
  g_clear_pointer(&common->library, g_free);
}

BvmVmEntry *bvm_cli_find_vm(const BvmCliCommon *common, const char *query, int *out_status)
{
  g_autofree char *library = bvm_cli_library(common);
  g_autoptr(GError) error = NULL;
  BvmVmEntry *e = bvm_registry_find(library, query, &error);
  if (e == NULL)
    *out_status = bvm_cli_fail(error);
  return e;
}

int bvm_cli_call(BvmCliCommon *common, const char *op, JsonObject *params, JsonNode **out_result)
{
  g_autoptr(JsonObject) owned = params != NULL ? params : json_object_new();
  g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), owned);
  g_autofree char *library = bvm_cli_library(common);
  g_autofree char *self = bvm_cli_self_path();
  g_autoptr(BvmApi) api = bvm_api_new(library, self);
  g_autoptr(GError) error = NULL;
  JsonNode *result = bvm_api_call_progress(api, op, node, bvm_cli_progress, common, &error);
  if (result == NULL)
    return bvm_cli_fail(error);
  *out_result = result;
  return BVM_EXIT_OK;
}

JsonObject *bvm_cli_vm_params(const char *query)
{
  JsonObject *p = json_object_new();
  json_object_set_string_member(p, "vm", query);
  return p;
}

const char *bvm_cli_str(JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(n);
}

gint64 bvm_cli_int(JsonObject *o, const char *key, gint64 fallback)
{
  JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int(n);
}

gboolean bvm_cli_bool(JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_boolean(n);
}

JsonObject *bvm_cli_obj(JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;
  return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

void bvm_cli_print_status(JsonObject *st)
{
  gint64 pid = bvm_cli_int(st, "pid", 0);
  gint64 uptime = bvm_cli_int(st, "uptimeSeconds", -1);
  const char *display = bvm_cli_str(st, "display"), *reason = bvm_cli_str(st, "reason");
  printf("%s: %s", bvm_cli_str(st, "name"), bvm_cli_str(st, "state"));
  if (pid > 0)
    printf(", pid %" G_GINT64_FORMAT, pid);
  if (uptime >= 0)
    printf(", up %" G_GINT64_FORMAT " s", uptime);
  if (display != NULL && pid > 0)
    printf(", display %s", display);
  if (reason != NULL)
    printf(": %s", reason);
  printf("\n");
  JsonObject *last = bvm_cli_obj(st, "lastExit");
  if (last != NULL && pid <= 0)
    printf("last exit: %s (%s)\n", bvm_cli_str(last, "reason") ? bvm_cli_str(last, "reason") : "?",
           bvm_cli_str(last, "at") ? bvm_cli_str(last, "at") : "?");
}

gboolean bvm_cli_size_params(JsonObject *p, const char *memory, const char *disk,
                             const char *resolution, gboolean disk_at_least_one, GError **error)
{
  guint64 bytes = 0;
  if (memory != NULL) {
    if (!bvm_parse_size(memory, 'M', &bytes, error))
      return FALSE;
    json_object_set_int_member(p, "memoryMiB", (gint64)MAX(bytes / BVM_MIB, 1));
  }
  if (disk != NULL) {
    if (!bvm_parse_size(disk, 'G', &bytes, error))
      return FALSE;
    guint64 gib = (bytes + BVM_GIB - 1) / BVM_GIB;
    if (disk_at_least_one)
      gib = MAX(gib, 1);
    if (gib > 0)
      json_object_set_int_member(p, "diskGiB", (gint64)gib);
  }
  if (resolution != NULL) {
    guint width = 0, height = 0;
    if (!bvm_validate_resolution(resolution, &width, &height, error))
      return FALSE;
    json_object_set_int_member(p, "width", width);
    json_object_set_int_member(p, "height", height);
  }
  return TRUE;
}
