/* snapshot.c and filecopy.c: names, meta.json, the journal's recovery on a
 * real (small) qcow2, and the sparse copy counting only data. */
#include "error.h"
#include "filecopy.h"
#include "paths.h"
#include "snapshot.h"
#include "util.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static void test_names(void)
{
  const char *good[] = {"a", "before-update", "v1.2_rc", "A-Z.0", NULL};
  for (const char **g = good; *g; g++)
    g_assert_true(bvm_snapshot_validate_name(*g, NULL));
  g_autofree char *long_name = g_strnfill(BVM_SNAPSHOT_NAME_MAX + 1, 'x');
  const char *bad[] = {"", ".hidden", "-flag", "a b", "a/b", "..", "a,b", "é", long_name, NULL};
  for (const char **b = bad; *b; b++) {
    g_autoptr(GError) error = NULL;
    g_assert_false(bvm_snapshot_validate_name(*b, &error));
    g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
    g_assert_null(strchr(error->message, '\n'));
  }
  g_autofree char *max = g_strnfill(BVM_SNAPSHOT_NAME_MAX, 'x');
  g_assert_true(bvm_snapshot_validate_name(max, NULL));
  g_autoptr(GError) error = NULL;
  g_assert_false(bvm_snapshot_validate_name(NULL, &error));
}

