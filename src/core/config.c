#include "config.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const char *const os_names[BVM_OS_N] = {"windows11", "linux", "other"};
static const char *const arch_names[BVM_ARCH_N] = {"x86_64", "aarch64"};
static const char *const preset_names[BVM_PRESET_N] = {"light", "recommended", "pro", "custom"};
static const char *const accel_names[BVM_ACCEL_N] = {"auto", "kvm", "hvf", "tcg"};
static const char *const exit_kind_names[BVM_EXIT_KIND_N] = {"guest", "user", "crash", "failed"};

const char *bvm_os_to_string(BvmOs os)
{
  return (guint)os < BVM_OS_N ? os_names[os] : "other";
}

gboolean bvm_os_from_string(const char *s, BvmOs *out_os)
{
  guint i;
  if (!bvm_enum_from_string(os_names, BVM_OS_N, s, &i))
    return FALSE;
  *out_os = (BvmOs)i;
  return TRUE;
}

const char *bvm_arch_to_string(BvmArch arch)
{
  return (guint)arch < BVM_ARCH_N ? arch_names[arch] : "x86_64";
}

gboolean bvm_arch_from_string(const char *s, BvmArch *out_arch)
{
  guint i;
  /* Accept the other common spellings of the two architectures. */
  if (g_strcmp0(s, "amd64") == 0 || g_strcmp0(s, "x64") == 0)
    s = "x86_64";
  else if (g_strcmp0(s, "arm64") == 0)
    s = "aarch64";
  if (!bvm_enum_from_string(arch_names, BVM_ARCH_N, s, &i))
    return FALSE;
  *out_arch = (BvmArch)i;
  return TRUE;
}

const char *bvm_preset_to_string(BvmPreset preset)
{
  return (guint)preset < BVM_PRESET_N ? preset_names[preset] : "custom";
}

gboolean bvm_preset_from_string(const char *s, BvmPreset *out_preset)
{
  guint i;
  if (!bvm_enum_from_string(preset_names, BVM_PRESET_N, s, &i))
    return FALSE;
  *out_preset = (BvmPreset)i;
  return TRUE;
}

const char *bvm_accel_to_string(BvmAccel accel)
{
  return (guint)accel < BVM_ACCEL_N ? accel_names[accel] : "auto";
}

gboolean bvm_accel_from_string(const char *s, BvmAccel *out_accel)
{
  guint i;
  if (!bvm_enum_from_string(accel_names, BVM_ACCEL_N, s, &i))
    return FALSE;
  *out_accel = (BvmAccel)i;
  return TRUE;
}

const char *bvm_exit_kind_to_string(BvmExitKind kind)
{
  return (guint)kind < BVM_EXIT_KIND_N ? exit_kind_names[kind] : "crash";
}

gboolean bvm_exit_kind_from_string(const char *s, BvmExitKind *out_kind)
{
  guint i;
  if (!bvm_enum_from_string(exit_kind_names, BVM_EXIT_KIND_N, s, &i))
    return FALSE;
  *out_kind = (BvmExitKind)i;
  return TRUE;
}

BvmConfig *bvm_config_new(void)
{
  BvmConfig *c = g_new0(BvmConfig, 1);
  c->schema_version = BVM_CONFIG_SCHEMA_VERSION;
  c->os = BVM_OS_LINUX;
  c->arch = BVM_ARCH_X86_64;
  c->cpus = 2;
  c->memory_mib = 4096;
  c->disk_gib = 64;
  c->preset = BVM_PRESET_LIGHT;
  c->display_width = 1920;
  c->display_height = 1080;
  c->tpm_enabled = TRUE;
  c->firmware.secure_boot = TRUE;
  c->command_version = BVM_COMMAND_VERSION;
  return c;
}

static BvmLastExit *last_exit_copy(const BvmLastExit *e)
{
  if (e == NULL)
    return NULL;
  BvmLastExit *copy = g_new0(BvmLastExit, 1);
  copy->kind = e->kind;
  copy->reason = g_strdup(e->reason);
  copy->status = e->status;
  copy->signal = e->signal;
  copy->at = g_strdup(e->at);
  return copy;
}

static void last_exit_free(BvmLastExit *e)
{
  if (e == NULL)
    return;
  g_free(e->reason);
  g_free(e->at);
  g_free(e);
}

