/* bridgevm-app: the desktop shell. One GtkApplication, one window with a
 * WebKit view on bridgevm://app/, the dispatcher in-process. */
#pragma once

#include "scheme.h"

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BVM_APP_ID "io.bridgevm.BridgeVM"

typedef struct {
  GtkApplication *gtk;
  char *library;
  char *monitor_binary;
  BvmScheme *scheme;
  struct BvmNotifier *notifier;
  GtkWindow *window;
  /* The test hook (tests/app, bench/app-launch.sh): run this script's body
   * as an async function once the page has loaded, print its result, save
   * a screenshot, close. Set from $BRIDGEVM_APP_TEST_SCRIPT. */
  char *test_script;
  char *screenshot;
  int exit_status;
} BvmApp;

/* The one window, created on the first activation. */
GtkWindow *bvm_window_new(BvmApp *app);

/* Lines for the test hook and the bench on stdout ("BVM-READY ...");
 * silent unless a test script is set. */
void bvm_app_report(BvmApp *app, const char *tag, const char *text);

G_END_DECLS
