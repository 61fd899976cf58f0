#include "cli.h"
#include "error.h"
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* vmLogs' limit on lines */
#define MAX_LINES 100000

static volatile sig_atomic_t stop_following;

static void on_signal(int sig)
{
  (void)sig;
  stop_following = 1;
}

/* Copy what was appended to @path since @offset; a shrunken file was
 * rotated or truncated, so start it over. */
static gboolean copy_new(const char *path, off_t *offset)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return TRUE;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size < *offset)
    *offset = 0;
  char buf[65536];
  ssize_t n;
  while ((n = pread(fd, buf, sizeof buf, *offset)) > 0) {
    if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
      close(fd);
      return FALSE; /* the reader went away */
    }
    *offset += n;
  }
  close(fd);
  return fflush(stdout) == 0;
}

/* logs --follow: the tail, then what is appended, until a signal. */
static int follow_log(BvmCliCommon *common, const char *query, BvmLogSource src, guint lines)
{
  int status;
  g_autoptr(BvmVmEntry) e = bvm_cli_find_vm(common, query, &status);
  if (e == NULL)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  const char *path = bvm_log_path(paths, src);

  off_t offset = 0;
  g_autofree char *tail = bvm_log_tail(path, lines, &error);
  if (tail != NULL)
    fputs(tail, stdout);
  fflush(stdout);

  struct stat st;
  if (stat(path, &st) == 0)
    offset = st.st_size;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
  /* A log grows a line at a time; a short poll is cheap and survives
   * rotation, which an inotify watch on one inode would not. */
  while (!stop_following) {
    if (!copy_new(path, &offset))
      break;
    g_usleep(200 * 1000);
  }
  return BVM_EXIT_OK;
}

int bvm_cmd_logs(int argc, char **argv)
{
  g_auto(BvmCliCommon) common = {0};
  g_autofree char *source = NULL;
  gboolean follow = FALSE;
  int lines = 50;
  const GOptionEntry entries[] = {
      {"source", 0, 0, G_OPTION_ARG_STRING, &source,
       "qemu, swtpm, monitor or serial (default qemu)", "SOURCE"},
      {"follow", 'f', 0, G_OPTION_ARG_NONE, &follow, "Keep printing lines as they are written",
       NULL},
      {"lines", 'n', 0, G_OPTION_ARG_INT, &lines, "How many of the last lines (default 50)", "N"},
      G_OPTION_ENTRY_NULL};
  int status;
  if (!bvm_cli_parse("logs", "VM", "Show a VM's log.", entries, TRUE, &common, &argc, &argv,
                     &status))
    return status;
  if (argc != 2)
    return bvm_cli_usage("logs", "give exactly one VM");
  BvmLogSource src = BVM_LOG_QEMU;
  if (source != NULL && !bvm_log_source_from_string(source, &src))
    return bvm_cli_usage("logs", "--source must be qemu, swtpm, monitor or serial, not '%s'",
                         source);
  if (lines < 0)
    return bvm_cli_usage("logs", "--lines must be 0 or more");
  if (follow && common.json)
    return bvm_cli_usage("logs", "--json shows the last lines once: leave out --follow");
  if (follow)
    return follow_log(&common, argv[1], src, (guint)lines);

  JsonObject *p = bvm_cli_vm_params(argv[1]);
  json_object_set_string_member(p, "source", bvm_log_source_to_string(src));
  /* vmLogs takes 1 to MAX_LINES; a log is bounded far below that many
   * lines, and --lines 0 shows nothing of a VM that must still exist. */
  json_object_set_int_member(p, "lines", CLAMP(lines, 1, MAX_LINES));
  g_autoptr(JsonNode) result = NULL;
  status = bvm_cli_call(&common, "vmLogs", p, &result);
  if (status != BVM_EXIT_OK)
    return status;
  if (common.json)
    bvm_cli_print_json(result);
  else if (lines > 0)
    fputs(bvm_cli_str(json_node_get_object(result), "text"), stdout);
  return BVM_EXIT_OK;
}
