#include "jsonfields.h"
#include "error.h"

#include <string.h>

#define FIELD_AT(base, f) ((char *)(base) + (f)->offset)
#define CONST_FIELD_AT(base, f) ((const char *)(base) + (f)->offset)

static gint64 int_get(const BvmJsonField *f, gconstpointer base)
{
  const char *p = CONST_FIELD_AT(base, f);
  switch (f->type) {
  case BVM_FIELD_INT:
    return *(const int *)p;
  case BVM_FIELD_UINT:
    return *(const guint *)p;
  default:
    return (gint64) * (const guint64 *)p;
  }
}

static void int_set(const BvmJsonField *f, gpointer base, gint64 v)
{
  char *p = FIELD_AT(base, f);
  switch (f->type) {
  case BVM_FIELD_INT:
    *(int *)p = (int)v;
    break;
  case BVM_FIELD_UINT:
    *(guint *)p = (guint)v;
    break;
  default:
    *(guint64 *)p = (guint64)v;
    break;
  }
}

/* The struct an object field's members live on: @base itself, or the one
 * its pointer holds (NULL when none). */
static gconstpointer object_base(const BvmJsonField *f, gconstpointer base)
{
  return f->object_new != NULL ? *(gconstpointer const *)CONST_FIELD_AT(base, f) : base;
}

/* Whether the member is written at all. */
static gboolean written(const BvmJsonField *f, gconstpointer base)
{
  if ((f->flags & BVM_FIELD_SEEN) && !*(const gboolean *)((const char *)base + f->seen))
    return FALSE;
  if (!(f->flags & BVM_FIELD_OMIT_UNSET))
    return TRUE;
  if (f->type == BVM_FIELD_BOOL)
    return *(const gboolean *)CONST_FIELD_AT(base, f);
  return *(const char *const *)CONST_FIELD_AT(base, f) != NULL;
}

static void add_string_or_null(JsonBuilder *b, const char *s)
{
  if (s != NULL)
    json_builder_add_string_value(b, s);
  else
    json_builder_add_null_value(b);
}

static void write_value(const BvmJsonField *f, gconstpointer base, JsonBuilder *b)
{
  const char *p = CONST_FIELD_AT(base, f);
  switch (f->type) {
  case BVM_FIELD_STRING:
    add_string_or_null(b, *(const char *const *)p);
    break;
  case BVM_FIELD_INT:
  case BVM_FIELD_UINT:
  case BVM_FIELD_UINT64:
    json_builder_add_int_value(b, int_get(f, base));
    break;
  case BVM_FIELD_BOOL:
    json_builder_add_boolean_value(b, *(const gboolean *)p);
    break;
  case BVM_FIELD_WORD:
    add_string_or_null(b, bvm_jsonread_words_name(f->words, *(const guint *)p));
    break;
  case BVM_FIELD_STRV:
    json_builder_begin_array(b);
    for (char *const *s = *(char *const *const *)p; s != NULL && *s != NULL; s++)
      json_builder_add_string_value(b, *s);
    json_builder_end_array(b);
    break;
  case BVM_FIELD_OBJECT:
    if (object_base(f, base) != NULL)
      bvm_jsonfields_write(f->fields, object_base(f, base), b);
    else
      json_builder_add_null_value(b);
    break;
  case BVM_FIELD_CUSTOM:
    f->write(b, base);
    break;
  }
}

void bvm_jsonfields_write(const BvmJsonField *fields, gconstpointer base, JsonBuilder *b)
{
  json_builder_begin_object(b);
  for (const BvmJsonField *f = fields; f->key != NULL; f++) {
    if (!written(f, base))
      continue;
    json_builder_set_member_name(b, f->key);
    write_value(f, base, b);
  }
  json_builder_end_object(b);
}

