/* The VM record: config.json <-> BvmConfig. Pure: parsing and serialising do
 * no I/O; bvm_config_load/save are the only functions that touch files. */
#pragma once

#include "forwards.h"
#include "jsonfields.h"
#include "shares.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BVM_CONFIG_SCHEMA_VERSION 1
/* Bumped whenever the QEMU command builder changes the argv it makes for an
 * unchanged config; recorded in config.json by `start` and `command`. */
#define BVM_COMMAND_VERSION 4

typedef enum { BVM_OS_WINDOWS11, BVM_OS_LINUX, BVM_OS_OTHER, BVM_OS_N } BvmOs;
typedef enum { BVM_ARCH_X86_64, BVM_ARCH_AARCH64, BVM_ARCH_N } BvmArch;
typedef enum {
  BVM_PRESET_LIGHT,
  BVM_PRESET_RECOMMENDED,
  BVM_PRESET_PRO,
  BVM_PRESET_CUSTOM,
  BVM_PRESET_N
} BvmPreset;

/* One string table per enum, so CLI, JSON and logs say the same word.
 * from_string returns FALSE for unknown words. */
const char *bvm_os_to_string(BvmOs os);
gboolean bvm_os_from_string(const char *s, BvmOs *out_os);
const char *bvm_arch_to_string(BvmArch arch);
gboolean bvm_arch_from_string(const char *s, BvmArch *out_arch);
/* The accelerator a VM asks for: auto picks the fastest that works here
 * (HVF, KVM, else TCG); the others are used as asked, or refused. */
typedef enum { BVM_ACCEL_AUTO, BVM_ACCEL_KVM, BVM_ACCEL_HVF, BVM_ACCEL_TCG, BVM_ACCEL_N } BvmAccel;
const char *bvm_accel_to_string(BvmAccel accel);
gboolean bvm_accel_from_string(const char *s, BvmAccel *out_accel);
const char *bvm_preset_to_string(BvmPreset preset);
gboolean bvm_preset_from_string(const char *s, BvmPreset *out_preset);
/* The same string tables, for the JSON readers (jsonread.h). */
extern const BvmJsonWords bvm_os_words;
extern const BvmJsonWords bvm_arch_words; /* with the aliases amd64, x64, arm64 */
extern const BvmJsonWords bvm_preset_words;
/* The presets one can ask for: all but custom (what a VM has without one). */
extern const BvmJsonWords bvm_preset_choice_words;
extern const BvmJsonWords bvm_accel_words;

/* The firmware chosen at create time (see firmware.h). Paths are absolute. */
typedef struct {
  gboolean secure_boot;   /* the user's wish: secure boot on */
  gboolean enrolled_keys; /* the chosen vars template has Microsoft keys enrolled */
  gboolean requires_smm;  /* the code image needs -machine smm=on + secure pflash */
  char *code;             /* pflash 0, read-only */
  char *vars_template;    /* copied to the bundle's efi-vars.fd */
} BvmFirmwareChoice;

/* How a VM's last run ended: decides stopped vs crashed. */
typedef enum {
  BVM_EXIT_KIND_GUEST,  /* the guest powered off or rebooted out */
  BVM_EXIT_KIND_USER,   /* stop/kill asked for it */
  BVM_EXIT_KIND_CRASH,  /* QEMU died: a signal, an error, the monitor vanished */
  BVM_EXIT_KIND_FAILED, /* QEMU or swtpm never got running */
  BVM_EXIT_KIND_N
} BvmExitKind;
const char *bvm_exit_kind_to_string(BvmExitKind kind);
gboolean bvm_exit_kind_from_string(const char *s, BvmExitKind *out_kind);
extern const BvmJsonWords bvm_exit_kind_words;

typedef struct {
  BvmExitKind kind;
  char *reason; /* human text: "guest powered off", "QEMU killed by signal 9" */
  int status;   /* exit status, or -1 */
  int signal;   /* terminating signal, or 0 */
  char *at;     /* ISO-8601 UTC */
} BvmLastExit;

typedef struct {
  int schema_version;
  char *id;   /* uuid */
  char *name; /* 1..64 chars, see validate.h */
  BvmOs os;
  BvmArch arch;
  guint cpus;
  guint64 memory_mib;
  guint64 disk_gib;
  BvmPreset preset;
  guint display_width;
  guint display_height;
  BvmFirmwareChoice firmware;
  gboolean tpm_enabled;
  char *iso_path;            /* NULL when no ISO attached */
  char *drivers_iso_path;    /* the virtio-win CD (media.h), or NULL */
  char *license_accepted_at; /* NULL unless acknowledged */
  char *created_at;
  char *started_at; /* NULL until first start */
  guint command_version;
  gboolean press_key_on_boot; /* answer "Press any key to boot from CD" (Windows) */
  BvmAccel accel;             /* auto unless the user picked one */
  BvmLastExit *last_exit;     /* NULL when never exited */
  GPtrArray *forwards;        /* BvmForward *: host ports into the guest; NULL: none */
  GPtrArray *shares;          /* BvmShare *: host folders the guest mounts; NULL: none */
} BvmConfig;

BvmConfig *bvm_config_new(void);
BvmConfig *bvm_config_copy(const BvmConfig *config);
void bvm_config_free(BvmConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BvmConfig, bvm_config_free)

/* Record how the VM's last run ended (replaces any earlier record). */
void bvm_config_set_last_exit(BvmConfig *config, BvmExitKind kind, const char *reason, int status,
                              int signal);

/* camelCase JSON as documented in docs/api.md, written, read and checked
 * from one table of fields (the table, for tests). */
const BvmJsonField *bvm_config_json_fields(void);
JsonNode *bvm_config_to_json(const BvmConfig *config);
char *bvm_config_to_data(const BvmConfig *config, gsize *out_len);
/* Parses and validates the shape (types, enum words, ranges that make a
 * record meaningless); migrates older schema versions. Rejects newer ones. */
BvmConfig *bvm_config_from_json(JsonNode *node, GError **error);
BvmConfig *bvm_config_from_data(const char *data, gssize len, GError **error);

/* Migration hook: upgrade @obj (a config object of @from_version) in place to
 * BVM_CONFIG_SCHEMA_VERSION. */
gboolean bvm_config_migrate(JsonObject *obj, int from_version, GError **error);

/* With *out_node (optional) the parsed JSON when the file is of the current
 * schema (so it already is what bvm_config_to_json would build), else NULL. */
BvmConfig *bvm_config_from_data_full(const char *data, gssize len, JsonNode **out_node,
                                     GError **error);

/* Read/write config.json in @bundle_dir; save is atomic, mode 0600. */
BvmConfig *bvm_config_load(const char *bundle_dir, GError **error);
BvmConfig *bvm_config_load_full(const char *bundle_dir, JsonNode **out_node, GError **error);
gboolean bvm_config_save(const BvmConfig *config, const char *bundle_dir, GError **error);

G_END_DECLS
