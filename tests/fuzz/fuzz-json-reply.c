/* libFuzzer: what QEMU's QMP or a guest's agent sends back (a broken QEMU
 * or a hostile guest). The bytes arrive over a socket pair, read with the
 * same bounded reader the clients use. */
#include "jsonstream.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
    return 0;
  /* a socket buffer holds more than the inputs libFuzzer makes by default */
  if (write(sv[1], data, size) < 0) {
    close(sv[0]);
    close(sv[1]);
    return 0;
  }
  close(sv[1]);
  g_autoptr(BvmJsonStream) s = bvm_json_stream_new_from_fd(sv[0], "fuzz peer");
  /* the agent's resync: junk up to 0xFF, then objects */
  g_autofree char *junk = bvm_json_stream_read_until(s, '\xff', bvm_deadline_in(50), NULL);
  (void)junk;
  for (int i = 0; i < 8; i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) msg = bvm_json_stream_read_object(s, bvm_deadline_in(50), &error);
    if (msg == NULL) {
      g_assert_nonnull(error);
      break;
    }
    (void)bvm_json_reply_error(json_node_get_object(msg));
  }
  return 0;
}
