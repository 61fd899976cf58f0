/* One error domain for all of libbridgevm. Each code maps to one CLI exit
 * status and one HTTP status, so every front end reports a failure the same
 * way. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BVM_ERROR (bvm_error_quark())

typedef enum {
  BVM_ERROR_FAILED,             /* anything else; exit 1, HTTP 500 */
  BVM_ERROR_INVALID_ARGUMENT,   /* bad input from the user; exit 1, HTTP 400 */
  BVM_ERROR_USAGE,              /* bad command line; exit 2, HTTP 400 */
  BVM_ERROR_NOT_FOUND,          /* no such VM, file or firmware; exit 3, HTTP 404 */
  BVM_ERROR_ALREADY_EXISTS,     /* name taken; exit 4, HTTP 409 */
  BVM_ERROR_BUSY,               /* VM running / locked; exit 4, HTTP 409 */
  BVM_ERROR_DEPENDENCY_MISSING, /* QEMU, swtpm, firmware not installed; exit 5, HTTP 424 */
  BVM_ERROR_QEMU_FAILED,        /* QEMU or a helper tool failed; exit 1, HTTP 502 */
  BVM_ERROR_TIMEOUT,            /* a peer did not answer in time; exit 1, HTTP 504 */
  BVM_ERROR_IO,                 /* filesystem trouble; exit 1, HTTP 500 */
  BVM_ERROR_PERMISSION,         /* not allowed (auth, licence); exit 1, HTTP 403 */
  BVM_ERROR_N_CODES
} BvmErrorCode;

GQuark bvm_error_quark(void);

/* camelCase code name used in JSON ("notFound"). */
const char *bvm_error_code_name(BvmErrorCode code);
/* Process exit status for a CLI failing with @error (1 for foreign domains). */
int bvm_error_exit_status(const GError *error);
/* HTTP status for an API call failing with @error (500 for foreign domains). */
guint bvm_error_http_status(const GError *error);

/* Documented CLI exit statuses. */
enum {
  BVM_EXIT_OK = 0,
  BVM_EXIT_FAILURE = 1,
  BVM_EXIT_USAGE = 2,
  BVM_EXIT_NOT_FOUND = 3,
  BVM_EXIT_CONFLICT = 4,
  BVM_EXIT_DEPENDENCY = 5,
};

G_END_DECLS
