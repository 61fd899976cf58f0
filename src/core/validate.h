/* Validation of user input: names, ISOs, resources, Windows 11 requirements.
 * Every refusal names the requirement and how to meet it. */
#pragma once

#include "caps.h"
#include "config.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BVM_NAME_MAX_CHARS 64
#define BVM_NAME_MAX_BYTES 200
#define BVM_MEMORY_MIN_MIB 512
#define BVM_HOST_RESERVE_MIB 2048
#define BVM_DISK_MIN_GIB 1
#define BVM_DISK_MAX_GIB (16 * 1024)
/* What Windows 11 needs (bvm_validate_windows11; hostInfo.limits.windows11). */
#define BVM_WINDOWS11_MIN_CPUS 2
#define BVM_WINDOWS11_MIN_MEMORY_MIB 4096
#define BVM_WINDOWS11_MIN_DISK_GIB 64

/* 1..64 characters of valid UTF-8, no '/', no control characters, not "."
 * or "..", no leading or trailing space. Uniqueness is the registry's job. */
gboolean bvm_validate_name(const char *name, GError **error);

/* Exists, is a regular file, is readable, has an ISO 9660 ("CD001") or UDF
 * ("BEA01"/"NSR02"/"NSR03") volume descriptor in sectors 16..31. */
gboolean bvm_validate_iso(const char *path, GError **error);

/* {"path", "valid", "message"} for a bvm_validate_iso() of @path that
 * failed with @error (NULL: it passed): what validate-iso and the API show. */
JsonNode *bvm_validate_iso_result_to_json(const char *path, const GError *error);

guint64 bvm_validate_memory_max_mib(const BvmHostInfo *host);

/* cpus 1..host cores; memory 512 MiB..host - 2 GiB; disk 1 GiB..16 TiB;
 * display 640x480..7680x4320. */
gboolean bvm_validate_resources(const BvmConfig *config, const BvmHostInfo *host, GError **error);

/* Windows 11: >= 2 vCPUs, >= 4 GiB, >= 64 GiB, TPM, secure boot, licence. */
gboolean bvm_validate_windows11(const BvmConfig *config, GError **error);

/* The accelerator a VM asks for exists on @host for its arch: kvm needs a
 * Linux host of the same arch with /dev/kvm, hvf a Mac of the same arch.
 * (Whether KVM then works is the caps probe's verdict, shown, not enforced:
 * the user may insist.) */
gboolean bvm_validate_accel(const BvmConfig *config, const BvmHostInfo *host, GError **error);

/* "1920x1080" -> width, height, each 1 to 16384. */
gboolean bvm_validate_resolution(const char *text, guint *out_width, guint *out_height,
                                 GError **error);

G_END_DECLS
