#!/usr/bin/env bash
# Shared-folder read throughput: a 256 MiB file read inside the test guest
# through virtio-9p (bridgevm set VM --share DIR:data), against the host's own
# read of the same file, in one run. docs/performance.md holds a run's figures.
#
#   RUNS=N     reads of each kind (default 3); medians reported
#   SIZE_MIB   the file's size (default 256)
#
# The guest reads with busybox dd (bs=1M) and writes dd's report into the
# share; the host reads with dd too. The file sits in the host's page cache for
# both (it was just written), so the ratio is what 9p and virtio cost over a
# cached read, not the disk. Rows: the guest with the kernel's default msize
# (what `mount -t 9p -o trans=virtio TAG /mnt` gives) and with msize=512000
# (a larger 9p message; QEMU 7.2 caps it at its own maximum). Prints numbers
# and ratios; fails only when something breaks, never on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bvm=${BRIDGEVM_BIN:-$root/build/bridgevm}
die() { echo "bench/9p: error: $*" >&2; exit 1; }
note() { echo "bench/9p: $*" >&2; }
[ -x "$bvm" ] || die "$bvm is missing: meson setup build && ninja -C build"
RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-256}

iso=$(tools/build-test-guest.sh plain | tail -n1)
[ -s "$iso" ] || die "tools/build-test-guest.sh plain gave no ISO"

tmp=$(mktemp -d /tmp/bvm-bench-9p-XXXXXX)
lib=$tmp/lib
share=$tmp/share
mkdir -p "$share" "$tmp/run"
chmod 700 "$tmp/run"
export XDG_RUNTIME_DIR=$tmp/run
cleanup() {
  "$bvm" kill --library "$lib" bench9p >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bvm" create --library "$lib" bench9p --iso "$iso" --preset light --memory 1G --disk 2G \
  --no-secure-boot --no-tpm >/dev/null
"$bvm" set --library "$lib" bench9p --share "$share:data" >/dev/null
dd if=/dev/urandom of="$share/big" bs=1M count="$SIZE_MIB" status=none
"$bvm" start --library "$lib" bench9p --display none --wait-agent=300 >/dev/null
qga=$("$bvm" show --library "$lib" bench9p --json | python3 -c '
import json, os, sys
v = json.load(sys.stdin)
run = os.path.join(v["path"], "run")
alt = os.path.join(os.environ["XDG_RUNTIME_DIR"], "bridgevm", v["id"])
print(os.path.join(run if os.path.isdir(run) else alt, "qga.sock"))')
gexec() { python3 "$root/bench/qga.py" "$qga" exec 600 /bin/sh -c "$1"; }
gexec 'mkdir -p /mnt/d' || die "the guest agent does not run commands"
# one read in the guest: mount the share with @1's options, read the file,
# unmount (a 9p tag mounts once at a time). This busybox dd prints no timing:
# the guest times it on /proc/uptime (10 ms steps) and reports like GNU dd.
guest_read() {
  gexec "mount -t 9p -o trans=virtio,version=9p2000.L$1 data /mnt/d || exit 1
         grep ' /mnt/d ' /proc/mounts >&2
         a=\$(cut -d' ' -f1 /proc/uptime)
         dd if=/mnt/d/big of=/dev/null bs=1M 2>/dev/null || exit 1
         b=\$(cut -d' ' -f1 /proc/uptime)
         echo \"$((SIZE_MIB * 1048576)) bytes copied, \$(awk \"BEGIN { print \$b - \$a }\") s\"
         umount /mnt/d"
}

# MB/s of one dd report line ("268435456 bytes (256.0MB) copied, 3.1 seconds, 82.5MB/s"
# from busybox; GNU dd: "..., 0.05 s, 5.4 GB/s"): bytes / seconds, computed here.
mbps() { python3 -c '
import re, sys
t = sys.stdin.read()
m = re.search(r"(\d+) bytes.*copied, ([0-9.]+) s", t)
if not m: sys.exit("unreadable dd report: " + t)
print("%.1f" % (int(m.group(1)) / float(m.group(2)) / 1e6))'; }

declare -a host=() dflt=() big=()
for i in $(seq "$RUNS"); do
  host+=("$(dd if="$share/big" of=/dev/null bs=1M 2>&1 | mbps)")
  dflt+=("$(guest_read '' | mbps)")
  big+=("$(guest_read ',msize=512000' | mbps)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
h=$(median "${host[@]}"); d=$(median "${dflt[@]}"); b=$(median "${big[@]}")
accel=$("$bvm" command --library "$lib" bench9p --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["accel"])')
printf '# 9p read of a %d MiB file (page-cached on the host), medians of %d, accelerator %s\n' \
  "$SIZE_MIB" "$RUNS" "$accel"
printf '%-28s %10s %8s\n' row MB/s xhost
printf '%-28s %10s %8s\n' host-dd "$h" 1.00
printf '%-28s %10s %8s\n' guest-9p-default-msize "$d" "$(python3 -c "print('%.3f' % ($d / $h))")"
printf '%-28s %10s %8s\n' guest-9p-msize-512000 "$b" "$(python3 -c "print('%.3f' % ($b / $h))")"