void bvm_config_set_last_exit(BvmConfig *config, BvmExitKind kind, const char *reason, int status,
                              int signal)
{
  last_exit_free(config->last_exit);
  BvmLastExit *e = g_new0(BvmLastExit, 1);
  e->kind = kind;
  e->reason = g_strdup(reason);
  e->status = status;
  e->signal = signal;
  e->at = bvm_now_iso8601();
  config->last_exit = e;
}

BvmConfig *bvm_config_copy(const BvmConfig *config)
{
  g_return_val_if_fail(config != NULL, NULL);
  BvmConfig *c = g_new0(BvmConfig, 1);
  *c = *config;
  c->id = g_strdup(config->id);
  c->name = g_strdup(config->name);
  c->firmware.code = g_strdup(config->firmware.code);
  c->firmware.vars_template = g_strdup(config->firmware.vars_template);
  c->iso_path = g_strdup(config->iso_path);
  c->license_accepted_at = g_strdup(config->license_accepted_at);
  c->created_at = g_strdup(config->created_at);
  c->started_at = g_strdup(config->started_at);
  c->last_exit = last_exit_copy(config->last_exit);
  return c;
}

void bvm_config_free(BvmConfig *config)
{
  if (config == NULL)
    return;
  g_free(config->id);
  g_free(config->name);
  g_free(config->firmware.code);
  g_free(config->firmware.vars_template);
  g_free(config->iso_path);
  g_free(config->license_accepted_at);
  g_free(config->created_at);
  g_free(config->started_at);
  last_exit_free(config->last_exit);
  g_free(config);
}

static void add_string_or_null(JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name(b, key);
  if (value != NULL)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}

JsonNode *bvm_config_to_json(const BvmConfig *c)
{
  g_return_val_if_fail(c != NULL, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "schemaVersion");
  json_builder_add_int_value(b, c->schema_version);
  add_string_or_null(b, "id", c->id);
  add_string_or_null(b, "name", c->name);
  json_builder_set_member_name(b, "os");
  json_builder_add_string_value(b, bvm_os_to_string(c->os));
  json_builder_set_member_name(b, "arch");
  json_builder_add_string_value(b, bvm_arch_to_string(c->arch));
  json_builder_set_member_name(b, "cpus");
  json_builder_add_int_value(b, c->cpus);
  json_builder_set_member_name(b, "memoryMiB");
  json_builder_add_int_value(b, (gint64)c->memory_mib);
  json_builder_set_member_name(b, "diskGiB");
  json_builder_add_int_value(b, (gint64)c->disk_gib);
  json_builder_set_member_name(b, "preset");
  json_builder_add_string_value(b, bvm_preset_to_string(c->preset));

  json_builder_set_member_name(b, "display");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "width");
  json_builder_add_int_value(b, c->display_width);
  json_builder_set_member_name(b, "height");
  json_builder_add_int_value(b, c->display_height);
  json_builder_end_object(b);

  json_builder_set_member_name(b, "firmware");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "secureBoot");
  json_builder_add_boolean_value(b, c->firmware.secure_boot);
  json_builder_set_member_name(b, "enrolledKeys");
  json_builder_add_boolean_value(b, c->firmware.enrolled_keys);
  json_builder_set_member_name(b, "requiresSmm");
  json_builder_add_boolean_value(b, c->firmware.requires_smm);
  add_string_or_null(b, "code", c->firmware.code);
  add_string_or_null(b, "varsTemplate", c->firmware.vars_template);
  json_builder_end_object(b);

  json_builder_set_member_name(b, "tpm");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "enabled");
  json_builder_add_boolean_value(b, c->tpm_enabled);
  json_builder_end_object(b);

  add_string_or_null(b, "isoPath", c->iso_path);
  add_string_or_null(b, "licenseAcceptedAt", c->license_accepted_at);
  add_string_or_null(b, "createdAt", c->created_at);
  add_string_or_null(b, "startedAt", c->started_at);
  json_builder_set_member_name(b, "commandVersion");
  json_builder_add_int_value(b, c->command_version);
  json_builder_set_member_name(b, "pressKeyOnBoot");
  json_builder_add_boolean_value(b, c->press_key_on_boot);
  json_builder_set_member_name(b, "accel");
  json_builder_add_string_value(b, bvm_accel_to_string(c->accel));

  json_builder_set_member_name(b, "lastExit");
  if (c->last_exit != NULL) {
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, bvm_exit_kind_to_string(c->last_exit->kind));
    add_string_or_null(b, "reason", c->last_exit->reason);
    json_builder_set_member_name(b, "status");
    json_builder_add_int_value(b, c->last_exit->status);
    json_builder_set_member_name(b, "signal");
    json_builder_add_int_value(b, c->last_exit->signal);
    add_string_or_null(b, "at", c->last_exit->at);
    json_builder_end_object(b);
  } else {
    json_builder_add_null_value(b);
  }
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

