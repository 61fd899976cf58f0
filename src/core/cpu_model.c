/* The TCG CPU model: measured with bench/guest (rows cpu-*), chosen per
 * guest. docs/performance.md holds the figures; docs/qemu-flags.md the
 * golden cases. */
#include "cpu_model.h"

/* x86-64-v2 (SSE4.2, POPCNT, CMPXCHG16B, LAHF/SAHF): what Windows 11 24H2
 * checks for at boot, and what RHEL 9 and its rebuilds are built for.
 * Nehalem is the oldest named model with all of it and nothing TCG cannot
 * emulate (no warnings, nothing silently dropped). PREFETCHW, which
 * Windows 8.1 and later probe by executing it, is a no-op under TCG. */
#define X86_V2 "Nehalem"

/* x86-64-v3 (v2 plus AVX, AVX2, BMI1/2, FMA, F16C, MOVBE, XSAVE): what
 * RHEL 10 and its rebuilds are built for. Haswell less the features TCG
 * cannot emulate (pcid, x2apic, tsc-deadline, invpcid: QEMU would warn
 * and drop them anyway). TCG emulates AVX and AVX2 since QEMU 7.2. */
#define X86_V3 "Haswell-noTSX,-pcid,-x2apic,-tsc-deadline,-invpcid"

BvmCpuModel bvm_cpu_model_for_tcg(BvmArch arch, BvmOs os, guint qemu_version_code)
{
  if (arch == BVM_ARCH_AARCH64) {
    /* Neoverse N1 (Armv8.2 with the v8.1 LSE atomics Windows 11 24H2
     * needs) has no pointer authentication, SVE or MTE to emulate. Booting
     * Debian's arm64 kernel (built with kernel pointer authentication):
     * max took 4.5x its CPU (architected QARMA on every function return),
     * max,pauth-impdef=on 1.3x (docs/performance.md). QEMU >= 7.1. */
    if (qemu_version_code >= 70100)
      return (BvmCpuModel){"neoverse-n1",
                           "-cpu neoverse-n1: an Armv8.2 core with the atomics Windows 11 on Arm "
                           "and every arm64 distribution need, and none of max's costly extras "
                           "(pointer authentication, SVE, MTE) to emulate"};
    /* pauth-impdef: QEMU's own pointer-authentication hash instead of the
     * architected QARMA, much cheaper to emulate (QEMU >= 6.2); guests
     * cannot tell the difference. */
    if (qemu_version_code >= 60200)
      return (BvmCpuModel){"max,pauth-impdef=on",
                           "-cpu max with QEMU's cheap pointer-authentication hash "
                           "(pauth-impdef=on): this QEMU has no neoverse-n1"};
    return (BvmCpuModel){"max", "-cpu max: this QEMU has no neoverse-n1 and no pauth-impdef"};
  }
  if (os == BVM_OS_WINDOWS11 || qemu_version_code < 70200)
    return (BvmCpuModel){
        X86_V2, os == BVM_OS_WINDOWS11
                    ? "-cpu Nehalem: x86-64-v2 (SSE4.2, POPCNT, CMPXCHG16B, LAHF/SAHF), what "
                      "Windows 11 checks for, and nothing more to emulate: -cpu max made the "
                      "guest spend half as much CPU again to boot"
                    : "-cpu Nehalem: x86-64-v2 (SSE4.2, POPCNT, CMPXCHG16B), which RHEL 9 "
                      "needs; this QEMU's TCG emulates no AVX, so no x86-64-v3 model"};
  return (BvmCpuModel){X86_V3,
                       "-cpu Haswell-noTSX less what TCG cannot emulate: x86-64-v3 (AVX2, "
                       "BMI, FMA), which RHEL 10 needs, and nothing more: -cpu max made the "
                       "guest spend a third more CPU to boot"};
}
