#include "sharing.h"
#include "bundle.h"
#include "deps.h"
#include "error.h"
#include "ports.h"
#include "qmp.h"

#include <string.h>
#include <unistd.h>

#define QMP_TIMEOUT_MS 5000
/* The user netdev's id in the builder's argv (qemu_cmd.c). */
#define NETDEV_ID "net0"

/* Saves @c as @e's config and makes it the entry's. */
static gboolean commit(BvmVmEntry *e, BvmConfig *c, GError **error)
{
  if (!bvm_config_save(c, e->path, error))
    return FALSE;
  bvm_config_free(e->config);
  e->config = c;
  /* the parsed file no longer says what the VM is */
  g_clear_pointer(&e->json, json_node_unref);
  return TRUE;
}

/* For a stopped VM, saves @c under the bundle lock (taking it from *io_c)
 * and sets *out_done; a running VM's lock is held by its monitor: *out_done
 * stays FALSE and the caller changes QEMU first. */
static gboolean save_if_stopped(BvmVmEntry *e, const BvmPaths *paths, BvmConfig **io_c,
                                gboolean *out_done, GError **error)
{
  *out_done = FALSE;
  int lock = bvm_bundle_lock(paths, NULL);
  if (lock < 0)
    return TRUE;
  gboolean ok = commit(e, *io_c, error);
  close(lock);
  if (ok)
    *io_c = NULL;
  *out_done = ok;
  return ok;
}

/* An HMP command through QMP's human-monitor-command; its text output. */
static char *hmp(const BvmPaths *paths, const char *line, GError **error)
{
  g_autoptr(BvmQmp) qmp = bvm_qmp_connect(paths->qmp_client_sock, QMP_TIMEOUT_MS, error);
  if (qmp == NULL)
    return NULL;
  g_autoptr(JsonNode) args = json_node_init_object(json_node_alloc(), json_object_new());
  json_object_set_string_member(json_node_get_object(args), "command-line", line);
  g_autoptr(JsonNode) r =
      bvm_qmp_execute(qmp, "human-monitor-command", args, QMP_TIMEOUT_MS, error);
  if (r == NULL)
    return NULL;
  const char *text = JSON_NODE_HOLDS_VALUE(r) ? json_node_get_string(r) : NULL;
  g_autofree char *copy = g_strdup(text != NULL ? text : "");
  return g_strdup(g_strstrip(copy));
}

/* Another VM of the library that forwards the same host port. */
static gboolean check_library(const char *library, const BvmVmEntry *self, const BvmForward *f,
                              GError **error)
{
  g_autoptr(GPtrArray) all = bvm_registry_list(library, error);
  if (all == NULL)
    return FALSE;
  for (guint i = 0; i < all->len; i++) {
    const BvmVmEntry *o = all->pdata[i];
    if (o->config == NULL || o->config->forwards == NULL ||
        strcmp(o->config->id, self->config->id) == 0)
      continue;
    for (guint j = 0; j < o->config->forwards->len; j++) {
      const BvmForward *of = o->config->forwards->pdata[j];
      if (of->proto == f->proto && of->host_port == f->host_port) {
        g_set_error(
            error, BVM_ERROR, BVM_ERROR_ALREADY_EXISTS,
            "host port %u (%s) is already forwarded by VM '%s': pick another host port or remove it there (bridgevm set '%s' --no-forward %u)",
            f->host_port, bvm_forward_proto_to_string(f->proto), o->config->name, o->config->name,
            f->host_port);
        return FALSE;
      }
    }
  }
  return TRUE;
}

gboolean bvm_sharing_add_forward(const char *library, BvmVmEntry *e, const BvmForward *f,
                                 GError **error)
{
  g_return_val_if_fail(e != NULL && e->config != NULL && f != NULL, FALSE);
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autoptr(BvmConfig) c = bvm_config_copy(e->config);
  if (!bvm_forward_check(c->forwards, f, error) || !check_library(library, e, f, error) ||
      !bvm_ports_check_free(f->proto, f->bind, f->host_port, error))
    return FALSE;
  if (c->forwards == NULL)
    c->forwards = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_forward_free);
  g_ptr_array_add(c->forwards, bvm_forward_copy(f));
  gboolean done = FALSE;
  if (!save_if_stopped(e, paths, &c, &done, error) || done)
    return done;
  /* Running: QEMU listens first, then the config says so. */
  g_autofree char *rule = bvm_forward_hostfwd(f);
  g_autofree char *line = g_strdup_printf("hostfwd_add %s %s", NETDEV_ID, rule);
  g_autofree char *out = hmp(paths, line, error);
  if (out == NULL) {
    g_prefix_error(error, "VM '%s': cannot add the forward while it runs: ", c->name);
    return FALSE;
  }
  if (out[0] != '\0') {
    g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED, "VM '%s': QEMU refused forward %s: %s",
                c->name, rule, out);
    return FALSE;
  }
  if (!commit(e, c, error))
    return FALSE;
  g_steal_pointer(&c);
  return TRUE;
}

