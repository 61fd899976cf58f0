/* bench/libvirt.sh: push and list --all against a private libvirtd (the
 * tests' harness), printing numbers and ratios measured in this run:
 *   - a 2 GiB disk holding 64 MiB pushed: bytes sent vs the image's
 *     allocated bytes (sparse upload) and vs its 2 GiB virtual size (what
 *     a raw, non-sparse copy would move);
 *   - list --all with a remote of 100 defined (not running) domains, against
 *     the local-only list of the same library. No guest boots. */
#include "cli-harness.h"
#include "libvirt-harness.h"

#include <stdio.h>
#include <string.h>

static double run_seconds(const char *library, const char *const *args)
{
  gint64 t0 = g_get_monotonic_time();
  harness_run_ok(library, args);
  return (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
}

static int compare_doubles(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median_of(const char *library, const char *const *args, int runs)
{
  g_autoptr(GArray) t = g_array_new(FALSE, FALSE, sizeof(double));
  for (int i = 0; i < runs; i++) {
    double s = run_seconds(library, args);
    g_array_append_val(t, s);
  }
  g_array_sort(t, compare_doubles);
  return g_array_index(t, double, runs / 2);
}

int main(int argc, char **argv)
{
  g_autofree char *root = harness_tmpdir("bvm-bench-libvirt-XXXXXX");
  g_autofree char *library = g_build_filename(root, "VMs", NULL);
  g_free(harness_env_dir(root, "XDG_RUNTIME_DIR", "run"));
  g_free(harness_env_dir(root, "XDG_DATA_HOME", "data"));
  g_autofree char *iso = harness_make_iso(root, "installer.iso");
  g_autofree char *skip = NULL;
  HarnessLibvirt *lv = harness_libvirt_start(root, &skip);
  if (lv == NULL) {
    fprintf(stderr, "bench-libvirt: %s\n", skip);
    harness_cleanup(root);
    return 77;
  }

  /* 1. push: 64 x 1 MiB of data spread over a 2 GiB disk */
  const char *create[] = {"create",   "big", "--iso",  iso,  "--preset",         "light",
                          "--memory", "1G",  "--disk", "2G", "--no-secure-boot", NULL};
  harness_run_ok(library, create);
  g_autofree char *disk = g_build_filename(library, "big.bridgevm", "disk.qcow2", NULL);
  g_autoptr(GString) io = g_string_new(NULL);
  for (int i = 0; i < 64; i++)
    g_string_append_printf(io, "write -P %d %dM 1M\n", i + 1, i * 32);
  g_autofree char *script = g_build_filename(root, "fill.qemu-io", NULL);
  g_assert_true(g_file_set_contents(script, io->str, -1, NULL));
  g_autofree char *cmd = g_strdup_printf("qemu-io -f qcow2 %s < %s > /dev/null", disk, script);
  g_assert_cmpint(system(cmd), ==, 0);
  const char *push[] = {"push", "big", lv->uri, "--json", NULL};
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(JsonNode) n = harness_run_json(library, push);
  double push_s = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
  JsonObject *o = json_node_get_object(n);
  double sent = (double)json_object_get_int_member(o, "diskSent");
  double alloc = (double)json_object_get_int_member(o, "diskAllocated");
  double size = (double)json_object_get_int_member(o, "diskSize");
  double virt = 2.0 * 1024 * 1024 * 1024;
  double mib = 1024 * 1024;
  printf("push of a 2 GiB disk holding 64 MiB: sent %.1f MiB, allocated %.1f MiB, file %.1f MiB "
         "in %.2f s\n",
         sent / mib, alloc / mib, size / mib, push_s);
  printf("  sent / allocated = %.3f; sent / virtual size (a raw copy) = %.4f\n", sent / alloc,
         sent / virt);

  /* 2. list --all with a remote of 100 defined domains */
  const char *dumpxml[] = {"dumpxml", "big", "--inactive", NULL};
  g_autofree char *xml = harness_virsh(lv, dumpxml);
  g_autoptr(GRegex) strip =
      g_regex_new("<uuid>[^<]*</uuid>|<mac address=[^>]*>|<nvram[^>]*>[^<]*</nvram>", 0, 0, NULL);
  g_autofree char *base = g_regex_replace_literal(strip, xml, -1, 0, "", 0, NULL);
  for (int i = 0; i < 100; i++) {
    g_autoptr(GString) x = g_string_new(base);
    g_autofree char *name = g_strdup_printf("<name>dom%03d</name>", i);
    g_string_replace(x, "<name>big</name>", name, 1);
    g_autofree char *path = g_build_filename(root, "dom.xml", NULL);
    g_assert_true(g_file_set_contents(path, x->str, -1, NULL));
    const char *define[] = {"define", path, NULL};
    g_free(harness_virsh(lv, define));
  }
  const char *add[] = {"remote", "add", "lab", lv->uri, NULL};
  harness_run_ok(library, add);
  const char *all[] = {"list", "--all", NULL};
  const char *local[] = {"list", NULL};
  double t_all = median_of(library, all, 7);
  double t_local = median_of(library, local, 7);
  printf("list --all with a remote of 101 defined domains: %.3f s (median of 7); list (local "
         "only): %.3f s; ratio %.2f; target <= 1 s\n",
         t_all, t_local, t_all / t_local);
  harness_libvirt_stop(lv);
  harness_cleanup(root);
  return 0;
}
