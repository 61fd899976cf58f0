/* A VM's live events by polling its bundle: the status is cheap to read
 * (a pid check and state.json), and polling sees changes made by any
 * process (the CLI, the monitor, another front end) without a daemon. */
#include "events.h"
#include "registry.h"
#include "state.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#define POLL_MS 500
/* New log bytes read per poll, at most: a runaway guest cannot flood a page. */
#define LOG_CHUNK_MAX (256 * 1024)

struct BvmEvents {
  char *library;
  char *vm;
  BvmLogSource source;
  gboolean follow_log;
  char *last_state; /* the last status sent, without its uptime */
  goffset log_offset;
  guint timer;
  BvmEventsFunc func;
  gpointer user_data;
};

void bvm_events_free(BvmEvents *ev)
{
  if (ev == NULL)
    return;
  if (ev->timer != 0)
    g_source_remove(ev->timer);
  g_free(ev->library);
  g_free(ev->vm);
  g_free(ev->last_state);
  g_free(ev);
}

char *bvm_events_format_sse(const char *event, const char *data)
{
  GString *chunk = g_string_new(NULL);
  g_string_append_printf(chunk, "event: %s\n", event);
  g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
  for (char **l = lines; *l; l++)
    g_string_append_printf(chunk, "data: %s\n", *l);
  g_string_append_c(chunk, '\n');
  return g_string_free(chunk, FALSE);
}

/* Only new bytes, whole lines, valid UTF-8; a rotated log starts over. */
static void poll_log(BvmEvents *ev, const BvmPaths *paths)
{
  const char *path = bvm_log_path(paths, ev->source);
  GStatBuf st;
  if (g_stat(path, &st) != 0)
    return;
  if (st.st_size < ev->log_offset)
    ev->log_offset = 0;
  if (st.st_size == ev->log_offset)
    return;
  g_autoptr(GFile) f = g_file_new_for_path(path);
  g_autoptr(GFileInputStream) in = g_file_read(f, NULL, NULL);
  if (in == NULL || !g_seekable_seek(G_SEEKABLE(in), ev->log_offset, G_SEEK_SET, NULL, NULL))
    return;
  gsize want = (gsize)MIN(st.st_size - ev->log_offset, LOG_CHUNK_MAX);
  g_autofree char *buf = g_malloc(want + 1);
  gsize got = 0;
  if (!g_input_stream_read_all(G_INPUT_STREAM(in), buf, want, &got, NULL, NULL) || got == 0)
    return;
  char *nl = g_strrstr_len(buf, (gssize)got, "\n");
  if (nl == NULL)
    return; /* wait for the end of the line */
  gsize used = (gsize)(nl - buf);
  buf[used] = '\0';
  ev->log_offset += (goffset)used + 1;
  g_autofree char *valid = g_utf8_make_valid(buf, -1);
  ev->func("log", valid, ev->user_data);
}

static gboolean poll_events(gpointer data)
{
  BvmEvents *ev = data;
  g_autoptr(BvmVmEntry) e = bvm_registry_find(ev->library, ev->vm, NULL);
  if (e == NULL) {
    ev->func("gone", ev->vm, ev->user_data);
    return G_SOURCE_CONTINUE;
  }
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_auto(BvmVmStatus) st = {0};
  bvm_state_reconcile(e->config, paths);
  bvm_state_get(e->config, paths, &st);
  g_autoptr(JsonNode) node = bvm_vm_status_to_json(&st, e->config);
  g_autofree char *state = json_to_string(node, FALSE);
  /* uptime changes every second: compare without it */
  json_object_remove_member(json_node_get_object(node), "uptimeSeconds");
  g_autofree char *key = json_to_string(node, FALSE);
  if (g_strcmp0(key, ev->last_state) != 0) {
    g_free(ev->last_state);
    ev->last_state = g_steal_pointer(&key);
    ev->func("state", state, ev->user_data);
  }
  if (ev->follow_log)
    poll_log(ev, paths);
  return G_SOURCE_CONTINUE;
}

BvmEvents *bvm_events_new(const char *library, const char *vm, const BvmLogSource *source,
                          goffset from, BvmEventsFunc func, gpointer user_data)
{
  g_return_val_if_fail(library != NULL && func != NULL, NULL);
  BvmEvents *ev = g_new0(BvmEvents, 1);
  ev->library = g_strdup(library);
  ev->vm = g_strdup(vm ? vm : "");
  ev->func = func;
  ev->user_data = user_data;
  ev->follow_log = source != NULL;
  if (source != NULL)
    ev->source = *source;
  /* A live log starts where vmLogs ended, else at its end (history is
   * what vmLogs is for). A rotated log is shorter: poll_log starts over. */
  if (ev->follow_log && from >= 0) {
    ev->log_offset = from;
  } else if (ev->follow_log) {
    g_autoptr(BvmVmEntry) e = bvm_registry_find(library, ev->vm, NULL);
    if (e != NULL) {
      g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
      GStatBuf st;
      if (g_stat(bvm_log_path(paths, ev->source), &st) == 0)
        ev->log_offset = st.st_size;
    }
  }
  ev->timer = g_timeout_add(POLL_MS, poll_events, ev);
  poll_events(ev);
  return ev;
}

BvmEvents *bvm_events_new_for_query(const char *library, GHashTable *query, BvmEventsFunc func,
                                    gpointer user_data)
{
  const char *vm = query ? g_hash_table_lookup(query, "vm") : NULL;
  const char *source = query ? g_hash_table_lookup(query, "source") : NULL;
  const char *from = query ? g_hash_table_lookup(query, "from") : NULL;
  BvmLogSource log;
  gboolean follow_log = source != NULL && bvm_log_source_from_string(source, &log);
  gint64 offset = -1;
  if (from == NULL || !g_ascii_string_to_signed(from, 10, 0, G_MAXINT64, &offset, NULL))
    offset = -1;
  return bvm_events_new(library, vm, follow_log ? &log : NULL, (goffset)offset, func, user_data);
}
