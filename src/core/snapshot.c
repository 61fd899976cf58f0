#include "snapshot.h"
#include "disk.h"
#include "error.h"
#include "filecopy.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The journal's names in snapshots/ (docs/snapshots.md). A name of a
 * snapshot never starts with '.', so none of these is a snapshot. */
#define STAGE_PREFIX BVM_SNAPSHOT_STAGE_PREFIX
#define DELETE_PREFIX BVM_SNAPSHOT_DELETE_PREFIX
#define REVERT_STAGE ".revert-stage"
#define REVERT_COMMITTED ".revert"
#define META "meta.json"
#define VARS_COPY "efi-vars.fd"
#define TPM_COPY "tpm"
#define TPM_OLD "tpm-old"
#define INTENT "intent.json"

static const char *const consistency_names[BVM_SNAPSHOT_CONSISTENCY_N] = {"stopped", "filesystem",
                                                                          "crash"};
const BvmJsonWords bvm_snapshot_consistency_words = {consistency_names, BVM_SNAPSHOT_CONSISTENCY_N,
                                                     NULL};

const char *bvm_snapshot_consistency_to_string(BvmSnapshotConsistency c)
{
  return (guint)c < BVM_SNAPSHOT_CONSISTENCY_N ? consistency_names[c] : "crash";
}

void bvm_snapshot_free(BvmSnapshot *s)
{
  if (s == NULL)
    return;
  g_free(s->name);
  g_free(s->description);
  g_free(s->created_at);
  g_free(s);
}

gboolean bvm_snapshot_validate_name(const char *name, GError **error)
{
  if (name == NULL || *name == '\0') {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "a snapshot needs a name: 1 to 64 letters, digits, '.', '_' or '-'");
    return FALSE;
  }
  gsize len = strlen(name);
  gboolean ok = len <= BVM_SNAPSHOT_NAME_MAX && name[0] != '.' && name[0] != '-';
  for (const char *p = name; ok && *p; p++)
    ok = g_ascii_isalnum(*p) || *p == '.' || *p == '_' || *p == '-';
  if (!ok) {
    g_autofree char *shown = g_strescape(name, NULL);
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "snapshot name '%s' is not allowed: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'",
        shown);
    return FALSE;
  }
  return TRUE;
}

/* meta.json ---------------------------------------------------------------- */

#define SNAP(field) G_STRUCT_OFFSET(BvmSnapshot, field)

static const BvmJsonField snapshot_fields[] = {
    {"name", BVM_FIELD_STRING, SNAP(name), BVM_FIELD_REQUIRED},
    {"description", BVM_FIELD_STRING, SNAP(description)},
    {"createdAt", BVM_FIELD_STRING, SNAP(created_at), BVM_FIELD_REQUIRED},
    {"consistency", BVM_FIELD_WORD, SNAP(consistency), BVM_FIELD_REQUIRED,
     .words = &bvm_snapshot_consistency_words},
    {"live", BVM_FIELD_BOOL, SNAP(live)},
    {NULL},
};

const BvmJsonField *bvm_snapshot_json_fields(void)
{
  return snapshot_fields;
}

JsonNode *bvm_snapshot_to_json(const BvmSnapshot *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  bvm_jsonfields_write(snapshot_fields, s, b);
  return json_builder_get_root(b);
}

static void meta_fault(const BvmJsonFault *f, GError **error)
{
  g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
              "snapshot meta.json: '%s' is missing or mistyped", f->name);
}

static const BvmJsonReader meta_reader = {.report = meta_fault, .null_is_absent = TRUE};

BvmSnapshot *bvm_snapshot_from_json(JsonNode *node, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "snapshot meta.json is not a JSON object");
    return NULL;
  }
  g_autoptr(BvmSnapshot) s = g_new0(BvmSnapshot, 1);
  if (!bvm_jsonfields_read(snapshot_fields, &meta_reader, json_node_get_object(node), s, error))
    return NULL;
  if (!bvm_snapshot_validate_name(s->name, error))
    return NULL;
  return g_steal_pointer(&s);
}

