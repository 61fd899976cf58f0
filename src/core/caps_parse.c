#include "caps.h"
#include "error.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

/* The devices whose properties the command builder checks. */
static const char *const probed_devices[] = {"virtio-gpu-pci",
                                             "virtio-vga",
                                             "virtio-gpu-device",
                                             "ramfb",
                                             "nvme",
                                             "virtio-net-pci",
                                             "virtio-serial-pci",
                                             "virtserialport",
                                             "tpm-crb",
                                             "tpm-tis-device",
                                             "qemu-xhci",
                                             "usb-tablet",
                                             "usb-kbd",
                                             "ide-cd",
                                             "usb-storage",
                                             "virtio-blk-pci",
                                             "virtio-scsi-pci",
                                             "scsi-cd",
                                             "pvpanic",
                                             "pvpanic-pci",
                                             NULL};

char *bvm_caps_parse_qmp_input(void)
{
  GString *in = g_string_new("{\"execute\":\"qmp_capabilities\"}\n"
                             "{\"execute\":\"query-version\",\"id\":\"version\"}\n"
                             "{\"execute\":\"query-machines\",\"id\":\"machines\"}\n"
                             "{\"execute\":\"query-command-line-options\","
                             "\"arguments\":{\"option\":\"sandbox\"},\"id\":\"sandbox\"}\n"
                             "{\"execute\":\"qom-list-types\",\"arguments\":"
                             "{\"implements\":\"device\",\"abstract\":false},"
                             "\"id\":\"devices\"}\n");
  for (const char *const *d = probed_devices; *d; d++)
    g_string_append_printf(in,
                           "{\"execute\":\"device-list-properties\",\"arguments\":"
                           "{\"typename\":\"%s\"},\"id\":\"props:%s\"}\n",
                           *d, *d);
  g_string_append(in, "{\"execute\":\"quit\"}\n");
  return g_string_free(in, FALSE);
}

guint bvm_caps_parse_version_code(const char *version)
{
  guint major = 0, minor = 0, micro = 0;
  if (version == NULL || sscanf(version, "%u.%u.%u", &major, &minor, &micro) < 2)
    return 0;
  return major * 10000 + minor * 100 + micro;
}

GStrv bvm_caps_parse_help_list(const char *text)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_strstrip(*l);
    if (**l == '\0' || strchr(*l, ':') != NULL || strchr(*l, ' ') != NULL)
      continue;
    g_strv_builder_add(b, *l);
  }
  return g_strv_builder_end(b);
}

/* Typed lookups that answer NULL (or FALSE) for a member of another type:
 * the replies come from another process, and a surprise is skipped, never a
 * crash. */
static JsonObject *object_member(JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static const char *string_member(JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
             ? json_node_get_string(n)
             : NULL;
}

static gboolean int_member(JsonObject *o, const char *name, gint64 *out_value)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
    return FALSE;
  *out_value = json_node_get_int(n);
  return TRUE;
}

static JsonObject *element_object(JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element(a, i);
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* The "name" of each object of @a, in order (others skipped). */
static GStrv names_of(JsonArray *a)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  for (guint i = 0; i < json_array_get_length(a); i++) {
    const char *name = string_member(element_object(a, i), "name");
    if (name != NULL)
      g_strv_builder_add(b, name);
  }
  return g_strv_builder_end(b);
}

/* One reply of the batch, by its id. */
static void parse_reply(BvmQemuCaps *c, const char *id, JsonNode *ret)
{
  if (strcmp(id, "sandbox") == 0) {
    /* QEMU without seccomp answers "invalid option name: sandbox" */
    c->sandbox = ret != NULL;
    return;
  }
  if (ret == NULL)
    return;
  if (strcmp(id, "version") == 0 && JSON_NODE_HOLDS_OBJECT(ret)) {
    JsonObject *q = object_member(json_node_get_object(ret), "qemu");
    gint64 major, minor, micro;
    if (!int_member(q, "major", &major) || !int_member(q, "minor", &minor) ||
        !int_member(q, "micro", &micro))
      return;
    g_free(c->version);
    c->version = g_strdup_printf("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                 major, minor, micro);
  } else if (strcmp(id, "machines") == 0 && JSON_NODE_HOLDS_ARRAY(ret)) {
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    JsonArray *a = json_node_get_array(ret);
    for (guint i = 0; i < json_array_get_length(a); i++) {
      JsonObject *m = element_object(a, i);
      const char *name = string_member(m, "name");
      const char *alias = string_member(m, "alias");
      if (name != NULL)
        g_strv_builder_add(b, name);
      if (name != NULL && alias != NULL)
        g_strv_builder_add(b, alias);
    }
    g_strfreev(c->machines);
    c->machines = g_strv_builder_end(b);
  } else if (strcmp(id, "devices") == 0 && JSON_NODE_HOLDS_ARRAY(ret)) {
    g_auto(GStrv) names = names_of(json_node_get_array(ret));
    for (char **n = names; *n; n++)
      if (!g_hash_table_contains(c->devices, *n))
        g_hash_table_insert(c->devices, g_strdup(*n), g_new0(char *, 1));
  } else if (g_str_has_prefix(id, "props:") && JSON_NODE_HOLDS_ARRAY(ret)) {
    g_hash_table_insert(c->devices, g_strdup(id + strlen("props:")),
                        names_of(json_node_get_array(ret)));
  }
}

gboolean bvm_caps_parse_qmp(BvmQemuCaps *c, const char *qmp_output, GError **error)
{
  g_return_val_if_fail(c != NULL, FALSE);
  if (c->devices == NULL)
    c->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
  g_auto(GStrv) lines = g_strsplit(qmp_output ? qmp_output : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    if (**l == '\0')
      continue;
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, *l, -1, NULL))
      continue;
    JsonNode *root = json_parser_get_root(parser);
    if (!JSON_NODE_HOLDS_OBJECT(root))
      continue;
    JsonObject *o = json_node_get_object(root);
    const char *id = string_member(o, "id");
    if (id != NULL)
      parse_reply(c, id, json_object_get_member(o, "return"));
  }
  if (c->version == NULL || c->machines == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "%s did not answer the capability probe: is it a working QEMU?", c->binary);
    return FALSE;
  }
  c->version_code = bvm_caps_parse_version_code(c->version);
  return TRUE;
}
