#!/usr/bin/env bash
# What the host probe costs (issue 11): the caps probe runs once per QEMU
# binary, then is cached. Prints medians of RUNS:
#   cold     `bridgevm doctor --json --refresh`: every QEMU probed again (both
#            arches: help queries, one QMP session, the virtio-gpu blob probe,
#            and on a host with /dev/kvm the firmware boot under KVM)
#   no-kvm   the same with /dev/kvm hidden (a private mount namespace; root):
#            the difference is what the KVM firmware probe costs
#   warm     `bridgevm doctor --json` with the cache in place (target <= 0.3 s)
#   baseline one QEMU started and quit over QMP (-machine none), measured in
#            the same run: the floor any probe pays per QEMU process
# Target: the KVM probe <= 1.5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
bvm=${BVM:-build/bridgevm}
runs=${RUNS:-5}
[ -x "$bvm" ] || { echo "build first: meson setup build && meson compile -C build" >&2; exit 1; }
cache=$(mktemp -d /tmp/bvm-bench-probe-XXXXXX)
trap 'rm -rf "$cache"' EXIT
export XDG_CACHE_HOME=$cache

median_ms() { # command...
  local t=()
  for _ in $(seq 1 "$runs"); do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    t+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

cold=$(median_ms "$bvm" doctor --json --refresh)
warm=$(median_ms "$bvm" doctor --json)
base=$(median_ms sh -c 'printf "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n" |
  qemu-system-x86_64 -machine none -nodefaults -display none -qmp stdio')
echo "cold probe (doctor --refresh, both arches): ${cold} ms"
if [ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ]; then
  nokvm=$(median_ms unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$@"' sh \
    "$bvm" doctor --json --refresh)
  echo "cold probe with /dev/kvm hidden: ${nokvm} ms"
  echo "the KVM firmware probe: $((cold - nokvm)) ms (target <= 1500 ms)"
  "$bvm" doctor --json | sed -n 's/.*"kvmError" : "\(.*\)".*/  its verdict here: \1/p'
else
  echo "the KVM firmware probe: not run here (no /dev/kvm, or not root to hide it)"
fi
if [ -c /dev/kvm ]; then
  # A host where KVM works pays the whole firmware window: approximated by a
  # QEMU that runs the probe's firmware under TCG instead (nothing stops it).
  wrap=$cache/qemu-kvm-as-tcg
  real=$(command -v qemu-system-x86_64)
  printf '#!/bin/sh
for a in "$@"; do case $a in kvm) a=tcg ;; host) a=max ;; esac; set -- "$@" "$a"; shift; done
exec %s "$@"\n' "$real" >"$wrap"
  chmod +x "$wrap"
  full=$(median_ms env BRIDGEVM_QEMU_X86_64="$wrap" "$bvm" doctor --json --refresh)
  echo "cold probe where the firmware runs its whole window (KVM that works): ${full} ms"
  echo "  so the KVM firmware probe there: $((full - ${nokvm:-cold})) ms (target <= 1500 ms)"
fi
echo "warm doctor (cached caps): ${warm} ms (target <= 300 ms)"
echo "baseline, one QEMU started and quit: ${base} ms"
awk -v c="$cold" -v b="$base" 'BEGIN {printf "ratio cold probe / one QEMU start: %.1fx\n", c / b}'