static BvmSnapshot *meta_load(const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename(dir, META, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  if (!json_parser_load_from_file(parser, path, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot read %s: %s", path, local->message);
    return NULL;
  }
  BvmSnapshot *s = bvm_snapshot_from_json(json_parser_get_root(parser), error);
  if (s == NULL)
    g_prefix_error(error, "%s: ", path);
  return s;
}

static gboolean meta_save(const char *dir, const BvmSnapshot *s, GError **error)
{
  g_autoptr(JsonNode) node = bvm_snapshot_to_json(s);
  g_autofree char *text = json_to_string(node, TRUE);
  g_autofree char *path = g_build_filename(dir, META, NULL);
  return bvm_file_write_atomic(path, text, -1, 0600, error);
}

/* qemu-img ----------------------------------------------------------------- */

static gboolean qemu_img_snapshot(const char *op, const char *name, const char *disk,
                                  GError **error)
{
  g_autofree char *tool = bvm_disk_qemu_img(error);
  if (tool == NULL)
    return FALSE;
  /* qemu-img snapshot has no -f: --image-opts names the format, so the
   * image is never probed; the path is escaped for the option list. A
   * snapshot name is checked (letters, digits, . _ -) and needs no escaping. */
  g_autofree char *escaped = bvm_qemu_escape(disk);
  g_autofree char *opts = g_strconcat("driver=qcow2,file.filename=", escaped, NULL);
  const char *argv[] = {tool, "snapshot", "-q", op, name, "--image-opts", opts, NULL};
  return bvm_run_tool(argv, BVM_QEMU_IMG_HINT, NULL, error);
}

GStrv bvm_snapshot_disk_tags(const char *disk, GError **error)
{
  g_autoptr(JsonNode) info = bvm_disk_info_json(disk, error);
  if (info == NULL) {
    g_prefix_error(error, "reading its snapshots: ");
    return NULL;
  }
  JsonObject *o = json_node_get_object(info);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  JsonArray *snaps =
      json_object_has_member(o, "snapshots") ? json_object_get_array_member(o, "snapshots") : NULL;
  for (guint i = 0; snaps != NULL && i < json_array_get_length(snaps); i++) {
    JsonObject *s = json_array_get_object_element(snaps, i);
    const char *name = s ? json_object_get_string_member_with_default(s, "name", NULL) : NULL;
    if (name != NULL)
      g_strv_builder_add(b, name);
  }
  return g_strv_builder_end(b);
}

static gboolean disk_has_tag(const char *disk, const char *name, gboolean *out_has, GError **error)
{
  g_auto(GStrv) tags = bvm_snapshot_disk_tags(disk, error);
  if (tags == NULL)
    return FALSE;
  *out_has = g_strv_contains((const char *const *)tags, name);
  return TRUE;
}

/* Remove the disk part of @name when it is there (idempotent). */
static gboolean disk_drop_tag(const char *disk, const char *name, GError **error)
{
  gboolean has = FALSE;
  if (!disk_has_tag(disk, name, &has, error))
    return FALSE;
  return !has || qemu_img_snapshot("-d", name, disk, error);
}

gboolean bvm_snapshot_disk_drop_all(const char *disk, GError **error)
{
  g_auto(GStrv) tags = bvm_snapshot_disk_tags(disk, error);
  if (tags == NULL)
    return FALSE;
  for (char **t = tags; *t != NULL; t++)
    if (!qemu_img_snapshot("-d", *t, disk, error))
      return FALSE;
  return TRUE;
}

char *bvm_snapshot_vars_copy(const char *snap)
{
  return g_build_filename(snap, VARS_COPY, NULL);
}

char *bvm_snapshot_tpm_copy(const char *snap)
{
  return g_build_filename(snap, TPM_COPY, NULL);
}

/* Files -------------------------------------------------------------------- */

char *bvm_snapshot_dir(const BvmPaths *paths)
{
  return g_build_filename(paths->bundle, "snapshots", NULL);
}

static char *snap_path(const BvmPaths *paths, const char *prefix, const char *name)
{
  g_autofree char *dir = bvm_snapshot_dir(paths);
  g_autofree char *base = g_strconcat(prefix, name, NULL);
  return g_build_filename(dir, base, NULL);
}

static gboolean rename_or_fail(const char *from, const char *to, GError **error)
{
  if (g_rename(from, to) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot rename %s to %s: %s", from, to,
                g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

int bvm_snapshot_lock(const BvmPaths *paths, GError **error)
{
  g_autofree char *dir = bvm_snapshot_dir(paths);
  if (g_mkdir(dir, 0700) != 0 && errno != EEXIST) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create %s: %s", dir, g_strerror(saved));
    return -1;
  }
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || flock(fd, LOCK_EX) != 0) {
    int saved = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot lock %s: %s", dir, g_strerror(saved));
    return -1;
  }
  return fd;
}

char *bvm_snapshot_find(const BvmPaths *paths, const char *name, GError **error)
{
  if (!bvm_snapshot_validate_name(name, error))
    return NULL;
  g_autofree char *dir = snap_path(paths, "", name);
  g_autofree char *meta = g_build_filename(dir, META, NULL);
  if (!g_file_test(meta, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
                "no snapshot named '%s' in %s: see 'bridgevm snapshot VM list'", name,
                paths->bundle);
    return NULL;
  }
  return g_steal_pointer(&dir);
}

/* Recovery ----------------------------------------------------------------- */

/* Roll a committed revert forward: every step is idempotent, so a crash
 * inside this function too is finished by the next call. */
static gboolean revert_finish(const BvmPaths *paths, const char *journal, GError **error)
{
  g_autofree char *intent = g_build_filename(journal, INTENT, NULL);
  g_autofree char *name = NULL;
  if (!g_file_get_contents(intent, &name, NULL, NULL) || !bvm_snapshot_validate_name(name, NULL)) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_IO,
        "the revert journal %s is damaged: restore the VM's disk, efi-vars.fd and tpm/ from a backup",
        intent);
    return FALSE;
  }
  if (!qemu_img_snapshot("-a", name, paths->disk, error)) {
    g_prefix_error(error, "reverting %s to snapshot '%s': ", paths->disk, name);
    return FALSE;
  }
  bvm_fault_point("revert-after-disk");
  g_autofree char *vars = g_build_filename(journal, VARS_COPY, NULL);
  if (g_file_test(vars, G_FILE_TEST_EXISTS) && !rename_or_fail(vars, paths->vars, error))
    return FALSE;
  bvm_fault_point("revert-after-vars");
  g_autofree char *tpm = g_build_filename(journal, TPM_COPY, NULL);
  g_autofree char *old = g_build_filename(journal, TPM_OLD, NULL);
  if (g_file_test(tpm, G_FILE_TEST_IS_DIR)) {
    if (g_file_test(paths->tpm_dir, G_FILE_TEST_IS_DIR) &&
        !rename_or_fail(paths->tpm_dir, old, error))
      return FALSE;
    bvm_fault_point("revert-mid-tpm");
    if (!rename_or_fail(tpm, paths->tpm_dir, error))
      return FALSE;
  }
  bvm_filecopy_sync_dir(paths->bundle);
  return bvm_remove_tree(journal, error);
}