gboolean bvm_sharing_remove_forward(BvmVmEntry *e, BvmForwardProto proto, gboolean any_proto,
                                    guint host_port, GError **error)
{
  g_return_val_if_fail(e != NULL && e->config != NULL, FALSE);
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  g_autoptr(BvmConfig) c = bvm_config_copy(e->config);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_forward_free);
  for (guint i = 0; c->forwards != NULL && i < c->forwards->len;) {
    BvmForward *f = c->forwards->pdata[i];
    if (f->host_port == host_port && (any_proto || f->proto == proto))
      g_ptr_array_add(gone, g_ptr_array_steal_index(c->forwards, i));
    else
      i++;
  }
  if (gone->len == 0) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND, "VM '%s' forwards no host port %u%s%s",
                c->name, host_port, any_proto ? "" : " over ",
                any_proto ? "" : bvm_forward_proto_to_string(proto));
    return FALSE;
  }
  gboolean done = FALSE;
  if (!save_if_stopped(e, paths, &c, &done, error) || done)
    return done;
  for (guint i = 0; i < gone->len; i++) {
    g_autofree char *key = bvm_forward_hostfwd_key(gone->pdata[i]);
    g_autofree char *line = g_strdup_printf("hostfwd_remove %s %s", NETDEV_ID, key);
    g_autofree char *out = hmp(paths, line, error);
    if (out == NULL) {
      g_prefix_error(error, "VM '%s': cannot remove the forward while it runs: ", c->name);
      return FALSE;
    }
    /* QEMU 7.2 answers "host forwarding rule for KEY removed" or "… not found" */
    if (!g_str_has_suffix(out, "removed")) {
      g_set_error(error, BVM_ERROR, BVM_ERROR_QEMU_FAILED,
                  "VM '%s': QEMU did not remove forward %s: %s", c->name, key, out);
      return FALSE;
    }
  }
  if (!commit(e, c, error))
    return FALSE;
  g_steal_pointer(&c);
  return TRUE;
}

static gboolean check_directory(const char *name, const char *path, GError **error)
{
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND,
                "VM '%s': shared folder %s does not exist: make it or give another directory", name,
                path);
    return FALSE;
  }
  if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "VM '%s': shared folder %s is not a directory: share the directory that holds it",
                name, path);
    return FALSE;
  }
  return TRUE;
}

/* Runs @edit on a copy of a stopped VM's config under the bundle lock and
 * saves it. */
static gboolean edit_stopped(BvmVmEntry *e, const char *action,
                             gboolean (*edit)(BvmConfig *c, gconstpointer data, GError **error),
                             gconstpointer data, GError **error)
{
  g_autoptr(BvmPaths) paths = bvm_paths_new(e->path, e->config->id);
  int lock = bvm_bundle_lock(paths, NULL);
  if (lock < 0)
    return bvm_bundle_check_stopped(e->config, paths, action, error);
  g_autoptr(BvmConfig) c = bvm_config_copy(e->config);
  gboolean ok = edit(c, data, error) && commit(e, c, error);
  close(lock);
  if (ok)
    g_steal_pointer(&c);
  return ok;
}

