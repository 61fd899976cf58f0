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

. bench/fake-library.sh
fake_library "$lib" "$count"

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