gboolean bvm_snapshot_recover(const BvmPaths *paths, gboolean *out_did, GError **error)
{
  g_autofree char *dir = bvm_snapshot_dir(paths);
  gboolean did = FALSE;
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *entry;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  while (d != NULL && (entry = g_dir_read_name(d)) != NULL)
    if (entry[0] == '.')
      g_ptr_array_add(names, g_strdup(entry));
  for (guint i = 0; i < names->len; i++) {
    const char *base = names->pdata[i];
    g_autofree char *path = g_build_filename(dir, base, NULL);
    did = TRUE;
    if (strcmp(base, REVERT_COMMITTED) == 0) {
      if (!revert_finish(paths, path, error))
        return FALSE;
    } else if (strcmp(base, REVERT_STAGE) == 0) {
      if (!bvm_remove_tree(path, error))
        return FALSE;
    } else if (g_str_has_prefix(base, STAGE_PREFIX) || g_str_has_prefix(base, DELETE_PREFIX)) {
      /* an unfinished create is undone, an unfinished delete finished:
       * either way the disk part goes, then the copies */
      const char *name = strchr(base + 1, '-') + 1;
      if (bvm_snapshot_validate_name(name, NULL) && !disk_drop_tag(paths->disk, name, error))
        return FALSE;
      if (!bvm_remove_tree(path, error))
        return FALSE;
    } else {
      did = FALSE;
    }
  }
  if (out_did != NULL)
    *out_did = did;
  return TRUE;
}

/* Sizes: what each snapshot alone holds of the disk ----------------------- */

/* qcow2 (docs/interop/qcow2.txt in QEMU): the header names the cluster size,
 * the active L1 table and the snapshot table; each snapshot has its own L1
 * table. A cluster (data or L2 table) referenced by one snapshot and by
 * nothing else is what deleting that snapshot frees. Read-only and bounded:
 * a disk this cannot read gives 0, never an error. */
#define QCOW2_OFFSET_MASK G_GUINT64_CONSTANT(0x00fffffffffffe00)
#define QCOW2_COMPRESSED (G_GUINT64_CONSTANT(1) << 62)
#define QCOW2_MAX_L1 (1 << 22)

