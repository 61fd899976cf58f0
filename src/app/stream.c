/* Why a pipe: WebKit reads a custom-scheme body with asynchronous reads
 * and hands each chunk to the page as it arrives, so a pipe streams with
 * no GInputStream subclass; and the kernel tells us when the page lets go
 * (POLLERR on the write end once the read end is closed). */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

/* What a page may leave unread before its stream is dropped. */
#define BACKLOG_MAX (1024 * 1024)

struct BvmStream {
  int fd; /* write end, non-blocking; -1 once closed */
  GString *backlog;
  guint err_watch, out_watch, notify_idle;
  gboolean finishing;
  GSourceFunc closed_func;
  gpointer closed_data;
};

void bvm_stream_free(BvmStream *s)
{
  if (s == NULL)
    return;
  if (s->err_watch != 0)
    g_source_remove(s->err_watch);
  if (s->out_watch != 0)
    g_source_remove(s->out_watch);
  if (s->notify_idle != 0)
    g_source_remove(s->notify_idle);
  if (s->fd >= 0)
    close(s->fd);
  g_string_free(s->backlog, TRUE);
  g_free(s);
}

static gboolean notify_closed(gpointer data)
{
  BvmStream *s = data;
  s->notify_idle = 0;
  if (s->finishing)
    bvm_stream_free(s);
  else if (s->closed_func != NULL)
    s->closed_func(s->closed_data); /* may free s */
  return G_SOURCE_REMOVE;
}

/* The reader is gone (or too slow): stop writing, and tell the owner from
 * an idle, never from inside a write. */
static void mark_closed(BvmStream *s)
{
  if (s->fd < 0)
    return;
  if (s->err_watch != 0)
    g_source_remove(s->err_watch);
  if (s->out_watch != 0)
    g_source_remove(s->out_watch);
  s->err_watch = s->out_watch = 0;
  close(s->fd);
  s->fd = -1;
  g_string_truncate(s->backlog, 0);
  s->notify_idle = g_idle_add(notify_closed, s);
}

static gboolean on_out(int fd, GIOCondition cond, gpointer data);

/* Write what the pipe takes now; watch for room when some is left. */
static void flush(BvmStream *s)
{
  while (s->fd >= 0 && s->backlog->len > 0) {
    ssize_t n = write(s->fd, s->backlog->str, s->backlog->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      break;
    if (n <= 0) {
      mark_closed(s); /* EPIPE: the page let go */
      break;
    }
    g_string_erase(s->backlog, 0, n);
  }
  if (s->fd >= 0 && s->backlog->len > 0 && s->out_watch == 0)
    s->out_watch = g_unix_fd_add(s->fd, G_IO_OUT, on_out, s);
  if (s->finishing && s->fd >= 0 && s->backlog->len == 0)
    bvm_stream_free(s);
}

static gboolean on_out(int fd, GIOCondition cond, gpointer data)
{
  BvmStream *s = data;
  s->out_watch = 0;
  flush(s);
  return G_SOURCE_REMOVE;
}

static gboolean on_err(int fd, GIOCondition cond, gpointer data)
{
  BvmStream *s = data;
  s->err_watch = 0;
  mark_closed(s);
  return G_SOURCE_REMOVE;
}

BvmStream *bvm_stream_new(GInputStream **out_body, GError **error)
{
  int fds[2];
  if (!g_unix_open_pipe(fds, FD_CLOEXEC, error))
    return NULL;
  if (!g_unix_set_fd_nonblocking(fds[1], TRUE, error)) {
    close(fds[0]);
    close(fds[1]);
    return NULL;
  }
  BvmStream *s = g_new0(BvmStream, 1);
  s->fd = fds[1];
  s->backlog = g_string_new(NULL);
  s->err_watch = g_unix_fd_add(s->fd, G_IO_ERR | G_IO_HUP, on_err, s);
  *out_body = g_unix_input_stream_new(fds[0], TRUE);
  return s;
}

void bvm_stream_set_closed_func(BvmStream *s, GSourceFunc func, gpointer user_data)
{
  s->closed_func = func;
  s->closed_data = user_data;
}

gboolean bvm_stream_write(BvmStream *s, const char *text)
{
  if (s->fd < 0)
    return FALSE;
  if (s->backlog->len + strlen(text) > BACKLOG_MAX) {
    mark_closed(s);
    return FALSE;
  }
  g_string_append(s->backlog, text);
  flush(s);
  return TRUE;
}

void bvm_stream_finish(BvmStream *s)
{
  s->finishing = TRUE;
  if (s->fd < 0) {
    if (s->notify_idle == 0)
      bvm_stream_free(s);
    return; /* else notify_closed frees it */
  }
  flush(s);
}
