#include "config.h"
#include "error.h"
#include "jsonfields.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

static const char *const os_names[BVM_OS_N] = {"windows11", "linux", "other"};
static const char *const arch_names[BVM_ARCH_N] = {"x86_64", "aarch64"};
static const char *const preset_names[BVM_PRESET_N] = {"light", "recommended", "pro", "custom"};
static const char *const accel_names[BVM_ACCEL_N] = {"auto", "kvm", "hvf", "tcg"};
static const char *const exit_kind_names[BVM_EXIT_KIND_N] = {"guest", "user", "crash", "failed"};
/* Other common spellings of the two architectures. */
static const char *const arch_aliases[] = {"amd64", "x86_64",  "x64", "x86_64",
                                           "arm64", "aarch64", NULL};

const BvmJsonWords bvm_os_words = {os_names, BVM_OS_N, NULL};
const BvmJsonWords bvm_arch_words = {arch_names, BVM_ARCH_N, arch_aliases};
const BvmJsonWords bvm_preset_words = {preset_names, BVM_PRESET_N, NULL};
const BvmJsonWords bvm_preset_choice_words = {preset_names, BVM_PRESET_CUSTOM, NULL};
const BvmJsonWords bvm_accel_words = {accel_names, BVM_ACCEL_N, NULL};
const BvmJsonWords bvm_exit_kind_words = {exit_kind_names, BVM_EXIT_KIND_N, NULL};

/* The JSON field tables store enums as guint. */
G_STATIC_ASSERT(sizeof(BvmOs) == sizeof(guint) && sizeof(BvmArch) == sizeof(guint) &&
                sizeof(BvmPreset) == sizeof(guint) && sizeof(BvmAccel) == sizeof(guint) &&
                sizeof(BvmExitKind) == sizeof(guint));

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
  if (!bvm_jsonread_words_lookup(&bvm_arch_words, s, &i))
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

/* A lastExit record before its members are read: one that says nothing
 * more is a guest's exit with no status. */
