#include <stdio.h>
int main(void)
{
  puts("bridgevm: not yet");
  return 0;
}