static gboolean read_at(int fd, guint64 off, void *buf, gsize len)
{
  return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

static guint64 be64_at(const guint8 *p)
{
  guint64 v;
  memcpy(&v, p, 8);
  return GUINT64_FROM_BE(v);
}

static guint32 be32_at(const guint8 *p)
{
  guint32 v;
  memcpy(&v, p, 4);
  return GUINT32_FROM_BE(v);
}

static void mark(GHashTable *owners, guint64 off, guint owner)
{
  gpointer key = GSIZE_TO_POINTER((gsize)off);
  guint prev = GPOINTER_TO_UINT(g_hash_table_lookup(owners, key));
  g_hash_table_insert(owners, key,
                      GUINT_TO_POINTER(prev == 0 || prev == owner + 1 ? owner + 1 : G_MAXUINT));
}

/* Record in @owners (cluster offset -> owner + 1, or G_MAXUINT when shared)
 * the L2 tables and data clusters the L1 table at @l1_off references. */
static void mark_layer(int fd, guint64 l1_off, guint32 l1_size, guint cluster_bits,
                       GHashTable *owners, guint owner)
{
  if (l1_size == 0 || l1_size > QCOW2_MAX_L1)
    return;
  gsize cluster = (gsize)1 << cluster_bits;
  g_autofree guint8 *l1 = g_malloc((gsize)l1_size * 8);
  g_autofree guint8 *l2 = g_malloc(cluster);
  if (!read_at(fd, l1_off, l1, (gsize)l1_size * 8))
    return;
  for (guint32 i = 0; i < l1_size; i++) {
    guint64 l2_off = be64_at(l1 + (gsize)i * 8) & QCOW2_OFFSET_MASK;
    if (l2_off == 0 || !read_at(fd, l2_off, l2, cluster))
      continue;
    mark(owners, l2_off, owner);
    for (gsize j = 0; j < cluster / 8; j++) {
      guint64 e = be64_at(l2 + j * 8);
      if (!(e & QCOW2_COMPRESSED) && (e & QCOW2_OFFSET_MASK) != 0)
        mark(owners, e & QCOW2_OFFSET_MASK, owner);
    }
  }
}

/* @held[i]: the bytes snapshot @tags[i] alone holds. */
static void disk_held(const char *disk, const char *const *tags, guint64 *held)
{
  int fd = open(disk, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  guint8 h[72];
  if (!read_at(fd, 0, h, sizeof h) || memcmp(h, "QFI\xfb", 4) != 0) {
    close(fd);
    return;
  }
  guint cluster_bits = be32_at(h + 20);
  guint32 nb = be32_at(h + 60);
  guint64 snap_off = be64_at(h + 64);
  if (cluster_bits < 9 || cluster_bits > 21 || nb > 65536) {
    close(fd);
    return;
  }
  g_autoptr(GHashTable) owners = g_hash_table_new(g_direct_hash, g_direct_equal);
  guint n_tags = g_strv_length((GStrv)tags);
  /* the active layer is owner n_tags: anything it shares is held by no snapshot */
  mark_layer(fd, be64_at(h + 40), be32_at(h + 36), cluster_bits, owners, n_tags);
  guint64 off = snap_off;
  for (guint32 i = 0; i < nb; i++) {
    guint8 e[40];
    if (!read_at(fd, off, e, sizeof e))
      break;
    guint64 l1_off = be64_at(e);
    guint32 l1_size = be32_at(e + 8);
    guint16 id_len = GUINT16_FROM_BE(*(guint16 *)(e + 12));
    guint16 name_len = GUINT16_FROM_BE(*(guint16 *)(e + 14));
    guint32 extra = be32_at(e + 36);
    g_autofree char *name = g_malloc0((gsize)name_len + 1);
    if (!read_at(fd, off + 40 + extra + id_len, name, name_len))
      break;
    guint owner = n_tags + 1 + i; /* untracked tags still share */
    for (guint t = 0; t < n_tags; t++)
      if (strcmp(tags[t], name) == 0)
        owner = t;
    mark_layer(fd, l1_off, l1_size, cluster_bits, owners, owner);
    off += 40 + extra + id_len + name_len;
    off = (off + 7) & ~(guint64)7;
  }
  close(fd);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, owners);
  while (g_hash_table_iter_next(&it, &key, &value)) {
    guint o = GPOINTER_TO_UINT(value);
    if (o != G_MAXUINT && o >= 1 && o - 1 < n_tags)
      held[o - 1] += (guint64)1 << cluster_bits;
  }
}

static guint64 tree_bytes(const char *path)
{
  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    GStatBuf st;
    return g_stat(path, &st) == 0 ? (guint64)st.st_size : 0;
  }
  guint64 sum = 0;
  g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    sum += tree_bytes(child);
  }
  return sum;
}

