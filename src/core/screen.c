#include "screen.h"
#include "error.h"
#include "qmp.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000
/* A bound on what is read back from a file QEMU wrote: an 8K x 8K RGB
 * dump is 192 MiB; no display here is larger. */
#define DUMP_MAX_BYTES (200 * 1024 * 1024)
/* The thumbnail fits this box (2x the library's 128 px cards, for HiDPI). */
#define THUMB_MAX_WIDTH 320
#define THUMB_MAX_HEIGHT 200

static gint64 mtime_ms(const char *path)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0)
    return -1;
  return (gint64)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
}

/* A screen exists while QEMU runs the guest (paused too: it is frozen). */
static gboolean require_live(const BvmConfig *config, const BvmPaths *paths, GError **error)
{
  g_auto(BvmVmStatus) st = {0};
  bvm_state_get(config, paths, &st);
  if (st.state == BVM_VM_RUNNING || st.state == BVM_VM_PAUSED)
    return TRUE;
  g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
              "VM '%s' is %s: its screen can be taken while it runs", config->name,
              bvm_vm_state_to_string(st.state));
  return FALSE;
}

/* QMP screendump of the VM's screen into @file (QEMU writes it). */
static gboolean screendump(const BvmConfig *config, const BvmPaths *paths, const char *file,
                           const char *format, GError **error)
{
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, error);
  if (qmp == NULL) {
    g_prefix_error(error, "cannot take the screen of VM '%s': ", config->name);
    return FALSE;
  }
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "filename");
  json_builder_add_string_value(b, file);
  json_builder_set_member_name(b, "format");
  json_builder_add_string_value(b, format);
  json_builder_end_object(b);
  g_autoptr(JsonNode) args = json_builder_get_root(b);
  g_autoptr(JsonNode) r = bvm_qmp_execute(qmp, "screendump", args, QMP_TIMEOUT_MS, error);
  if (r == NULL) {
    (void)g_unlink(file);
    g_prefix_error(error, "cannot take the screen of VM '%s': ", config->name);
    return FALSE;
  }
  return TRUE;
}

/* The file QEMU writes and we read back at once: a name of this call's own,
 * so two callers never clash. */
static char *scratch_name(const BvmPaths *paths, const char *ext)
{
  static gint counter;
  return g_strdup_printf("%s.%d-%d.%s", paths->screen_png, (int)getpid(),
                         g_atomic_int_add(&counter, 1), ext);
}

/* A screendump QEMU wrote, read and removed. */
static char *take_dump(const BvmConfig *config, const BvmPaths *paths, const char *format,
                       gsize *out_len, GError **error)
{
  g_autofree char *file = scratch_name(paths, format);
  if (!screendump(config, paths, file, format, error))
    return NULL;
  char *data = NULL;
  g_autoptr(GError) local = NULL;
  gboolean ok = g_file_get_contents(file, &data, out_len, &local);
  (void)g_unlink(file);
  if (!ok || *out_len > DUMP_MAX_BYTES) {
    g_free(data);
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot read the screen of VM '%s' from %s: %s",
                config->name, file, local ? local->message : "too large");
    return NULL;
  }
  return data;
}