char *bvm_config_to_data(const BvmConfig *config, gsize *out_len)
{
  g_autoptr(JsonNode) node = bvm_config_to_json(config);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_indent(gen, 2);
  json_generator_set_root(gen, node);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  char *data = g_strconcat(text, "\n", NULL);
  if (out_len != NULL)
    *out_len = strlen(data);
  return data;
}

/* Typed field readers. Each reports the field by its JSON name, so a broken
 * config.json says exactly which key to fix. */

static gboolean get_member(JsonObject *obj, const char *key, gboolean required, JsonNode **out,
                           GError **error)
{
  JsonNode *n = json_object_get_member(obj, key);
  if (n == NULL || JSON_NODE_HOLDS_NULL(n)) {
    if (required) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: '%s' is missing", key);
      return FALSE;
    }
    *out = NULL;
    return TRUE;
  }
  *out = n;
  return TRUE;
}

static gboolean read_string(JsonObject *obj, const char *key, gboolean required, char **out,
                            GError **error)
{
  JsonNode *n;
  if (!get_member(obj, key, required, &n, error))
    return FALSE;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: '%s' must be a string", key);
    return FALSE;
  }
  g_free(*out);
  *out = g_strdup(json_node_get_string(n));
  return TRUE;
}

static gboolean read_int(JsonObject *obj, const char *key, gboolean required, gint64 min,
                         gint64 max, gint64 *out, GError **error)
{
  JsonNode *n;
  if (!get_member(obj, key, required, &n, error))
    return FALSE;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: '%s' must be an integer",
                key);
    return FALSE;
  }
  gint64 v = json_node_get_int(n);
  if (v < min || v > max) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "config: '%s' is %" G_GINT64_FORMAT ", outside %" G_GINT64_FORMAT
                "..%" G_GINT64_FORMAT,
                key, v, min, max);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

static gboolean read_bool(JsonObject *obj, const char *key, gboolean *out, GError **error)
{
  JsonNode *n;
  if (!get_member(obj, key, FALSE, &n, error))
    return FALSE;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: '%s' must be true or false",
                key);
    return FALSE;
  }
  *out = json_node_get_boolean(n);
  return TRUE;
}

static gboolean read_object(JsonObject *obj, const char *key, JsonObject **out, GError **error)
{
  JsonNode *n;
  if (!get_member(obj, key, FALSE, &n, error))
    return FALSE;
  if (n == NULL) {
    *out = NULL;
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_OBJECT(n)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: '%s' must be an object",
                key);
    return FALSE;
  }
  *out = json_node_get_object(n);
  return TRUE;
}

static gboolean bad_enum(const char *key, const char *value, const char *choices, GError **error)
{
  g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
              "config: '%s' is '%s'; it must be one of %s", key, value ? value : "", choices);
  return FALSE;
}

gboolean bvm_config_migrate(JsonObject *obj, int from_version, GError **error)
{
  /* Schema 1 is the first. A future version N adds a step here that turns an
   * N-1 object into an N object in place, e.g.
   *   if (from_version < 2) { rename a key; from_version = 2; }
   * so an old bundle keeps loading after an upgrade. */
  if (from_version < 1) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "config: schemaVersion %d is not a BridgeVM schema", from_version);
    return FALSE;
  }
  json_object_set_int_member(obj, "schemaVersion", BVM_CONFIG_SCHEMA_VERSION);
  return TRUE;
}

