/* Live channels of `serve`: SSE for state and logs, the VNC WebSocket. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Turn @msg into an event stream: "state" events (the VM's status JSON,
 * when it changes) and, with ?source=qemu|swtpm|monitor|serial, "log"
 * events with new lines. ?vm= names the VM. Ends when the client goes. */
void bvm_live_start_events(SoupServerMessage *msg, const char *library, GHashTable *query);

/* Pump bytes between a WebSocket (binary messages) and @vnc_socket. */
void bvm_live_bridge_vnc(SoupWebsocketConnection *ws, const char *vnc_socket);

/* Attach to the VM's serial console at @console_socket (serial.h), asking
 * for the keyboard when @want_write; send one text message
 * {"writer": BOOL}, then pump binary messages both ways. */
void bvm_live_bridge_serial(SoupWebsocketConnection *ws, const char *console_socket,
                            gboolean want_write);

G_END_DECLS
