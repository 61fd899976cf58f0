#include "jsonstream.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

gint64 bvm_deadline_in(guint timeout_ms)
{
  return g_get_monotonic_time() + (gint64)timeout_ms * 1000;
}

static int remaining_ms(gint64 deadline_us)
{
  gint64 left = (deadline_us - g_get_monotonic_time()) / 1000;
  return left <= 0 ? 0 : (int)MIN(left, G_MAXINT);
}

static gboolean wait_fd(BvmJsonStream *s, short events, gint64 deadline_us, GError **error)
{
  for (;;) {
    struct pollfd pfd = {.fd = s->fd, .events = events};
    int r = poll(&pfd, 1, remaining_ms(deadline_us));
    if (r > 0)
      return TRUE;
    if (r == 0) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_TIMEOUT, "%s did not answer in time", s->peer);
      return FALSE;
    }
    if (errno != EINTR) {
      int saved = errno;
      g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "waiting for %s: %s", s->peer, g_strerror(saved));
      return FALSE;
    }
  }
}

BvmJsonStream *bvm_json_stream_connect(const char *path, const char *peer, guint timeout_ms,
                                       GError **error)
{
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "socket path too long: %s", path);
    return NULL;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "socket: %s", g_strerror(saved));
    return NULL;
  }
  BvmJsonStream *s = g_new0(BvmJsonStream, 1);
  s->fd = fd;
  s->buf = g_string_new(NULL);
  s->peer = g_strdup(peer);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int saved = errno;
    if (saved == EINPROGRESS || saved == EAGAIN) {
      int err = 0;
      socklen_t len = sizeof err;
      if (!wait_fd(s, POLLOUT, bvm_deadline_in(timeout_ms), error)) {
        bvm_json_stream_free(s);
        return NULL;
      }
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        return s;
      saved = err;
    }
    g_set_error(error, BVM_ERROR, saved == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_QEMU_FAILED,
                "cannot reach %s at %s: %s", peer, path, g_strerror(saved));
    bvm_json_stream_free(s);
    return NULL;
  }
  return s;
}

BvmJsonStream *bvm_json_stream_new_from_fd(int fd, const char *peer)
{
  BvmJsonStream *s = g_new0(BvmJsonStream, 1);
  s->fd = fd;
  s->buf = g_string_new(NULL);
  s->peer = g_strdup(peer);
  return s;
}

void bvm_json_stream_free(BvmJsonStream *s)
{
  if (s == NULL)
    return;
  if (s->fd >= 0)
    close(s->fd);
  g_string_free(s->buf, TRUE);
  g_free(s->peer);
  g_free(s);
}

gboolean bvm_json_stream_write(BvmJsonStream *s, const char *data, gsize len, gint64 deadline_us,
                               GError **error)
{
  while (len > 0) {
    /* MSG_NOSIGNAL: a peer gone mid-write is an error, not a SIGPIPE. */
    ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= (gsize)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(s, POLLOUT, deadline_us, error))
        return FALSE;
      continue;
    }
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "%s closed the connection: %s", s->peer,
                g_strerror(saved));
    return FALSE;
  }
  return TRUE;
}

char *bvm_json_stream_read_until(BvmJsonStream *s, char delim, gint64 deadline_us, GError **error)
{
  for (;;) {
    char *hit = memchr(s->buf->str, delim, s->buf->len);
    if (hit != NULL) {
      gsize n = (gsize)(hit - s->buf->str);
      char *line = g_strndup(s->buf->str, n);
      g_string_erase(s->buf, 0, (gssize)n + 1);
      return line;
    }
    if (s->buf->len > BVM_JSON_LINE_MAX) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "%s sent a line over %d bytes: refused",
                  s->peer, BVM_JSON_LINE_MAX);
      return NULL;
    }
    char chunk[16384];
    ssize_t n = recv(s->fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      g_string_append_len(s->buf, chunk, n);
      continue;
    }
    if (n == 0) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "%s closed the connection", s->peer);
      return NULL;
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_fd(s, POLLIN, deadline_us, error))
        return NULL;
      continue;
    }
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "reading from %s: %s", s->peer,
                g_strerror(saved));
    return NULL;
  }
}

JsonNode *bvm_json_stream_read_object(BvmJsonStream *s, gint64 deadline_us, GError **error)
{
  for (;;) {
    g_autofree char *line = bvm_json_stream_read_until(s, '\n', deadline_us, error);
    if (line == NULL)
      return NULL;
    g_strstrip(line);
    if (*line == '\0')
      continue;
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, line, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                  "%s sent something that is not a JSON object", s->peer);
      return NULL;
    }
    return json_node_copy(json_parser_get_root(parser));
  }
}

gboolean bvm_json_stream_has_buffered_line(BvmJsonStream *s)
{
  return memchr(s->buf->str, '\n', s->buf->len) != NULL;
}

gboolean bvm_json_stream_send_command(BvmJsonStream *s, const char *command, JsonNode *arguments,
                                      gint64 id, gint64 deadline_us, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "execute");
  json_builder_add_string_value(b, command);
  if (arguments != NULL) {
    json_builder_set_member_name(b, "arguments");
    json_builder_add_value(b, json_node_copy(arguments));
  }
  if (id >= 0) {
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, id);
  }
  json_builder_end_object(b);
  g_autoptr(JsonNode) req = json_builder_get_root(b);
  g_autofree char *text = json_to_string(req, FALSE);
  g_autofree char *line = g_strconcat(text, "\n", NULL);
  return bvm_json_stream_write(s, line, strlen(line), deadline_us, error);
}

const char *bvm_json_reply_error(JsonObject *reply)
{
  if (!json_object_has_member(reply, "error"))
    return NULL;
  JsonNode *en = json_object_get_member(reply, "error");
  const char *desc =
      JSON_NODE_HOLDS_OBJECT(en)
          ? json_object_get_string_member_with_default(json_node_get_object(en), "desc", NULL)
          : NULL;
  return desc != NULL ? desc : "unknown error";
}
