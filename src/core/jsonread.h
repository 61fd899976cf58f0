/* One typed reader for the members of a JSON object: config.json, the caps
 * record and the API's parameters all read through it, so each finds a
 * missing or mistyped member the same way. How a fault is worded stays the
 * caller's: each passes a BvmJsonReader whose report function turns the
 * fault into its GError ("config: 'cpus' must be an integer", "caps: 'cores'
 * is missing or mistyped", "parameter 'cpus' must be a whole number ...").
 * Pure: no I/O. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An enum's words, indexed by its values: the one string table per enum,
 * shared by its to/from_string functions, the JSON writers and readers. */
typedef struct {
  const char *const *words;
  guint n_words;              /* the words accepted: the first n_words of the table */
  const char *const *aliases; /* NULL, or {other spelling, word, ..., NULL} */
} BvmJsonWords;

/* The value @word (or one of its aliases) stands for; FALSE for another
 * word or NULL. */
gboolean bvm_jsonread_words_lookup(const BvmJsonWords *words, const char *word, guint *out_index);
/* The word for @index, or NULL when out of range. */
const char *bvm_jsonread_words_name(const BvmJsonWords *words, guint index);
/* The accepted words for a message: "a, b, c" with @last_sep (", " or " or ")
 * before the last. */
char *bvm_jsonread_words_join(const BvmJsonWords *words, const char *last_sep);

/* What a read asked for. */
typedef enum {
  BVM_JSON_STRING,
  BVM_JSON_INT,
  BVM_JSON_BOOL,
  BVM_JSON_WORD, /* a string, one of an enum's words */
  BVM_JSON_OBJECT,
  BVM_JSON_STRV, /* an array of strings */
} BvmJsonKind;

typedef enum {
  BVM_JSON_MISSING,      /* absent and required */
  BVM_JSON_MISTYPED,     /* present, of another JSON type */
  BVM_JSON_OUT_OF_RANGE, /* an integer outside min..max */
  BVM_JSON_UNKNOWN_WORD, /* a string that is none of the words */
} BvmJsonProblem;

typedef struct {
  BvmJsonProblem problem;
  BvmJsonKind kind;
  /* The member by its key; an unknown word by its path ("lastExit.kind"),
   * since a word means something only in its record. */
  const char *name;
  gint64 value, min, max;    /* BVM_JSON_INT: what was given (OUT_OF_RANGE) and the range */
  const char *word;          /* UNKNOWN_WORD: as given */
  const BvmJsonWords *words; /* BVM_JSON_WORD */
} BvmJsonFault;

typedef struct {
  /* Sets @error (BVM_ERROR) from @fault, in the caller's words. */
  void (*report)(const BvmJsonFault *fault, GError **error);
  gboolean null_is_absent; /* a null member counts as absent (else: mistyped) */
  const char *path;        /* the enclosing member's path ("lastExit"), or NULL */
} BvmJsonReader;

/* Each reader: TRUE with *out set; TRUE with *out untouched when the member
 * is absent (or @obj is NULL) and not @required; FALSE with @error set by
 * @reader otherwise (*out untouched). */
gboolean bvm_jsonread_string(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                             gboolean required, const char **out, GError **error);
gboolean bvm_jsonread_int(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                          gboolean required, gint64 min, gint64 max, gint64 *out, GError **error);
gboolean bvm_jsonread_bool(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                           gboolean required, gboolean *out, GError **error);
gboolean bvm_jsonread_word(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                           gboolean required, const BvmJsonWords *words, guint *out_index,
                           GError **error);
gboolean bvm_jsonread_object(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                             gboolean required, JsonObject **out, GError **error);
/* *out is a new GStrv. */
gboolean bvm_jsonread_strv(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                           gboolean required, GStrv *out, GError **error);

/* The member is there (and not null, for a reader that takes null as absent). */
gboolean bvm_jsonread_has(const BvmJsonReader *reader, JsonObject *obj, const char *key);

G_END_DECLS
