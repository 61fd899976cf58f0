#include "probe.h"
#include "util.h"

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* What a probe's QEMU may write before it is cut off: QMP replies and a
 * register dump are a few KiB. */
#define PROBE_OUTPUT_MAX (256 * 1024)
/* From "quit" to QEMU gone; a probe that hangs is ended. */
#define PROBE_QUIT_MS 5000

char *bvm_probe_first_complaint(const char *binary, const char *qemu_err)
{
  g_autofree char *base = binary ? g_path_get_basename(binary) : NULL;
  g_auto(GStrv) lines = g_strsplit(qemu_err ? qemu_err : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    const char *msg = g_strstrip(*l);
    if (*msg == '\0')
      continue;
    /* "qemu-system-x86_64: " or "/usr/bin/qemu-system-x86_64: " */
    if (binary != NULL && g_str_has_prefix(msg, binary) && msg[strlen(binary)] == ':')
      msg += strlen(binary) + 1;
    else if (base != NULL && g_str_has_prefix(msg, base) && msg[strlen(base)] == ':')
      msg += strlen(base) + 1;
    while (*msg == ' ')
      msg++;
    /* "-device virtio-vga,blob=on: ": where on the command line */
    const char *colon = strstr(msg, ": ");
    if (*msg == '-' && colon != NULL)
      msg = colon + 2;
    if (g_str_has_prefix(msg, "warning: "))
      continue;
    if (g_str_has_prefix(msg, "error: "))
      msg += strlen("error: ");
    if (*msg != '\0')
      return g_utf8_make_valid(msg, -1);
  }
  return NULL;
}

/* The "status" of the reply with id "status" in QMP output, or NULL. */
static char *status_reply(const char *qmp_out)
{
  g_auto(GStrv) lines = g_strsplit(qmp_out ? qmp_out : "", "\n", -1);
  for (char **l = lines; *l; l++) {
    g_autoptr(JsonParser) p = json_parser_new();
    if (**l == '\0' || !json_parser_load_from_data(p, *l, -1, NULL))
      continue;
    JsonNode *root = json_parser_get_root(p);
    if (!JSON_NODE_HOLDS_OBJECT(root))
      continue;
    JsonObject *o = json_node_get_object(root);
    if (g_strcmp0(json_object_get_string_member_with_default(o, "id", NULL), "status") != 0)
      continue;
    JsonNode *ret = json_object_get_member(o, "return");
    if (ret == NULL || !JSON_NODE_HOLDS_OBJECT(ret))
      return NULL;
    return g_strdup(
        json_object_get_string_member_with_default(json_node_get_object(ret), "status", NULL));
  }
  return NULL;
}

char *bvm_probe_kvm_internal_error(const char *qemu_err)
{
  /* The last one: a log holds every run's. */
  const char *internal = NULL;
  for (const char *p = qemu_err; p && (p = strstr(p, "KVM internal error")) != NULL; p++)
    internal = p;
  if (internal == NULL)
    return NULL;
  /* "KVM internal error. Suberror: 1", then register dumps; the kind of
   * failure ("emulation failure") stands on a line of its own. */
  g_autofree char *first = g_strndup(internal, strcspn(internal, "\n"));
  g_strstrip(first);
  gboolean emulation = strstr(internal, "\nemulation failure") != NULL;
  g_autofree char *valid = g_utf8_make_valid(first, -1);
  return g_strdup_printf("\"%s\"%s", valid, emulation ? " (emulation failure)" : "");
}

