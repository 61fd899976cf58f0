#include "media.h"
#include "bvm-build-config.h"
#include "error.h"
#include "util.h"
#include "validate.h"

#include <osinfo/osinfo.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* libosinfo 1.10 leaks small allocations of its own (the loader's file
 * bookkeeping, a location string per media read), and LeakSanitizer builds
 * (scripts/test's build-asan) would fail every command that identifies an
 * ISO: what is allocated inside its calls is not counted as a leak. A
 * suppression by module cannot do it (glib has no frame pointers, so the
 * fast unwinder never reaches libosinfo's frames). */
#if defined(__SANITIZE_ADDRESS__)
#define BVM_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BVM_LSAN 1
#endif
#endif
#ifdef BVM_LSAN
void __lsan_disable(void);
void __lsan_enable(void);
#define OSINFO_CALLS_BEGIN() __lsan_disable()
#define OSINFO_CALLS_END() __lsan_enable()
#else
#define OSINFO_CALLS_BEGIN() ((void)0)
#define OSINFO_CALLS_END() ((void)0)
#endif

void bvm_media_free(BvmMedia *media)
{
  if (media == NULL)
    return;
  g_free(media->short_id);
  g_free(media->name);
  g_free(media->arch_name);
  g_free(media);
}

char *bvm_media_osinfo_dir(void)
{
  const char *env = g_getenv("BVM_OSINFO_DIR");
  if (env != NULL && *env != '\0')
    return g_strdup(env);
  /* Installed, then the source tree (a build run in place). */
  g_autofree char *installed = g_build_filename(BVM_DATADIR, "osinfo", NULL);
  if (g_file_test(installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer(&installed);
  return g_build_filename(BVM_SOURCE_DIR, "data", "osinfo", NULL);
}

/* Every media arch of @ours is one @have has media for. */
static gboolean os_covers(OsinfoOs *have, OsinfoOs *ours)
{
  g_autoptr(OsinfoMediaList) want = osinfo_os_get_media_list(ours);
  g_autoptr(OsinfoMediaList) got = osinfo_os_get_media_list(have);
  for (int i = 0; i < osinfo_list_get_length(OSINFO_LIST(want)); i++) {
    OsinfoMedia *w = OSINFO_MEDIA(osinfo_list_get_nth(OSINFO_LIST(want), i));
    gboolean found = FALSE;
    for (int j = 0; j < osinfo_list_get_length(OSINFO_LIST(got)) && !found; j++) {
      OsinfoMedia *g = OSINFO_MEDIA(osinfo_list_get_nth(OSINFO_LIST(got), j));
      found = g_strcmp0(osinfo_media_get_architecture(w), osinfo_media_get_architecture(g)) == 0;
    }
    if (!found)
      return FALSE;
  }
  return TRUE;
}

/* The system's osinfo-db, with our entries added where it lacks them.
 * libosinfo replaces an OS loaded twice rather than merging the two, so
 * our file for an OS is whole and goes in only when the system's entry has
 * no media for an arch ours has: a newer osinfo-db takes over. Loaded once
 * per process (about 0.3 s); a load failure leaves what did load. */
static OsinfoDb *database(void)
{
  static OsinfoLoader *system;
  if (g_once_init_enter(&system)) {
    OSINFO_CALLS_BEGIN();
    OsinfoLoader *loader = osinfo_loader_new();
    g_autoptr(GError) ignored = NULL;
    osinfo_loader_process_default_path(loader, &ignored);
    g_autoptr(OsinfoLoader) local = osinfo_loader_new();
    g_autofree char *dir = bvm_media_osinfo_dir();
    g_autoptr(GError) local_error = NULL;
    osinfo_loader_process_path(local, dir, &local_error);
    OsinfoDb *db = osinfo_loader_get_db(loader);
    g_autoptr(OsinfoOsList) ours = osinfo_db_get_os_list(osinfo_loader_get_db(local));
    for (int i = 0; i < osinfo_list_get_length(OSINFO_LIST(ours)); i++) {
      OsinfoOs *os = OSINFO_OS(osinfo_list_get_nth(OSINFO_LIST(ours), i));
      OsinfoOs *have = osinfo_db_get_os(db, osinfo_entity_get_id(OSINFO_ENTITY(os)));
      if (have == NULL || !os_covers(have, os))
        osinfo_db_add_os(db, os);
    }
    OSINFO_CALLS_END();
    g_once_init_leave(&system, loader);
  }
  return osinfo_loader_get_db(system);
}

const char *bvm_media_arch_label(BvmArch arch)
{
  return arch == BVM_ARCH_AARCH64 ? "ARM64" : "x64";
}

static guint64 mib(gint64 bytes)
{
  return bytes > 0 ? (guint64)bytes >> 20 : 0;
}

static guint64 gib(gint64 bytes)
{
  return bytes > 0 ? (guint64)((bytes + (1 << 30) - 1) >> 30) : 0;
}

/* The resources of @list for @arch, else those for every arch ("all"). */
static OsinfoResources *resources_for(OsinfoResourcesList *list, const char *arch)
{
  OsinfoResources *all = NULL;
  for (int i = 0; i < osinfo_list_get_length(OSINFO_LIST(list)); i++) {
    OsinfoResources *r = OSINFO_RESOURCES(osinfo_list_get_nth(OSINFO_LIST(list), i));
    const char *a = osinfo_resources_get_architecture(r);
    if (g_strcmp0(a, arch) == 0)
      return r;
    if (g_strcmp0(a, OSINFO_ARCHITECTURE_ALL) == 0)
      all = r;
  }
  return all;
}

static void read_resources(OsinfoOs *os, const char *arch, BvmMedia *m)
{
  g_autoptr(OsinfoResourcesList) min = osinfo_os_get_minimum_resources(os);
  g_autoptr(OsinfoResourcesList) rec = osinfo_os_get_recommended_resources(os);
  OsinfoResources *r = resources_for(min, arch);
  if (r != NULL) {
    m->min_cpus = MAX(osinfo_resources_get_n_cpus(r), 0);
    m->min_memory_mib = mib(osinfo_resources_get_ram(r));
    m->min_disk_gib = gib(osinfo_resources_get_storage(r));
  }
  r = resources_for(rec, arch);
  if (r != NULL) {
    m->rec_cpus = MAX(osinfo_resources_get_n_cpus(r), 0);
    m->rec_memory_mib = mib(osinfo_resources_get_ram(r));
    m->rec_disk_gib = gib(osinfo_resources_get_storage(r));
  }
}

/* The smallest preset that meets what the OS recommends (or, where it
 * recommends nothing, its minimum). */
static BvmPreset preset_for(const BvmMedia *m)
{
  static const BvmPreset order[] = {BVM_PRESET_LIGHT, BVM_PRESET_RECOMMENDED, BVM_PRESET_PRO};
  guint cpus = MAX(m->rec_cpus, m->min_cpus);
  guint64 mem = MAX(m->rec_memory_mib, m->min_memory_mib);
  guint64 disk = MAX(m->rec_disk_gib, m->min_disk_gib);
  for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
    const BvmPresetSpec *s = bvm_preset_spec(order[i]);
    if (s->cpus >= cpus && s->memory_mib >= mem && s->disk_gib >= disk)
      return order[i];
  }
  return BVM_PRESET_PRO;
}

static void identify(OsinfoDb *db, const char *path, BvmMedia *m)
{
  /* libosinfo reads the volume descriptors; media it cannot read (no El
   * Torito record: "not bootable") are unknown, not invalid. */
  g_autoptr(GError) unreadable = NULL;
  /* osinfo_media_create_from_location runs a GMainLoop on the calling
   * thread's default context until its async reads finish. On a worker
   * thread of serve that is the global default context, which the main
   * thread is iterating: the two then race for it and the call can hang or
   * crash. A context of our own keeps the reads and their loop here. */
  g_autoptr(GMainContext) ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  OSINFO_CALLS_BEGIN();
  g_autoptr(OsinfoMedia) media = osinfo_media_create_from_location(path, NULL, &unreadable);
  gboolean identified = media != NULL && osinfo_db_identify_media(db, media);
  OSINFO_CALLS_END();
  g_main_context_pop_thread_default(ctx);
  OsinfoOs *os = identified ? osinfo_media_get_os(media) : NULL;
  if (os == NULL)
    return;
  m->known = TRUE;
  m->short_id = g_strdup(osinfo_product_get_short_id(OSINFO_PRODUCT(os)));
  const char *arch = osinfo_media_get_architecture(media);
  m->arch_name = g_strdup(arch);
  m->arch_known = arch != NULL && bvm_arch_from_string(arch, &m->arch);
  const char *family = osinfo_os_get_family(os);
  if (g_strcmp0(m->short_id, "win11") == 0)
    m->os = BVM_OS_WINDOWS11;
  else if (g_strcmp0(family, "linux") == 0)
    m->os = BVM_OS_LINUX;
  const char *name = osinfo_product_get_name(OSINFO_PRODUCT(os));
  if (name != NULL && g_str_has_prefix(name, "Microsoft "))
    name += strlen("Microsoft ");
  m->name = g_strdup_printf("%s (%s)", name ? name : m->short_id,
                            m->arch_known ? bvm_media_arch_label(m->arch)
                            : arch        ? arch
                                          : "?");
  read_resources(os, arch, m);
  m->preset = preset_for(m);
}

BvmMedia *bvm_media_identify(const char *path)
{
  g_return_val_if_fail(path != NULL, NULL);
  BvmMedia *m = g_new0(BvmMedia, 1);
  m->os = BVM_OS_OTHER;
  m->preset = BVM_PRESET_RECOMMENDED;
  OsinfoDb *db = database();
  /* serve identifies on several threads; libosinfo's objects are not
   * documented as thread-safe. */
  static GMutex lock;
  g_mutex_lock(&lock);
  identify(db, path, m);
  g_mutex_unlock(&lock);
  return m;
}

static void add_needs(JsonBuilder *b, const char *member, guint cpus, guint64 mem, guint64 disk)
{
  json_builder_set_member_name(b, member);
  if (cpus == 0 && mem == 0 && disk == 0) {
    json_builder_add_null_value(b);
    return;
  }
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "cpus");
  json_builder_add_int_value(b, cpus);
  json_builder_set_member_name(b, "memoryMiB");
  json_builder_add_int_value(b, (gint64)mem);
  json_builder_set_member_name(b, "diskGiB");
  json_builder_add_int_value(b, (gint64)disk);
  json_builder_end_object(b);
}

static void add_string_or_null(JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name(b, member);
  if (value != NULL)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}

JsonNode *bvm_media_to_json(const BvmMedia *m)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "known");
  json_builder_add_boolean_value(b, m->known);
  add_string_or_null(b, "shortId", m->short_id);
  add_string_or_null(b, "name", m->name);
  add_string_or_null(b, "os", bvm_os_to_string(m->os));
  add_string_or_null(b, "arch", m->arch_known ? bvm_arch_to_string(m->arch) : m->arch_name);
  add_needs(b, "minimum", m->min_cpus, m->min_memory_mib, m->min_disk_gib);
  add_needs(b, "recommended", m->rec_cpus, m->rec_memory_mib, m->rec_disk_gib);
  add_string_or_null(b, "preset", m->known ? bvm_preset_to_string(m->preset) : NULL);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}

