/* The window: a WebKit view that shows only bridgevm://app/. Navigation
 * anywhere else is refused (web links go to the user's browser), new
 * windows are never made, the inspector exists only in debug builds. */
#include "app.h"
#include "bvm-build-config.h"
#include "route.h"

#include <stdio.h>

/* Links ------------------------------------------------------------------- */

static void open_externally(BvmApp *app, const char *uri)
{
  if (app->test_script != NULL) {
    /* Tests prove the refusal; they must not start a browser on CI. */
    bvm_app_report(app, "BVM-EXTERNAL", uri);
    return;
  }
#if GTK_CHECK_VERSION(4, 10, 0)
  g_autoptr(GtkUriLauncher) launcher = gtk_uri_launcher_new(uri);
  gtk_uri_launcher_launch(launcher, app->window, NULL, NULL, NULL);
#else
  gtk_show_uri(app->window, uri, GDK_CURRENT_TIME);
#endif
}

static gboolean on_decide_policy(WebKitWebView *view, WebKitPolicyDecision *decision,
                                 WebKitPolicyDecisionType type, gpointer data)
{
  BvmApp *app = data;
  if (type == WEBKIT_POLICY_DECISION_TYPE_RESPONSE)
    return FALSE; /* responses come only from our scheme: the default is fine */
  WebKitNavigationAction *action = webkit_navigation_policy_decision_get_navigation_action(
      WEBKIT_NAVIGATION_POLICY_DECISION(decision));
  const char *uri = webkit_uri_request_get_uri(webkit_navigation_action_get_request(action));
  if (type == WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION && bvm_route_is_app_uri(uri)) {
    webkit_policy_decision_use(decision);
    return TRUE;
  }
  webkit_policy_decision_ignore(decision);
  if (bvm_route_is_app_uri(uri))
    webkit_web_view_load_uri(view, uri); /* a new window of our own page: here instead */
  else if (bvm_route_is_external_link(uri) && webkit_navigation_action_is_user_gesture(action))
    open_externally(app, uri);
  else if (bvm_route_is_external_link(uri) && app->test_script != NULL)
    bvm_app_report(app, "BVM-REFUSED", uri);
  else
    g_message("refused to show %s: the app shows only its own pages", uri);
  return TRUE;
}

/* The native file chooser ---------------------------------------------------- */

static void reply_path(WebKitURISchemeRequest *request, GFile *file)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "path");
  g_autofree char *path = file ? g_file_get_path(file) : NULL;
  if (path != NULL)
    json_builder_add_string_value(b, path);
  else
    json_builder_add_null_value(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) node = json_builder_get_root(b);
  bvm_scheme_reply_json(request, 200, node);
  g_object_unref(request);
}

static GtkFileFilter *iso_filter(void)
{
  GtkFileFilter *f = gtk_file_filter_new();
  gtk_file_filter_set_name(f, "Installer images (*.iso)");
  gtk_file_filter_add_suffix(f, "iso");
  return f;
}

#if GTK_CHECK_VERSION(4, 10, 0)
static void on_iso_chosen(GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr(GFile) file = gtk_file_dialog_open_finish(GTK_FILE_DIALOG(source), res, NULL);
  reply_path(data, file);
}

static void choose_iso(BvmApp *app, WebKitURISchemeRequest *request)
{
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new();
  gtk_file_dialog_set_title(dialog, "Choose an installer ISO");
  g_autoptr(GListStore) filters = g_list_store_new(GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) f = iso_filter();
  g_list_store_append(filters, f);
  gtk_file_dialog_set_filters(dialog, G_LIST_MODEL(filters));
  gtk_file_dialog_open(dialog, app->window, NULL, on_iso_chosen, request);
}
#else
static void on_iso_response(GtkNativeDialog *dialog, int response, gpointer data)
{
  g_autoptr(GFile) file =
      response == GTK_RESPONSE_ACCEPT ? gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog)) : NULL;
  reply_path(data, file);
  g_object_unref(dialog);
}

static void choose_iso(BvmApp *app, WebKitURISchemeRequest *request)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new(
      "Choose an installer ISO", app->window, GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), iso_filter());
  g_signal_connect(dialog, "response", G_CALLBACK(on_iso_response), request);
  gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(dialog), TRUE);
  gtk_native_dialog_show(GTK_NATIVE_DIALOG(dialog));
}
#endif

static gboolean on_native(const char *op, WebKitURISchemeRequest *request, gpointer data)
{
  BvmApp *app = data;
  if (g_strcmp0(op, "chooseIso") != 0)
    return FALSE;
  choose_iso(app, request);
  return TRUE;
}

/* The test hook ----------------------------------------------------------------- */

static void close_window(BvmApp *app)
{
  gtk_window_close(app->window);
}

