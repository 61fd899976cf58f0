#include "cli.h"
#include "error.h"
#include "library.h"

#include <stdio.h>
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

void bvm_cli_print_json(JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 2);
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
