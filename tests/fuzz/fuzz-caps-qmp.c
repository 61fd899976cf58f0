/* libFuzzer: the capability probe's parser (caps_parse.c) on whatever a
 * qemu-system binary prints on its QMP stdio. */
#include "caps.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup((const char *)data, size);
  g_autoptr(BvmQemuCaps) c = g_new0(BvmQemuCaps, 1);
  c->binary = g_strdup("/usr/bin/qemu-system-x86_64");
  g_autoptr(GError) error = NULL;
  if (bvm_caps_parse_qmp(c, text, &error))
    g_assert_nonnull(c->version);
  else
    g_assert_nonnull(error);
  g_auto(GStrv) list = bvm_caps_parse_help_list(text);
  g_assert_nonnull(list);
  return 0;
}
