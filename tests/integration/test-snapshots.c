/* Snapshots and clones with no guest: the real bridgevm, qemu-img and
 * (for the live and fault cases) QEMU running only the firmware. A stopped
 * snapshot round trip over disk, vars and TPM; names checked; a live
 * snapshot without an agent is crash-consistent and a running VM's revert
 * is refused changing nothing; clones copy only allocated bytes and get a
 * new identity; SIGKILL at each step of create, revert, delete and clone
 * leaves a clean image, a whole bundle, the state before or after, and a
 * VM that starts. */
#include "cli-harness.h"
#include "error.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

static char *root, *library, *iso;

static char *bundle_file(const char *vm, const char *name)
{
  g_autofree char *dir = g_strdup_printf("%s.bridgevm", vm);
  return g_build_filename(library, dir, name, NULL);
}

static int run_status(const char *fault, const char *const *args)
{
  return harness_run_with_fault(library, fault, args);
}

static char *tool_out(const char *const *argv, int *out_status)
{
  g_autofree char *out = NULL;
  int wait = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                             &wait, NULL));
  if (out_status != NULL)
    *out_status = g_spawn_check_wait_status(wait, NULL) ? 0 : 1;
  return g_steal_pointer(&out);
}

/* The disk's first 64 KiB are all @pattern. */
static gboolean disk_holds(const char *vm, int pattern)
{
  g_autofree char *disk = bundle_file(vm, "disk.qcow2");
  g_autofree char *cmd = g_strdup_printf("read -P 0x%02x 0 64k", pattern);
  const char *argv[] = {"qemu-io", "-r", "-U", "-f", "qcow2", "-c", cmd, disk, NULL};
  g_autofree char *out = tool_out(argv, NULL);
  return strstr(out, "read 65536/65536") != NULL && strstr(out, "verification failed") == NULL;
}

static void disk_write(const char *vm, int pattern)
{
  g_autofree char *disk = bundle_file(vm, "disk.qcow2");
  g_autofree char *cmd = g_strdup_printf("write -P 0x%02x 0 64k", pattern);
  const char *argv[] = {"qemu-io", "-f", "qcow2", "-c", cmd, disk, NULL};
  int st = 1;
  g_autofree char *out = tool_out(argv, &st);
  g_assert_cmpint(st, ==, 0);
}

static void disk_check_clean(const char *vm)
{
  g_autofree char *disk = bundle_file(vm, "disk.qcow2");
  const char *argv[] = {"qemu-img", "check", "-q", "-f", "qcow2", disk, NULL};
  int st = 1;
  g_autofree char *out = tool_out(argv, &st);
  if (st != 0)
    g_error("qemu-img check %s: %s", disk, out);
}

static char *disk_tags(const char *vm)
{
  g_autofree char *disk = bundle_file(vm, "disk.qcow2");
  const char *argv[] = {"qemu-img", "info", "-U", "--output=json", disk, NULL};
  g_autofree char *out = tool_out(argv, NULL);
  g_autoptr(JsonNode) n = json_from_string(out, NULL);
  JsonObject *o = json_node_get_object(n);
  GString *tags = g_string_new(NULL);
  JsonArray *a =
      json_object_has_member(o, "snapshots") ? json_object_get_array_member(o, "snapshots") : NULL;
  for (guint i = 0; a != NULL && i < json_array_get_length(a); i++)
    g_string_append_printf(
        tags, "%s%s", i ? "," : "",
        json_object_get_string_member(json_array_get_object_element(a, i), "name"));
  return g_string_free(tags, FALSE);
}

static char *read_file(const char *vm, const char *name)
{
  g_autofree char *path = bundle_file(vm, name);
  char *data = NULL;
  g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
  return data;
}

/* The state a revert must bring back: the last byte of efi-vars.fd (in
 * the fault-tolerant-write spare area, which the firmware rewrites only
 * mid-update) and a file of ours in tpm/ (swtpm reads only its own). */
static void mark_state(const char *vm, char mark)
{
  g_autofree char *vars = bundle_file(vm, "efi-vars.fd");
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(vars, &data, &len, NULL));
  data[len - 1] = mark;
  g_assert_true(g_file_set_contents(vars, data, (gssize)len, NULL));
  g_autofree char *tpm = bundle_file(vm, "tpm/bvm-test-mark");
  g_assert_true(g_file_set_contents(tpm, &mark, 1, NULL));
}

