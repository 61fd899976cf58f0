/* bridgevm-app [--library DIR]: the desktop app. Closing the window leaves
 * running VMs running (each has its own monitor process); the next launch
 * shows them again, since every front end reads the bundles. */
#include "app.h"
#include "notify.h"
#include "library.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#ifdef BVM_HAVE_LIBVIRT
#include "virt_api.h"
#endif

void bvm_app_report(BvmApp *app, const char *tag, const char *text)
{
  if (app->test_script == NULL)
    return;
  printf("%s %" G_GINT64_FORMAT " %s\n", tag, g_get_monotonic_time() / 1000, text);
  fflush(stdout);
}

/* The bridgevm binary that startVm re-executes as a VM's monitor: beside
 * this one (build tree, installed bindir), else on PATH. */
static char *find_monitor_binary(void)
{
  g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
  if (self != NULL) {
    g_autofree char *dir = g_path_get_dirname(self);
    g_autofree char *beside = g_build_filename(dir, "bridgevm", NULL);
    if (g_file_test(beside, G_FILE_TEST_IS_EXECUTABLE))
      return g_steal_pointer(&beside);
  }
  char *found = g_find_program_in_path("bridgevm");
  return found ? found : g_strdup("bridgevm");
}

static void on_activate(GApplication *gapp, gpointer data)
{
  BvmApp *app = data;
  if (app->window == NULL) {
    app->scheme =
        bvm_scheme_new(app->library, app->monitor_binary, g_getenv("BRIDGEVM_APP_UI_DIR"));
    bvm_window_new(app);
    app->notifier = bvm_notifier_new(app);
  }
  gtk_window_present(app->window);
}

static int on_local_options(GApplication *gapp, GVariantDict *options, gpointer data)
{
  BvmApp *app = data;
  g_autofree char *library = NULL;
  if (g_variant_dict_lookup(options, "library", "^ay", &library)) {
    /* Another library is another app: not the running instance's window. */
    g_application_set_flags(gapp, g_application_get_flags(gapp) | G_APPLICATION_NON_UNIQUE);
  }
  app->library = bvm_library_resolve(library);
  return -1;
}

int main(int argc, char **argv)
{
  /* A page that lets go of a stream closes the pipe we write: EPIPE, not death. */
  signal(SIGPIPE, SIG_IGN);
#ifdef BVM_HAVE_LIBVIRT
  bvm_virt_api_register(); /* listRemotes, addRemote, ...: the library's remote sections */
#endif
  BvmApp app = {0};
  app.test_script = g_strdup(g_getenv("BRIDGEVM_APP_TEST_SCRIPT"));
  app.screenshot = g_strdup(g_getenv("BRIDGEVM_APP_SCREENSHOT"));
  app.monitor_binary = find_monitor_binary();
  app.gtk = gtk_application_new(BVM_APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  const GOptionEntry entries[] = {
      {"library", 0, 0, G_OPTION_ARG_FILENAME, NULL,
       "The VM library (default: $BRIDGEVM_LIBRARY or ~/.local/share/bridgevm/VMs)", "DIR"},
      G_OPTION_ENTRY_NULL};
  g_application_add_main_option_entries(G_APPLICATION(app.gtk), entries);
  g_signal_connect(app.gtk, "handle-local-options", G_CALLBACK(on_local_options), &app);
  g_signal_connect(app.gtk, "activate", G_CALLBACK(on_activate), &app);
  int status = g_application_run(G_APPLICATION(app.gtk), argc, argv);
  bvm_notifier_free(app.notifier);
  g_clear_object(&app.gtk);
  bvm_scheme_free(app.scheme);
  g_free(app.library);
  g_free(app.monitor_binary);
  g_free(app.test_script);
  g_free(app.screenshot);
  return status != 0 ? status : app.exit_status;
}