static gpointer last_exit_new(void)
{
  BvmLastExit *e = g_new0(BvmLastExit, 1);
  e->kind = BVM_EXIT_KIND_GUEST;
  e->status = -1;
  return e;
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

/* GCopyFunc for the lists (the copies keep the lists' free functions). */
static gpointer forward_copy(gconstpointer f, gpointer unused)
{
  return bvm_forward_copy(f);
}

static gpointer share_copy(gconstpointer s, gpointer unused)
{
  return bvm_share_copy(s);
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
  c->drivers_iso_path = g_strdup(config->drivers_iso_path);
  c->license_accepted_at = g_strdup(config->license_accepted_at);
  c->created_at = g_strdup(config->created_at);
  c->started_at = g_strdup(config->started_at);
  c->last_exit = last_exit_copy(config->last_exit);
  c->forwards =
      config->forwards != NULL ? g_ptr_array_copy(config->forwards, forward_copy, NULL) : NULL;
  c->shares = config->shares != NULL ? g_ptr_array_copy(config->shares, share_copy, NULL) : NULL;
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
  g_free(config->drivers_iso_path);
  g_free(config->license_accepted_at);
  g_free(config->created_at);
  g_free(config->started_at);
  last_exit_free(config->last_exit);
  g_clear_pointer(&config->forwards, g_ptr_array_unref);
  g_clear_pointer(&config->shares, g_ptr_array_unref);
  g_free(config);
}

/* The JSON form, in the order it is written. Members absent on reading keep
 * bvm_config_new's defaults. */
#define CFG(member) offsetof(BvmConfig, member)
#define LAST_EXIT(member) offsetof(BvmLastExit, member)

static const BvmJsonField display_fields[] = {
    {"width", BVM_FIELD_UINT, CFG(display_width), 0, 320, 16384},
    {"height", BVM_FIELD_UINT, CFG(display_height), 0, 200, 16384},
    {NULL},
};

static const BvmJsonField firmware_fields[] = {
    {"secureBoot", BVM_FIELD_BOOL, CFG(firmware.secure_boot)},
    {"enrolledKeys", BVM_FIELD_BOOL, CFG(firmware.enrolled_keys)},
    {"requiresSmm", BVM_FIELD_BOOL, CFG(firmware.requires_smm)},
    {"code", BVM_FIELD_STRING, CFG(firmware.code)},
    {"varsTemplate", BVM_FIELD_STRING, CFG(firmware.vars_template)},
    {NULL},
};

static const BvmJsonField tpm_fields[] = {
    {"enabled", BVM_FIELD_BOOL, CFG(tpm_enabled)},
    {NULL},
};

static const BvmJsonField last_exit_fields[] = {
    {"kind", BVM_FIELD_WORD, LAST_EXIT(kind), .words = &bvm_exit_kind_words},
    {"reason", BVM_FIELD_STRING, LAST_EXIT(reason)},
    {"status", BVM_FIELD_INT, LAST_EXIT(status), 0, -1, 255},
    {"signal", BVM_FIELD_INT, LAST_EXIT(signal), 0, 0, 128},
    {"at", BVM_FIELD_STRING, LAST_EXIT(at)},
    {NULL},
};

static void forwards_write(JsonBuilder *b, gconstpointer base)
{
  bvm_forward_write_json_array(((const BvmConfig *)base)->forwards, b);
}

static gboolean forwards_read(const BvmJsonReader *r, JsonObject *obj, const char *key,
                              gpointer base, GError **error)
{
  return bvm_forward_read_json_array(r, obj, key, &((BvmConfig *)base)->forwards, error);
}

static void shares_write(JsonBuilder *b, gconstpointer base)
{
  bvm_share_write_json_array(((const BvmConfig *)base)->shares, b);
}

static gboolean shares_read(const BvmJsonReader *r, JsonObject *obj, const char *key, gpointer base,
                            GError **error)
{
  return bvm_share_read_json_array(r, obj, key, &((BvmConfig *)base)->shares, error);
}

static const BvmJsonField config_fields[] = {
    {"schemaVersion", BVM_FIELD_INT, CFG(schema_version), BVM_FIELD_REQUIRED, 0, G_MAXINT32},
    {"id", BVM_FIELD_STRING, CFG(id), BVM_FIELD_REQUIRED},
    {"name", BVM_FIELD_STRING, CFG(name), BVM_FIELD_REQUIRED},
    {"os", BVM_FIELD_WORD, CFG(os), BVM_FIELD_REQUIRED, .words = &bvm_os_words},
    {"arch", BVM_FIELD_WORD, CFG(arch), BVM_FIELD_REQUIRED, .words = &bvm_arch_words},
    {"cpus", BVM_FIELD_UINT, CFG(cpus), BVM_FIELD_REQUIRED, 1, 1024},
    {"memoryMiB", BVM_FIELD_UINT64, CFG(memory_mib), BVM_FIELD_REQUIRED, 1,
     G_GINT64_CONSTANT(1) << 32},
    {"diskGiB", BVM_FIELD_UINT64, CFG(disk_gib), BVM_FIELD_REQUIRED, 1, G_GINT64_CONSTANT(1) << 24},
    {"preset", BVM_FIELD_WORD, CFG(preset), .words = &bvm_preset_words},
    {"display", BVM_FIELD_OBJECT, .fields = display_fields},
    {"firmware", BVM_FIELD_OBJECT, .fields = firmware_fields},
    {"tpm", BVM_FIELD_OBJECT, .fields = tpm_fields},
    {"isoPath", BVM_FIELD_STRING, CFG(iso_path)},
    {"driversIsoPath", BVM_FIELD_STRING, CFG(drivers_iso_path)},
    {"licenseAcceptedAt", BVM_FIELD_STRING, CFG(license_accepted_at)},
    {"createdAt", BVM_FIELD_STRING, CFG(created_at)},
    {"startedAt", BVM_FIELD_STRING, CFG(started_at)},
    {"commandVersion", BVM_FIELD_UINT, CFG(command_version), 0, 0, G_MAXINT32},
    {"pressKeyOnBoot", BVM_FIELD_BOOL, CFG(press_key_on_boot)},
    {"accel", BVM_FIELD_WORD, CFG(accel), .words = &bvm_accel_words},
    {"lastExit", BVM_FIELD_OBJECT, CFG(last_exit), .fields = last_exit_fields,
     .object_new = last_exit_new},
    /* written once a VM has had any (older records lack them) */
    {"forwards", BVM_FIELD_CUSTOM, CFG(forwards), BVM_FIELD_OMIT_UNSET, .write = forwards_write,
     .read = forwards_read},
    {"shares", BVM_FIELD_CUSTOM, CFG(shares), BVM_FIELD_OMIT_UNSET, .write = shares_write,
     .read = shares_read},
    {NULL},
};

const BvmJsonField *bvm_config_json_fields(void)
{
  return config_fields;
}

JsonNode *bvm_config_to_json(const BvmConfig *c)
{
  g_return_val_if_fail(c != NULL, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new();
  bvm_jsonfields_write(config_fields, c, b);
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

/* A broken config.json says exactly which key to fix, by its JSON name. */
static void config_fault(const BvmJsonFault *f, GError **error)
{
  static const char *const mistyped[] = {
      [BVM_JSON_STRING] = "a string",    [BVM_JSON_INT] = "an integer",
      [BVM_JSON_BOOL] = "true or false", [BVM_JSON_WORD] = "a string",
      [BVM_JSON_OBJECT] = "an object",   [BVM_JSON_STRV] = "a list of strings",
  };
  g_autofree char *choices = NULL;
  switch (f->problem) {
  case BVM_JSON_MISSING:
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: '%s' is missing", f->name);
    break;
  case BVM_JSON_MISTYPED:
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: '%s' must be %s", f->name,
                mistyped[f->kind]);
    break;
  case BVM_JSON_OUT_OF_RANGE:
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "config: '%s' is %" G_GINT64_FORMAT ", outside %" G_GINT64_FORMAT
                "..%" G_GINT64_FORMAT,
                f->name, f->value, f->min, f->max);
    break;
  case BVM_JSON_UNKNOWN_WORD:
    choices = bvm_jsonread_words_join(f->words, ", ");
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "config: '%s' is '%s'; it must be one of %s", f->name, f->word, choices);
    break;
  }
}

static const BvmJsonReader config_reader = {.report = config_fault, .null_is_absent = TRUE};

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
  if (!bvm_jsonread_int(&config_reader, obj, "schemaVersion", TRUE, 0, G_MAXINT32, &v, error))
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
  /* a record without a preset was made by hand */
  c->preset = BVM_PRESET_CUSTOM;
  if (!bvm_jsonfields_read(config_fields, &config_reader, obj, c, error))
    return NULL;
  if (!g_uuid_string_is_valid(c->id)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "config: 'id' is not a UUID");
    return NULL;
  }
  return g_steal_pointer(&c);
}

/* Exactly what bvm_config_to_json would write for @c, in substance: the
 * current schema, every member and no other, enum words spelled our way. */
static gboolean is_canonical(JsonObject *obj, const BvmConfig *c)
{
  return bvm_jsonfields_canonical(config_fields, obj, c);
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
