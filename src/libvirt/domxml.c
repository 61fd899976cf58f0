#include "domxml.h"
#include "error.h"

#include <string.h>

void bvm_xml_node_free(BvmXmlNode *n)
{
  if (n == NULL)
    return;
  g_free(n->name);
  g_hash_table_unref(n->attrs);
  g_string_free(n->text, TRUE);
  g_ptr_array_unref(n->children);
  g_free(n);
}

typedef struct {
  BvmXmlNode *root;
  GPtrArray *stack; /* BvmXmlNode *, not owned */
} Parse;

static void on_start(GMarkupParseContext *ctx, const char *element, const char **names,
                     const char **values, gpointer data, GError **error)
{
  Parse *p = data;
  BvmXmlNode *n = g_new0(BvmXmlNode, 1);
  n->name = g_strdup(element);
  n->attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; names[i]; i++)
    g_hash_table_insert(n->attrs, g_strdup(names[i]), g_strdup(values[i]));
  n->text = g_string_new(NULL);
  n->children = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_xml_node_free);
  if (p->stack->len == 0) {
    if (p->root == NULL)
      p->root = n;
    else
      bvm_xml_node_free(n);
  } else {
    BvmXmlNode *parent = p->stack->pdata[p->stack->len - 1];
    g_ptr_array_add(parent->children, n);
  }
  g_ptr_array_add(p->stack, n);
}

static void on_end(GMarkupParseContext *ctx, const char *element, gpointer data, GError **error)
{
  Parse *p = data;
  g_ptr_array_set_size(p->stack, p->stack->len - 1);
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
                    GError **error)
{
  Parse *p = data;
  if (p->stack->len > 0) {
    BvmXmlNode *n = p->stack->pdata[p->stack->len - 1];
    g_string_append_len(n->text, text, (gssize)len);
  }
}

BvmXmlNode *bvm_xml_parse(const char *xml, GError **error)
{
  static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
  Parse p = {NULL, g_ptr_array_new()};
  GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
  g_autoptr(GError) local = NULL;
  gboolean ok = g_markup_parse_context_parse(ctx, xml, -1, &local) &&
                g_markup_parse_context_end_parse(ctx, &local);
  g_markup_parse_context_free(ctx);
  g_ptr_array_unref(p.stack);
  if (!ok || p.root == NULL) {
    bvm_xml_node_free(p.root);
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "the domain XML does not parse: %s",
                local ? local->message : "no root element");
    return NULL;
  }
  return p.root;
}

BvmXmlNode *bvm_xml_find(BvmXmlNode *node, const char *path)
{
  g_auto(GStrv) parts = g_strsplit(path, "/", -1);
  BvmXmlNode *cur = node;
  for (char **part = parts; cur && *part; part++) {
    BvmXmlNode *next = NULL;
    for (guint i = 0; i < cur->children->len && next == NULL; i++) {
      BvmXmlNode *c = cur->children->pdata[i];
      if (strcmp(c->name, *part) == 0)
        next = c;
    }
    cur = next;
  }
  return cur;
}

GPtrArray *bvm_xml_children(BvmXmlNode *node, const char *name)
{
  GPtrArray *out = g_ptr_array_new();
  for (guint i = 0; node && i < node->children->len; i++) {
    BvmXmlNode *c = node->children->pdata[i];
    if (strcmp(c->name, name) == 0)
      g_ptr_array_add(out, c);
  }
  return out;
}

const char *bvm_xml_attr(const BvmXmlNode *node, const char *name)
{
  return node ? g_hash_table_lookup(node->attrs, name) : NULL;
}

const char *bvm_xml_text(BvmXmlNode *node)
{
  if (node == NULL)
    return "";
  /* strip in place once: the text is complete after parsing */
  g_strstrip(node->text->str);
  node->text->len = strlen(node->text->str);
  return node->text->str;
}