static gboolean add_share(BvmConfig *c, gconstpointer data, GError **error)
{
  const BvmShare *asked = data;
  g_autofree char *abs = g_canonicalize_filename(asked->path, NULL);
  g_autoptr(BvmShare) s = bvm_share_new(abs, asked->tag, asked->read_only);
  if (!check_directory(c->name, s->path, error) || !bvm_share_check(c->shares, s, error))
    return FALSE;
  if (c->os == BVM_OS_WINDOWS11 && c->shares != NULL && c->shares->len > 0) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "VM '%s' is a Windows guest: QEMU's SMB server shares one directory and %s is shared already (remove it with --no-share %s)",
        c->name, ((BvmShare *)c->shares->pdata[0])->path, ((BvmShare *)c->shares->pdata[0])->tag);
    return FALSE;
  }
  g_autofree char *smbd = c->os == BVM_OS_WINDOWS11 ? bvm_deps_locate("smbd") : NULL;
  if (c->os == BVM_OS_WINDOWS11 && smbd == NULL) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_DEPENDENCY_MISSING,
        "VM '%s' is a Windows guest: its shared folder is served by QEMU's SMB server, which runs smbd, and smbd is not installed: install samba (Debian: apt install samba; macOS: brew install samba)",
        c->name);
    return FALSE;
  }
  if (c->os == BVM_OS_WINDOWS11 && s->read_only) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "VM '%s' is a Windows guest: QEMU's SMB server cannot share read-only, so %s:ro is refused (share it read-write, or make the host directory read-only)",
        c->name, s->path);
    return FALSE;
  }
  if (c->shares == NULL)
    c->shares = g_ptr_array_new_with_free_func((GDestroyNotify)bvm_share_free);
  g_ptr_array_add(c->shares, g_steal_pointer(&s));
  return TRUE;
}

gboolean bvm_sharing_add_share(BvmVmEntry *e, const BvmShare *share, GError **error)
{
  g_return_val_if_fail(e != NULL && e->config != NULL && share != NULL, FALSE);
  return edit_stopped(e, "add a shared folder", add_share, share, error);
}

static gboolean remove_share(BvmConfig *c, gconstpointer data, GError **error)
{
  const char *tag = data;
  for (guint i = 0; c->shares != NULL && i < c->shares->len; i++)
    if (strcmp(((BvmShare *)c->shares->pdata[i])->tag, tag) == 0) {
      g_ptr_array_remove_index(c->shares, i);
      return TRUE;
    }
  g_set_error(error, BVM_ERROR, BVM_ERROR_NOT_FOUND, "VM '%s' has no shared folder tagged '%s'",
              c->name, tag);
  return FALSE;
}

gboolean bvm_sharing_remove_share(BvmVmEntry *e, const char *tag, GError **error)
{
  g_return_val_if_fail(e != NULL && e->config != NULL && tag != NULL, FALSE);
  return edit_stopped(e, "remove a shared folder", remove_share, tag, error);
}

gboolean bvm_sharing_check_start(const BvmConfig *c, const BvmPaths *paths, GError **error)
{
  if (bvm_bundle_is_locked(paths))
    return TRUE;
  for (guint i = 0; c->forwards != NULL && i < c->forwards->len; i++) {
    const BvmForward *f = c->forwards->pdata[i];
    if (!bvm_ports_check_free(f->proto, f->bind, f->host_port, error)) {
      g_prefix_error(error, "VM '%s' cannot start: ", c->name);
      return FALSE;
    }
  }
  for (guint i = 0; c->shares != NULL && i < c->shares->len; i++)
    if (!check_directory(c->name, ((BvmShare *)c->shares->pdata[i])->path, error))
      return FALSE;
  return TRUE;
}

void bvm_sharing_annotate_view(JsonObject *view, const BvmConfig *c)
{
  JsonArray *shares =
      json_object_has_member(view, "shares") ? json_object_get_array_member(view, "shares") : NULL;
  for (guint i = 0; shares != NULL && c->shares != NULL && i < c->shares->len &&
                    i < json_array_get_length(shares);
       i++) {
    g_autofree char *cmd = bvm_share_mount_command(c->shares->pdata[i], c->os == BVM_OS_WINDOWS11);
    json_object_set_string_member(json_array_get_object_element(shares, i), "mountCommand", cmd);
  }
  JsonArray *fwd = json_object_has_member(view, "forwards")
                       ? json_object_get_array_member(view, "forwards")
                       : NULL;
  for (guint i = 0;
       fwd != NULL && c->forwards != NULL && i < c->forwards->len && i < json_array_get_length(fwd);
       i++)
    json_object_set_boolean_member(json_array_get_object_element(fwd, i), "public",
                                   bvm_forward_is_public(c->forwards->pdata[i]));
}