char *bvm_media_arch_warning(const BvmMedia *m, BvmArch host_arch)
{
  if (!m->known || !m->arch_known || m->arch == host_arch)
    return NULL;
  return g_strdup_printf(
      "%s is for %s but this host is %s: it would run emulated (TCG), many times slower than a native guest; use %s media, or pass --arch %s to emulate it anyway",
      m->name, bvm_arch_to_string(m->arch), bvm_arch_to_string(host_arch),
      bvm_media_arch_label(host_arch), bvm_arch_to_string(m->arch));
}

gboolean bvm_media_check_arch(const BvmMedia *m, BvmArch vm_arch, gboolean arch_explicit,
                              BvmArch host_arch, char **out_notice, GError **error)
{
  if (!m->known || !m->arch_known)
    return TRUE;
  if (m->arch != vm_arch) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "the ISO is %s, an %s installer, and cannot boot in an %s VM: use --arch %s or %s media",
        m->name, bvm_arch_to_string(m->arch), bvm_arch_to_string(vm_arch),
        bvm_arch_to_string(m->arch), bvm_media_arch_label(vm_arch));
    return FALSE;
  }
  if (m->arch == host_arch)
    return TRUE;
  if (!arch_explicit) {
    g_autofree char *why = bvm_media_arch_warning(m, host_arch);
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT, "wrong architecture: %s", why);
    return FALSE;
  }
  if (out_notice != NULL)
    *out_notice = g_strdup_printf(
        "%s is emulated on this %s host (TCG, no hardware acceleration): expect it to run 10 to 50 times slower than a native guest (a Windows install takes hours)",
        bvm_arch_to_string(m->arch), bvm_arch_to_string(host_arch));
  return TRUE;
}

