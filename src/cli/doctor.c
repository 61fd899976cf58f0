/* filled in once deps.h lands */
#include "cli.h"
int bvm_cmd_doctor(int argc, char **argv)
{
  return 1;
}