static gboolean read_object(const BvmJsonField *f, const BvmJsonReader *r, JsonObject *obj,
                            gpointer base, GError **error)
{
  JsonObject *sub = NULL;
  if (!bvm_jsonread_object(r, obj, f->key, f->flags & BVM_FIELD_REQUIRED, &sub, error))
    return FALSE;
  if (sub == NULL)
    return TRUE;
  gpointer target = base;
  if (f->object_new != NULL) {
    gpointer *slot = (gpointer *)FIELD_AT(base, f);
    if (*slot == NULL)
      *slot = f->object_new();
    target = *slot;
  }
  g_autofree char *path = r->path != NULL ? g_strconcat(r->path, ".", f->key, NULL) : NULL;
  BvmJsonReader child = *r;
  child.path = path != NULL ? path : f->key;
  return bvm_jsonfields_read(f->fields, &child, sub, target, error);
}

static gboolean read_value(const BvmJsonField *f, const BvmJsonReader *r, JsonObject *obj,
                           gpointer base, GError **error)
{
  char *p = FIELD_AT(base, f);
  gboolean required = (f->flags & BVM_FIELD_REQUIRED) != 0;
  switch (f->type) {
  case BVM_FIELD_STRING: {
    const char *s = NULL;
    if (!bvm_jsonread_string(r, obj, f->key, required, &s, error))
      return FALSE;
    if (s != NULL) {
      g_free(*(char **)p);
      *(char **)p = g_strdup(s);
    }
    return TRUE;
  }
  case BVM_FIELD_INT:
  case BVM_FIELD_UINT:
  case BVM_FIELD_UINT64: {
    gint64 v = int_get(f, base);
    if (!bvm_jsonread_int(r, obj, f->key, required, f->min, f->max, &v, error))
      return FALSE;
    int_set(f, base, v);
    return TRUE;
  }
  case BVM_FIELD_BOOL:
    return bvm_jsonread_bool(r, obj, f->key, required, (gboolean *)p, error);
  case BVM_FIELD_WORD:
    return bvm_jsonread_word(r, obj, f->key, required, f->words, (guint *)p, error);
  case BVM_FIELD_STRV: {
    GStrv v = NULL;
    if (!bvm_jsonread_strv(r, obj, f->key, required, &v, error))
      return FALSE;
    if (v != NULL) {
      g_strfreev(*(GStrv *)p);
      *(GStrv *)p = v;
    }
    return TRUE;
  }
  case BVM_FIELD_OBJECT:
    return read_object(f, r, obj, base, error);
  case BVM_FIELD_CUSTOM:
    return f->read(r, obj, f->key, base, error);
  }
  g_assert_not_reached();
}

gboolean bvm_jsonfields_read(const BvmJsonField *fields, const BvmJsonReader *reader,
                             JsonObject *obj, gpointer base, GError **error)
{
  for (const BvmJsonField *f = fields; f->key != NULL; f++) {
    if (!read_value(f, reader, obj, base, error))
      return FALSE;
    if ((f->flags & BVM_FIELD_SEEN) && bvm_jsonread_has(reader, obj, f->key))
      *(gboolean *)((char *)base + f->seen) = TRUE;
  }
  return TRUE;
}

void bvm_jsonfields_write_array(const BvmJsonField *fields, const GPtrArray *items, JsonBuilder *b)
{
  json_builder_begin_array(b);
  for (guint i = 0; items != NULL && i < items->len; i++)
    bvm_jsonfields_write(fields, items->pdata[i], b);
  json_builder_end_array(b);
}