BvmConfig *bvm_config_from_json(JsonNode *node, GError **error)
{
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: not a JSON object");
    return NULL;
  }
  JsonObject *obj = json_node_get_object(node);
  g_autoptr(JsonNode) copy = NULL;
  g_autoptr(BvmConfig) c = bvm_config_new();

  gint64 v = 0;
  if (!read_int(obj, "schemaVersion", TRUE, 0, G_MAXINT32, &v, error))
    return NULL;
  if (v < BVM_CONFIG_SCHEMA_VERSION) {
    /* Migration edits the object in place: work on a copy. */
    copy = json_node_copy(node);
    obj = json_node_get_object(copy);
  }
  if (v > BVM_CONFIG_SCHEMA_VERSION) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "config: schemaVersion %" G_GINT64_FORMAT
                " is newer than this BridgeVM understands (%d): upgrade BridgeVM",
                v, BVM_CONFIG_SCHEMA_VERSION);
    return NULL;
  }
  if (v < BVM_CONFIG_SCHEMA_VERSION && !bvm_config_migrate(obj, (int)v, error))
    return NULL;
  c->schema_version = BVM_CONFIG_SCHEMA_VERSION;

  if (!read_string(obj, "id", TRUE, &c->id, error) ||
      !read_string(obj, "name", TRUE, &c->name, error))
    return NULL;
  if (!g_uuid_string_is_valid(c->id)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: 'id' is not a UUID");
    return NULL;
  }
  g_autofree char *word = NULL;
  if (!read_string(obj, "os", TRUE, &word, error))
    return NULL;
  if (!bvm_os_from_string(word, &c->os)) {
    bad_enum("os", word, "windows11, linux, other", error);
    return NULL;
  }
  if (!read_string(obj, "arch", TRUE, &word, error))
    return NULL;
  if (!bvm_arch_from_string(word, &c->arch)) {
    bad_enum("arch", word, "x86_64, aarch64", error);
    return NULL;
  }
  if (!read_int(obj, "cpus", TRUE, 1, 1024, &v, error))
    return NULL;
  c->cpus = (guint)v;
  if (!read_int(obj, "memoryMiB", TRUE, 1, G_GINT64_CONSTANT(1) << 32, &v, error))
    return NULL;
  c->memory_mib = (guint64)v;
  if (!read_int(obj, "diskGiB", TRUE, 1, G_GINT64_CONSTANT(1) << 24, &v, error))
    return NULL;
  c->disk_gib = (guint64)v;
  c->preset = BVM_PRESET_CUSTOM;
  g_clear_pointer(&word, g_free);
  if (!read_string(obj, "preset", FALSE, &word, error))
    return NULL;
  if (word != NULL && !bvm_preset_from_string(word, &c->preset)) {
    bad_enum("preset", word, "light, recommended, pro, custom", error);
    return NULL;
  }

  JsonObject *sub = NULL;
  if (!read_object(obj, "display", &sub, error))
    return NULL;
  if (sub != NULL) {
    v = c->display_width;
    if (!read_int(sub, "width", FALSE, 320, 16384, &v, error))
      return NULL;
    c->display_width = (guint)v;
    v = c->display_height;
    if (!read_int(sub, "height", FALSE, 200, 16384, &v, error))
      return NULL;
    c->display_height = (guint)v;
  }
  if (!read_object(obj, "firmware", &sub, error))
    return NULL;
  if (sub != NULL) {
    if (!read_bool(sub, "secureBoot", &c->firmware.secure_boot, error) ||
        !read_bool(sub, "enrolledKeys", &c->firmware.enrolled_keys, error) ||
        !read_bool(sub, "requiresSmm", &c->firmware.requires_smm, error) ||
        !read_string(sub, "code", FALSE, &c->firmware.code, error) ||
        !read_string(sub, "varsTemplate", FALSE, &c->firmware.vars_template, error))
      return NULL;
  }
  if (!read_object(obj, "tpm", &sub, error))
    return NULL;
  if (sub != NULL && !read_bool(sub, "enabled", &c->tpm_enabled, error))
    return NULL;

  if (!read_string(obj, "isoPath", FALSE, &c->iso_path, error) ||
      !read_string(obj, "licenseAcceptedAt", FALSE, &c->license_accepted_at, error) ||
      !read_string(obj, "createdAt", FALSE, &c->created_at, error) ||
      !read_string(obj, "startedAt", FALSE, &c->started_at, error) ||
      !read_bool(obj, "pressKeyOnBoot", &c->press_key_on_boot, error))
    return NULL;
  g_clear_pointer(&word, g_free);
  if (!read_string(obj, "accel", FALSE, &word, error))
    return NULL;
  if (word != NULL && !bvm_accel_from_string(word, &c->accel)) {
    bad_enum("accel", word, "auto, kvm, hvf, tcg", error);
    return NULL;
  }
  v = BVM_COMMAND_VERSION;
  if (!read_int(obj, "commandVersion", FALSE, 0, G_MAXINT32, &v, error))
    return NULL;
  c->command_version = (guint)v;

  if (!read_object(obj, "lastExit", &sub, error))
    return NULL;
  if (sub != NULL) {
    BvmLastExit *e = g_new0(BvmLastExit, 1);
    c->last_exit = e;
    gint64 status = -1, sig = 0;
    e->kind = BVM_EXIT_KIND_GUEST;
    g_clear_pointer(&word, g_free);
    if (!read_string(sub, "kind", FALSE, &word, error))
      return NULL;
    if (word != NULL && !bvm_exit_kind_from_string(word, &e->kind)) {
      bad_enum("lastExit.kind", word, "guest, user, crash, failed", error);
      return NULL;
    }
    if (!read_string(sub, "reason", FALSE, &e->reason, error) ||
        !read_int(sub, "status", FALSE, -1, 255, &status, error) ||
        !read_int(sub, "signal", FALSE, 0, 128, &sig, error) ||
        !read_string(sub, "at", FALSE, &e->at, error))
      return NULL;
    e->status = (int)status;
    e->signal = (int)sig;
  }
  return g_steal_pointer(&c);
}

