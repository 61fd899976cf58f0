/* The library's thumbnail from QEMU's PPM screen dump (screen.h): scaled
 * into 320x200 by averaging, a valid PNG whose pixels are those averages;
 * a dump that is not a P6 PPM is refused. */
#include "error.h"
#include "screen.h"

#include <gio/gio.h>
#include <string.h>

static guint32 be32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The rows of an 8-bit RGB PNG of one IDAT chunk with filter 0 rows. */
static GBytes *png_rows(GBytes *png, guint *out_w, guint *out_h)
{
  gsize len = 0;
  const guint8 *d = g_bytes_get_data(png, &len);
  static const guint8 sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  g_assert_cmpmem(d, 8, sig, 8);
  g_assert_cmpmem(d + 12, 4, "IHDR", 4);
  *out_w = be32(d + 16);
  *out_h = be32(d + 20);
  const guint8 *idat = d + 8 + 25;
  g_assert_cmpmem(idat + 4, 4, "IDAT", 4);
  guint32 n = be32(idat);
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
  g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_data(idat + 8, n, NULL);
  g_autoptr(GInputStream) in = g_converter_input_stream_new(mem, G_CONVERTER(z));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
  g_assert_cmpint(g_output_stream_splice(out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL),
                  >, 0);
  g_assert_cmpmem(idat + 8 + n + 4 + 4, 4, "IEND", 4);
  return g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
}

static void test_scaled_by_averaging(void)
{
  /* 640x400: black, with the top-left 2x2 block of every 2x2 cell white in
   * its left column only: each thumbnail pixel averages 2 white of 4. */
  guint w = 640, h = 400;
  g_autofree char *head = g_strdup_printf("P6\n%u %u\n255\n", w, h);
  gsize hl = strlen(head), len = hl + (gsize)w * h * 3;
  g_autofree guint8 *ppm = g_malloc0(len);
  memcpy(ppm, head, hl);
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x += 2)
      memset(ppm + hl + ((gsize)y * w + x) * 3, 0xff, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = bvm_screen_thumbnail_png(ppm, len, &error);
  g_assert_no_error(error);
  guint tw = 0, th = 0;
  g_autoptr(GBytes) rows = png_rows(png, &tw, &th);
  g_assert_cmpuint(tw, ==, 320);
  g_assert_cmpuint(th, ==, 200);
  gsize rl = 0;
  const guint8 *r = g_bytes_get_data(rows, &rl);
  g_assert_cmpuint(rl, ==, (gsize)th * (tw * 3 + 1));
  for (guint y = 0; y < th; y += 37) {
    g_assert_cmpuint(r[y * (tw * 3 + 1)], ==, 0); /* filter: none */
    g_assert_cmpuint(r[y * (tw * 3 + 1) + 1 + 5 * 3], ==, 127);
  }
}

static void test_small_screen_kept_as_is(void)
{
  const char ppm[] = "P6\n2 1\n255\n\x10\x20\x30\x40\x50\x60";
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = bvm_screen_thumbnail_png((const guint8 *)ppm, sizeof ppm - 1, &error);
  g_assert_no_error(error);
  guint tw = 0, th = 0;
  g_autoptr(GBytes) rows = png_rows(png, &tw, &th);
  g_assert_cmpuint(tw, ==, 2);
  g_assert_cmpuint(th, ==, 1);
  g_assert_cmpmem(g_bytes_get_data(rows, NULL), 7, "\0\x10\x20\x30\x40\x50\x60", 7);
}

static void test_not_a_ppm_is_refused(void)
{
  const char *bad[] = {"P5\n2 1\n255\n\1\2", "P6\n2 1\n255\n\1\2\3", "P6\n0 1\n255\n",
                       "P6\n2 1\n65535\n\0\0\0\0\0\0\0\0\0\0\0\0", "GIF89a"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) png =
        bvm_screen_thumbnail_png((const guint8 *)bad[i], strlen(bad[i]) + 1, &error);
    g_assert_null(png);
    g_assert_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED);
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/screen/scaled-by-averaging", test_scaled_by_averaging);
  g_test_add_func("/screen/small-screen-kept-as-is", test_small_screen_kept_as_is);
  g_test_add_func("/screen/not-a-ppm-is-refused", test_not_a_ppm_is_refused);
  return g_test_run();
}
