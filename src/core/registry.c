#include "registry.h"
#include "error.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bvm_vm_entry_free(BvmVmEntry *e)
{
  if (e == NULL)
    return;
  g_free(e->path);
  bvm_config_free(e->config);
  g_free(e->problem);
  g_free(e->sort_key);
  if (e->json != NULL)
    json_node_unref(e->json);
  g_free(e);
}

static char *entry_sort_key(const BvmVmEntry *e);

static BvmVmEntry *entry_load(const char *path)
{
  BvmVmEntry *e = g_new0(BvmVmEntry, 1);
  e->path = g_strdup(path);
  g_autoptr(GError) error = NULL;
  e->config = bvm_config_load_full(path, &e->json, &error);
  if (e->config == NULL)
    e->problem = g_strdup(error->message);
  e->sort_key = entry_sort_key(e);
  return e;
}

static char *entry_sort_key(const BvmVmEntry *e)
{
  g_autofree char *base = e->config ? NULL : g_path_get_basename(e->path);
  g_autofree char *folded = g_utf8_casefold(e->config ? e->config->name : base, -1);
  return g_utf8_collate_key(folded, -1);
}

static int compare_entries(gconstpointer a, gconstpointer b)
{
  const BvmVmEntry *ea = *(BvmVmEntry *const *)a;
  const BvmVmEntry *eb = *(BvmVmEntry *const *)b;
  return strcmp(ea->sort_key, eb->sort_key);
}

typedef struct {
  GPtrArray *paths;
  GPtrArray *entries;
  guint start, step;
} LoadSlice;

static gpointer load_slice(gpointer data)
{
  LoadSlice *s = data;
  for (guint i = s->start; i < s->paths->len; i += s->step)
    s->entries->pdata[i] = entry_load(s->paths->pdata[i]);
  return NULL;
}

/* Libraries past this size load on every core: reading and parsing the
 * configs is most of `list`'s time. */
#define PARALLEL_LOAD_MIN 64

GPtrArray *bvm_registry_list(const char *library, GError **error)
{
  DIR *dir = opendir(library);
  if (dir == NULL) {
    int saved = errno;
    if (saved == ENOENT)
      return g_ptr_array_new_with_free_func((GDestroyNotify)bvm_vm_entry_free);
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot read the library %s: %s", library,
                g_strerror(saved));
    return NULL;
  }
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  struct dirent *d;
  while ((d = readdir(dir)) != NULL) {
    const char *name = d->d_name;
    if (!g_str_has_suffix(name, BVM_BUNDLE_SUFFIX) || g_str_has_prefix(name, BVM_TEMP_PREFIX))
      continue;
    char *path = g_build_filename(library, name, NULL);
    /* A symlinked entry could point anywhere; a bundle is a real directory.
     * d_type answers without a stat where the filesystem fills it in. */
    GStatBuf st;
    if (d->d_type == DT_UNKNOWN ? g_lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)
                                : d->d_type != DT_DIR) {
      g_free(path);
      continue;
    }
    g_ptr_array_add(paths, path);
  }
  closedir(dir);

  GPtrArray *entries = g_ptr_array_new_full(paths->len, (GDestroyNotify)bvm_vm_entry_free);
  g_ptr_array_set_size(entries, (gint)paths->len);
  guint workers = paths->len >= PARALLEL_LOAD_MIN ? MIN(g_get_num_processors(), 8) : 1;
  LoadSlice slices[8];
  GThread *threads[8] = {NULL};
  for (guint w = 0; w < workers; w++) {
    slices[w] = (LoadSlice){.paths = paths, .entries = entries, .start = w, .step = workers};
    if (w > 0)
      threads[w] = g_thread_new("bvm-list", load_slice, &slices[w]);
  }
  load_slice(&slices[0]);
  for (guint w = 1; w < workers; w++)
    g_thread_join(threads[w]);
  g_ptr_array_sort(entries, compare_entries);
  return entries;
}

BvmVmEntry *bvm_registry_find_name(GPtrArray *entries, const char *name)
{
  g_autofree char *want = g_utf8_casefold(name, -1);
  for (guint i = 0; i < entries->len; i++) {
    BvmVmEntry *e = entries->pdata[i];
    if (e->config == NULL)
      continue;
    g_autofree char *have = g_utf8_casefold(e->config->name, -1);
    if (strcmp(want, have) == 0)
      return e;
  }
  return NULL;
}

BvmVmEntry *bvm_registry_find(const char *library, const char *query, GError **error)
{
  if (query == NULL || *query == '\0') {
    g_set_error(error, BVM_ERROR, BVM_ERROR_USAGE, "no VM given: name a VM or an id prefix");
    return NULL;
  }
  g_autoptr(GPtrArray) entries = bvm_registry_list(library, error);
  if (entries == NULL)
    return NULL;
  BvmVmEntry *hit = bvm_registry_find_name(entries, query);
  if (hit == NULL) {
    g_autofree char *lower = g_ascii_strdown(query, -1);
    guint matches = 0;
    for (guint i = 0; i < entries->len; i++) {
      BvmVmEntry *e = entries->pdata[i];
      if (e->config != NULL && g_str_has_prefix(e->config->id, lower)) {
        hit = e;
        matches++;
      }
    }
    if (matches > 1) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                  "'%s' matches the ids of %u VMs: give more of the id, or the name", query,
                  matches);
      return NULL;
    }
  }
  if (hit == NULL) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
                "no VM named '%s' in %s: see 'bridgevm list'", query, library);
    return NULL;
  }
  /* Hand the entry out of the array without copying it. */
  guint index = 0;
  g_ptr_array_find(entries, hit, &index);
  return g_ptr_array_steal_index(entries, index);
}

char *bvm_registry_bundle_path(const char *library, const char *name)
{
  g_autofree char *base = g_strconcat(name, BVM_BUNDLE_SUFFIX, NULL);
  return g_build_filename(library, base, NULL);
}

void bvm_registry_sweep_temps(const char *library)
{
  g_autoptr(GDir) dir = g_dir_open(library, 0, NULL);
  if (dir == NULL)
    return;
  const char *name;
  while ((name = g_dir_read_name(dir)) != NULL) {
    if (!g_str_has_prefix(name, BVM_TEMP_PREFIX))
      continue;
    /* .bridgevm-tmp-PID-XXXXXX: the creator's pid tells whether it is alive. */
    const char *pid_text = name + strlen(BVM_TEMP_PREFIX);
    char *end = NULL;
    long pid = strtol(pid_text, &end, 10);
    if (end == pid_text || *end != '-' || pid <= 0)
      continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
      continue;
    g_autofree char *path = g_build_filename(library, name, NULL);
    (void)bvm_remove_tree(path, NULL);
  }
}
