#include "jsonread.h"

#include <string.h>

gboolean bvm_jsonread_words_lookup(const BvmJsonWords *w, const char *word, guint *out_index)
{
  if (word == NULL)
    return FALSE;
  for (const char *const *a = w->aliases; a != NULL && *a != NULL; a += 2) {
    if (strcmp(a[0], word) == 0) {
      word = a[1];
      break;
    }
  }
  for (guint i = 0; i < w->n_words; i++) {
    if (strcmp(w->words[i], word) == 0) {
      *out_index = i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *bvm_jsonread_words_name(const BvmJsonWords *w, guint index)
{
  return index < w->n_words ? w->words[index] : NULL;
}

char *bvm_jsonread_words_join(const BvmJsonWords *w, const char *last_sep)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < w->n_words; i++) {
    if (i > 0)
      g_string_append(s, i + 1 == w->n_words ? last_sep : ", ");
    g_string_append(s, w->words[i]);
  }
  return g_string_free(s, FALSE);
}

static gboolean fail(const BvmJsonReader *r, BvmJsonFault *f, BvmJsonProblem problem,
                     GError **error)
{
  f->problem = problem;
  r->report(f, error);
  return FALSE;
}

static gboolean is_absent(const BvmJsonReader *r, JsonNode *n)
{
  return n == NULL || (r->null_is_absent && JSON_NODE_HOLDS_NULL(n));
}

gboolean bvm_jsonread_has(const BvmJsonReader *r, JsonObject *obj, const char *key)
{
  return obj != NULL && !is_absent(r, json_object_get_member(obj, key));
}

static gboolean holds(JsonNode *n, GType type)
{
  return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type;
}

/* Of the JSON type @f->kind asks for. */
static gboolean of_kind(JsonNode *n, BvmJsonKind kind)
{
  switch (kind) {
  case BVM_JSON_STRING:
  case BVM_JSON_WORD:
    return holds(n, G_TYPE_STRING);
  case BVM_JSON_INT:
    return holds(n, G_TYPE_INT64);
  case BVM_JSON_BOOL:
    return holds(n, G_TYPE_BOOLEAN);
  case BVM_JSON_OBJECT:
    return JSON_NODE_HOLDS_OBJECT(n);
  case BVM_JSON_STRV:
    return JSON_NODE_HOLDS_ARRAY(n);
  }
  return FALSE;
}

/* The member @f->name of @obj, of the JSON type @f->kind asks for; NULL
 * with *out_ok TRUE when it is absent and not @required, NULL with *out_ok
 * FALSE (reported) when it is faulty. */
static JsonNode *read_node(const BvmJsonReader *r, JsonObject *obj, gboolean required,
                           BvmJsonFault *f, gboolean *out_ok, GError **error)
{
  JsonNode *n = obj != NULL ? json_object_get_member(obj, f->name) : NULL;
  *out_ok = TRUE;
  if (is_absent(r, n)) {
    if (required)
      *out_ok = fail(r, f, BVM_JSON_MISSING, error);
    return NULL;
  }
  if (!of_kind(n, f->kind)) {
    *out_ok = fail(r, f, BVM_JSON_MISTYPED, error);
    return NULL;
  }
  return n;
}

/* A string, a bool or an object: the member's value as it is. */
static gboolean read_plain(const BvmJsonReader *r, JsonObject *obj, const char *key,
                           gboolean required, BvmJsonKind kind, gpointer out, GError **error)
{
  BvmJsonFault f = {.kind = kind, .name = key};
  gboolean ok;
  JsonNode *n = read_node(r, obj, required, &f, &ok, error);
  if (n == NULL)
    return ok;
  if (kind == BVM_JSON_STRING)
    *(const char **)out = json_node_get_string(n);
  else if (kind == BVM_JSON_BOOL)
    *(gboolean *)out = json_node_get_boolean(n);
  else
    *(JsonObject **)out = json_node_get_object(n);
  return TRUE;
}

gboolean bvm_jsonread_string(const BvmJsonReader *r, JsonObject *obj, const char *key,
                             gboolean required, const char **out, GError **error)
{
  return read_plain(r, obj, key, required, BVM_JSON_STRING, out, error);
}

gboolean bvm_jsonread_bool(const BvmJsonReader *r, JsonObject *obj, const char *key,
                           gboolean required, gboolean *out, GError **error)
{
  return read_plain(r, obj, key, required, BVM_JSON_BOOL, out, error);
}

gboolean bvm_jsonread_object(const BvmJsonReader *r, JsonObject *obj, const char *key,
                             gboolean required, JsonObject **out, GError **error)
{
  return read_plain(r, obj, key, required, BVM_JSON_OBJECT, out, error);
}

gboolean bvm_jsonread_int(const BvmJsonReader *r, JsonObject *obj, const char *key,
                          gboolean required, gint64 min, gint64 max, gint64 *out, GError **error)
{
  BvmJsonFault f = {.kind = BVM_JSON_INT, .name = key, .min = min, .max = max};
  gboolean ok;
  JsonNode *n = read_node(r, obj, required, &f, &ok, error);
  if (n == NULL)
    return ok;
  f.value = json_node_get_int(n);
  if (f.value < min || f.value > max)
    return fail(r, &f, BVM_JSON_OUT_OF_RANGE, error);
  *out = f.value;
  return TRUE;
}

gboolean bvm_jsonread_word(const BvmJsonReader *r, JsonObject *obj, const char *key,
                           gboolean required, const BvmJsonWords *words, guint *out_index,
                           GError **error)
{
  BvmJsonFault f = {.kind = BVM_JSON_WORD, .name = key, .words = words};
  gboolean ok;
  JsonNode *n = read_node(r, obj, required, &f, &ok, error);
  if (n == NULL)
    return ok;
  f.word = json_node_get_string(n);
  if (bvm_jsonread_words_lookup(words, f.word, out_index))
    return TRUE;
  g_autofree char *path = r->path != NULL ? g_strconcat(r->path, ".", key, NULL) : NULL;
  if (path != NULL)
    f.name = path;
  return fail(r, &f, BVM_JSON_UNKNOWN_WORD, error);
}

gboolean bvm_jsonread_strv(const BvmJsonReader *r, JsonObject *obj, const char *key,
                           gboolean required, GStrv *out, GError **error)
{
  BvmJsonFault f = {.kind = BVM_JSON_STRV, .name = key};
  gboolean ok;
  JsonNode *n = read_node(r, obj, required, &f, &ok, error);
  if (n == NULL)
    return ok;
  JsonArray *a = json_node_get_array(n);
  g_autoptr(GStrvBuilder) sb = g_strv_builder_new();
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!holds(e, G_TYPE_STRING))
      return fail(r, &f, BVM_JSON_MISTYPED, error);
    g_strv_builder_add(sb, json_node_get_string(e));
  }
  *out = g_strv_builder_end(sb);
  return TRUE;
}
