#include "error.h"

GQuark bvm_error_quark(void)
{
  return g_quark_from_static_string("bvm-error-quark");
}

static const struct {
  const char *name;
  int exit_status;
  guint http_status;
} error_table[BVM_ERROR_N_CODES] = {
    [BVM_ERROR_FAILED] = {"failed", BVM_EXIT_FAILURE, 500},
    [BVM_ERROR_INVALID_ARGUMENT] = {"invalidArgument", BVM_EXIT_FAILURE, 400},
    [BVM_ERROR_USAGE] = {"usage", BVM_EXIT_USAGE, 400},
    [BVM_ERROR_NOT_FOUND] = {"notFound", BVM_EXIT_NOT_FOUND, 404},
    [BVM_ERROR_ALREADY_EXISTS] = {"alreadyExists", BVM_EXIT_CONFLICT, 409},
    [BVM_ERROR_BUSY] = {"busy", BVM_EXIT_CONFLICT, 409},
    [BVM_ERROR_DEPENDENCY_MISSING] = {"dependencyMissing", BVM_EXIT_DEPENDENCY, 424},
    [BVM_ERROR_QEMU_FAILED] = {"qemuFailed", BVM_EXIT_FAILURE, 502},
    [BVM_ERROR_TIMEOUT] = {"timeout", BVM_EXIT_FAILURE, 504},
    [BVM_ERROR_IO] = {"io", BVM_EXIT_FAILURE, 500},
    [BVM_ERROR_PERMISSION] = {"permission", BVM_EXIT_FAILURE, 403},
};

const char *bvm_error_code_name(BvmErrorCode code)
{
  if ((guint)code >= BVM_ERROR_N_CODES)
    return "failed";
  return error_table[code].name;
}

int bvm_error_exit_status(const GError *error)
{
  if (error == NULL)
    return BVM_EXIT_OK;
  if (error->domain != BVM_ERROR || (guint)error->code >= BVM_ERROR_N_CODES)
    return BVM_EXIT_FAILURE;
  return error_table[error->code].exit_status;
}

guint bvm_error_http_status(const GError *error)
{
  if (error == NULL)
    return 200;
  if (error->domain != BVM_ERROR || (guint)error->code >= BVM_ERROR_N_CODES)
    return 500;
  return error_table[error->code].http_status;
}
