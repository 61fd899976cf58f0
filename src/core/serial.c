#include "serial.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The handshake line is "rw\n" or "ro\n": anything longer is not ours. */
#define HANDSHAKE_MAX 8
#define HANDSHAKE_TIMEOUT_MS 5000
#define CHUNK 4096

typedef struct {
  BvmSerialHub *hub;
  int fd;
  guint watch;     /* G_IO_IN (and G_IO_OUT while out has bytes) */
  GByteArray *out; /* bytes not yet taken by the peer */
  gboolean attached;
  gboolean writer;
  char hello[HANDSHAKE_MAX];
  gsize hello_len;
} Peer;

struct BvmSerialHub {
  Peer qemu;
  int listen_fd;
  guint listen_watch;
  char *path;
  GPtrArray *clients; /* Peer *, owned */
  Peer *writer;       /* the client with the keyboard, or NULL */
  GByteArray *history;
};

static gboolean on_peer_io(gint fd, GIOCondition cond, gpointer data);

static void peer_watch(Peer *p)
{
  GIOCondition cond = G_IO_IN | G_IO_HUP | G_IO_ERR;
  if (p->out->len > 0)
    cond |= G_IO_OUT;
  if (p->watch != 0)
    g_source_remove(p->watch);
  p->watch = g_unix_fd_add(p->fd, cond, on_peer_io, p);
}

static void peer_close(Peer *p)
{
  if (p->watch != 0)
    g_source_remove(p->watch);
  p->watch = 0;
  if (p->fd >= 0)
    close(p->fd);
  p->fd = -1;
  g_clear_pointer(&p->out, g_byte_array_unref);
}

static void client_free(gpointer data)
{
  Peer *p = data;
  peer_close(p);
  g_free(p);
}

static void drop_client(BvmSerialHub *hub, Peer *p)
{
  if (hub->writer == p)
    hub->writer = NULL;
  g_ptr_array_remove_fast(hub->clients, p);
}

/* Queue @len bytes for @p and send what the socket takes now. FALSE when
 * the peer is gone or too far behind. */
static gboolean peer_send(Peer *p, const guint8 *buf, gsize len)
{
  if (p->fd < 0)
    return FALSE;
  if (p->out->len == 0) {
    ssize_t n = send(p->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return FALSE;
    if (n > 0) {
      buf += n;
      len -= (gsize)n;
    }
    if (len == 0)
      return TRUE;
  }
  if (p->out->len + len > BVM_SERIAL_CLIENT_BACKLOG)
    return FALSE;
  gboolean was_empty = p->out->len == 0;
  g_byte_array_append(p->out, buf, (guint)len);
  if (was_empty)
    peer_watch(p);
  return TRUE;
}

static gboolean peer_flush(Peer *p)
{
  ssize_t n = send(p->fd, p->out->data, p->out->len, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0)
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  g_byte_array_remove_range(p->out, 0, (guint)n);
  if (p->out->len == 0)
    peer_watch(p);
  return TRUE;
}

static void remember(BvmSerialHub *hub, const guint8 *buf, gsize len)
{
  if (len >= BVM_SERIAL_HISTORY) {
    g_byte_array_set_size(hub->history, 0);
    g_byte_array_append(hub->history, buf + len - BVM_SERIAL_HISTORY, BVM_SERIAL_HISTORY);
    return;
  }
  gsize keep = BVM_SERIAL_HISTORY - len;
  if (hub->history->len > keep)
    g_byte_array_remove_range(hub->history, 0, hub->history->len - (guint)keep);
  g_byte_array_append(hub->history, buf, (guint)len);
}

/* The guest wrote: to every attached client, and to the history. */
static void from_qemu(BvmSerialHub *hub, const guint8 *buf, gsize len)
{
  remember(hub, buf, len);
  for (guint i = hub->clients->len; i-- > 0;) {
    Peer *c = hub->clients->pdata[i];
    if (c->attached && !peer_send(c, buf, len))
      drop_client(hub, c);
  }
}

/* The handshake: "rw" or "ro", answered with what the client got. */
static gboolean client_hello(BvmSerialHub *hub, Peer *c, const guint8 *buf, gsize len,
                             gsize *out_used)
{
  gsize used = 0;
  while (used < len && !c->attached) {
    char ch = (char)buf[used++];
    if (ch != '\n') {
      if (c->hello_len + 1 >= HANDSHAKE_MAX)
        return FALSE;
      c->hello[c->hello_len++] = ch;
      continue;
    }
    c->hello[c->hello_len] = '\0';
    g_strchomp(c->hello);
    gboolean want_write = strcmp(c->hello, "rw") == 0;
    if (!want_write && strcmp(c->hello, "ro") != 0)
      return FALSE;
    if (want_write && hub->writer == NULL) {
      hub->writer = c;
      c->writer = TRUE;
    }
    c->attached = TRUE;
    if (!peer_send(c, (const guint8 *)(c->writer ? "rw\n" : "ro\n"), 3) ||
        !peer_send(c, hub->history->data, hub->history->len))
      return FALSE;
  }
  *out_used = used;
  return TRUE;
}

static void qemu_closed(BvmSerialHub *hub)
{
  peer_close(&hub->qemu);
  /* The guest's console is gone: the clients' reads end. */
  g_ptr_array_set_size(hub->clients, 0);
  hub->writer = NULL;
}

static gboolean on_peer_io(gint fd, GIOCondition cond, gpointer data)
{
  Peer *p = data;
  BvmSerialHub *hub = p->hub;
  gboolean is_qemu = p == &hub->qemu;
  if ((cond & G_IO_OUT) && !peer_flush(p))
    goto gone;
  if (cond & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
    guint8 buf[CHUNK];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return G_SOURCE_CONTINUE;
    if (n <= 0)
      goto gone;
    if (is_qemu) {
      from_qemu(hub, buf, (gsize)n);
      return G_SOURCE_CONTINUE;
    }
    gsize used = 0;
    if (!p->attached && !client_hello(hub, p, buf, (gsize)n, &used))
      goto gone;
    /* Only the keyboard's holder reaches the guest. A full QEMU queue
     * (the guest is not reading its UART) drops the keys. */
    if (p->writer && used < (gsize)n && hub->qemu.fd >= 0)
      (void)peer_send(&hub->qemu, buf + used, (gsize)n - used);
  }
  return G_SOURCE_CONTINUE;

gone:
  /* peer_close removes the watch (perhaps this very source, which GLib
   * allows from its own callback). */
  if (is_qemu)
    qemu_closed(hub);
  else
    drop_client(hub, p);
  return G_SOURCE_REMOVE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
  BvmSerialHub *hub = data;
  int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0)
    return G_SOURCE_CONTINUE;
  if (hub->qemu.fd < 0) {
    close(c);
    return G_SOURCE_CONTINUE;
  }
  Peer *p = g_new0(Peer, 1);
  p->hub = hub;
  p->fd = c;
  p->out = g_byte_array_new();
  g_ptr_array_add(hub->clients, p);
  peer_watch(p);
  return G_SOURCE_CONTINUE;
}

