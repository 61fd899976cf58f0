/* A record's JSON form as one table of fields: writing, reading and the
 * check that a parsed object is exactly what writing would give all walk
 * the same table, so a field is added in one place. config.c (the VM
 * record) and caps.c (the caps record) hold such tables. Pure: no I/O. */
#pragma once

#include "jsonread.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  BVM_FIELD_STRING, /* char *, written as null when NULL */
  BVM_FIELD_INT,    /* int */
  BVM_FIELD_UINT,   /* guint */
  BVM_FIELD_UINT64, /* guint64 */
  BVM_FIELD_BOOL,   /* gboolean */
  BVM_FIELD_WORD,   /* an enum (of int size), spelled by .words */
  BVM_FIELD_STRV,   /* GStrv */
  /* An object of .fields: on the same struct when .object_new is NULL
   * (nested only in JSON), else on the struct the pointer at .offset holds
   * (null when NULL; .object_new makes it, with its defaults, on reading). */
  BVM_FIELD_OBJECT,
  BVM_FIELD_CUSTOM, /* .write and .read do it all */
} BvmJsonFieldType;

typedef enum {
  BVM_FIELD_REQUIRED = 1 << 0, /* reading fails when the member is absent */
  /* written only when TRUE (bool) or non-NULL (string): optional members
   * that older records lack */
  BVM_FIELD_OMIT_UNSET = 1 << 1,
  /* .seen is a gboolean that says the member is there: set on reading,
   * and the member is written only when it is set */
  BVM_FIELD_SEEN = 1 << 2,
} BvmJsonFieldFlags;

typedef struct BvmJsonField BvmJsonField;
struct BvmJsonField {
  const char *key; /* the JSON member; NULL ends a table */
  BvmJsonFieldType type;
  gsize offset; /* of the value in the struct */
  BvmJsonFieldFlags flags;
  gint64 min, max;           /* integers */
  const BvmJsonWords *words; /* BVM_FIELD_WORD */
  const BvmJsonField *fields;
  gpointer (*object_new)(void);
  gsize seen; /* BVM_FIELD_SEEN */
  void (*write)(JsonBuilder *b, gconstpointer base);
  gboolean (*read)(const BvmJsonReader *reader, JsonObject *obj, const char *key, gpointer base,
                   GError **error);
};

/* Adds the object @fields describe for @base to @b (as a value: after a
 * member name, or as the root). */
void bvm_jsonfields_write(const BvmJsonField *fields, gconstpointer base, JsonBuilder *b);

/* Reads the members @fields describe from @obj into @base, table order;
 * members absent and not required keep what @base holds. */
gboolean bvm_jsonfields_read(const BvmJsonField *fields, const BvmJsonReader *reader,
                             JsonObject *obj, gpointer base, GError **error);

/* A list of records: an array of the objects @fields describe. Writing:
 * @items (each a struct of @fields). Reading the member @key of @obj: each
 * element made by @item_new, read, and then passed to @check with the
 * elements before it (a duplicate, a range @fields cannot say); *out is a
 * new GPtrArray that frees with @item_free (replacing, and unreferencing, a
 * list *out held), untouched when the member is absent. A fault names the element ("forwards[1]").
 */
void bvm_jsonfields_write_array(const BvmJsonField *fields, const GPtrArray *items, JsonBuilder *b);
gboolean bvm_jsonfields_read_array(const BvmJsonField *fields, const BvmJsonReader *reader,
                                   JsonObject *obj, const char *key, gpointer (*item_new)(void),
                                   GDestroyNotify item_free,
                                   gboolean (*check)(const GPtrArray *before, gconstpointer item,
                                                     GError **error),
                                   GPtrArray **out, GError **error);

guint bvm_jsonfields_count(const BvmJsonField *fields);

/* The first member of @obj that @fields do not name, or NULL. */
const char *bvm_jsonfields_unknown(const BvmJsonField *fields, JsonObject *obj);

/* @obj (which bvm_jsonfields_read made @base from) is exactly what
 * bvm_jsonfields_write would give, in substance: every member and no
 * other, nested objects alike, and each word spelled as the table spells it
 * (not an alias). Member order and integer spelling are not compared. */
gboolean bvm_jsonfields_canonical(const BvmJsonField *fields, JsonObject *obj, gconstpointer base);

G_END_DECLS