JsonNode *bvm_media_describe(const char *path, BvmArch host_arch)
{
  g_autoptr(BvmMedia) m = bvm_media_identify(path);
  JsonNode *node = bvm_media_to_json(m);
  g_autofree char *warning = bvm_media_arch_warning(m, host_arch);
  JsonObject *o = json_node_get_object(node);
  if (warning != NULL)
    json_object_set_string_member(o, "archWarning", warning);
  else
    json_object_set_null_member(o, "archWarning");
  return node;
}

/* The primary volume descriptor's volume identifier (sector 16, bytes
 * 40..71, space-padded). */
static char *volume_label(const char *path)
{
  char id[33] = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  ssize_t n = pread(fd, id, 32, 16 * 2048 + 40);
  close(fd);
  if (n != 32)
    return NULL;
  return g_strchomp(g_strdup(id));
}

gboolean bvm_media_check_drivers(const char *path, GError **error)
{
  if (!bvm_validate_iso(path, error)) {
    g_prefix_error(error, "--drivers: ");
    return FALSE;
  }
  g_autofree char *label = volume_label(path);
  if (label == NULL || g_ascii_strncasecmp(label, "virtio-win", 10) != 0) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "%s is not the virtio-win driver ISO (its label is '%s', not virtio-win-...): download virtio-win.iso from the Fedora virtio-win project",
        path, label ? label : "");
    return FALSE;
  }
  g_autofree char *listing = NULL;
  const char *argv[] = {"xorriso", "-indev", path, "-ls", "/", NULL};
  if (!bvm_run_tool(argv, "install xorriso (scripts/install-deps)", &listing, error)) {
    g_prefix_error(error, "--drivers %s: ", path);
    return FALSE;
  }
  const char *const wanted[] = {"'viostor'", "'NetKVM'"};
  for (guint i = 0; i < G_N_ELEMENTS(wanted); i++)
    if (strstr(listing, wanted[i]) == NULL) {
      g_set_error(
          error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
          "%s is labelled %s but has no %s directory: it is not a whole virtio-win ISO; download it again",
          path, label, wanted[i]);
      return FALSE;
    }
  return TRUE;
}
