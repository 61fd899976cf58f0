/* The free-space reserve and how often the monitor looks at it. */
#include "diskspace.h"
#include "util.h"

/* Near the reserve the monitor checks every 250 ms; with room to spare it
 * waits longer, never so long that a guest writing 1 GiB/s could use more
 * than half the room before the next check; 5 s at most. */
static void test_next_check_follows_the_room_left(void)
{
  const guint64 reserve = 1 * BVM_GIB;
  const struct {
    guint64 free_bytes;
    guint ms;
  } cases[] = {
      {0, BVM_DISK_SPACE_CHECK_MS},                          /* already below */
      {reserve, BVM_DISK_SPACE_CHECK_MS},                    /* at the reserve */
      {reserve + 100 * BVM_MIB, BVM_DISK_SPACE_CHECK_MS},    /* 100 MiB of room */
      {reserve + 2 * BVM_GIB, 1000},                         /* 2 GiB: 1 s */
      {reserve + 8 * BVM_GIB, 4000},                         /* 8 GiB: 4 s */
      {reserve + 500 * BVM_GIB, BVM_DISK_SPACE_CHECK_MAX_MS} /* plenty */
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    guint ms = bvm_disk_space_next_check_ms(cases[i].free_bytes, reserve);
    g_assert_cmpuint(ms, ==, cases[i].ms);
    guint64 room = cases[i].free_bytes > reserve ? cases[i].free_bytes - reserve : 0;
    guint64 written = BVM_DISK_SPACE_WRITE_RATE / 1000 * ms;
    if (ms > BVM_DISK_SPACE_CHECK_MS)
      g_assert_cmpuint(written, <=, room / 2);
  }
}

static void test_reserve_is_five_percent_within_bounds(void)
{
  g_unsetenv("BRIDGEVM_DISK_RESERVE_MIB");
  g_assert_cmpuint(bvm_disk_space_reserve(100 * BVM_MIB), ==, 64 * BVM_MIB);
  g_assert_cmpuint(bvm_disk_space_reserve(10 * BVM_GIB), ==, 512 * BVM_MIB);
  g_assert_cmpuint(bvm_disk_space_reserve(1000 * BVM_GIB), ==, BVM_GIB);
  g_setenv("BRIDGEVM_DISK_RESERVE_MIB", "7", TRUE);
  g_assert_cmpuint(bvm_disk_space_reserve(1000 * BVM_GIB), ==, 7 * BVM_MIB);
  g_unsetenv("BRIDGEVM_DISK_RESERVE_MIB");
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/diskspace/next-check-follows-the-room-left",
                  test_next_check_follows_the_room_left);
  g_test_add_func("/diskspace/reserve-is-five-percent-within-bounds",
                  test_reserve_is_five_percent_within_bounds);
  return g_test_run();
}
