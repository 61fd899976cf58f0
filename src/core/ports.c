#include "ports.h"
#include "error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The inode of the socket bound to @port in one /proc/net table: a
 * listening TCP socket (state 0A) or any bound UDP one (07). 0: none. */
static guint64 table_inode(const char *table, guint port, const char *state)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents(table, &text, NULL, NULL))
    return 0;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++) {
    g_auto(GStrv) cols = g_strsplit_set(g_strstrip(lines[i]), " ", -1);
    /* the columns are padded: skip the empty fields */
    const char *f[10] = {0};
    guint n = 0;
    for (guint j = 0; cols[j] != NULL && n < G_N_ELEMENTS(f); j++)
      if (cols[j][0] != '\0')
        f[n++] = cols[j];
    if (n < 10)
      continue;
    const char *colon = strrchr(f[1], ':');
    guint64 p = 0, inode = 0;
    if (colon == NULL || !g_ascii_string_to_unsigned(colon + 1, 16, 0, 65535, &p, NULL) ||
        p != port || strcmp(f[3], state) != 0)
      continue;
    if (g_ascii_string_to_unsigned(f[9], 10, 1, G_MAXUINT64, &inode, NULL))
      return inode;
  }
  return 0;
}

/* The pid whose open files include socket @inode (only our own user's
 * processes are readable), or 0. */
static int socket_pid(guint64 inode)
{
  g_autofree char *want = g_strdup_printf("socket:[%" G_GUINT64_FORMAT "]", inode);
  g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
  const char *name;
  while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
    guint64 pid;
    if (!g_ascii_string_to_unsigned(name, 10, 1, G_MAXINT, &pid, NULL))
      continue;
    g_autofree char *fd_dir = g_strdup_printf("/proc/%s/fd", name);
    g_autoptr(GDir) fds = g_dir_open(fd_dir, 0, NULL);
    const char *fd;
    while (fds != NULL && (fd = g_dir_read_name(fds)) != NULL) {
      g_autofree char *link_path = g_build_filename(fd_dir, fd, NULL);
      g_autofree char *target = g_file_read_link(link_path, NULL);
      if (target != NULL && strcmp(target, want) == 0)
        return (int)pid;
    }
  }
  return 0;
}

/* The VM name a BridgeVM QEMU was started with (-name guest=NAME,…, commas
 * doubled), or NULL for another program. */
static char *qemu_vm_name(int pid)
{
  g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", pid);
  g_autofree char *args = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &args, &len, NULL))
    return NULL;
  gboolean qemu = FALSE;
  for (const char *a = args, *prev = NULL; a < args + len; prev = a, a += strlen(a) + 1) {
    if (prev == NULL)
      qemu = strstr(a, "qemu-system-") != NULL;
    if (!qemu || prev == NULL || strcmp(prev, "-name") != 0 || !g_str_has_prefix(a, "guest="))
      continue;
    GString *vm = g_string_new(NULL);
    for (const char *p = a + strlen("guest="); *p; p++) {
      if (*p == ',' && p[1] != ',')
        break;
      g_string_append_c(vm, *p);
      if (*p == ',')
        p++;
    }
    return g_string_free(vm, FALSE);
  }
  return NULL;
}

char *bvm_ports_owner(BvmForwardProto proto, guint port)
{
  const char *state = proto == BVM_FORWARD_UDP ? "07" : "0A";
  const char *v4 = proto == BVM_FORWARD_UDP ? "/proc/net/udp" : "/proc/net/tcp";
  const char *v6 = proto == BVM_FORWARD_UDP ? "/proc/net/udp6" : "/proc/net/tcp6";
  guint64 inode = table_inode(v4, port, state);
  if (inode == 0)
    inode = table_inode(v6, port, state);
  int pid = inode != 0 ? socket_pid(inode) : 0;
  if (pid == 0)
    return NULL;
  g_autofree char *vm = qemu_vm_name(pid);
  if (vm != NULL)
    return g_strdup_printf("VM '%s' (QEMU, pid %d)", vm, pid);
  g_autofree char *comm_path = g_strdup_printf("/proc/%d/comm", pid);
  g_autofree char *comm = NULL;
  if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
    return g_strdup_printf("pid %d", pid);
  return g_strdup_printf("%s (pid %d)", g_strstrip(comm), pid);
}

gboolean bvm_ports_check_free(BvmForwardProto proto, const char *address, guint port,
                              GError **error)
{
  const char *name = bvm_forward_proto_to_string(proto);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((guint16)port)};
  if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "forward bind address '%s' is not an IPv4 address", address);
    return FALSE;
  }
  int fd = socket(AF_INET, (proto == BVM_FORWARD_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot make a %s socket to test host port %u: %s",
                name, port, g_strerror(saved));
    return FALSE;
  }
  /* slirp sets SO_REUSEADDR on its TCP listeners: a port in TIME_WAIT is
   * free for QEMU, so it is free here too. */
  int one = 1;
  if (proto == BVM_FORWARD_TCP)
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  int saved = errno;
  if (rc == 0 && proto == BVM_FORWARD_TCP) {
    rc = listen(fd, 1);
    saved = errno;
  }
  close(fd);
  if (rc == 0)
    return TRUE;
  if (saved == EADDRINUSE) {
    g_autofree char *owner = bvm_ports_owner(proto, port);
    if (owner != NULL)
      g_set_error(error, BVM_ERROR, BVM_ERROR_BUSY,
                  "host port %u (%s) is in use by %s: pick another host port", port, name, owner);
    else
      g_set_error(
          error, BVM_ERROR, BVM_ERROR_BUSY,
          "host port %u (%s) is in use by a program the OS does not name to this user: pick another host port",
          port, name);
    return FALSE;
  }
  if (saved == EACCES)
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "host port %u (%s) is a privileged port this user may not listen on: pick one above 1023",
        port, name);
  else
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "cannot listen on %s:%u (%s) on this host: %s", address, port, name,
                g_strerror(saved));
  return FALSE;
}