static char state_mark(const char *vm)
{
  g_autofree char *vars = bundle_file(vm, "efi-vars.fd");
  g_autofree char *tpm = bundle_file(vm, "tpm/bvm-test-mark");
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  g_assert_true(g_file_get_contents(vars, &a, &la, NULL));
  g_assert_true(g_file_get_contents(tpm, &b, &lb, NULL));
  g_assert_cmpint(lb, ==, 1);
  g_assert_cmpint(a[la - 1], ==, b[0]); /* never a mix */
  return b[0];
}

static gboolean same_file(const char *vm1, const char *vm2, const char *name)
{
  g_autofree char *p1 = bundle_file(vm1, name), *p2 = bundle_file(vm2, name);
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;
  g_assert_true(g_file_get_contents(p1, &a, &la, NULL));
  g_assert_true(g_file_get_contents(p2, &b, &lb, NULL));
  return la == lb && memcmp(a, b, la) == 0;
}

static JsonNode *snapshots_of(const char *vm)
{
  const char *args[] = {"snapshot", vm, "list", "--json", NULL};
  return harness_run_json(library, args);
}

static char *snapshot_names(const char *vm)
{
  g_autoptr(JsonNode) list = snapshots_of(vm);
  JsonArray *a = json_node_get_array(list);
  GString *names = g_string_new(NULL);
  for (guint i = 0; i < json_array_get_length(a); i++)
    g_string_append_printf(
        names, "%s%s", i ? "," : "",
        json_object_get_string_member(json_array_get_object_element(a, i), "name"));
  return g_string_free(names, FALSE);
}

/* The bundle is whole: the disk clean, each snapshot in both places, no
 * journal entry left. */
static void assert_snapshots_whole(const char *vm)
{
  disk_check_clean(vm);
  g_autofree char *dir = bundle_file(vm, "snapshots");
  g_autofree char *listing = harness_list_dir(dir);
  g_auto(GStrv) entries = g_strsplit(listing, "\n", -1);
  GString *dirs = g_string_new(NULL);
  for (char **e = entries; *e && **e; e++) {
    if (**e == '.')
      g_error("journal entry %s left in %s", *e, dir);
    g_string_append_printf(dirs, "%s%s", dirs->len ? "," : "", *e);
  }
  g_autofree char *tags = disk_tags(vm);
  g_autofree char *d = g_string_free(dirs, FALSE);
  g_assert_cmpstr(d, ==, tags);
}

static void start_then_kill(const char *vm)
{
  const char *start[] = {"start", vm, "--display", "none", NULL};
  const char *killv[] = {"kill", vm, NULL};
  harness_run_ok(library, start);
  harness_run_ok(library, killv);
}

static void create_vm(const char *name)
{
  const char *create[] = {"create",   name, "--iso",  iso,  "--preset", "light",
                          "--memory", "1G", "--disk", "2G", NULL};
  harness_run_ok(library, create);
}

static void test_stopped_round_trip(void)
{
  create_vm("v");
  disk_write("v", 0xa1);
  mark_state("v", 'A');
  const char *take1[] = {"snapshot", "v", "create", "s1", "--description", "first", "--json", NULL};
  g_autoptr(JsonNode) s1 = harness_run_json(library, take1);
  JsonObject *o = json_node_get_object(s1);
  g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "s1");
  g_assert_cmpstr(json_object_get_string_member(o, "description"), ==, "first");
  g_assert_cmpstr(json_object_get_string_member(o, "consistency"), ==, "stopped");
  g_assert_false(json_object_get_boolean_member(o, "live"));
  g_assert_cmpint(json_object_get_int_member(o, "stateBytes"), >, 0);

  disk_write("v", 0xb2);
  mark_state("v", 'B');
  const char *take2[] = {"snapshot", "v", "create", "s2", NULL};
  harness_run_ok(library, take2);
  g_autofree char *names = snapshot_names("v");
  g_assert_cmpstr(names, ==, "s1,s2");
  /* s1 alone holds the 64 KiB of 0xa1 the active disk overwrote */
  g_autoptr(JsonNode) list = snapshots_of("v");
  JsonObject *first = json_array_get_object_element(json_node_get_array(list), 0);
  g_assert_cmpint(json_object_get_int_member(first, "diskHeldBytes"), >=, 65536);

  /* names are checked; a name taken and a snapshot missing say so */
  const char *bad[] = {"snapshot", "v", "create", "../x", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, bad);
  g_assert_cmpint(r.status, ==, BVM_EXIT_FAILURE);
  assert_contains(r.err, "snapshot name '../x' is not allowed");
  g_assert_cmpint(run_status(NULL, take2), ==, BVM_EXIT_CONFLICT);
  const char *missing[] = {"snapshot", "v", "revert", "nope", NULL};
  g_assert_cmpint(run_status(NULL, missing), ==, BVM_EXIT_NOT_FOUND);

  const char *revert[] = {"snapshot", "v", "revert", "s1", NULL};
  harness_run_ok(library, revert);
  g_assert_true(disk_holds("v", 0xa1));
  g_assert_cmpint(state_mark("v"), ==, 'A');
  const char *revert2[] = {"snapshot", "v", "revert", "s2", NULL};
  harness_run_ok(library, revert2);
  g_assert_true(disk_holds("v", 0xb2));
  g_assert_cmpint(state_mark("v"), ==, 'B');

  const char *del[] = {"snapshot", "v", "delete", "s2", NULL};
  harness_run_ok(library, del);
  g_autofree char *tags = disk_tags("v");
  g_assert_cmpstr(tags, ==, "s1");
  assert_snapshots_whole("v");
  g_auto(BvmRun) shown = {0};
  const char *show[] = {"show", "v", NULL};
  harness_run(&shown, library, show);
  assert_contains(shown.out, "allocated on the host");
}

