#include "deps.h"
#include "util.h"

#include <string.h>

static const struct {
  const char *name;
  const char *purpose;
  const char *debian;
  const char *brew;
  const char *fallback; /* where distributions put it outside a user's PATH */
} known[] = {
    {"qemu-system-x86_64", "runs x86_64 guests", "qemu-system-x86", "qemu"},
    {"qemu-system-aarch64", "runs arm64 guests", "qemu-system-arm", "qemu"},
    {"qemu-img", "creates and grows disks", "qemu-utils", "qemu"},
    {"swtpm", "the VMs' TPM 2.0", "swtpm", "swtpm"},
    {"swtpm_setup", "manufactures a VM's TPM", "swtpm-tools", "swtpm"},
    /* QEMU's smb= runs it (Debian's QEMU: /usr/sbin/smbd); optional */
    {"smbd", "shares folders with Windows guests (smb=)", "samba", "samba", "/usr/sbin/smbd"},
};

void bvm_dep_free(BvmDep *d)
{
  if (d == NULL)
    return;
  g_free(d->path);
  g_free(d->version);
  g_free(d);
}

/* The first "N.N[.N]" in a tool's --version line. */
static char *parse_version(const char *text)
{
  g_autoptr(GRegex) re = g_regex_new("[0-9]+\\.[0-9]+(\\.[0-9]+)?", 0, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;
  if (text == NULL || !g_regex_match(re, text, 0, &m))
    return NULL;
  return g_match_info_fetch(m, 0);
}

char *bvm_deps_locate(const char *name)
{
  char *path = g_find_program_in_path(name);
  for (guint i = 0; path == NULL && i < G_N_ELEMENTS(known); i++)
    if (strcmp(known[i].name, name) == 0 && known[i].fallback != NULL &&
        g_file_test(known[i].fallback, G_FILE_TEST_IS_EXECUTABLE))
      path = g_strdup(known[i].fallback);
  return path;
}

GPtrArray *bvm_deps_check(void)
{
  GPtrArray *deps = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_dep_free);
  for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
    BvmDep *d = g_new0(BvmDep, 1);
    d->name = known[i].name;
    d->purpose = known[i].purpose;
    d->debian_package = known[i].debian;
    d->brew_formula = known[i].brew;
    d->path = bvm_deps_locate(d->name);
    if (d->path != NULL) {
      /* Not bvm_run_tool: swtpm_setup 0.7 prints its version and exits 1. */
      const char *argv[] = {d->path, "--version", NULL};
      g_autofree char *out = NULL;
      if (g_spawn_sync(NULL, (char **)argv, NULL,
                       G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                       NULL, NULL, NULL))
        d->version = parse_version(out);
    }
    g_ptr_array_add(deps, d);
  }
  return deps;
}

char *bvm_dep_install_hint(const BvmDep *d, BvmHostOs os)
{
  if (os == BVM_HOST_OS_MACOS)
    return g_strdup_printf("brew install %s", d->brew_formula);
  return g_strdup_printf("apt-get install -y %s", d->debian_package);
}

const BvmDep *bvm_deps_find(GPtrArray *deps, const char *name)
{
  for (guint i = 0; i < deps->len; i++) {
    const BvmDep *d = deps->pdata[i];
    if (strcmp(d->name, name) == 0)
      return d;
  }
  return NULL;
}

JsonNode *bvm_deps_to_json(GPtrArray *deps, BvmHostOs os)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (guint i = 0; i < deps->len; i++) {
    const BvmDep *d = deps->pdata[i];
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, d->name);
    json_builder_set_member_name(b, "purpose");
    json_builder_add_string_value(b, d->purpose);
    json_builder_set_member_name(b, "found");
    json_builder_add_boolean_value(b, d->path != NULL);
    json_builder_set_member_name(b, "path");
    if (d->path)
      json_builder_add_string_value(b, d->path);
    else
      json_builder_add_null_value(b);
    json_builder_set_member_name(b, "version");
    if (d->version)
      json_builder_add_string_value(b, d->version);
    else
      json_builder_add_null_value(b);
    json_builder_set_member_name(b, "installHint");
    if (d->path == NULL) {
      g_autofree char *hint = bvm_dep_install_hint(d, os);
      json_builder_add_string_value(b, hint);
    } else {
      json_builder_add_null_value(b);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  return json_builder_get_root(b);
}