static gint by_created(gconstpointer a, gconstpointer b)
{
  const BvmSnapshot *x = *(BvmSnapshot *const *)a, *y = *(BvmSnapshot *const *)b;
  int c = g_strcmp0(x->created_at, y->created_at);
  return c != 0 ? c : g_strcmp0(x->name, y->name);
}

GPtrArray *bvm_snapshot_list(const BvmPaths *paths, GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_snapshot_free);
  g_autofree char *dir = bvm_snapshot_dir(paths);
  if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
    return g_steal_pointer(&list);
  g_auto(GStrv) tags = bvm_snapshot_disk_tags(paths->disk, error);
  if (tags == NULL)
    return NULL;
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *entry;
  while (d != NULL && (entry = g_dir_read_name(d)) != NULL) {
    if (entry[0] == '.' || !g_strv_contains((const char *const *)tags, entry))
      continue;
    g_autofree char *path = g_build_filename(dir, entry, NULL);
    BvmSnapshot *s = meta_load(path, NULL);
    if (s == NULL)
      continue;
    s->state_bytes = tree_bytes(path);
    g_ptr_array_add(list, s);
  }
  g_ptr_array_sort(list, by_created);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  for (guint i = 0; i < list->len; i++)
    g_strv_builder_add(b, ((BvmSnapshot *)list->pdata[i])->name);
  g_auto(GStrv) names = g_strv_builder_end(b);
  g_autofree guint64 *held = g_new0(guint64, list->len + 1);
  disk_held(paths->disk, (const char *const *)names, held);
  for (guint i = 0; i < list->len; i++)
    ((BvmSnapshot *)list->pdata[i])->disk_held_bytes = held[i];
  return g_steal_pointer(&list);
}

/* Create ------------------------------------------------------------------- */

char *bvm_snapshot_stage_begin(const BvmPaths *paths, const char *name, GError **error)
{
  if (!bvm_snapshot_validate_name(name, error))
    return NULL;
  g_autofree char *final = snap_path(paths, "", name);
  if (g_file_test(final, G_FILE_TEST_EXISTS)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
                "VM %s already has a snapshot named '%s': choose another name or delete it first",
                paths->bundle, name);
    return NULL;
  }
  gboolean has = FALSE;
  if (!disk_has_tag(paths->disk, name, &has, error))
    return NULL;
  if (has) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
        "%s already holds a qcow2 snapshot named '%s' (made outside BridgeVM): choose another name",
        paths->disk, name);
    return NULL;
  }
  g_autofree char *stage = snap_path(paths, STAGE_PREFIX, name);
  (void)bvm_remove_tree(stage, NULL);
  if (g_mkdir_with_parents(stage, 0700) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create %s: %s", stage, g_strerror(saved));
    return NULL;
  }
  return g_steal_pointer(&stage);
}

gboolean bvm_snapshot_stage_copy_state(const BvmPaths *paths, const char *stage, GError **error)
{
  g_autofree char *vars = g_build_filename(stage, VARS_COPY, NULL);
  if (g_file_test(paths->vars, G_FILE_TEST_EXISTS) &&
      !bvm_filecopy_file(paths->vars, vars, FALSE, NULL, error))
    return FALSE;
  g_autofree char *tpm = g_build_filename(stage, TPM_COPY, NULL);
  if (g_file_test(paths->tpm_dir, G_FILE_TEST_IS_DIR) &&
      !bvm_filecopy_dir(paths->tpm_dir, tpm, error))
    return FALSE;
  return TRUE;
}

gboolean bvm_snapshot_stage_commit(const BvmPaths *paths, const char *stage,
                                   const BvmSnapshot *meta, GError **error)
{
  if (!meta_save(stage, meta, error))
    return FALSE;
  bvm_fault_point("snapshot-before-rename");
  g_autofree char *final = snap_path(paths, "", meta->name);
  if (!rename_or_fail(stage, final, error))
    return FALSE;
  g_autofree char *dir = bvm_snapshot_dir(paths);
  bvm_filecopy_sync_dir(dir);
  return TRUE;
}

