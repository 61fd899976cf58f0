#include "disk.h"
#include "error.h"
#include "util.h"

#include <json-glib/json-glib.h>

/* qcow2 with 64 KiB clusters (QEMU's default, stated so the image does not
 * depend on it): each L2 entry is 8 bytes and maps one cluster, so 1 MiB of
 * L2 cache covers 8 GiB of disk. The command builder sizes l2-cache-size from
 * this (disk_bytes / 8192). lazy_refcounts is left off: it trades crash
 * consistency for a little write speed, and a crash should never cost a
 * repair. preallocation stays off: the image is sparse; falloc would claim the
 * whole disk on the host at once. */
#define CLUSTER_OPTS "cluster_size=65536"

char *bvm_disk_qemu_img(GError **error)
{
  return bvm_find_tool("qemu-img", "BRIDGEVM_QEMU_IMG", BVM_QEMU_IMG_HINT, error);
}

gboolean bvm_disk_create(const char *path, guint64 size_gib, GError **error)
{
  g_autofree char *tool = bvm_disk_qemu_img(error);
  if (tool == NULL)
    return FALSE;
  g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "G", size_gib);
  /* qemu-img reads the file name as a plain argument (not an option list),
   * so a comma in @path needs no escaping here. */
  const char *argv[] = {tool, "create", "-q", "-f", "qcow2", "-o", CLUSTER_OPTS, path, size, NULL};
  if (!bvm_run_tool(argv, BVM_QEMU_IMG_HINT, NULL, error)) {
    g_prefix_error(error, "creating disk %s: ", path);
    return FALSE;
  }
  return TRUE;
}

JsonNode *bvm_disk_info_json(const char *path, GError **error)
{
  g_autofree char *tool = bvm_disk_qemu_img(error);
  if (tool == NULL)
    return NULL;
  /* -U: read the header even while QEMU holds the image's write lock. */
  const char *argv[] = {tool, "info", "-U", "--output=json", "-f", "qcow2", path, NULL};
  g_autofree char *out = NULL;
  if (!bvm_run_tool(argv, BVM_QEMU_IMG_HINT, &out, error)) {
    g_prefix_error(error, "reading disk %s: ", path);
    return NULL;
  }
  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, out, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "qemu-img info gave no JSON object for %s",
                path);
    return NULL;
  }
  return json_node_copy(json_parser_get_root(parser));
}

gboolean bvm_disk_info(const char *path, guint64 *out_virtual_bytes, guint64 *out_actual_bytes,
                       GError **error)
{
  g_autoptr(JsonNode) node = bvm_disk_info_json(path, error);
  if (node == NULL)
    return FALSE;
  JsonObject *obj = json_node_get_object(node);
  if (out_virtual_bytes != NULL)
    *out_virtual_bytes = (guint64)json_object_get_int_member_with_default(obj, "virtual-size", 0);
  if (out_actual_bytes != NULL)
    *out_actual_bytes = (guint64)json_object_get_int_member_with_default(obj, "actual-size", 0);
  return TRUE;
}

gboolean bvm_disk_grow(const char *path, guint64 new_size_gib, GError **error)
{
  guint64 current = 0;
  if (!bvm_disk_info(path, &current, NULL, error))
    return FALSE;
  guint64 wanted = new_size_gib * BVM_GIB;
  if (wanted < current) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "disk %s is %" G_GUINT64_FORMAT " GiB; shrinking to %" G_GUINT64_FORMAT
                " GiB would lose data: give a larger size",
                path, current / BVM_GIB, new_size_gib);
    return FALSE;
  }
  if (wanted == current)
    return TRUE;
  g_autofree char *tool = bvm_disk_qemu_img(error);
  if (tool == NULL)
    return FALSE;
  g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "G", new_size_gib);
  const char *argv[] = {tool, "resize", "-q", "-f", "qcow2", path, size, NULL};
  if (!bvm_run_tool(argv, BVM_QEMU_IMG_HINT, NULL, error)) {
    g_prefix_error(error, "growing disk %s: ", path);
    return FALSE;
  }
  return TRUE;
}
