/* Install media: what an ISO is, as libosinfo identifies it against
 * osinfo-db and BridgeVM's own additions (data/osinfo). */
#pragma once

#include "config.h"
#include "presets.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean known;      /* libosinfo identified the media */
  char *short_id;      /* osinfo's short id: "win11", "debian11"; NULL when unknown */
  char *name;          /* "Windows 11 (ARM64)"; NULL when unknown */
  char *arch_name;     /* osinfo's word for the media's arch: "aarch64", "i686" */
  BvmOs os;            /* windows11, linux or other (unknown media: other) */
  gboolean arch_known; /* @arch holds the media's arch (one BridgeVM runs) */
  BvmArch arch;
  /* What the OS needs (0: osinfo-db does not say). */
  guint min_cpus, rec_cpus;
  guint64 min_memory_mib, rec_memory_mib;
  guint64 min_disk_gib, rec_disk_gib;
  BvmPreset preset; /* the smallest preset meeting the recommended needs */
} BvmMedia;

void bvm_media_free(BvmMedia *media);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmMedia, bvm_media_free)

/* Identify the ISO at @path (already checked by bvm_validate_iso). Media
 * libosinfo does not know (or cannot read: it needs an El Torito boot
 * record) come back with known FALSE and os "other": still accepted. */
BvmMedia *bvm_media_identify(const char *path);

/* {"known", "shortId", "name", "os", "arch", "minimum", "recommended",
 * "preset"}: what validateIso adds as "media". */
JsonNode *bvm_media_to_json(const BvmMedia *media);

/* "ARM64" or "x64": the words Microsoft and the wizard use. */
const char *bvm_media_arch_label(BvmArch arch);

/* The directory of BridgeVM's osinfo database: $BVM_OSINFO_DIR, the
 * installed copy, or the source tree's data/osinfo. */
char *bvm_media_osinfo_dir(void);

/* Why @media cannot simply run on a host of @host_arch: NULL when its arch
 * is unknown or the host's. The words the wizard and create show. */
char *bvm_media_arch_warning(const BvmMedia *media, BvmArch host_arch);

/* The media's arch against the VM's: @media's arch (when known) must be
 * @vm_arch, and when it is not the host's the user must have named it
 * (@arch_explicit). On success *out_notice (optional) states the cost of
 * emulating it. */
gboolean bvm_media_check_arch(const BvmMedia *media, BvmArch vm_arch, gboolean arch_explicit,
                              BvmArch host_arch, char **out_notice, GError **error);

/* bvm_media_to_json of the ISO at @path, plus "archWarning" (string or
 * null) for a host of @host_arch: validateIso's "media". */
JsonNode *bvm_media_describe(const char *path, BvmArch host_arch);

/* @path is a virtio-win driver ISO: an ISO whose volume label starts with
 * "virtio-win" and whose root holds viostor/ and NetKVM/ (xorriso lists
 * it). Anything else is refused naming what is wrong, before an install
 * would fail on it. */
gboolean bvm_media_check_drivers(const char *path, GError **error);

G_END_DECLS
