#!/usr/bin/env bash
# `bridgevm list --json` on a library of 1,000 bundles (target < 50 ms here).
# Prints the median of N runs, and as a baseline measured in the same run the
# time `cat` takes to read the same 1,000 config.json files.
set -euo pipefail
cd "$(dirname "$0")/.."
bvm=${BVM:-build/bridgevm}
runs=${RUNS:-15}
count=${COUNT:-1000}
[ -x "$bvm" ] || { echo "build first: meson setup build && meson compile -C build" >&2; exit 1; }

lib=$(mktemp -d /tmp/bvm-bench-list-XXXXXX)
trap 'rm -rf "$lib"' EXIT

# Bundles made directly (config.json + the dirs list reads), not through
# `create`: 1,000 disks and TPMs would measure qemu-img and swtpm_setup.
for i in $(seq 1 "$count"); do
  d="$lib/vm-$i.bridgevm"
  mkdir -p "$d/logs"
  id=$(cat /proc/sys/kernel/random/uuid)
  cat > "$d/config.json" <<JSON
{"schemaVersion":1,"id":"$id","name":"vm-$i","os":"linux","arch":"x86_64","cpus":2,
 "memoryMiB":4096,"diskGiB":64,"preset":"light","display":{"width":1920,"height":1080},
 "firmware":{"secureBoot":false,"enrolledKeys":false,"requiresSmm":false,
 "code":"/usr/share/OVMF/OVMF_CODE_4M.fd","varsTemplate":"/usr/share/OVMF/OVMF_VARS_4M.fd"},
 "tpm":{"enabled":true},"isoPath":"/tmp/x.iso","licenseAcceptedAt":null,
 "createdAt":"2026-11-24T00:00:00Z","startedAt":null,"commandVersion":1,"pressKeyOnBoot":false,
 "lastExit":null}
JSON
done

median_ms() { # command...
  local t=()
  for _ in $(seq 1 "$runs"); do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null
    e=$(date +%s%N)
    t+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

out=$("$bvm" --library "$lib" list --json | grep -c '"id"')
[ "$out" -eq "$count" ] || { echo "list returned $out VMs, expected $count" >&2; exit 1; }
list_ms=$(median_ms "$bvm" --library "$lib" list --json)
cat_ms=$(median_ms sh -c "cat '$lib'/*/config.json")
ratio=$(awk -v a="$list_ms" -v b="$cat_ms" 'BEGIN {printf "%.1f", a / b}')
echo "bridgevm list --json, $count VMs: ${list_ms} ms (median of $runs; target < 50 ms)"
echo "baseline cat of the same $count config.json files: ${cat_ms} ms"
echo "ratio list/cat: ${ratio}x"
