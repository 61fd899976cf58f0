/* Copying a VM's files without copying what is not there: a reflink where
 * the filesystem shares blocks (FICLONE on Linux: btrfs, XFS; clonefile on
 * macOS: APFS), else a sparse copy that reads only the file's data extents
 * (SEEK_DATA/SEEK_HOLE) and copies them with copy_file_range. A 2 GiB disk
 * holding 64 MiB costs 64 MiB, never its virtual size. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  BVM_FILECOPY_REFLINK, /* blocks shared: nothing copied */
  BVM_FILECOPY_SPARSE,  /* only the data extents copied */
} BvmFilecopyMethod;

const char *bvm_filecopy_method_to_string(BvmFilecopyMethod method);

typedef struct {
  BvmFilecopyMethod method;
  guint64 bytes_copied; /* data bytes read and written (0 for a reflink) */
  guint64 size;         /* the file's apparent size */
} BvmFilecopyStats;

/* Copy @src to a new file @dest (which must not exist), mode 0600, fsynced.
 * With @no_reflink the sparse copy is used even where a reflink would work
 * (the bench compares the two). *out_stats (optional) says how. Nothing is
 * left at @dest on failure. */
gboolean bvm_filecopy_file(const char *src, const char *dest, gboolean no_reflink,
                           BvmFilecopyStats *out_stats, GError **error);

/* Copy the regular files of directory @src (one level, as swtpm's state
 * dir is) into a new directory @dest, mode 0700/0600. */
gboolean bvm_filecopy_dir(const char *src, const char *dest, GError **error);

/* fsync a directory, so a rename in it survives a power cut. */
void bvm_filecopy_sync_dir(const char *dir);

G_END_DECLS