static guint64 allocated(const char *vm)
{
  g_autofree char *disk = bundle_file(vm, "disk.qcow2");
  struct stat st;
  g_assert_cmpint(g_stat(disk, (GStatBuf *)&st), ==, 0);
  return (guint64)st.st_blocks * 512;
}

static void test_clone(void)
{
  /* v: 2 GiB virtual, 64 MiB of data, snapshot s1 */
  g_autofree char *disk = bundle_file("v", "disk.qcow2");
  const char *fill[] = {"qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 64M", disk, NULL};
  g_autofree char *o1 = tool_out(fill, NULL);
  const char *clone[] = {"clone", "v", "c", "--json", NULL};
  g_autoptr(JsonNode) c = harness_run_json(library, clone);
  JsonObject *co = json_node_get_object(c);
  JsonObject *copy = json_object_get_object_member(co, "copy");
  const char *method = json_object_get_string_member(copy, "method");
  g_assert_true(g_strcmp0(method, "reflink") == 0 || g_strcmp0(method, "sparse") == 0);
  gint64 copied = json_object_get_int_member(copy, "diskBytesCopied");
  guint64 alloc = allocated("v");
  g_test_message("clone: %s, %" G_GINT64_FORMAT " bytes copied of %" G_GUINT64_FORMAT
                 " allocated (2 GiB virtual)",
                 method, copied, alloc);
  if (g_strcmp0(method, "sparse") == 0) {
    g_assert_cmpint(copied, >=, 64 * 1024 * 1024);
    g_assert_cmpfloat((double)copied, <=, 1.1 * (double)alloc);
  }
  /* a new identity; the data; no snapshots; a fresh TPM */
  g_autoptr(JsonNode) src =
      harness_run_json(library, (const char *[]){"show", "v", "--json", NULL});
  g_assert_cmpstr(json_object_get_string_member(co, "name"), ==, "c");
  g_assert_cmpstr(json_object_get_string_member(co, "id"), !=,
                  json_object_get_string_member(json_node_get_object(src), "id"));
  g_assert_true(disk_holds("c", 0xb2));
  g_autofree char *tags = disk_tags("c");
  g_assert_cmpstr(tags, ==, "");
  disk_check_clean("c");
  g_assert_false(same_file("v", "c", "tpm/tpm2-00.permall"));
  g_assert_true(same_file("v", "c", "efi-vars.fd"));
  g_assert_false(json_object_has_member(co, "notice") &&
                 strstr(json_object_get_string_member(co, "notice"), "share") != NULL);

  /* --keep-tpm copies it and warns; --from takes the snapshot's disk */
  const char *keep[] = {"clone", "v", "k", "--keep-tpm", "--from", "s1", "--json", NULL};
  g_autoptr(JsonNode) k = harness_run_json(library, keep);
  assert_contains(json_object_get_string_member(json_node_get_object(k), "notice"),
                  "share one TPM identity");
  g_assert_true(disk_holds("k", 0xa1));
  g_assert_cmpint(state_mark("k"), ==, 'A');
  g_assert_cmpint(run_status(NULL, (const char *[]){"clone", "v", "C", NULL}), ==,
                  BVM_EXIT_CONFLICT);
  g_assert_cmpint(run_status(NULL, (const char *[]){"clone", "v", "z", "--from", "nope", NULL}), ==,
                  BVM_EXIT_NOT_FOUND);
  /* the source is unchanged */
  g_assert_true(disk_holds("v", 0xb2));
  g_autofree char *vtags = disk_tags("v");
  g_assert_cmpstr(vtags, ==, "s1");
  const char *dk[] = {"delete", "k", "--permanently", NULL};
  harness_run_ok(library, dk);
}