gboolean bvm_screen_refresh(const BvmConfig *config, const BvmPaths *paths, guint max_age_ms,
                            GError **error)
{
  if (!require_live(config, paths, error))
    return FALSE;
  gint64 taken = mtime_ms(paths->screen_png);
  if (max_age_ms > 0 && taken >= 0 && g_get_real_time() / 1000 - taken < (gint64)max_age_ms)
    return TRUE;
  /* PPM, not PNG: QEMU's PNG of a 1920x1080 screen costs it ~75 ms of CPU
   * (bench/thumbnails.sh); the raw dump costs a copy, and a thumbnail is
   * small to scale and compress here. */
  gsize len = 0;
  g_autofree char *ppm = take_dump(config, paths, "ppm", &len, error);
  if (ppm == NULL)
    return FALSE;
  g_autoptr(GBytes) png = bvm_screen_thumbnail_png((const guint8 *)ppm, len, error);
  if (png == NULL) {
    g_prefix_error(error, "the screen of VM '%s': ", config->name);
    return FALSE;
  }
  gsize png_len = 0;
  const char *png_data = g_bytes_get_data(png, &png_len);
  g_autoptr(GError) local = NULL;
  /* Consistent (temp + rename) but not durable: a cache, refreshed every
   * few seconds, not worth an fsync each time. */
  if (!g_file_set_contents_full(paths->screen_png, png_data, (gssize)png_len,
                                G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot store the screen of VM '%s': %s",
                config->name, local->message);
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

static JsonNode *screen_json(gboolean live, const char *png, gsize len, gint64 taken_ms,
                             const BvmConfig *config, GError **error)
{
  guint w = 0, h = 0;
  if (!png_size((const guint8 *)png, len, &w, &h)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "the screen of VM '%s' is not a PNG",
                config->name);
    return NULL;
  }
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(taken_ms / 1000);
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

JsonNode *bvm_screen_to_json(const BvmConfig *config, const BvmPaths *paths, gboolean thumbnail,
                             guint max_age_ms, gboolean last_screen, GError **error)
{
  if (!thumbnail) {
    /* The whole screen, now, as QEMU encodes it (scripts, rare). */
    if (!require_live(config, paths, error))
      return NULL;
    gsize len = 0;
    g_autofree char *png = take_dump(config, paths, "png", &len, error);
    return png ? screen_json(TRUE, png, len, g_get_real_time() / 1000, config, error) : NULL;
  }
  g_autoptr(GError) local = NULL;
  gboolean live = bvm_screen_refresh(config, paths, max_age_ms, &local);
  if (!live && !(last_screen && g_error_matches(local, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT))) {
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
  }
  const char *path = live ? paths->screen_png : paths->last_screen;
  g_autofree char *png = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &png, &len, NULL)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
                "VM '%s' has no screen to show yet: start it", config->name);
    return NULL;
  }
  return screen_json(live, png, len, mtime_ms(path), config, error);
}

/* The thumbnail: PPM in, scaled into the box, PNG out ------------------------ */

/* "P6 W H 255" and the pixels after it (QEMU's screendump format ppm). */
static gboolean ppm_parse(const guint8 *d, gsize len, guint *out_w, guint *out_h,
                          const guint8 **out_pixels)
{
  if (len < 2 || d[0] != 'P' || d[1] != '6')
    return FALSE;
  gsize i = 2;
  guint v[3];
  for (int k = 0; k < 3; k++) {
    while (i < len && g_ascii_isspace(d[i]))
      i++;
    gsize start = i;
    guint n = 0;
    while (i < len && g_ascii_isdigit(d[i]) && i - start < 6)
      n = n * 10 + (guint)(d[i++] - '0');
    if (i == start)
      return FALSE;
    v[k] = n;
  }
  if (i >= len || !g_ascii_isspace(d[i]) || v[2] != 255 || v[0] == 0 || v[1] == 0)
    return FALSE;
  i++;
  if ((len - i) / 3 / v[0] < v[1])
    return FALSE;
  *out_w = v[0];
  *out_h = v[1];
  *out_pixels = d + i;
  return TRUE;
}

/* Each output pixel the average of its box of input pixels: text stays
 * legible as grey, where skipping pixels would drop it. */
static guint8 *scale_down(const guint8 *src, guint w, guint h, guint ow, guint oh)
{
  guint8 *out = g_malloc((gsize)ow * oh * 3);
  for (guint oy = 0; oy < oh; oy++) {
    guint y0 = (guint)((guint64)oy * h / oh), y1 = MAX(y0 + 1, (guint)((guint64)(oy + 1) * h / oh));
    for (guint ox = 0; ox < ow; ox++) {
      guint x0 = (guint)((guint64)ox * w / ow);
      guint x1 = MAX(x0 + 1, (guint)((guint64)(ox + 1) * w / ow));
      guint64 sum[3] = {0, 0, 0};
      for (guint y = y0; y < y1; y++) {
        const guint8 *p = src + ((gsize)y * w + x0) * 3;
        for (guint x = x0; x < x1; x++, p += 3) {
          sum[0] += p[0];
          sum[1] += p[1];
          sum[2] += p[2];
        }
      }
      guint64 n = (guint64)(y1 - y0) * (x1 - x0);
      guint8 *o = out + ((gsize)oy * ow + ox) * 3;
      for (int c = 0; c < 3; c++)
        o[c] = (guint8)(sum[c] / n);
    }
  }
  return out;
}

