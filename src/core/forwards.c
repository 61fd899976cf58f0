#include "forwards.h"
#include "error.h"
#include "jsonfields.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const proto_names[BVM_FORWARD_PROTO_N] = {"tcp", "udp"};
const BvmJsonWords bvm_forward_proto_words = {proto_names, BVM_FORWARD_PROTO_N, NULL};
G_STATIC_ASSERT(sizeof(BvmForwardProto) == sizeof(guint));

const char *bvm_forward_proto_to_string(BvmForwardProto proto)
{
  return (guint)proto < BVM_FORWARD_PROTO_N ? proto_names[proto] : "tcp";
}

BvmForward *bvm_forward_new(BvmForwardProto proto, guint host_port, guint guest_port,
                            const char *bind)
{
  BvmForward *f = g_new0(BvmForward, 1);
  f->proto = proto;
  f->host_port = host_port;
  f->guest_port = guest_port;
  f->bind = g_strdup(bind != NULL ? bind : BVM_FORWARD_DEFAULT_BIND);
  return f;
}

BvmForward *bvm_forward_copy(const BvmForward *f)
{
  return f != NULL ? bvm_forward_new(f->proto, f->host_port, f->guest_port, f->bind) : NULL;
}

void bvm_forward_free(BvmForward *f)
{
  if (f == NULL)
    return;
  g_free(f->bind);
  g_free(f);
}

/* A port number, all digits, 1..65535. */
static gboolean parse_port(const char *text, const char *which, const char *spec, guint *out,
                           GError **error)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &v, NULL) || v < 1 || v > 65535) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "forward '%s': the %s port '%s' must be a number from 1 to 65535", spec, which,
                text);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

BvmForward *bvm_forward_parse(const char *spec, const char *bind, GError **error)
{
  g_return_val_if_fail(spec != NULL, NULL);
  g_auto(GStrv) parts = g_strsplit(spec, ":", -1);
  guint n = g_strv_length(parts);
  guint proto = BVM_FORWARD_TCP;
  if (n == 3 && !bvm_jsonread_words_lookup(&bvm_forward_proto_words, parts[0], &proto)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "forward '%s': the protocol must be tcp or udp, not '%s'", spec, parts[0]);
    return NULL;
  }
  if (n != 2 && n != 3) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "forward '%s' is not PROTO:HOSTPORT:GUESTPORT (like tcp:8080:80)", spec);
    return NULL;
  }
  guint host = 0, guest = 0;
  if (!parse_port(parts[n - 2], "host", spec, &host, error) ||
      !parse_port(parts[n - 1], "guest", spec, &guest, error))
    return NULL;
  g_autoptr(BvmForward) f = bvm_forward_new((BvmForwardProto)proto, host, guest, bind);
  if (!bvm_forward_check(NULL, f, error))
    return NULL;
  return g_steal_pointer(&f);
}

/* An IPv4 address in dotted decimal: what slirp's hostfwd takes (inet_aton). */
static gboolean is_ipv4(const char *s)
{
  g_auto(GStrv) parts = g_strsplit(s, ".", -1);
  if (g_strv_length(parts) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++) {
    guint64 v;
    if (!g_ascii_string_to_unsigned(parts[i], 10, 0, 255, &v, NULL) || strlen(parts[i]) > 3)
      return FALSE;
  }
  return TRUE;
}

gboolean bvm_forward_check(const GPtrArray *forwards, const BvmForward *f, GError **error)
{
  if (f->host_port < 1 || f->host_port > 65535 || f->guest_port < 1 || f->guest_port > 65535) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "forward %u -> %u: ports must be from 1 to 65535", f->host_port, f->guest_port);
    return FALSE;
  }
  if (f->bind == NULL || !is_ipv4(f->bind)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "forward bind address '%s' is not an IPv4 address (like 127.0.0.1 or 0.0.0.0)",
                f->bind ? f->bind : "");
    return FALSE;
  }
  for (guint i = 0; forwards != NULL && i < forwards->len; i++) {
    const BvmForward *o = forwards->pdata[i];
    if (o != f && o->proto == f->proto && o->host_port == f->host_port) {
      g_set_error(
          error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
          "host port %u (%s) is already forwarded to guest port %u: remove it first (--no-forward %u)",
          f->host_port, bvm_forward_proto_to_string(f->proto), o->guest_port, f->host_port);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean bvm_forward_is_public(const BvmForward *f)
{
  return !g_str_has_prefix(f->bind, "127.");
}

char *bvm_forward_hostfwd(const BvmForward *f)
{
  return g_strdup_printf("%s:%s:%u-:%u", bvm_forward_proto_to_string(f->proto), f->bind,
                         f->host_port, f->guest_port);
}

char *bvm_forward_hostfwd_key(const BvmForward *f)
{
  return g_strdup_printf("%s:%s:%u", bvm_forward_proto_to_string(f->proto), f->bind, f->host_port);
}

char *bvm_forward_describe(const BvmForward *f)
{
  return g_strdup_printf("%s %s:%u -> guest %u%s", bvm_forward_proto_to_string(f->proto), f->bind,
                         f->host_port, f->guest_port,
                         bvm_forward_is_public(f) ? " (reachable from other machines)" : "");
}

#define FWD(member) offsetof(BvmForward, member)

static const BvmJsonField forward_fields[] = {
    {"proto", BVM_FIELD_WORD, FWD(proto), BVM_FIELD_REQUIRED, .words = &bvm_forward_proto_words},
    {"hostPort", BVM_FIELD_UINT, FWD(host_port), BVM_FIELD_REQUIRED, 1, 65535},
    {"guestPort", BVM_FIELD_UINT, FWD(guest_port), BVM_FIELD_REQUIRED, 1, 65535},
    {"bind", BVM_FIELD_STRING, FWD(bind)},
    {NULL},
};

static gpointer forward_new_empty(void)
{
  return bvm_forward_new(BVM_FORWARD_TCP, 0, 0, NULL);
}

static gboolean forward_check_item(const GPtrArray *before, gconstpointer item, GError **error)
{
  return bvm_forward_check(before, item, error);
}

void bvm_forward_write_json_array(const GPtrArray *forwards, JsonBuilder *b)
{
  bvm_jsonfields_write_array(forward_fields, forwards, b);
}

gboolean bvm_forward_read_json_array(const BvmJsonReader *reader, JsonObject *obj, const char *key,
                                     GPtrArray **out_forwards, GError **error)
{
  return bvm_jsonfields_read_array(forward_fields, reader, obj, key, forward_new_empty,
                                   (GDestroyNotify)bvm_forward_free, forward_check_item,
                                   out_forwards, error);
}