static void test_running_vm(void)
{
  const char *start[] = {"start", "v", "--display", "none", NULL};
  harness_run_ok(library, start);
  g_autofree char *vars_before = read_file("v", "efi-vars.fd");
  /* no guest agent here: crash-consistent, and it says memory is not saved */
  const char *live[] = {"snapshot", "v", "create", "live1", "--json", NULL};
  g_autoptr(JsonNode) s = harness_run_json(library, live);
  JsonObject *o = json_node_get_object(s);
  g_assert_true(json_object_get_boolean_member(o, "live"));
  g_assert_cmpstr(json_object_get_string_member(o, "consistency"), ==, "crash");
  assert_contains(json_object_get_string_member(o, "notice"), "memory state is not saved");
  g_autofree char *names = snapshot_names("v");
  g_assert_cmpstr(names, ==, "s1,live1");
  const char *status[] = {"status", "v", NULL};
  g_auto(BvmRun) st = {0};
  harness_run(&st, library, status);
  assert_contains(st.out, "running");

  /* revert is refused, changing nothing; clone needs --from */
  g_autofree char *tags_before = disk_tags("v");
  const char *revert[] = {"snapshot", "v", "revert", "s1", NULL};
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, revert);
  g_assert_cmpint(r.status, ==, BVM_EXIT_CONFLICT);
  assert_contains(r.err, "is running: stop it first");
  g_autofree char *tags_after = disk_tags("v");
  g_assert_cmpstr(tags_before, ==, tags_after);
  g_autofree char *vars_after = read_file("v", "efi-vars.fd");
  g_assert_true(memcmp(vars_before, vars_after, 1024) == 0);
  g_assert_cmpint(run_status(NULL, (const char *[]){"clone", "v", "r", NULL}), ==,
                  BVM_EXIT_CONFLICT);
  harness_run_ok(library, (const char *[]){"clone", "v", "r", "--from", "live1", NULL});
  /* a live create killed with the vCPUs paused: the next snapshot command
   * resumes the VM and drops the half-made snapshot */
  g_assert_cmpint(run_status("snapshot-live-after-disk",
                             (const char *[]){"snapshot", "v", "create", "cut", NULL}),
                  ==, 128 + SIGKILL);
  g_auto(BvmRun) cut = {0};
  harness_run(&cut, library, status);
  assert_contains(cut.out, "paused");
  g_assert_cmpint(run_status(NULL, (const char *[]){"snapshot", "v", "delete", "nope", NULL}), ==,
                  BVM_EXIT_NOT_FOUND);
  g_auto(BvmRun) resumed = {0};
  harness_run(&resumed, library, status);
  assert_contains(resumed.out, "running");
  g_autofree char *after_cut = disk_tags("v");
  g_assert_cmpstr(after_cut, ==, "s1,live1");
  g_autofree char *dir = bundle_file("v", "snapshots");
  g_autofree char *entries = harness_list_dir(dir);
  g_assert_cmpstr(entries, ==, "live1\ns1");
  /* delete works live */
  harness_run_ok(library, (const char *[]){"snapshot", "v", "delete", "live1", NULL});
  g_autofree char *left = snapshot_names("v");
  g_assert_cmpstr(left, ==, "s1");
  harness_run_ok(library, (const char *[]){"kill", "v", NULL});
  assert_snapshots_whole("v");
  disk_check_clean("r");
  harness_run_ok(library, (const char *[]){"delete", "r", "--permanently", NULL});
}