char *bvm_probe_kvm_verdict(const char *binary, gboolean with_firmware, const char *qmp_out,
                            const char *qemu_err, gboolean exited_early)
{
  const char *what = with_firmware ? "UEFI firmware" : "a vCPU";
  g_autofree char *internal = bvm_probe_kvm_internal_error(qemu_err);
  if (internal != NULL)
    return g_strdup_printf("KVM is present but cannot run %s on this host: QEMU stopped the vCPU "
                           "with %s",
                           what, internal);
  if (exited_early) {
    g_autofree char *why = bvm_probe_first_complaint(binary, qemu_err);
    return g_strdup_printf("KVM is present but QEMU cannot run %s with it on this host: %s", what,
                           why ? why : "QEMU ended at once without a message");
  }
  g_autofree char *status = status_reply(qmp_out);
  if (status == NULL)
    return g_strdup_printf("KVM is present but QEMU did not answer while running %s with it", what);
  if (strcmp(status, "running") != 0)
    return g_strdup_printf("KVM is present but cannot run %s on this host: the vCPU stopped "
                           "(run state %s)",
                           what, status);
  return NULL;
}

typedef struct {
  GSubprocess *proc;
  int out_fd, err_fd;
  GString *out, *err;
} Probe;

static void probe_clear(Probe *p)
{
  if (p->proc != NULL && g_subprocess_get_identifier(p->proc) != NULL) {
    g_subprocess_force_exit(p->proc);
    (void)g_subprocess_wait(p->proc, NULL, NULL);
  }
  g_clear_object(&p->proc);
  if (p->out != NULL)
    g_string_free(p->out, TRUE);
  if (p->err != NULL)
    g_string_free(p->err, TRUE);
}

static gboolean probe_start(Probe *p, const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  p->proc = g_subprocess_newv(argv,
                              G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                  G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error);
  p->out = g_string_new(NULL);
  p->err = g_string_new(NULL);
  if (p->proc == NULL) {
    g_string_append(p->err, error->message);
    return FALSE;
  }
  p->out_fd =
      g_unix_input_stream_get_fd(G_UNIX_INPUT_STREAM(g_subprocess_get_stdout_pipe(p->proc)));
  p->err_fd =
      g_unix_input_stream_get_fd(G_UNIX_INPUT_STREAM(g_subprocess_get_stderr_pipe(p->proc)));
  return TRUE;
}

static void probe_send(Probe *p, const char *text)
{
  GOutputStream *in = g_subprocess_get_stdin_pipe(p->proc);
  (void)g_output_stream_write_all(in, text, strlen(text), NULL, NULL, NULL);
}

/* Read stdout and stderr until both end, @stop_at appears on stdout, or
 * @timeout_ms passes. TRUE when both ended (QEMU is gone or going). */
static gboolean probe_read(Probe *p, guint timeout_ms, const char *stop_at)
{
  gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  struct pollfd fds[2] = {{.fd = p->out_fd, .events = POLLIN}, {.fd = p->err_fd, .events = POLLIN}};
  GString *bufs[2] = {p->out, p->err};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;
    if (left <= 0)
      return FALSE;
    int r = poll(fds, 2, (int)left);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return FALSE;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0 || bufs[i]->len > PROBE_OUTPUT_MAX) {
        fds[i].fd = -1;
        continue;
      }
      g_string_append_len(bufs[i], buf, n);
    }
    if (stop_at != NULL && strstr(p->out->str, stop_at) != NULL)
      return FALSE;
  }
  return TRUE;
}

/* Ask QEMU to quit and collect what it still says. */
static void probe_quit(Probe *p, const char *last_commands)
{
  probe_send(p, last_commands);
  probe_send(p, "{\"execute\":\"quit\"}\n");
  (void)g_output_stream_close(g_subprocess_get_stdin_pipe(p->proc), NULL, NULL);
  (void)probe_read(p, PROBE_QUIT_MS, NULL);
}

/* The machine the command builder gives a VM of @arch (qemu_cmd.c). */
static const char *probe_machine(BvmArch arch)
{
  return arch == BVM_ARCH_AARCH64 ? "virt,gic-version=3,highmem=on" : "q35,smm=off,vmport=off";
}