static void on_snapshot(GObject *source, GAsyncResult *res, gpointer data)
{
  BvmApp *app = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture =
      webkit_web_view_get_snapshot_finish(WEBKIT_WEB_VIEW(source), res, &error);
  if (texture == NULL || !gdk_texture_save_to_png(texture, app->screenshot)) {
    bvm_app_report(app, "BVM-ERROR", error ? error->message : "the screenshot was not saved");
    app->exit_status = 1;
  } else {
    bvm_app_report(app, "BVM-SCREENSHOT", app->screenshot);
  }
  close_window(app);
}

static void on_script_done(GObject *source, GAsyncResult *res, gpointer data)
{
  BvmApp *app = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JSCValue) value =
      webkit_web_view_call_async_javascript_function_finish(WEBKIT_WEB_VIEW(source), res, &error);
  if (value == NULL) {
    bvm_app_report(app, "BVM-ERROR", error->message);
    app->exit_status = 1;
  } else {
    g_autofree char *json =
        jsc_value_is_undefined(value) ? g_strdup("null") : jsc_value_to_json(value, 0);
    bvm_app_report(app, "BVM-RESULT", json ? json : "null");
  }
  if (app->screenshot != NULL)
    webkit_web_view_get_snapshot(WEBKIT_WEB_VIEW(source), WEBKIT_SNAPSHOT_REGION_VISIBLE,
                                 WEBKIT_SNAPSHOT_OPTIONS_NONE, NULL, on_snapshot, app);
  else
    close_window(app);
}

static void run_test_script(BvmApp *app, WebKitWebView *view)
{
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents(app->test_script, &body, NULL, &error)) {
    bvm_app_report(app, "BVM-ERROR", error->message);
    app->exit_status = 1;
    close_window(app);
    return;
  }
  webkit_web_view_call_async_javascript_function(view, body, -1, NULL, NULL, NULL, NULL,
                                                 on_script_done, app);
}

static void on_load_changed(WebKitWebView *view, WebKitLoadEvent event, gpointer data)
{
  BvmApp *app = data;
  if (event != WEBKIT_LOAD_FINISHED)
    return;
  bvm_app_report(app, "BVM-LOADED", webkit_web_view_get_uri(view));
  if (app->test_script != NULL && g_object_get_data(G_OBJECT(view), "bvm-tested") == NULL) {
    g_object_set_data(G_OBJECT(view), "bvm-tested", GINT_TO_POINTER(1));
    run_test_script(app, view);
  }
}

/* The window ----------------------------------------------------------------------- */

/* A crashed page is reloaded, a few times: a page that crashes on load
 * must not spin. */
#define RELOADS_MAX 3

static gboolean on_web_process_gone(WebKitWebView *view, WebKitWebProcessTerminationReason reason,
                                    gpointer data)
{
  guint reloads = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(view), "bvm-reloads"));
  if (reason == WEBKIT_WEB_PROCESS_TERMINATED_BY_API || reloads >= RELOADS_MAX) {
    g_warning("the page's process ended (reason %d); not reloading it again", reason);
    return FALSE;
  }
  g_warning("the page's process ended (reason %d): reloading", reason);
  g_object_set_data(G_OBJECT(view), "bvm-reloads", GUINT_TO_POINTER(reloads + 1));
  webkit_web_view_reload(view);
  return FALSE;
}

GtkWindow *bvm_window_new(BvmApp *app)
{
  WebKitWebContext *context = webkit_web_context_get_default();
  bvm_scheme_register(app->scheme, context);
  bvm_scheme_set_native_func(app->scheme, on_native, app);

  WebKitWebView *view = WEBKIT_WEB_VIEW(webkit_web_view_new());
  WebKitSettings *settings = webkit_web_view_get_settings(view);
#ifdef BVM_APP_DEBUG
  webkit_settings_set_enable_developer_extras(settings, TRUE);
#else
  webkit_settings_set_enable_developer_extras(settings, FALSE);
#endif
  webkit_settings_set_javascript_can_open_windows_automatically(settings, FALSE);
  webkit_settings_set_enable_back_forward_navigation_gestures(settings, FALSE);
  g_signal_connect(view, "decide-policy", G_CALLBACK(on_decide_policy), app);
  g_signal_connect(view, "load-changed", G_CALLBACK(on_load_changed), app);
  g_signal_connect(view, "web-process-terminated", G_CALLBACK(on_web_process_gone), app);

  GtkWindow *window = GTK_WINDOW(gtk_application_window_new(app->gtk));
  gtk_window_set_title(window, "BridgeVM");
  gtk_window_set_icon_name(window, BVM_APP_ID);
  gtk_window_set_default_size(window, 1100, 720);
  gtk_window_set_child(window, GTK_WIDGET(view));
  app->window = window;
  webkit_web_view_load_uri(view, BVM_APP_START_URI);
  return window;
}
