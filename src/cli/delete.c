#include "bundle.h"
#include "cli.h"
#include "error.h"
#include "library.h"

#include <stdio.h>

int bvm_cmd_delete(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  gboolean permanently = FALSE;
  const GOptionEntry entries[] = {{"permanently", 0, 0, G_OPTION_ARG_NONE, &permanently,
                                   "Remove the bundle for good instead of moving it to the Trash",
                                   NULL},
                                  G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("delete", "VM", "Move a stopped VM to the Trash.", entries, FALSE, &common,
                     &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("delete", "give exactly one VM");
  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(&common, argv[1], &status);
  if (e == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autofree char *library = bvm_cli_library(&common);
  int lock = bvm_library_lock(library, &error);
  if (lock < 0)
    return bvm_cli_fail(error);
  gboolean ok = bvm_bundle_delete(e->config, paths, permanently, &error);
  bvm_library_unlock(lock);
  if (!ok)
    return bvm_cli_fail(error);
  printf("%s VM '%s'\n", permanently ? "Deleted" : "Moved to the Trash:", e->config->name);
  return BVM_EXIT_OK;
}
