/* disk.c: not written yet */
#include <glib.h>