char *bvm_probe_kvm(const char *binary, BvmArch arch, const char *code, const char *vars_template)
{
  g_autofree char *vars = NULL;
  if (code != NULL && vars_template != NULL) {
    /* The firmware writes its variables: a throwaway copy, never the
     * template (64 MiB on aarch64: copied by GIO, not read into memory). */
    int fd = g_file_open_tmp("bridgevm-probe-vars-XXXXXX.fd", &vars, NULL);
    if (fd >= 0)
      close(fd);
    g_autoptr(GFile) from = g_file_new_for_path(vars_template);
    g_autoptr(GFile) to = vars ? g_file_new_for_path(vars) : NULL;
    if (fd < 0 || !g_file_copy(from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, NULL)) {
      if (vars != NULL)
        g_unlink(vars);
      g_clear_pointer(&vars, g_free);
    }
  }
  gboolean with_firmware = vars != NULL;
  g_autofree char *code_opt = NULL, *vars_opt = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *fixed[] = {
      binary, "-machine",    probe_machine(arch), "-accel", "kvm",  "-cpu",  "host", "-m",
      "256",  "-nodefaults", "-display",          "none",   "-qmp", "stdio", NULL};
  for (const char *const *a = fixed; *a; a++)
    g_ptr_array_add(argv, (gpointer)*a);
  if (with_firmware) {
    g_autofree char *c = bvm_qemu_escape(code), *v = bvm_qemu_escape(vars);
    code_opt = g_strdup_printf("if=pflash,format=raw,unit=0,readonly=on,file=%s", c);
    vars_opt = g_strdup_printf("if=pflash,format=raw,unit=1,file=%s", v);
    g_ptr_array_add(argv, (gpointer) "-drive");
    g_ptr_array_add(argv, code_opt);
    g_ptr_array_add(argv, (gpointer) "-drive");
    g_ptr_array_add(argv, vars_opt);
  }
  g_ptr_array_add(argv, NULL);

  Probe p = {0};
  gboolean exited = FALSE;
  if (probe_start(&p, (const char *const *)argv->pdata)) {
    probe_send(&p, "{\"execute\":\"qmp_capabilities\"}\n");
    /* The vCPUs run from the start (no -S). A failure stops them with a
     * STOP event or ends QEMU; either ends the wait early. */
    exited = probe_read(&p, BVM_PROBE_FIRMWARE_RUN_MS, "\"STOP\"");
    if (!exited)
      probe_quit(&p, "{\"execute\":\"query-status\",\"id\":\"status\"}\n");
  } else {
    exited = TRUE;
  }
  char *verdict = bvm_probe_kvm_verdict(binary, with_firmware, p.out->str, p.err->str, exited);
  probe_clear(&p);
  if (vars != NULL)
    g_unlink(vars);
  return verdict;
}

char *bvm_probe_gpu_blob(const char *binary, BvmArch arch, const char *device)
{
  g_autofree char *dev = g_strdup_printf("%s,blob=on", device);
  const char *argv[] = {
      binary,  "-machine",    probe_machine(arch), "-accel", "tcg",     "-S", "-m",
      "64",    "-nodefaults", "-display",          "none",   "-device", dev,  "-qmp",
      "stdio", NULL};
  Probe p = {0};
  char *why = NULL;
  if (!probe_start(&p, argv)) {
    why = g_strdup(p.err->str);
  } else {
    /* QEMU realizes devices before it answers QMP: one that refuses ends
     * QEMU with its complaint. */
    probe_quit(&p, "{\"execute\":\"qmp_capabilities\"}\n");
    gboolean ok = g_subprocess_wait(p.proc, NULL, NULL) && g_subprocess_get_if_exited(p.proc) &&
                  g_subprocess_get_exit_status(p.proc) == 0;
    if (!ok) {
      why = bvm_probe_first_complaint(binary, p.err->str);
      if (why == NULL)
        why = g_strdup("QEMU refused the device without a message");
    }
  }
  probe_clear(&p);
  return why;
}
