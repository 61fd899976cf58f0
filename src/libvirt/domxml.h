/* A libvirt domain XML read into a small tree (GMarkup), for import: just
 * elements, attributes and text. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct BvmXmlNode BvmXmlNode;
struct BvmXmlNode {
  char *name;
  GHashTable *attrs; /* char * -> char * */
  GString *text;
  GPtrArray *children; /* BvmXmlNode * */
};

void bvm_xml_node_free(BvmXmlNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmXmlNode, bvm_xml_node_free)

/* The root element of @xml, or NULL with INVALID_ARGUMENT. */
BvmXmlNode *bvm_xml_parse(const char *xml, GError **error);

/* The first descendant along @path ("os/type"), or NULL. */
BvmXmlNode *bvm_xml_find(BvmXmlNode *node, const char *path);
/* Every child of @node named @name (a new array, not owning the nodes). */
GPtrArray *bvm_xml_children(BvmXmlNode *node, const char *name);
const char *bvm_xml_attr(const BvmXmlNode *node, const char *name);
/* The text of @node, whitespace stripped ("" when none). */
const char *bvm_xml_text(BvmXmlNode *node);

G_END_DECLS