static gboolean unix_address(const char *path, struct sockaddr_un *addr, GError **error)
{
  *addr = (struct sockaddr_un){.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr->sun_path) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "socket path too long: %s", path);
    return FALSE;
  }
  strcpy(addr->sun_path, path);
  return TRUE;
}

BvmSerialHub *bvm_serial_hub_new(int qemu_fd, const char *path, GError **error)
{
  g_return_val_if_fail(qemu_fd >= 0 && path != NULL, NULL);
  struct sockaddr_un addr;
  if (!unix_address(path, &addr, error)) {
    close(qemu_fd);
    return NULL;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  (void)g_unlink(path);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 8) != 0) {
    int saved = errno;
    if (fd >= 0)
      close(fd);
    close(qemu_fd);
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot listen on %s for the serial console: %s",
                path, g_strerror(saved));
    return NULL;
  }
  (void)g_unix_set_fd_nonblocking(qemu_fd, TRUE, NULL);
  BvmSerialHub *hub = g_new0(BvmSerialHub, 1);
  hub->qemu.hub = hub;
  hub->qemu.fd = qemu_fd;
  hub->qemu.out = g_byte_array_new();
  hub->listen_fd = fd;
  hub->path = g_strdup(path);
  hub->clients = g_ptr_array_new_with_free_func(client_free);
  hub->history = g_byte_array_new();
  peer_watch(&hub->qemu);
  hub->listen_watch = g_unix_fd_add(fd, G_IO_IN, on_accept, hub);
  return hub;
}

void bvm_serial_hub_free(BvmSerialHub *hub)
{
  if (hub == NULL)
    return;
  g_source_remove(hub->listen_watch);
  close(hub->listen_fd);
  (void)g_unlink(hub->path);
  g_ptr_array_unref(hub->clients);
  peer_close(&hub->qemu);
  g_byte_array_unref(hub->history);
  g_free(hub->path);
  g_free(hub);
}

guint bvm_serial_hub_n_clients(BvmSerialHub *hub)
{
  guint n = 0;
  for (guint i = 0; i < hub->clients->len; i++)
    n += ((Peer *)hub->clients->pdata[i])->attached ? 1 : 0;
  return n;
}

gboolean bvm_serial_hub_is_connected(BvmSerialHub *hub)
{
  return hub->qemu.fd >= 0;
}

int bvm_serial_attach(const char *path, gboolean want_write, gboolean *out_writer, GError **error)
{
  struct sockaddr_un addr;
  if (!unix_address(path, &addr, error))
    return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int saved = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, BVM_ERROR, saved == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_IO,
                "cannot reach the serial console at %s: %s (is the VM running?)", path,
                g_strerror(saved));
    return -1;
  }
  /* The hub answers at once; a bound on the wait keeps a wedged monitor
   * from hanging the caller. */
  struct timeval tv = {.tv_sec = HANDSHAKE_TIMEOUT_MS / 1000};
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char answer[4] = {0};
  gsize got = 0;
  gboolean ok = send(fd, want_write ? "rw\n" : "ro\n", 3, MSG_NOSIGNAL) == 3;
  while (ok && got < 3) {
    ssize_t n = recv(fd, answer + got, 3 - got, 0);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    got += n > 0 ? (gsize)n : 0;
  }
  if (!ok || (strcmp(answer, "rw\n") != 0 && strcmp(answer, "ro\n") != 0)) {
    close(fd);
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                "the serial console at %s did not answer (the VM may be stopping)", path);
    return -1;
  }
  tv.tv_sec = 0;
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (out_writer != NULL)
    *out_writer = answer[1] == 'w';
  return fd;
}

gssize bvm_serial_find_escape(const guint8 *buf, gsize len, guint8 escape)
{
  const guint8 *hit = memchr(buf, escape, len);
  return hit == NULL ? -1 : hit - buf;
}