/* SIGKILL at each step: before or after, never a mix, and the VM starts. */
static void test_killed_at_each_step(void)
{
  static const struct {
    const char *point;
    const char *args[6];
    gboolean after; /* what recovery gives */
  } cases[] = {
      {"snapshot-after-copy", {"snapshot", "v", "create", "n"}, FALSE},
      {"snapshot-after-disk", {"snapshot", "v", "create", "n"}, FALSE},
      {"snapshot-before-rename", {"snapshot", "v", "create", "n"}, FALSE},
      {"revert-after-stage", {"snapshot", "v", "revert", "s1"}, FALSE},
      {"revert-after-commit", {"snapshot", "v", "revert", "s1"}, TRUE},
      {"revert-after-disk", {"snapshot", "v", "revert", "s1"}, TRUE},
      {"revert-after-vars", {"snapshot", "v", "revert", "s1"}, TRUE},
      {"revert-mid-tpm", {"snapshot", "v", "revert", "s1"}, TRUE},
      {"snapshot-delete-after-rename", {"snapshot", "v", "delete", "s1"}, TRUE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("killed at %s", cases[i].point);
    /* before: disk 0xb2 and state 'B'; s1 holds 0xa1 and 'A' */
    disk_write("v", 0xb2);
    mark_state("v", 'B');
    g_assert_cmpint(run_status(cases[i].point, cases[i].args), ==, 128 + SIGKILL);
    if (strcmp(cases[i].point, "revert-after-vars") == 0) {
      /* the monitor recovers before QEMU opens the disk */
      start_then_kill("v");
      g_assert_true(disk_holds("v", 0xa1));
      assert_snapshots_whole("v");
      continue;
    }
    /* the next snapshot command recovers first (this one then finds no
     * snapshot 'nope'), and the firmware has not rewritten the vars yet */
    g_assert_cmpint(run_status(NULL, (const char *[]){"snapshot", "v", "delete", "nope", NULL}), ==,
                    BVM_EXIT_NOT_FOUND);
    assert_snapshots_whole("v");
    g_autofree char *names = snapshot_names("v");
    if (g_str_has_prefix(cases[i].point, "revert")) {
      gboolean reverted = disk_holds("v", 0xa1);
      g_assert_true(reverted ? !disk_holds("v", 0xb2) : disk_holds("v", 0xb2));
      g_assert_cmpint(reverted, ==, cases[i].after);
      g_assert_cmpint(state_mark("v"), ==, reverted ? 'A' : 'B');
    } else if (g_str_has_prefix(cases[i].point, "snapshot-delete")) {
      g_assert_cmpstr(names, ==, "");
      /* take s1 again for what follows */
      disk_write("v", 0xa1);
      mark_state("v", 'A');
      harness_run_ok(library, (const char *[]){"snapshot", "v", "create", "s1", NULL});
    } else {
      g_assert_cmpstr(names, ==, "s1");
      g_assert_true(disk_holds("v", 0xb2));
      g_assert_cmpint(state_mark("v"), ==, 'B');
    }
    start_then_kill("v");
  }
  const char *clone_points[] = {"clone-after-disk", "clone-before-rename", NULL};
  for (const char **p = clone_points; *p; p++) {
    g_test_message("clone killed at %s", *p);
    g_assert_cmpint(run_status(*p, (const char *[]){"clone", "v", "dead", NULL}), ==,
                    128 + SIGKILL);
    g_autoptr(JsonNode) list = harness_run_json(library, (const char *[]){"list", "--json", NULL});
    g_assert_cmpuint(json_array_get_length(json_node_get_array(list)), ==, 2); /* v and c */
    /* the next clone sweeps the dead one's temp dir and works */
    harness_run_ok(library, (const char *[]){"clone", "v", "alive", NULL});
    g_autofree char *listing = harness_list_dir(library);
    g_assert_cmpstr(listing, ==, ".lock\nalive.bridgevm\nc.bridgevm\nv.bridgevm");
    start_then_kill("alive");
    harness_run_ok(library, (const char *[]){"delete", "alive", "--permanently", NULL});
  }
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  root = harness_tmpdir("bvm-snapshots-XXXXXX");
  g_autofree char *data = harness_env_dir(root, "XDG_DATA_HOME", "data");
  g_autofree char *rt = harness_env_dir(root, "XDG_RUNTIME_DIR", "runtime");
  library = g_build_filename(data, "lib", NULL);
  iso = harness_make_iso(root, "blank.iso");
  g_test_add_func("/snapshots/stopped-round-trip", test_stopped_round_trip);
  g_test_add_func("/snapshots/clone", test_clone);
  g_test_add_func("/snapshots/running-vm", test_running_vm);
  g_test_add_func("/snapshots/killed-at-each-step", test_killed_at_each_step);
  harness_add_final_check(root, NULL);
  int rc = g_test_run();
  g_auto(BvmRun) r = {0};
  harness_run(&r, library, (const char *[]){"kill", "v", NULL});
  harness_cleanup(root);
  return rc;
}
