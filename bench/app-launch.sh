#!/usr/bin/env bash
# bridgevm-app under Xvfb: launch to the first painted library (target
# <= 1.5 s), the median of N cold launches, and the app's memory once the
# library shows: RSS of the app process, and the PSS of it with its WebKit
# helper processes (shared pages counted once). The clock starts before
# exec and stops when the page has presented a frame with the library in
# it (two animation frames after it appears), as timed by the app's test
# hook. The X server is started once, outside the timing.
# RUNS=N (default 5); BRIDGEVM_APP_UI_DIR=DIR measures a UI from a directory.
set -euo pipefail
cd "$(dirname "$0")/.."
app=$(pwd)/build/bridgevm-app
runs=${RUNS:-5}
[ -x "$app" ] || { echo "build bridgevm-app first (meson setup build && ninja -C build)" >&2; exit 1; }
command -v Xvfb >/dev/null || { echo "install Xvfb: apt-get install -y xvfb" >&2; exit 1; }
tmp=$(mktemp -d /tmp/bvm-bench-app-XXXXXX)
lib=$tmp/VMs
mkdir -p "$lib"
. bench/fake-library.sh
fake_library "$lib" 10
# Painted: the library's heading and its table (or the empty state) are in
# the page, then two frames so the one holding them was presented.
cat > "$tmp/painted.js" <<'JS'
while (!(document.querySelector('#library-title') && document.querySelector('table.vms, .empty')))
  await new Promise((r) => setTimeout(r, 5));
await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
const painted = Date.now();
await new Promise((r) => setTimeout(r, 1500)); // settle, for the memory reading
return painted;
JS

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$tmp/display" 2>/dev/null &
xpid=$!
trap 'kill $xpid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do [ -s "$tmp/display" ] && break; sleep 0.05; done
export DISPLAY=:$(head -1 "$tmp/display")
export BRIDGEVM_APP_TEST_SCRIPT=$tmp/painted.js NO_AT_BRIDGE=1 GTK_A11Y=none
unset BRIDGEVM_APP_SCREENSHOT

# PSS of a process and all its descendants, in kB.
tree_pss() {
  local pids=$1 all=$1 next
  while [ -n "$pids" ]; do
    next=$(for p in $pids; do pgrep -P "$p" || true; done | xargs)
    all="$all $next"; pids=$next
  done
  for p in $all; do awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true; done |
    awk '{s += $1} END {print s + 0}'
}

times=() rss=0 pss=0
for run in $(seq 1 "$runs"); do
  out=$tmp/out-$run
  start=$(date +%s%3N)
  "$app" --library "$lib" >"$out" 2>"$tmp/err-$run" &
  pid=$!
  # Memory while the page settles after painting.
  for _ in $(seq 1 200); do grep -qs '^BVM-LOADED' "$out" && break; sleep 0.02; done
  sleep 1
  r=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0)
  p=$(tree_pss "$pid")
  wait "$pid" || { echo "run $run: the app failed:" >&2; cat "$out" "$tmp/err-$run" >&2; exit 1; }
  painted=$(awk '/^BVM-RESULT/ {print $3}' "$out")
  times+=($((painted - start)))
  [ "$r" -gt "$rss" ] && rss=$r
  [ "$p" -gt "$pss" ] && pss=$p
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | xargs)
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
echo "launch to first painted library (10 VMs), ${runs} runs: ${sorted} ms"
echo "median: ${median} ms (target <= 1500 ms)"
echo "RSS of bridgevm-app: $((rss / 1024)) MB; PSS with its WebKit processes: $((pss / 1024)) MB (largest of the runs)"
