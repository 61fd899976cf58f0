/* Shared folders: a host directory the guest mounts, over virtio-9p (Linux
 * and other guests) or SMB through the user network (Windows). Pure:
 * parsing, checking, the guest's mount command; whether the directory exists
 * is sharing.c's, the QEMU flags are qemu_cmd.c's. */
#pragma once

#include "jsonread.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* virtio-9p's mount_tag is at most 31 bytes in QEMU (MAX_TAG_LEN 32 with
 * its NUL, hw/9pfs/virtio-9p-device.c). */
#define BVM_SHARE_TAG_MAX 31

/* The address QEMU's user network gives its built-in SMB server (smb=). */
#define BVM_SHARE_SMB_UNC "\\\\10.0.2.4\\qemu"

typedef struct {
  char *path; /* absolute host directory */
  char *tag;  /* the name the guest mounts it by */
  gboolean read_only;
} BvmShare;

BvmShare *bvm_share_new(const char *path, const char *tag, gboolean read_only);
BvmShare *bvm_share_copy(const BvmShare *s);
void bvm_share_free(BvmShare *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmShare, bvm_share_free)

/* "PATH[:TAG][:ro]": a trailing ":ro" (or ":rw") is the mode; then a last
 * ":WORD" without a '/' is the tag; the tag defaults to the directory's
 * name made tag-safe. The path is taken as written (the caller makes it
 * absolute). INVALID_ARGUMENT for an empty path or a bad tag. */
BvmShare *bvm_share_parse(const char *spec, GError **error);

/* The directory's own name made a valid tag ("my data" -> "my_data"). */
char *bvm_share_default_tag(const char *path);

/* A tag the guest can name: 1..31 bytes of letters, digits, '-', '_', '.'. */
gboolean bvm_share_check_tag(const char *tag, GError **error);

/* @s is well formed (an absolute path, a valid tag) and none of @shares
 * has its tag. */
gboolean bvm_share_check(const GPtrArray *shares, const BvmShare *s, GError **error);

/* The command that mounts @s inside a guest: Linux `mount -t 9p …`, or
 * Windows' UNC path of QEMU's SMB server. */
char *bvm_share_mount_command(const BvmShare *s, gboolean windows_guest);

/* JSON: an array of {"path", "tag", "readOnly"} (NULL @shares: empty). */
void bvm_share_write_json_array(const GPtrArray *shares, JsonBuilder *b);
/* A JSON array of shares into a new GPtrArray of BvmShare * (replacing a list
 * *out_shares held), checked. */
gboolean bvm_share_read_json_array(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                                   GPtrArray **out_shares, GError **error);

G_END_DECLS
