#include "shares.h"
#include "error.h"
#include "jsonfields.h"

#include <stddef.h>
#include <string.h>

BvmShare *bvm_share_new(const char *path, const char *tag, gboolean read_only)
{
  BvmShare *s = g_new0(BvmShare, 1);
  s->path = g_strdup(path);
  s->tag = g_strdup(tag);
  s->read_only = read_only;
  return s;
}

BvmShare *bvm_share_copy(const BvmShare *s)
{
  return s != NULL ? bvm_share_new(s->path, s->tag, s->read_only) : NULL;
}

void bvm_share_free(BvmShare *s)
{
  if (s == NULL)
    return;
  g_free(s->path);
  g_free(s->tag);
  g_free(s);
}

static gboolean tag_char(char c)
{
  return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

gboolean bvm_share_check_tag(const char *tag, GError **error)
{
  gsize len = tag != NULL ? strlen(tag) : 0;
  if (len == 0 || len > BVM_SHARE_TAG_MAX) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "share tag '%s' must be 1 to %d bytes long", tag ? tag : "", BVM_SHARE_TAG_MAX);
    return FALSE;
  }
  for (const char *p = tag; *p; p++)
    if (!tag_char(*p)) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                  "share tag '%s' may hold only letters, digits, '-', '_' and '.' (no spaces)",
                  tag);
      return FALSE;
    }
  return TRUE;
}

char *bvm_share_default_tag(const char *path)
{
  g_autofree char *base = g_path_get_basename(path);
  GString *tag = g_string_new(NULL);
  for (const char *p = base; *p && tag->len < BVM_SHARE_TAG_MAX; p++)
    g_string_append_c(tag, tag_char(*p) ? *p : '_');
  if (tag->len == 0 || strcmp(tag->str, "_") == 0 || strcmp(tag->str, ".") == 0)
    g_string_assign(tag, "share");
  return g_string_free(tag, FALSE);
}

BvmShare *bvm_share_parse(const char *spec, GError **error)
{
  g_return_val_if_fail(spec != NULL, NULL);
  g_autofree char *path = g_strdup(spec);
  gboolean ro = FALSE;
  if (g_str_has_suffix(path, ":ro") || g_str_has_suffix(path, ":rw")) {
    ro = g_str_has_suffix(path, ":ro");
    path[strlen(path) - 3] = '\0';
  }
  g_autofree char *tag = NULL;
  char *colon = strrchr(path, ':');
  if (colon != NULL && strchr(colon, '/') == NULL) {
    tag = g_strdup(colon + 1);
    *colon = '\0';
  }
  if (path[0] == '\0') {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "share '%s' has no path: give PATH[:TAG][:ro]", spec);
    return NULL;
  }
  if (tag == NULL)
    tag = bvm_share_default_tag(path);
  if (!bvm_share_check_tag(tag, error))
    return NULL;
  return bvm_share_new(path, tag, ro);
}

gboolean bvm_share_check(const GPtrArray *shares, const BvmShare *s, GError **error)
{
  if (s->path == NULL || !g_path_is_absolute(s->path)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "share path '%s' must be absolute",
                s->path ? s->path : "");
    return FALSE;
  }
  if (!bvm_share_check_tag(s->tag, error))
    return FALSE;
  for (guint i = 0; shares != NULL && i < shares->len; i++) {
    const BvmShare *o = shares->pdata[i];
    if (o != s && strcmp(o->tag, s->tag) == 0) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                  "share tag '%s' is already used for %s: pick another tag (PATH:TAG)", s->tag,
                  o->path);
      return FALSE;
    }
  }
  return TRUE;
}

char *bvm_share_mount_command(const BvmShare *s, gboolean windows_guest)
{
  if (windows_guest)
    return g_strdup_printf("net use Z: %s", BVM_SHARE_SMB_UNC);
  return g_strdup_printf("mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000%s %s /mnt/%s",
                         s->read_only ? ",ro" : "", s->tag, s->tag);
}

#define SHARE(member) offsetof(BvmShare, member)

static const BvmJsonField share_fields[] = {
    {"path", BVM_FIELD_STRING, SHARE(path), BVM_FIELD_REQUIRED},
    {"tag", BVM_FIELD_STRING, SHARE(tag), BVM_FIELD_REQUIRED},
    {"readOnly", BVM_FIELD_BOOL, SHARE(read_only)},
    {NULL},
};

static gpointer share_new_empty(void)
{
  return bvm_share_new(NULL, NULL, FALSE);
}

static gboolean share_check_item(const GPtrArray *before, gconstpointer item, GError **error)
{
  return bvm_share_check(before, item, error);
}

void bvm_share_write_json_array(const GPtrArray *shares, JsonBuilder *b)
{
  bvm_jsonfields_write_array(share_fields, shares, b);
}

gboolean bvm_share_read_json_array(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                                   GPtrArray **out_shares, GError **error)
{
  return bvm_jsonfields_read_array(share_fields, reader, obj, key, share_new_empty,
                                   (GDestroyNotify)bvm_share_free, share_check_item, out_shares,
                                   error);
}