/* The members bvm_config_to_json writes. */
#define CANONICAL_MEMBERS 20

static gboolean same_word(JsonObject *obj, const char *key, const char *word)
{
  return g_strcmp0(json_object_get_string_member_with_default(obj, key, ""), word) == 0;
}

/* Exactly what bvm_config_to_json would write for @c, in substance: the
 * current schema, every member and no other, enum words spelled our way. */
static gboolean is_canonical(JsonObject *obj, const BvmConfig *c)
{
  return json_object_get_size(obj) == CANONICAL_MEMBERS &&
         json_object_get_int_member_with_default(obj, "schemaVersion", 0) ==
             BVM_CONFIG_SCHEMA_VERSION &&
         same_word(obj, "os", bvm_os_to_string(c->os)) &&
         same_word(obj, "arch", bvm_arch_to_string(c->arch)) &&
         same_word(obj, "preset", bvm_preset_to_string(c->preset)) &&
         same_word(obj, "accel", bvm_accel_to_string(c->accel));
}

BvmConfig *bvm_config_from_data(const char *data, gssize len, GError **error)
{
  return bvm_config_from_data_full(data, len, NULL, error);
}

BvmConfig *bvm_config_from_data_full(const char *data, gssize len, JsonNode **out_node,
                                     GError **error)
{
  g_return_val_if_fail(data != NULL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) local = NULL;
  if (!json_parser_load_from_data(parser, data, len, &local)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: invalid JSON: %s",
                local->message);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(parser);
  BvmConfig *c = bvm_config_from_json(root, error);
  /* A file we wrote is already the canonical JSON: callers that show it
   * can use the parsed tree instead of building it again. */
  if (out_node != NULL)
    *out_node = c != NULL && is_canonical(json_node_get_object(root), c)
                    ? json_parser_steal_root(parser)
                    : NULL;
  return c;
}

/* config.json is small; anything past this is not ours. */
#define CONFIG_MAX_BYTES (1024 * 1024)

BvmConfig *bvm_config_load(const char *bundle_dir, GError **error)
{
  return bvm_config_load_full(bundle_dir, NULL, error);
}

BvmConfig *bvm_config_load_full(const char *bundle_dir, JsonNode **out_node, GError **error)
{
  g_autofree char *path = g_build_filename(bundle_dir, "config.json", NULL);
  /* open + read + close, no stat: `list` reads every bundle's config. */
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, saved == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_IO,
                "cannot read %s: %s", path, g_strerror(saved));
    return NULL;
  }
  g_autoptr(GString) data = g_string_sized_new(4096);
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || data->len + (gsize)n > CONFIG_MAX_BYTES) {
      int saved = errno;
      close(fd);
      if (n < 0)
        g_set_error(error, BVM_ERROR, BVM_ERROR_IO, "cannot read %s: %s", path, g_strerror(saved));
      else
        g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "%s is larger than %d bytes",
                    path, CONFIG_MAX_BYTES);
      return NULL;
    }
    g_string_append_len(data, buf, n);
  }
  close(fd);
  BvmConfig *c = bvm_config_from_data_full(data->str, (gssize)data->len, out_node, error);
  if (c == NULL)
    g_prefix_error(error, "%s: ", path);
  return c;
}

gboolean bvm_config_save(const BvmConfig *config, const char *bundle_dir, GError **error)
{
  g_autofree char *path = g_build_filename(bundle_dir, "config.json", NULL);
  gsize len = 0;
  g_autofree char *data = bvm_config_to_data(config, &len);
  return bvm_file_write_atomic(path, data, (gssize)len, 0600, error);
}
