/* Every verb's --help, as a new user meets it: for each verb that
 * `bridgevm --help` lists, `bridgevm VERB --help` exits 0 with one usage
 * line that names the verb once, and lists --library. */
#include "cli-harness.h"

#include <string.h>

/* The verbs under "Verbs:" in `bridgevm --help`, in order. */
static GPtrArray *listed_verbs(void)
{
  g_auto(BvmRun) r = {0};
  const char *args[] = {"--help", NULL};
  harness_run(&r, NULL, args);
  g_assert_cmpint(r.status, ==, 0);
  GPtrArray *verbs = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = g_strsplit(r.out, "\n", -1);
  gboolean in_verbs = FALSE;
  for (char **l = lines; *l != NULL; l++) {
    if (strcmp(*l, "Verbs:") == 0) {
      in_verbs = TRUE;
      continue;
    }
    if (!in_verbs)
      continue;
    if (**l == '\0')
      break;
    g_auto(GStrv) words = g_strsplit_set(g_strstrip(*l), " ", 2);
    g_ptr_array_add(verbs, g_strdup(words[0]));
  }
  return verbs;
}

static guint count_words(const char *text, const char *word)
{
  g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
  guint n = 0;
  for (char **w = words; *w != NULL; w++)
    n += strcmp(*w, word) == 0;
  return n;
}

static void test_every_verb_has_help(void)
{
  g_autoptr(GPtrArray) verbs = listed_verbs();
  /* The list is the CLI's: if it shrank to nothing the loop proves nothing. */
  g_assert_cmpuint(verbs->len, >=, 19);
  for (guint i = 0; i < verbs->len; i++) {
    const char *verb = verbs->pdata[i];
    g_auto(BvmRun) r = {0};
    const char *args[] = {verb, "--help", NULL};
    harness_run(&r, NULL, args);
    if (r.status != 0)
      g_error("'bridgevm %s --help' exited %d: %s", verb, r.status, r.err);
    /* "Usage:" then the usage line itself. */
    g_auto(GStrv) lines = g_strsplit(r.out, "\n", 3);
    g_assert_nonnull(lines[0]);
    g_assert_cmpstr(lines[0], ==, "Usage:");
    g_assert_nonnull(lines[1]);
    g_autofree char *want = g_strdup_printf("  bridgevm %s ", verb);
    g_autofree char *line = g_strconcat(lines[1], " ", NULL);
    if (!g_str_has_prefix(line, want) || count_words(line, verb) != 1)
      g_error("'bridgevm %s --help' usage line should name the verb once after bridgevm: '%s'",
              verb, lines[1]);
    assert_contains(r.out, "--library");
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/cli/help/every-verb", test_every_verb_has_help);
  return g_test_run();
}