static guint32 crc_update(guint32 crc, const guint8 *buf, gsize len)
{
  static guint32 table[256];
  static gsize ready;
  if (g_once_init_enter(&ready)) {
    for (guint32 n = 0; n < 256; n++) {
      guint32 c = n;
      for (int k = 0; k < 8; k++)
        c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[n] = c;
    }
    g_once_init_leave(&ready, 1);
  }
  for (gsize i = 0; i < len; i++)
    crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

static void put_be32(GByteArray *a, guint32 v)
{
  guint8 b[4] = {v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
  g_byte_array_append(a, b, 4);
}

/* One PNG chunk: length, type, data, CRC of type and data. */
static void png_chunk(GByteArray *png, const char *type, const guint8 *data, gsize len)
{
  put_be32(png, (guint32)len);
  g_byte_array_append(png, (const guint8 *)type, 4);
  g_byte_array_append(png, data, (guint)len);
  guint32 crc = crc_update(0xffffffffu, (const guint8 *)type, 4);
  crc = crc_update(crc, data, len);
  put_be32(png, crc ^ 0xffffffffu);
}

/* An 8-bit RGB PNG: each row filter 0, the rows through zlib (GIO's). */
static GBytes *png_encode(const guint8 *rgb, guint w, guint h, GError **error)
{
  gsize row = (gsize)w * 3;
  g_autofree guint8 *raw = g_malloc((row + 1) * h);
  for (guint y = 0; y < h; y++) {
    raw[y * (row + 1)] = 0;
    memcpy(raw + y * (row + 1) + 1, rgb + y * row, row);
  }
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new(mem, G_CONVERTER(z));
  g_autoptr(GError) local = NULL;
  if (!g_output_stream_write_all(out, raw, (row + 1) * h, NULL, NULL, &local) ||
      !g_output_stream_close(out, NULL, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_FAILED, "cannot compress the thumbnail: %s",
                local->message);
    return NULL;
  }
  GMemoryOutputStream *m = G_MEMORY_OUTPUT_STREAM(mem);
  GByteArray *png = g_byte_array_new();
  static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  g_byte_array_append(png, sig, 8);
  guint8 ihdr[13] = {w >> 24,
                     (w >> 16) & 0xff,
                     (w >> 8) & 0xff,
                     w & 0xff,
                     h >> 24,
                     (h >> 16) & 0xff,
                     (h >> 8) & 0xff,
                     h & 0xff,
                     8 /* bits */,
                     2 /* RGB */,
                     0,
                     0,
                     0};
  png_chunk(png, "IHDR", ihdr, sizeof ihdr);
  png_chunk(png, "IDAT", g_memory_output_stream_get_data(m),
            g_memory_output_stream_get_data_size(m));
  png_chunk(png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes(png);
}

GBytes *bvm_screen_thumbnail_png(const guint8 *ppm, gsize len, GError **error)
{
  guint w = 0, h = 0;
  const guint8 *pixels = NULL;
  if (!ppm_parse(ppm, len, &w, &h, &pixels)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "QEMU's screen dump is not a P6 PPM of 8-bit RGB");
    return NULL;
  }
  guint ow = w, oh = h;
  if (w > THUMB_MAX_WIDTH || h > THUMB_MAX_HEIGHT) {
    double s = MIN((double)THUMB_MAX_WIDTH / w, (double)THUMB_MAX_HEIGHT / h);
    ow = MAX(1, (guint)(w * s));
    oh = MAX(1, (guint)(h * s));
  }
  g_autofree guint8 *small = scale_down(pixels, w, h, ow, oh);
  return png_encode(small, ow, oh, error);
}
