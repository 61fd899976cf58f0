/* bridgevm serve: the local web server over the API dispatcher. */
#include "bvm-build-config.h"
#include "cli.h"
#include "error.h"
#include "server.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>

static gboolean on_signal(gpointer loop)
{
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static char *default_ui_dir(void)
{
  /* Installed, then built in the source tree. */
  g_autofree char *installed = g_build_filename(BVM_DATADIR, "ui", "index.html", NULL);
  if (g_file_test(installed, G_FILE_TEST_IS_REGULAR))
    return g_path_get_dirname(installed);
  g_autofree char *built = g_build_filename(BVM_SOURCE_DIR, "ui", "dist", "index.html", NULL);
  if (g_file_test(built, G_FILE_TEST_IS_REGULAR))
    return g_path_get_dirname(built);
  return NULL;
}

static gboolean is_loopback(const char *address)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string(address);
  return a != NULL && g_inet_address_get_is_loopback(a);
}

int bvm_cmd_serve(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  int port = 0;
  g_autofree char *bind = NULL, *ui = NULL;
  gboolean open_browser = FALSE;
  const GOptionEntry entries[] = {
      {"port", 0, 0, G_OPTION_ARG_INT, &port, "TCP port (default: any free one)", "N"},
      {"bind", 0, 0, G_OPTION_ARG_STRING, &bind,
       "Listen on this address instead of 127.0.0.1 (others on the network can then try it)",
       "ADDR"},
      {"ui", 0, 0, G_OPTION_ARG_FILENAME, &ui, "Serve the UI from this directory", "DIR"},
      {"open", 0, 0, G_OPTION_ARG_NONE, &open_browser, "Open the URL in the default browser", NULL},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("serve", NULL,
                     "Serve the BridgeVM API (and web UI) on the loopback address. Prints a URL "
                     "with a per-run token; send it as the ?token= of the first page or as "
                     "Authorization: Bearer TOKEN.",
                     entries, FALSE, &common, &argc, &argv, &status))
    return status;
  if (argc != 1)
    return bvm_cli_usage("serve", "takes no arguments");
  if (port < 0 || port > 65535)
    return bvm_cli_usage("serve", "--port must be 0 to 65535");
  if (bind != NULL && !is_loopback(bind))
    bvm_cli_notice("listening beyond the loopback address: anyone who can reach it and learns "
                   "the token controls your VMs");

  g_autofree char *library = bvm_cli_library(&common);
  g_autofree char *self = bvm_cli_self_path();
  g_autofree char *ui_dir = ui ? g_strdup(ui) : default_ui_dir();
  g_autofree char *token_file =
      g_build_filename(g_get_user_runtime_dir(), "bridgevm", "serve.token", NULL);
  BvmServeOptions opts = {.library = library,
                          .monitor_binary = self,
                          .bind = bind,
                          .port = (guint)port,
                          .ui_dir = ui_dir,
                          .token_file = token_file};
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autoptr(BvmServer) server = bvm_server_new(&opts, &url, &error);
  if (server == NULL)
    return bvm_cli_fail(error);
  printf("%s\n", url);
  fflush(stdout);
  if (open_browser) {
    const char *argv_open[] = {"xdg-open", url, NULL};
    if (!g_spawn_async(NULL, (char **)argv_open, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL))
      bvm_cli_notice("could not open a browser: open the URL above yourself");
  }
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGINT, on_signal, loop);
  g_unix_signal_add(SIGTERM, on_signal, loop);
  g_main_loop_run(loop);
  g_unlink(token_file);
  return BVM_EXIT_OK;
}
