#include "screen.h"
#include "error.h"
#include "qmp.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000
/* A screen of 8K x 8K RGB compresses far below this: a bound on what is
 * read back from a file QEMU wrote. */
#define PNG_MAX_BYTES (64 * 1024 * 1024)

static gint64 mtime_ms(const char *path)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0)
    return -1;
  return (gint64)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

static gboolean is_live(BvmVmState state)
{
  return state == BVM_VM_RUNNING || state == BVM_VM_PAUSED;
}

gboolean bvm_screen_refresh(const BvmConfig *config, const BvmPaths *paths, guint max_age_ms,
                            GError **error)
{
  g_auto(BvmVmStatus) st = {0};
  bvm_state_get(config, paths, &st);
  if (!is_live(st.state)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "VM '%s' is %s: its screen can be taken while it runs", config->name,
                bvm_vm_state_to_string(st.state));
    return FALSE;
  }
  gint64 taken = mtime_ms(paths->screen_png);
  if (max_age_ms > 0 && taken >= 0 && g_get_real_time() / 1000 - taken < (gint64)max_age_ms)
    return TRUE;
  /* QEMU writes the file itself: a name of this call's own, renamed into
   * place, so a reader never sees half a PNG and two callers never clash. */
  static gint counter;
  g_autofree char *tmp = g_strdup_printf("%s.%d-%d.tmp", paths->screen_png, (int)getpid(),
                                         g_atomic_int_add(&counter, 1));
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, error);
  if (qmp == NULL) {
    g_prefix_error(error, "cannot take the screen of VM '%s': ", config->name);
    return FALSE;
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "filename");
  json_builder_add_string_value(b, tmp);
  json_builder_set_member_name(b, "format");
  json_builder_add_string_value(b, "png");
  json_builder_end_object(b);
  g_autoptr(JsonNode) args = json_builder_get_root(b);
  g_autoptr(JsonNode) r = bvm_qmp_execute(qmp, "screendump", args, QMP_TIMEOUT_MS, error);
  if (r == NULL) {
    (void)g_unlink(tmp);
    g_prefix_error(error, "cannot take the screen of VM '%s': ", config->name);
    return FALSE;
  }
  if (g_rename(tmp, paths->screen_png) != 0) {
    int saved = errno;
    (void)g_unlink(tmp);
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot store the screen of VM '%s' in %s: %s",
                config->name, paths->screen_png, g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

/* Width and height from the PNG's IHDR (bytes 16..23, big-endian). */
static gboolean png_size(const guint8 *png, gsize len, guint *out_w, guint *out_h)
{
  static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (len < 24 || memcmp(png, sig, 8) != 0 || memcmp(png + 12, "IHDR", 4) != 0)
    return FALSE;
  *out_w = (guint)png[16] << 24 | (guint)png[17] << 16 | (guint)png[18] << 8 | png[19];
  *out_h = (guint)png[20] << 24 | (guint)png[21] << 16 | (guint)png[22] << 8 | png[23];
  return TRUE;
}

JsonNode *bvm_screen_to_json(const BvmConfig *config, const BvmPaths *paths, guint max_age_ms,
                             gboolean last_screen, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean live = bvm_screen_refresh(config, paths, max_age_ms, &local);
  if (!live && !(last_screen && g_error_matches(local, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT))) {
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  const char *path = live ? paths->screen_png : paths->last_screen;
  g_autofree char *png = NULL;
  gsize len = 0;
  g_autoptr(GError) read_error = NULL;
  if (!g_file_get_contents(path, &png, &len, &read_error) || len > PNG_MAX_BYTES) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
                "VM '%s' has no screen to show yet (%s): start it", config->name,
                live ? "the screen could not be read" : bvm_vm_state_to_string(BVM_VM_STOPPED));
    return NULL;
  }
  guint w = 0, h = 0;
  if (!png_size((const guint8 *)png, len, &w, &h)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "the screen of VM '%s' in %s is not a PNG",
                config->name, path);
    return NULL;
  }
  gint64 taken = mtime_ms(path);
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(taken / 1000);
  g_autofree char *taken_at = g_date_time_format(when, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *b64 = g_base64_encode((const guchar *)png, len);
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "live");
  json_builder_add_boolean_value(b, live);
  json_builder_set_member_name(b, "takenAt");
  json_builder_add_string_value(b, taken_at);
  json_builder_set_member_name(b, "width");
  json_builder_add_int_value(b, w);
  json_builder_set_member_name(b, "height");
  json_builder_add_int_value(b, h);
  json_builder_set_member_name(b, "png");
  json_builder_add_string_value(b, b64);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}
