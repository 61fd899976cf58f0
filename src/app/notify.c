#include "notify.h"
#include "api.h"

#include <string.h>

/* Often enough that a crash is news, rare enough to cost nothing. */
#define POLL_SECONDS 2

struct BvmNotifier {
  BvmApp *app;
  BvmApi *api;
  GHashTable *states; /* name -> last state seen */
  GCancellable *cancel;
  guint timer;
  gboolean busy;
};

static gboolean is_up(const char *state)
{
  return g_strcmp0(state, "running") == 0 || g_strcmp0(state, "paused") == 0 ||
         g_strcmp0(state, "starting") == 0 || g_strcmp0(state, "stopping") == 0;
}

char *bvm_notifier_title(const char *name, const char *before, const char *after)
{
  if (!is_up(before))
    return NULL;
  if (g_strcmp0(after, "crashed") == 0)
    return g_strdup_printf("%s crashed", name);
  if (g_strcmp0(after, "stopped") == 0)
    return g_strdup_printf("%s stopped", name);
  return NULL;
}

static void list_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  BvmApi *api = data;
  GError *error = NULL;
  JsonNode *list = bvm_api_call(api, "listVms", NULL, &error);
  if (list == NULL)
    g_task_return_error(task, error);
  else
    g_task_return_pointer(task, list, (GDestroyNotify)json_node_unref);
}

static void notify_one(BvmNotifier *n, const char *name, const char *title, JsonObject *vm)
{
  const char *reason = NULL;
  if (json_object_has_member(vm, "lastExit") &&
      JSON_NODE_HOLDS_OBJECT(json_object_get_member(vm, "lastExit"))) {
    JsonObject *last = json_object_get_object_member(vm, "lastExit");
    reason = json_object_get_string_member_with_default(last, "reason", NULL);
  }
  g_autoptr(GNotification) note = g_notification_new(title);
  if (reason != NULL)
    g_notification_set_body(note, reason);
  g_autofree char *id = g_strconcat("vm-", name, NULL);
  g_application_send_notification(G_APPLICATION(n->app->gtk), id, note);
  g_autofree char *line = g_strdup_printf("%s: %s", title, reason ? reason : "");
  bvm_app_report(n->app, "BVM-NOTIFY", line);
}

static void list_done(GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = g_task_propagate_pointer(G_TASK(res), &error);
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* the notifier is gone */
  BvmNotifier *n = data;
  n->busy = FALSE;
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY(list))
    return;
  g_autoptr(GHashTable) now = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *a = json_node_get_array(list);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *vm = json_array_get_object_element(a, i);
    const char *name = json_object_get_string_member_with_default(vm, "name", NULL);
    const char *state = json_object_get_string_member_with_default(vm, "state", NULL);
    if (name == NULL || state == NULL)
      continue;
    g_autofree char *title = bvm_notifier_title(name, g_hash_table_lookup(n->states, name), state);
    if (title != NULL)
      notify_one(n, name, title, vm);
    g_hash_table_insert(now, g_strdup(name), g_strdup(state));
  }
  g_hash_table_unref(n->states);
  n->states = g_steal_pointer(&now);
}

static gboolean poll_library(gpointer data)
{
  BvmNotifier *n = data;
  if (n->busy)
    return G_SOURCE_CONTINUE;
  n->busy = TRUE;
  g_autoptr(GTask) task = g_task_new(NULL, n->cancel, list_done, n);
  g_task_set_task_data(task, n->api, NULL);
  g_task_set_return_on_cancel(task, TRUE);
  g_task_run_in_thread(task, list_thread);
  return G_SOURCE_CONTINUE;
}

BvmNotifier *bvm_notifier_new(BvmApp *app)
{
  BvmNotifier *n = g_new0(BvmNotifier, 1);
  n->app = app;
  n->api = bvm_api_new(app->library, app->monitor_binary);
  n->states = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  n->cancel = g_cancellable_new();
  n->timer = g_timeout_add_seconds(POLL_SECONDS, poll_library, n);
  poll_library(n);
  return n;
}

void bvm_notifier_free(BvmNotifier *n)
{
  if (n == NULL)
    return;
  g_source_remove(n->timer);
  g_cancellable_cancel(n->cancel);
  g_object_unref(n->cancel);
  g_hash_table_unref(n->states);
  /* A listVms still running in its thread holds the api: leak it rather
   * than free it under the thread; the process is ending anyway. */
  if (!n->busy)
    bvm_api_free(n->api);
  g_free(n);
}
