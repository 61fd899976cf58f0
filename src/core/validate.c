#include "validate.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

gboolean bvm_validate_name(const char *name, GError **error)
{
  if (name == NULL || *name == '\0') {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the VM name is empty: give a name of 1 to %d characters", BVM_NAME_MAX_CHARS);
    return FALSE;
  }
  if (!g_utf8_validate(name, -1, NULL)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the VM name is not valid UTF-8: use plain text");
    return FALSE;
  }
  glong chars = g_utf8_strlen(name, -1);
  if (chars > BVM_NAME_MAX_CHARS) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the VM name has %ld characters: use at most %d", chars, BVM_NAME_MAX_CHARS);
    return FALSE;
  }
  /* The bundle dir is NAME.bridgevm and must fit a file name (255 bytes). */
  if (strlen(name) > BVM_NAME_MAX_BYTES) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the VM name takes %zu bytes: use at most %d (fewer non-ASCII characters)",
                strlen(name), BVM_NAME_MAX_BYTES);
    return FALSE;
  }
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "'%s' cannot be a VM name: choose another", name);
    return FALSE;
  }
  for (const char *p = name; *p; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (c == '/') {
      g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                  "the VM name '%s' contains '/': names cannot contain slashes", name);
      return FALSE;
    }
    if (g_unichar_iscntrl(c)) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                  "the VM name contains a control character (U+%04X): use printable characters",
                  (guint)c);
      return FALSE;
    }
  }
  if (g_ascii_isspace(name[0]) || g_ascii_isspace(name[strlen(name) - 1])) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the VM name '%s' starts or ends with a space: remove it", name);
    return FALSE;
  }
  return TRUE;
}

#define ISO_SECTOR 2048

gboolean bvm_validate_iso(const char *path, GError **error)
{
  if (path == NULL || *path == '\0') {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "no ISO given: pass --iso PATH to an installer image");
    return FALSE;
  }
  struct stat st;
  if (stat(path, &st) != 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR,
                saved == ENOENT ? BVM_ERROR_NOT_FOUND : BVM_ERROR_INVALID_ARGUMENT,
                "ISO %s: %s: check the path", path, g_strerror(saved));
    return FALSE;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "ISO %s is not a regular file%s: give the path of an .iso image", path,
                S_ISDIR(st.st_mode) ? " but a directory" : "");
    return FALSE;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "ISO %s cannot be read: %s: fix its permissions", path, g_strerror(saved));
    return FALSE;
  }
  /* Volume descriptors start at sector 16; the identifier is at byte 1. UDF
   * images carry a Volume Recognition Sequence there instead. */
  gboolean found = FALSE;
  for (int sector = 16; sector < 32 && !found; sector++) {
    char id[6] = {0};
    ssize_t n = pread(fd, id, 5, (off_t)sector * ISO_SECTOR + 1);
    if (n != 5)
      break;
    found = memcmp(id, "CD001", 5) == 0 || memcmp(id, "BEA01", 5) == 0 ||
            memcmp(id, "NSR02", 5) == 0 || memcmp(id, "NSR03", 5) == 0;
  }
  close(fd);
  if (!found) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "%s is not an ISO image (no ISO 9660 or UDF signature): download the installer ISO again or pick the right file",
        path);
    return FALSE;
  }
  return TRUE;
}

guint64 bvm_validate_memory_max_mib(const BvmHostInfo *host)
{
  if (host->memory_mib <= BVM_MEMORY_MIN_MIB + BVM_HOST_RESERVE_MIB)
    return BVM_MEMORY_MIN_MIB;
  return host->memory_mib - BVM_HOST_RESERVE_MIB;
}

gboolean bvm_validate_resources(const BvmConfig *c, const BvmHostInfo *host, GError **error)
{
  if (c->cpus < 1 || (host->cores > 0 && c->cpus > host->cores)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "%u vCPUs is out of range: this host allows 1 to %u", c->cpus, host->cores);
    return FALSE;
  }
  guint64 mem_max = bvm_validate_memory_max_mib(host);
  if (c->memory_mib < BVM_MEMORY_MIN_MIB || c->memory_mib > mem_max) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "memory %" G_GUINT64_FORMAT " MiB is out of range: use %d MiB to %" G_GUINT64_FORMAT
                " MiB (host memory less 2 GiB)",
                c->memory_mib, BVM_MEMORY_MIN_MIB, mem_max);
    return FALSE;
  }
  if (c->disk_gib < BVM_DISK_MIN_GIB || c->disk_gib > BVM_DISK_MAX_GIB) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "disk %" G_GUINT64_FORMAT " GiB is out of range: use 1 GiB to 16 TiB", c->disk_gib);
    return FALSE;
  }
  if (c->display_width < 640 || c->display_width > 7680 || c->display_height < 480 ||
      c->display_height > 4320) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "resolution %ux%u is out of range: use 640x480 to 7680x4320", c->display_width,
                c->display_height);
    return FALSE;
  }
  return TRUE;
}

