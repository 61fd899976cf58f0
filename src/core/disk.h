/* The VM's disk image, through qemu-img. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BVM_QEMU_IMG_HINT "apt-get install -y qemu-utils (Debian) or brew install qemu (macOS)"

/* The qemu-img binary ($BRIDGEVM_QEMU_IMG, else PATH), or DEPENDENCY_MISSING. */
char *bvm_disk_qemu_img(GError **error);

/* qemu-img info's JSON object for @path (-U: also while QEMU runs). */
JsonNode *bvm_disk_info_json(const char *path, GError **error);

/* A sparse qcow2 of @size_gib with 64 KiB clusters (see disk.c). */
gboolean bvm_disk_create(const char *path, guint64 size_gib, GError **error);
/* Virtual size and bytes used on the host. */
gboolean bvm_disk_info(const char *path, guint64 *out_virtual_bytes, guint64 *out_actual_bytes,
                       GError **error);
/* Grow only: shrinking a disk loses the guest's data, so it is refused. */
gboolean bvm_disk_grow(const char *path, guint64 new_size_gib, GError **error);

G_END_DECLS
