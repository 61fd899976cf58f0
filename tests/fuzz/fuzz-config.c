/* libFuzzer: config.json parsing (a bundle anyone could have edited). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BvmConfig) c = bvm_config_from_data((const char *)data, (gssize)size, &error);
  if (c != NULL) {
    /* whatever parses must serialise and parse again to the same */
    g_autofree char *once = bvm_config_to_data(c, NULL);
    g_autoptr(BvmConfig) again = bvm_config_from_data(once, -1, NULL);
    g_assert_nonnull(again);
    g_autofree char *twice = bvm_config_to_data(again, NULL);
    g_assert_cmpstr(once, ==, twice);
  } else {
    g_assert_nonnull(error);
  }
  return 0;
}
