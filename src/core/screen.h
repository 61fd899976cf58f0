/* A VM's screen as a PNG: QMP screendump (format png, QEMU >= 7.1) into
 * run/screen.png, the thumbnail cache the library's cards read. Taken only
 * when someone asks and the cached one is older than they accept, so a
 * screen nobody looks at costs nothing; the monitor keeps the last one as
 * last-screen.png when the VM stops (shown greyed). */
#pragma once

#include "config.h"
#include "paths.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The largest maxAgeSeconds a caller may accept. */
#define BVM_SCREEN_MAX_AGE_SECONDS 60

/* Make the thumbnail run/screen.png no older than @max_age_ms (0: take it
 * now) for a running or paused VM; INVALID_ARGUMENT naming the state
 * otherwise. */
gboolean bvm_screen_refresh(const BvmConfig *config, const BvmPaths *paths, guint max_age_ms,
                            GError **error);

/* {"live", "takenAt", "width", "height", "png" (base64)}. Without
 * @thumbnail: the whole screen, taken now, as QEMU encodes it. With it: the
 * thumbnail (run/screen.png, at most 320x200) no older than @max_age_ms
 * while the VM runs; when it does not and @last_screen, the one kept when it
 * stopped ("live": false), NOT_FOUND when there is none. */
JsonNode *bvm_screen_to_json(const BvmConfig *config, const BvmPaths *paths, gboolean thumbnail,
                             guint max_age_ms, gboolean last_screen, GError **error);

/* A PNG of at most 320x200 from QEMU's PPM screen dump (P6, 8-bit RGB),
 * each pixel the average of the pixels it covers. Pure. */
GBytes *bvm_screen_thumbnail_png(const guint8 *ppm, gsize len, GError **error);

G_END_DECLS