gboolean bvm_snapshot_create_stopped(const BvmPaths *paths, const char *name,
                                     const char *description, GError **error)
{
  g_autofree char *stage = bvm_snapshot_stage_begin(paths, name, error);
  if (stage == NULL)
    return FALSE;
  g_autoptr(BvmSnapshot) meta = g_new0(BvmSnapshot, 1);
  meta->name = g_strdup(name);
  meta->description = g_strdup(description);
  meta->created_at = bvm_now_iso8601();
  meta->consistency = BVM_SNAPSHOT_STOPPED;
  if (!bvm_snapshot_stage_copy_state(paths, stage, error))
    goto undo;
  bvm_fault_point("snapshot-after-copy");
  if (!qemu_img_snapshot("-c", name, paths->disk, error)) {
    g_prefix_error(error, "taking snapshot '%s' of %s: ", name, paths->disk);
    goto undo;
  }
  bvm_fault_point("snapshot-after-disk");
  if (!bvm_snapshot_stage_commit(paths, stage, meta, error)) {
    (void)disk_drop_tag(paths->disk, name, NULL);
    goto undo;
  }
  return TRUE;
undo:
  (void)bvm_remove_tree(stage, NULL);
  return FALSE;
}

/* Revert ------------------------------------------------------------------- */

gboolean bvm_snapshot_revert_stopped(const BvmPaths *paths, const char *name, GError **error)
{
  g_autofree char *snap = bvm_snapshot_find(paths, name, error);
  if (snap == NULL)
    return FALSE;
  gboolean has = FALSE;
  if (!disk_has_tag(paths->disk, name, &has, error))
    return FALSE;
  if (!has) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
                "%s holds no qcow2 snapshot '%s': that snapshot cannot be reverted to; delete it",
                paths->disk, name);
    return FALSE;
  }
  /* Stage: the copies to swap in, beside the files they replace (same
   * filesystem, so the swap is renames). A crash here loses nothing. */
  g_autofree char *dir = bvm_snapshot_dir(paths);
  g_autofree char *stage = g_build_filename(dir, REVERT_STAGE, NULL);
  g_autofree char *journal = g_build_filename(dir, REVERT_COMMITTED, NULL);
  (void)bvm_remove_tree(stage, NULL);
  if (g_mkdir_with_parents(stage, 0700) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot create %s: %s", stage, g_strerror(saved));
    return FALSE;
  }
  g_autofree char *vars_from = g_build_filename(snap, VARS_COPY, NULL);
  g_autofree char *vars_to = g_build_filename(stage, VARS_COPY, NULL);
  g_autofree char *tpm_from = g_build_filename(snap, TPM_COPY, NULL);
  g_autofree char *tpm_to = g_build_filename(stage, TPM_COPY, NULL);
  g_autofree char *intent = g_build_filename(stage, INTENT, NULL);
  if ((g_file_test(vars_from, G_FILE_TEST_EXISTS) &&
       !bvm_filecopy_file(vars_from, vars_to, FALSE, NULL, error)) ||
      (g_file_test(tpm_from, G_FILE_TEST_IS_DIR) && !bvm_filecopy_dir(tpm_from, tpm_to, error)) ||
      !bvm_file_write_atomic(intent, name, -1, 0600, error)) {
    (void)bvm_remove_tree(stage, NULL);
    return FALSE;
  }
  bvm_fault_point("revert-after-stage");
  /* Commit: from this rename on, the revert happens, now or at recovery. */
  if (!rename_or_fail(stage, journal, error)) {
    (void)bvm_remove_tree(stage, NULL);
    return FALSE;
  }
  bvm_filecopy_sync_dir(dir);
  bvm_fault_point("revert-after-commit");
  return revert_finish(paths, journal, error);
}

/* Delete ------------------------------------------------------------------- */

gboolean bvm_snapshot_delete_stopped(const BvmPaths *paths, const char *name, GError **error)
{
  g_autofree char *snap = bvm_snapshot_find(paths, name, error);
  if (snap == NULL)
    return FALSE;
  g_autofree char *doomed = snap_path(paths, DELETE_PREFIX, name);
  if (!rename_or_fail(snap, doomed, error))
    return FALSE;
  bvm_fault_point("snapshot-delete-after-rename");
  if (!disk_drop_tag(paths->disk, name, error)) {
    g_prefix_error(error, "deleting snapshot '%s' of %s: ", name, paths->disk);
    return FALSE;
  }
  return bvm_remove_tree(doomed, error);
}
