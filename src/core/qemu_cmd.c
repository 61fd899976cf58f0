/* qemu_cmd.c: not written yet */
#include <glib.h>
