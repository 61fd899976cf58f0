#include "doctor.h"
#include "deps.h"
#include "firmware.h"

void bvm_doctor_free(BvmDoctor *d)
{
  if (d == NULL)
    return;
  bvm_host_caps_free(d->caps);
  g_clear_pointer(&d->deps, g_ptr_array_unref);
  g_clear_pointer(&d->firmware, g_ptr_array_unref);
  g_strfreev(d->skipped);
  g_strfreev(d->accels);
  g_free(d->kvm_error);
  g_free(d);
}

BvmDoctor *bvm_doctor_run(gboolean refresh, GError **error)
{
  g_autoptr(BvmDoctor) d = g_new0(BvmDoctor, 1);
  d->caps = bvm_host_caps_get(refresh, error);
  if (d->caps == NULL)
    return NULL;
  const BvmHostInfo *h = &d->caps->host;
  d->deps = bvm_deps_check();
  g_auto(GStrv) dirs = bvm_firmware_default_dirs();
  d->firmware = bvm_firmware_discover_full((const char *const *)dirs, &d->skipped, error);
  if (d->firmware == NULL)
    return NULL;
  for (guint i = 0; i < d->firmware->len; i++)
    d->firmware_ok |= ((BvmFirmware *)d->firmware->pdata[i])->arch == h->arch;
  const char *qemu = h->arch == BVM_ARCH_AARCH64 ? "qemu-system-aarch64" : "qemu-system-x86_64";
  d->ok = bvm_deps_find(d->deps, qemu)->path != NULL &&
          bvm_deps_find(d->deps, "qemu-img")->path != NULL && d->firmware_ok;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new();
  if (bvm_host_caps_kvm_usable(d->caps, d->caps->qemu[h->arch]))
    g_strv_builder_add(b, "kvm");
  else if (h->kvm && d->caps->qemu[h->arch] != NULL && d->caps->qemu[h->arch]->kvm_error != NULL)
    d->kvm_error = g_strdup(d->caps->qemu[h->arch]->kvm_error);
  if (h->hvf)
    g_strv_builder_add(b, "hvf");
  g_strv_builder_add(b, "tcg");
  d->accels = g_strv_builder_end(b);
  return g_steal_pointer(&d);
}

JsonNode *bvm_doctor_to_json(const BvmDoctor *d)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "ok");
  json_builder_add_boolean_value(b, d->ok);
  json_builder_set_member_name(b, "host");
  g_autoptr(JsonNode) cj = bvm_host_caps_to_json(d->caps);
  json_builder_add_value(b, json_object_dup_member(json_node_get_object(cj), "host"));
  json_builder_set_member_name(b, "accelerators");
  json_builder_begin_array(b);
  for (char **a = d->accels; *a; a++)
    json_builder_add_string_value(b, *a);
  json_builder_end_array(b);
  if (d->kvm_error != NULL) {
    json_builder_set_member_name(b, "kvmError");
    json_builder_add_string_value(b, d->kvm_error);
  }
  json_builder_set_member_name(b, "tools");
  json_builder_add_value(b, bvm_deps_to_json(d->deps, d->caps->host.os));
  json_builder_set_member_name(b, "firmware");
  json_builder_begin_array(b);
  for (guint i = 0; i < d->firmware->len; i++)
    json_builder_add_value(b, bvm_firmware_to_json(d->firmware->pdata[i]));
  json_builder_end_array(b);
  json_builder_set_member_name(b, "skippedFirmware");
  json_builder_begin_array(b);
  for (char **s = d->skipped; s && *s; s++)
    json_builder_add_string_value(b, *s);
  json_builder_end_array(b);
  json_builder_end_object(b);
  return json_builder_get_root(b);
}
