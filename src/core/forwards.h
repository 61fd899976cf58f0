/* Port forwards: a host port that reaches a guest port through QEMU's user
 * network (slirp's hostfwd). Pure: parsing, checking and the option text;
 * whether a port is free on this host is ports.c's, changing a VM's
 * forwards is sharing.c's. */
#pragma once

#include "jsonread.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum { BVM_FORWARD_TCP, BVM_FORWARD_UDP, BVM_FORWARD_PROTO_N } BvmForwardProto;
const char *bvm_forward_proto_to_string(BvmForwardProto proto);
extern const BvmJsonWords bvm_forward_proto_words;

/* Only the loopback address unless the user asks: a forward is then
 * reachable from this machine alone. */
#define BVM_FORWARD_DEFAULT_BIND "127.0.0.1"

typedef struct {
  BvmForwardProto proto;
  guint host_port;  /* 1..65535 */
  guint guest_port; /* 1..65535 */
  char *bind;       /* the host address it listens on: an IPv4 address */
} BvmForward;

BvmForward *bvm_forward_new(BvmForwardProto proto, guint host_port, guint guest_port,
                            const char *bind);
BvmForward *bvm_forward_copy(const BvmForward *f);
void bvm_forward_free(BvmForward *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmForward, bvm_forward_free)

/* "tcp:8080:80" or "udp:5353:53" (the protocol may be left out: tcp), with
 * @bind (NULL: the default). INVALID_ARGUMENT naming what is wrong. */
BvmForward *bvm_forward_parse(const char *spec, const char *bind, GError **error);

/* @f is well formed (ports 1..65535, an IPv4 bind address) and none of
 * @forwards (BvmForward *) has the same protocol and host port. */
gboolean bvm_forward_check(const GPtrArray *forwards, const BvmForward *f, GError **error);

/* Reachable from other machines: bound to anything but 127.0.0.0/8. */
gboolean bvm_forward_is_public(const BvmForward *f);

/* The rule as QEMU's hostfwd= and hostfwd_add take it: "tcp:127.0.0.1:8080-:80". */
char *bvm_forward_hostfwd(const BvmForward *f);
/* What hostfwd_remove takes: "tcp:127.0.0.1:8080". */
char *bvm_forward_hostfwd_key(const BvmForward *f);
/* "tcp 127.0.0.1:8080 -> guest 80", for messages and `show`. */
char *bvm_forward_describe(const BvmForward *f);

/* JSON: an array of {"proto": "tcp", "hostPort": 8080, "guestPort": 80,
 * "bind": "127.0.0.1"} (NULL @forwards: an empty array). */
void bvm_forward_write_json_array(const GPtrArray *forwards, JsonBuilder *b);
/* An array of those into a new GPtrArray of BvmForward * (replacing a list
 * *out_forwards held), checked as a whole (ranges, duplicates); @reader words the faults, @key
 * names the member. */
gboolean bvm_forward_read_json_array(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                                     GPtrArray **out_forwards, GError **error);

G_END_DECLS
