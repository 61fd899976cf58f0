#include "caps.h"
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif
#ifdef __APPLE__
#include <sys/sysctl.h>
#endif

static const char *const host_os_names[BVM_HOST_OS_N] = {"linux", "macos", "other"};

const char *bvm_host_os_to_string(BvmHostOs os)
{
  return (guint)os < BVM_HOST_OS_N ? host_os_names[os] : "other";
}

gboolean bvm_host_os_from_string(const char *s, BvmHostOs *out_os)
{
  guint i;
  if (!bvm_enum_from_string(host_os_names, BVM_HOST_OS_N, s, &i))
    return FALSE;
  *out_os = (BvmHostOs)i;
  return TRUE;
}

static guint64 host_memory_mib(void)
{
#ifdef __APPLE__
  guint64 bytes = 0;
  size_t len = sizeof bytes;
  if (sysctlbyname("hw.memsize", &bytes, &len, NULL, 0) == 0)
    return bytes / (1024 * 1024);
  return 0;
#else
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0)
    return 0;
  return (guint64)pages * (guint64)page / (1024 * 1024);
#endif
}

void bvm_host_info_probe(BvmHostInfo *out)
{
  memset(out, 0, sizeof *out);
#if defined(__linux__)
  out->os = BVM_HOST_OS_LINUX;
#elif defined(__APPLE__)
  out->os = BVM_HOST_OS_MACOS;
#else
  out->os = BVM_HOST_OS_OTHER;
#endif
  struct utsname u;
  out->arch = BVM_ARCH_X86_64;
  if (uname(&u) == 0)
    (void)bvm_arch_from_string(u.machine, &out->arch);
  out->cores = g_get_num_processors();
  out->memory_mib = host_memory_mib();
#ifdef __linux__
  /* KVM is usable only when /dev/kvm is KVM's device (misc 10:232: not,
   * say, /dev/null bound over it to hide KVM from a test) and opens
   * read-write for this user. */
  int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  struct stat st;
  if (fd >= 0) {
    out->kvm = fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 10 &&
               minor(st.st_rdev) == 232;
    close(fd);
  }
  out->udmabuf = access("/dev/udmabuf", R_OK | W_OK) == 0;
#endif
#ifdef __APPLE__
  int hv = 0;
  size_t len = sizeof hv;
  out->hvf = sysctlbyname("kern.hv_support", &hv, &len, NULL, 0) == 0 && hv == 1;
  out->desktop = TRUE;
#else
  const char *x = g_getenv("DISPLAY");
  const char *w = g_getenv("WAYLAND_DISPLAY");
  out->desktop = (x != NULL && *x) || (w != NULL && *w);
#endif
}