gboolean bvm_validate_windows11(const BvmConfig *c, GError **error)
{
  if (c->os != BVM_OS_WINDOWS11)
    return TRUE;
  if (c->cpus < BVM_WINDOWS11_MIN_CPUS) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "Windows 11 needs at least 2 vCPUs (asked for %u): use --cpus 2 or a preset",
                c->cpus);
    return FALSE;
  }
  if (c->memory_mib < BVM_WINDOWS11_MIN_MEMORY_MIB) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "Windows 11 needs at least 4 GiB of memory (asked for %" G_GUINT64_FORMAT
                " MiB): use --memory 4G or more",
                c->memory_mib);
    return FALSE;
  }
  if (c->disk_gib < BVM_WINDOWS11_MIN_DISK_GIB) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "Windows 11 needs a disk of at least 64 GiB (asked for %" G_GUINT64_FORMAT
                " GiB): use --disk 64G or more",
                c->disk_gib);
    return FALSE;
  }
  if (!c->tpm_enabled) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "Windows 11 needs a TPM 2.0: drop --no-tpm");
    return FALSE;
  }
  if (!c->firmware.secure_boot) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "Windows 11 needs Secure Boot: drop --no-secure-boot");
    return FALSE;
  }
  if (c->license_accepted_at == NULL) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_PERMISSION,
        "Windows 11 needs your acknowledgment of the Microsoft Software License Terms: read them and pass --accept-license");
    return FALSE;
  }
  return TRUE;
}

gboolean bvm_validate_resolution(const char *text, guint *out_width, guint *out_height,
                                 GError **error)
{
  guint64 w = 0, h = 0;
  char *end = NULL;
  if (text != NULL && g_ascii_isdigit(text[0])) {
    w = g_ascii_strtoull(text, &end, 10);
    if (end != NULL && (*end == 'x' || *end == 'X') && g_ascii_isdigit(end[1])) {
      const char *rest = end + 1;
      h = g_ascii_strtoull(rest, &end, 10);
    } else {
      end = NULL;
    }
  }
  if (end == NULL || *end != '\0' || w == 0 || h == 0 || w > 16384 || h > 16384) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "invalid resolution '%s': use WIDTHxHEIGHT, like 1920x1080", text ? text : "");
    return FALSE;
  }
  *out_width = (guint)w;
  *out_height = (guint)h;
  return TRUE;
}

JsonNode *bvm_validate_iso_result_to_json(const char *path, const GError *error)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "path");
  json_builder_add_string_value(b, path);
  json_builder_set_member_name(b, "valid");
  json_builder_add_boolean_value(b, error == NULL);
  json_builder_set_member_name(b, "message");
  if (error == NULL)
    json_builder_add_null_value(b);
  else
    json_builder_add_string_value(b, error->message);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

gboolean bvm_validate_accel(const BvmConfig *c, const BvmHostInfo *host, GError **error)
{
  const char *missing = NULL;
  if ((c->accel == BVM_ACCEL_KVM || c->accel == BVM_ACCEL_HVF) && c->arch != host->arch)
    missing = "the guest's architecture differs from the host's";
  else if (c->accel == BVM_ACCEL_KVM && (host->os != BVM_HOST_OS_LINUX || !host->kvm))
    missing = "this host has no usable /dev/kvm";
  else if (c->accel == BVM_ACCEL_HVF && (host->os != BVM_HOST_OS_MACOS || !host->hvf))
    missing = "this host has no Hypervisor.framework";
  if (missing == NULL)
    return TRUE;
  g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
              "accelerator %s cannot run VM '%s': %s; use auto or tcg",
              bvm_accel_to_string(c->accel), c->name, missing);
  return FALSE;
}