gboolean bvm_jsonfields_read_array(const BvmJsonField *fields, const BvmJsonReader *reader,
                                   JsonObject *obj, const char *key, gpointer (*item_new)(void),
                                   GDestroyNotify item_free,
                                   gboolean (*check)(const GPtrArray *before, gconstpointer item,
                                                     GError **error),
                                   GPtrArray **out, GError **error)
{
  JsonNode *node = obj != NULL ? json_object_get_member(obj, key) : NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL(node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY(node)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "'%s' must be a list of objects",
                key);
    return FALSE;
  }
  JsonArray *a = json_node_get_array(node);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(item_free);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *el = json_array_get_element(a, i);
    g_autofree char *path = g_strdup_printf("%s[%u]", key, i);
    if (!JSON_NODE_HOLDS_OBJECT(el)) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "'%s' must be an object", path);
      return FALSE;
    }
    BvmJsonReader child = *reader;
    child.path = path;
    gpointer item = item_new();
    if (!bvm_jsonfields_read(fields, &child, json_node_get_object(el), item, error)) {
      item_free(item);
      return FALSE;
    }
    if (!check(list, item, error)) {
      item_free(item);
      g_prefix_error(error, "'%s': ", path);
      return FALSE;
    }
    g_ptr_array_add(list, item);
  }
  if (*out != NULL)
    g_ptr_array_unref(*out);
  *out = g_steal_pointer(&list);
  return TRUE;
}

guint bvm_jsonfields_count(const BvmJsonField *fields)
{
  guint n = 0;
  while (fields[n].key != NULL)
    n++;
  return n;
}

static const BvmJsonField *find(const BvmJsonField *fields, const char *key)
{
  for (const BvmJsonField *f = fields; f->key != NULL; f++)
    if (strcmp(f->key, key) == 0)
      return f;
  return NULL;
}

const char *bvm_jsonfields_unknown(const BvmJsonField *fields, JsonObject *obj)
{
  g_autoptr(GList) names = json_object_get_members(obj);
  for (GList *l = names; l != NULL; l = l->next)
    if (find(fields, l->data) == NULL)
      return l->data;
  return NULL;
}

static gboolean value_is(JsonNode *n, GType type)
{
  return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type;
}

static gboolean same_string(JsonNode *n, const char *s)
{
  return s == NULL ? JSON_NODE_HOLDS_NULL(n)
                   : value_is(n, G_TYPE_STRING) && strcmp(json_node_get_string(n), s) == 0;
}

/* @n is what write_value would write for @f. */
static gboolean canonical_value(const BvmJsonField *f, JsonNode *n, gconstpointer base)
{
  const char *p = CONST_FIELD_AT(base, f);
  switch (f->type) {
  case BVM_FIELD_STRING:
    return same_string(n, *(const char *const *)p);
  case BVM_FIELD_INT:
  case BVM_FIELD_UINT:
  case BVM_FIELD_UINT64:
    return value_is(n, G_TYPE_INT64) && json_node_get_int(n) == int_get(f, base);
  case BVM_FIELD_BOOL:
    return value_is(n, G_TYPE_BOOLEAN) && !json_node_get_boolean(n) == !*(const gboolean *)p;
  case BVM_FIELD_WORD:
    return same_string(n, bvm_jsonread_words_name(f->words, *(const guint *)p));
  case BVM_FIELD_STRV:
    return JSON_NODE_HOLDS_ARRAY(n);
  case BVM_FIELD_OBJECT:
    if (object_base(f, base) == NULL)
      return JSON_NODE_HOLDS_NULL(n);
    return JSON_NODE_HOLDS_OBJECT(n) &&
           bvm_jsonfields_canonical(f->fields, json_node_get_object(n), object_base(f, base));
  case BVM_FIELD_CUSTOM:
    return TRUE;
  }
  return FALSE;
}

gboolean bvm_jsonfields_canonical(const BvmJsonField *fields, JsonObject *obj, gconstpointer base)
{
  if (bvm_jsonfields_unknown(fields, obj) != NULL)
    return FALSE;
  for (const BvmJsonField *f = fields; f->key != NULL; f++) {
    JsonNode *n = json_object_get_member(obj, f->key);
    if (!written(f, base)) {
      if (n != NULL)
        return FALSE;
      continue;
    }
    if (n == NULL || !canonical_value(f, n, base))
      return FALSE;
  }
  return TRUE;
}
