#include "presets.h"
#include "validate.h"

static const BvmPresetSpec specs[] = {
    {BVM_PRESET_LIGHT, 2, 4096, 64, "Light: 2 vCPUs, 4 GiB, 64 GiB — browsing and light apps"},
    {BVM_PRESET_RECOMMENDED, 4, 8192, 128,
     "Recommended: 4 vCPUs, 8 GiB, 128 GiB — everyday Windows 11"},
    {BVM_PRESET_PRO, 8, 16384, 256, "Pro: 8 vCPUs, 16 GiB, 256 GiB — development and heavy apps"},
};

const BvmPresetSpec *bvm_preset_spec(BvmPreset preset)
{
  for (guint i = 0; i < G_N_ELEMENTS(specs); i++)
    if (specs[i].preset == preset)
      return &specs[i];
  return NULL;
}

static void clamp(const BvmPresetSpec *spec, const BvmHostInfo *host, guint *out_cpus,
                  guint64 *out_memory_mib, GString *notice)
{
  guint cpus = spec->cpus;
  guint64 mem = spec->memory_mib;
  guint64 mem_max = bvm_validate_memory_max_mib(host);
  if (host->cores > 0 && cpus > host->cores) {
    g_string_append_printf(notice, "%u vCPUs (this host has %u cores)", host->cores, host->cores);
    cpus = host->cores;
  }
  if (mem > mem_max) {
    if (notice->len > 0)
      g_string_append(notice, " and ");
    g_string_append_printf(notice,
                           "%" G_GUINT64_FORMAT " MiB of memory (host memory less 2 GiB for the "
                           "host itself)",
                           mem_max);
    mem = mem_max;
  }
  *out_cpus = cpus;
  *out_memory_mib = mem;
}

void bvm_preset_apply(BvmPreset preset, const BvmHostInfo *host, BvmConfig *config,
                      char **out_notice)
{
  g_return_if_fail(host != NULL && config != NULL);
  const BvmPresetSpec *spec = bvm_preset_spec(preset);
  if (out_notice != NULL)
    *out_notice = NULL;
  if (spec == NULL) {
    config->preset = BVM_PRESET_CUSTOM;
    return;
  }
  g_autoptr(GString) notice = g_string_new(NULL);
  clamp(spec, host, &config->cpus, &config->memory_mib, notice);
  config->disk_gib = spec->disk_gib;
  config->preset = preset;
  if (notice->len > 0 && out_notice != NULL)
    *out_notice = g_strdup_printf("preset %s is larger than this host: clamped to %s",
                                  bvm_preset_to_string(preset), notice->str);
}

JsonNode *bvm_presets_to_json(const BvmHostInfo *host)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  for (guint i = 0; i < G_N_ELEMENTS(specs); i++) {
    guint cpus;
    guint64 mem;
    g_autoptr(GString) notice = g_string_new(NULL);
    clamp(&specs[i], host, &cpus, &mem, notice);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, bvm_preset_to_string(specs[i].preset));
    json_builder_set_member_name(b, "cpus");
    json_builder_add_int_value(b, specs[i].cpus);
    json_builder_set_member_name(b, "memoryMiB");
    json_builder_add_int_value(b, (gint64)specs[i].memory_mib);
    json_builder_set_member_name(b, "diskGiB");
    json_builder_add_int_value(b, (gint64)specs[i].disk_gib);
    json_builder_set_member_name(b, "summary");
    json_builder_add_string_value(b, specs[i].summary);
    json_builder_set_member_name(b, "effective");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "cpus");
    json_builder_add_int_value(b, cpus);
    json_builder_set_member_name(b, "memoryMiB");
    json_builder_add_int_value(b, (gint64)mem);
    json_builder_end_object(b);
    json_builder_set_member_name(b, "notice");
    if (notice->len > 0)
      json_builder_add_string_value(b, notice->str);
    else
      json_builder_add_null_value(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  return json_builder_get_root(b);
}
