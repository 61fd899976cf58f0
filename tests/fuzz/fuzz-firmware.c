/* libFuzzer: QEMU firmware descriptors (files any package can install). */
#include "firmware.h"
#include "util.h"

#include <glib/gstdio.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char *dir;
  if (dir == NULL)
    dir = g_dir_make_tmp("bvm-fuzz-fw-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "50-fuzz.json", NULL);
  g_file_set_contents(path, (const char *)data, (gssize)size, NULL);
  const char *dirs[] = {dir, NULL};
  g_auto(GStrv) skipped = NULL;
  g_autoptr(GPtrArray) list = bvm_firmware_discover_full(dirs, &skipped, NULL);
  for (guint i = 0; list && i < list->len; i++) {
    g_autoptr(JsonNode) j = bvm_firmware_to_json(list->pdata[i]);
    g_assert_nonnull(j);
  }
  if (list != NULL) {
    g_autoptr(BvmFirmware) fw = bvm_firmware_select(list, BVM_ARCH_X86_64, "q35", TRUE, TRUE, NULL);
    (void)fw;
  }
  return 0;
}
