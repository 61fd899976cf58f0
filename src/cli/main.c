/* bridgevm: one verb per file over libbridgevm. */
#include "bvm-build-config.h"
#include "cli.h"
#include "error.h"

#ifdef BVM_HAVE_LIBVIRT
#include "virt_api.h"
#endif

#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} Verb;

static const Verb verbs[] = {
    {"create", bvm_cmd_create, "Create a VM from an installer ISO"},
    {"list", bvm_cmd_list, "List the VMs in the library"},
    {"show", bvm_cmd_show, "Show one VM"},
    {"set", bvm_cmd_set,
     "Change a stopped VM's CPUs, memory, disk, resolution, ISO or accelerator"},
    {"delete", bvm_cmd_delete, "Move a VM to the Trash (or delete it for good)"},
    {"reset-nvram", bvm_cmd_reset_nvram, "Restore a VM's UEFI variables from the template"},
    {"snapshot", bvm_cmd_snapshot, "Take, list, revert or delete a VM's snapshots"},
    {"clone", bvm_cmd_clone, "Copy a VM into a new one with a new identity"},
    {"command", bvm_cmd_command, "Print the QEMU command for a VM, with reasons"},
    {"export", bvm_cmd_export, "Write a VM as a libvirt domain XML, with reasons"},
    {"push", bvm_cmd_push, "Define a VM on a libvirt host (disk and UEFI variables uploaded)"},
    {"remote", bvm_cmd_remote, "Add, list or remove remote libvirt hosts (VM@REMOTE)"},
    {"import", bvm_cmd_import,
     "Make a VM from a libvirt domain (disk and UEFI variables downloaded)"},
    {"doctor", bvm_cmd_doctor, "Check this host: accelerators, tools, firmware"},
    {"presets", bvm_cmd_presets, "List the presets as they fit this host"},
    {"validate-iso", bvm_cmd_validate_iso, "Check that a file is an installer ISO"},
    {"start", bvm_cmd_start, "Start a VM (its monitor keeps it running)"},
    {"stop", bvm_cmd_stop, "Shut a VM down through ACPI (then the guest agent, then --force)"},
    {"kill", bvm_cmd_kill, "End a VM's QEMU at once"},
    {"pause", bvm_cmd_pause, "Pause a running VM's vCPUs"},
    {"resume", bvm_cmd_resume, "Resume a paused VM"},
    {"status", bvm_cmd_status, "Show a VM's state, pid, uptime and last exit"},
    {"logs", bvm_cmd_logs, "Show or follow a VM's logs (qemu, swtpm, monitor, serial)"},
    {"console", bvm_cmd_console, "Attach the terminal to a running VM's serial console"},
    {"screenshot", bvm_cmd_screenshot, "Save a running VM's screen as a PNG file"},
    {"agent", bvm_cmd_agent, "Ask the guest agent: ping, info, osinfo, hostname, network"},
    {"serve", bvm_cmd_serve, "Serve the API and web UI on 127.0.0.1 (token-protected)"},
    {"__monitor", bvm_cmd_monitor, NULL},
    {"__caps", bvm_cmd_caps, NULL},
};

static void usage(FILE *out)
{
  fprintf(out, "Usage: bridgevm [--library DIR] VERB [OPTIONS]\n\nVerbs:\n");
  for (guint i = 0; i < G_N_ELEMENTS(verbs); i++)
    if (verbs[i].summary != NULL)
      fprintf(out, "  %-13s %s\n", verbs[i].name, verbs[i].summary);
  fprintf(out, "\n'bridgevm VERB --help' shows a verb's options.\n"
               "Exit status: 0 ok, 1 failure, 2 usage, 3 not found, 4 busy or conflict,\n"
               "5 dependency missing.\n");
}

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
#ifdef BVM_HAVE_LIBVIRT
  bvm_virt_api_register(); /* listRemotes, addRemote, ... for the CLI and serve */
#endif
  /* Before any GOption parse names the program after argv[0] of a verb. */
  g_set_prgname("bridgevm");
  /* A global --library before the verb is passed on to the verb. */
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  const char *library = NULL;
  int i = 1;
  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return BVM_EXIT_OK;
    }
    if (strcmp(argv[i], "--version") == 0) {
      printf("bridgevm %s (command version %d)\n", BVM_VERSION, BVM_COMMAND_VERSION);
      return BVM_EXIT_OK;
    }
    if (strcmp(argv[i], "--library") == 0 && i + 1 < argc) {
      library = argv[i + 1];
      i += 2;
      continue;
    }
    if (g_str_has_prefix(argv[i], "--library=")) {
      library = argv[i] + strlen("--library=");
      i++;
      continue;
    }
    fprintf(stderr, "bridgevm: unknown option %s (see 'bridgevm --help')\n", argv[i]);
    return BVM_EXIT_USAGE;
  }
  if (i >= argc) {
    usage(stderr);
    return BVM_EXIT_USAGE;
  }
  const char *verb = argv[i];
  for (guint v = 0; v < G_N_ELEMENTS(verbs); v++) {
    if (strcmp(verbs[v].name, verb) != 0)
      continue;
    g_ptr_array_add(args, argv[i]);
    if (library != NULL) {
      g_ptr_array_add(args, (char *)"--library");
      g_ptr_array_add(args, (char *)library);
    }
    for (int j = i + 1; j < argc; j++)
      g_ptr_array_add(args, argv[j]);
    g_ptr_array_add(args, NULL);
    return verbs[v].run((int)args->len - 1, (char **)args->pdata);
  }
  fprintf(stderr, "bridgevm: unknown verb '%s' (see 'bridgevm --help')\n", verb);
  return BVM_EXIT_USAGE;
}
