/* host.c: not written yet */
#include <glib.h>
