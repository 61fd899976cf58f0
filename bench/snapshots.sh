#!/usr/bin/env bash
# Snapshots and clones, no guest (the disk is filled with qemu-io): a VM
# with a 2 GiB disk holding 64 MiB.
#  - stopped snapshot: `bridgevm snapshot VM create` wall time (target
#    <= 0.5 s), median of RUNS, and revert and delete beside it;
#  - clone: `bridgevm clone` wall time (target <= 1 s), bytes of the disk
#    copied / bytes the source disk holds (target <= 1.1), sparse copy vs
#    reflink; the reflink on an XFS loop image when mkfs.xfs is there and we
#    are root (else only the sparse copy is reported), and against
#    `cp --sparse=always` of the same disk in the same run as the baseline.
# The guest-visible pause of a live snapshot (freeze -> thaw) is measured
# by the e2e suite (tests/e2e/test-snapshots.c logs "guest frozen/paused N ms").
# RUNS=N (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
bvm=$(pwd)/build/bridgevm
runs=${RUNS:-5}
[ -x "$bvm" ] || { echo "build first (meson setup build && ninja -C build)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/bvm-bench-snap-XXXXXX)
mnt=
cleanup() {
  [ -z "$mnt" ] || umount "$mnt" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_RUNTIME_DIR=$tmp/run XDG_DATA_HOME=$tmp/data XDG_CACHE_HOME=$tmp/cache
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME"
python3 -c "
d = bytearray(18 * 2048); d[16 * 2048:16 * 2048 + 7] = b'\x01CD001\x01'
open('$tmp/blank.iso', 'wb').write(d)"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { tr ' ' '\n' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# make_vm LIBRARY: VM "v" with 2 GiB of disk holding 64 MiB of data
make_vm() {
  "$bvm" --library "$1" create v --iso "$tmp/blank.iso" --preset light --memory 1G --disk 2G >/dev/null
  qemu-io -f qcow2 -c "write -P 0x5a 0 64M" "$1/v.bridgevm/disk.qcow2" >/dev/null
}

lib=$tmp/lib
make_vm "$lib"
take=() revert=() del=()
for i in $(seq 1 "$runs"); do
  t=$(date +%s%N); "$bvm" --library "$lib" snapshot v create "s$i" >/dev/null; take+=("$(ms "$t")")
  qemu-io -f qcow2 -c "write -P 0x$((i + 10)) 0 1M" "$lib/v.bridgevm/disk.qcow2" >/dev/null
  t=$(date +%s%N); "$bvm" --library "$lib" snapshot v revert "s$i" >/dev/null; revert+=("$(ms "$t")")
done
for i in $(seq 1 "$runs"); do
  t=$(date +%s%N); "$bvm" --library "$lib" snapshot v delete "s$i" >/dev/null; del+=("$(ms "$t")")
done
echo "stopped snapshot (2 GiB disk, 64 MiB data), median of $runs:"
echo "  create: $(echo "${take[*]}" | median) ms (target <= 500 ms)"
echo "  revert: $(echo "${revert[*]}" | median) ms"
echo "  delete: $(echo "${del[*]}" | median) ms"

# clone_runs LIBRARY FLAGS...: median time, bytes copied, allocated
clone_runs() {
  local l=$1; shift
  local times=() json
  for i in $(seq 1 "$runs"); do
    t=$(date +%s%N)
    json=$("$bvm" --library "$l" clone v "c$i" --json "$@")
    times+=("$(ms "$t")")
    "$bvm" --library "$l" delete "c$i" --permanently >/dev/null
  done
  python3 -c "
import json, sys
c = json.loads(sys.argv[1])['copy']
ratio = c['diskBytesCopied'] / c['sourceAllocatedBytes']
print(f\"  {c['method']}: {sys.argv[2]} ms, {c['diskBytesCopied'] / 2**20:.1f} MiB copied of {c['sourceAllocatedBytes'] / 2**20:.1f} MiB allocated (ratio {ratio:.3f}; target <= 1.1)\")
" "$json" "$(echo "${times[*]}" | median)"
}

# the baseline: cp of the same disk, in this run
cp_ms() {
  t=$(date +%s%N); cp --sparse=always "$1/v.bridgevm/disk.qcow2" "$tmp/cp.qcow2"; ms "$t"
  rm -f "$tmp/cp.qcow2"
}

echo "clone (fresh TPM included; median of $runs):"
echo "  ($(stat -c %s "$lib/v.bridgevm/disk.qcow2") byte image on $(df -T "$lib" | awk 'NR == 2 {print $2}'))"
clone_runs "$lib" --no-reflink
echo "  the same with --keep-tpm (no swtpm_setup: the disk copy alone):"
clone_runs "$lib" --no-reflink --keep-tpm
echo "  baseline cp --sparse=always of the disk: $(cp_ms "$lib") ms"
t=$(date +%s%N); "$bvm" --library "$lib" snapshot v create base >/dev/null
json=$("$bvm" --library "$lib" clone v fromsnap --from base --json)
echo "  --from SNAPSHOT (qemu-img convert): $(ms "$t") ms incl. the snapshot," \
  "$(python3 -c "import json,sys; c=json.loads(sys.argv[1])['copy']; print(f\"{c['diskBytesCopied']/2**20:.1f} MiB written\")" "$json")"

if command -v mkfs.xfs >/dev/null && [ "$(id -u)" = 0 ]; then
  truncate -s 1G "$tmp/xfs.img"
  mkfs.xfs -q -m reflink=1 "$tmp/xfs.img"
  mnt=$tmp/xfs
  mkdir -p "$mnt"
  if mount -o loop "$tmp/xfs.img" "$mnt" 2>/dev/null; then
    make_vm "$mnt/lib"
    echo "clone on XFS (reflink=1, loop image):"
    clone_runs "$mnt/lib"
    clone_runs "$mnt/lib" --no-reflink
    echo "  baseline cp --sparse=always of the disk: $(cp_ms "$mnt/lib") ms"
  else
    echo "reflink: cannot loop-mount an XFS image here; only the sparse copy is reported"
  fi
else
  echo "reflink: needs root and mkfs.xfs (apt-get install -y xfsprogs); only the sparse copy is reported"
fi