static void test_meta_round_trip(void)
{
  BvmSnapshot s = {.name = (char *)"s1",
                   .description = (char *)"before the update",
                   .created_at = (char *)"2026-11-30T20:00:00Z",
                   .consistency = BVM_SNAPSHOT_FILESYSTEM,
                   .live = TRUE};
  g_autoptr(JsonNode) node = bvm_snapshot_to_json(&s);
  g_autofree char *text = json_to_string(node, FALSE);
  g_assert_nonnull(strstr(text, "\"consistency\":\"filesystem\""));
  g_autoptr(BvmSnapshot) back = bvm_snapshot_from_json(node, NULL);
  g_assert_nonnull(back);
  g_assert_cmpstr(back->name, ==, "s1");
  g_assert_cmpstr(back->description, ==, "before the update");
  g_assert_cmpint(back->consistency, ==, BVM_SNAPSHOT_FILESYSTEM);
  g_assert_true(back->live);
  /* a meta.json naming what no snapshot may be named is refused */
  g_autoptr(JsonNode) evil = json_from_string(
      "{\"name\": \"../x\", \"createdAt\": \"t\", \"consistency\": \"crash\"}", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_null(bvm_snapshot_from_json(evil, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_autoptr(JsonNode) odd =
      json_from_string("{\"name\": \"x\", \"createdAt\": \"t\", \"consistency\": \"maybe\"}", NULL);
  g_assert_null(bvm_snapshot_from_json(odd, &error));
}

static char *make_bundle(const char *root)
{
  char *bundle = g_build_filename(root, "v.bridgevm", NULL);
  g_assert_cmpint(g_mkdir(bundle, 0700), ==, 0);
  g_autofree char *disk = g_build_filename(bundle, "disk.qcow2", NULL);
  const char *argv[] = {"qemu-img", "create", "-q", "-f", "qcow2", disk, "64M", NULL};
  int wait = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                             &wait, NULL));
  g_assert_true(g_spawn_check_wait_status(wait, NULL));
  g_autofree char *vars = g_build_filename(bundle, "efi-vars.fd", NULL);
  g_assert_true(g_file_set_contents(vars, "VARS-NOW", -1, NULL));
  g_autofree char *tpm = g_build_filename(bundle, "tpm", NULL);
  g_assert_cmpint(g_mkdir(tpm, 0700), ==, 0);
  g_autofree char *perm = g_build_filename(tpm, "tpm2-00.permall", NULL);
  g_assert_true(g_file_set_contents(perm, "TPM-NOW", -1, NULL));
  return bundle;
}

static char *contents(const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  char *data = NULL;
  return g_file_get_contents(path, &data, NULL, NULL) ? data : g_strdup("(none)");
}

/* Journal entries left by a crash: a staged create and a staged revert are
 * undone, a committed revert and a started delete are finished. */
static void test_recovery(void)
{
  g_autofree char *root = g_dir_make_tmp("bvm-snap-XXXXXX", NULL);
  g_autofree char *bundle = make_bundle(root);
  g_autoptr(BvmPaths) paths = bvm_paths_new(bundle, "00000000-0000-0000-0000-000000000000");
  g_autoptr(GError) error = NULL;
  g_assert_true(bvm_snapshot_create_stopped(paths, "s1", NULL, &error));
  g_assert_no_error(error);
  g_autofree char *snaps = bvm_snapshot_dir(paths);

  /* a committed revert: the snapshot's vars and TPM swapped in */
  g_autofree char *vars = g_build_filename(bundle, "efi-vars.fd", NULL);
  g_assert_true(g_file_set_contents(vars, "VARS-LATER", -1, NULL));
  g_autofree char *journal = g_build_filename(snaps, ".revert", NULL);
  g_autofree char *snap = g_build_filename(snaps, "s1", NULL);
  g_assert_cmpint(g_mkdir(journal, 0700), ==, 0);
  g_autofree char *jv = g_build_filename(journal, "efi-vars.fd", NULL);
  g_autofree char *sv = g_build_filename(snap, "efi-vars.fd", NULL);
  g_assert_true(bvm_filecopy_file(sv, jv, FALSE, NULL, NULL));
  g_autofree char *jt = g_build_filename(journal, "tpm", NULL);
  g_autofree char *st = g_build_filename(snap, "tpm", NULL);
  g_assert_true(bvm_filecopy_dir(st, jt, NULL));
  g_autofree char *intent = g_build_filename(journal, "intent.json", NULL);
  g_assert_true(g_file_set_contents(intent, "s1", -1, NULL));
  /* a staged revert that never committed, and a create that never finished */
  g_autofree char *stage = g_build_filename(snaps, ".revert-stage", NULL);
  g_assert_cmpint(g_mkdir(stage, 0700), ==, 0);
  g_autofree char *tmp = g_build_filename(snaps, ".tmp-s2", NULL);
  g_assert_cmpint(g_mkdir(tmp, 0700), ==, 0);

  gboolean did = FALSE;
  g_assert_true(bvm_snapshot_recover(paths, &did, &error));
  g_assert_no_error(error);
  g_assert_true(did);
  g_autofree char *v = contents(bundle, "efi-vars.fd");
  g_assert_cmpstr(v, ==, "VARS-NOW");
  g_autofree char *tpmdir = g_build_filename(bundle, "tpm", NULL);
  g_autofree char *t = contents(tpmdir, "tpm2-00.permall");
  g_assert_cmpstr(t, ==, "TPM-NOW");
  g_assert_false(g_file_test(journal, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(stage, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));

  /* a delete cut short after its rename is finished: the disk part goes */
  g_autofree char *doomed = g_build_filename(snaps, ".del-s1", NULL);
  g_assert_cmpint(g_rename(snap, doomed), ==, 0);
  g_assert_true(bvm_snapshot_recover(paths, NULL, &error));
  g_auto(GStrv) tags = bvm_snapshot_disk_tags(paths->disk, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(tags), ==, 0);
  g_autoptr(GPtrArray) list = bvm_snapshot_list(paths, &error);
  g_assert_cmpuint(list->len, ==, 0);
  /* nothing left: nothing done */
  g_assert_true(bvm_snapshot_recover(paths, &did, &error));
  g_assert_false(did);
  g_assert_true(bvm_remove_tree(root, NULL));
}

/* 4 MiB of data in a 256 MiB sparse file: about 4 MiB copied. */
static void test_sparse_copy(void)
{
  g_autofree char *root = g_dir_make_tmp("bvm-copy-XXXXXX", NULL);
  g_autofree char *src = g_build_filename(root, "src", NULL);
  g_autofree char *dst = g_build_filename(root, "dst", NULL);
  int fd = open(src, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint(fd, >=, 0);
  g_autofree char *chunk = g_malloc(BVM_MIB);
  memset(chunk, 0x5a, BVM_MIB);
  for (int i = 0; i < 4; i++)
    g_assert_cmpint(pwrite(fd, chunk, BVM_MIB, (off_t)i * 64 * BVM_MIB), ==, (ssize_t)BVM_MIB);
  g_assert_cmpint(ftruncate(fd, (off_t)(256 * BVM_MIB)), ==, 0);
  close(fd);
  BvmFilecopyStats stats = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(bvm_filecopy_file(src, dst, TRUE, &stats, &error));
  g_assert_no_error(error);
  g_assert_cmpint(stats.method, ==, BVM_FILECOPY_SPARSE);
  g_assert_cmpuint(stats.size, ==, 256 * BVM_MIB);
  g_assert_cmpuint(stats.bytes_copied, >=, 4 * BVM_MIB);
  g_assert_cmpuint(stats.bytes_copied, <=, 8 * BVM_MIB);
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  g_assert_true(g_file_get_contents(src, &a, &la, NULL));
  g_assert_true(g_file_get_contents(dst, &b, &lb, NULL));
  g_assert_cmpuint(la, ==, lb);
  g_assert_true(memcmp(a, b, la) == 0);
  /* never over an existing file */
  g_assert_false(bvm_filecopy_file(src, dst, TRUE, NULL, &error));
  g_assert_error(error, BVM_ERROR, BVM_ERROR_IO);
  g_assert_true(bvm_remove_tree(root, NULL));
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/snapshot/names", test_names);
  g_test_add_func("/snapshot/meta-round-trip", test_meta_round_trip);
  g_test_add_func("/snapshot/recovery", test_recovery);
  g_test_add_func("/filecopy/sparse-copy", test_sparse_copy);
  return g_test_run();
}
