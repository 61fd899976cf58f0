#!/usr/bin/env bash
# What a watched thumbnail costs: CPU of the VM's QEMU over SECONDS (default
# 30) idle at the booted test guest's prompt (baseline) and while a watcher
# takes its screen every PERIOD s (default 5) as the library does (QMP screendump as PNG), in
# the same run, alternating (ROUNDS, default 2, of each). Also the watcher's
# own CPU (the bridgevm processes it starts). Target: the difference <= 2 %
# of one core per watched VM. Boots a guest: takes /tmp/bvm-guest.lock per
# measurement block (not for the whole run), as every guest suite here.
set -euo pipefail
cd "$(dirname "$0")/.."
bvm=$(pwd)/build/bridgevm
secs=${SECONDS_PER_BLOCK:-30}
rounds=${ROUNDS:-2}
period=${PERIOD:-5}
# the library's thumbnail (QEMU dumps PPM, bridgevm scales and encodes it);
# FULL=1 measures QEMU's own full-size PNG instead, for comparison
shot_flags=--thumbnail
[ "${FULL:-0}" = 1 ] && shot_flags=
lock=${BVM_GUEST_LOCK:-/tmp/bvm-guest.lock}
iso=$(tools/build-test-guest.sh plain | tail -n 1)
lib=$(mktemp -d /tmp/bvm-bench-thumb-XXXXXX)
export XDG_RUNTIME_DIR=$lib/run
mkdir -p "$XDG_RUNTIME_DIR"
trap '"$bvm" --library "$lib" kill bench >/dev/null 2>&1 || true; rm -rf "$lib"' EXIT
B() { "$bvm" --library "$lib" "$@"; }
ticks=$(getconf CLK_TCK)
# utime + stime of a pid, in clock ticks (fields 14 and 15 of /proc/PID/stat,
# counted after the command name's closing parenthesis)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
pct() { awk -v t="$1" -v s="$2" -v hz="$ticks" 'BEGIN {printf "%.2f", 100 * t / hz / s}'; }

B create bench --iso "$iso" --preset light --memory 1G --disk 2G --no-tpm >/dev/null
exec 9>"$lock"
flock 9
B start bench --display vnc --wait-agent=300 >/dev/null
qpid=$(B status bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
sleep 5 # the guest settles at its prompt
flock -u 9

block() { # $1: idle|watched -> QEMU ticks and watcher ticks over $secs
  flock 9
  local q0 q1 w=0 end me=$BASHPID
  q0=$(cpu_ticks "$qpid")
  end=$(( $(date +%s) + secs ))
  if [ "$1" = watched ]; then
    local before after
    before=$(awk '{print $14 + $15 + $16 + $17}' /proc/$me/stat)
    while [ "$(date +%s)" -lt "$end" ]; do
      B screenshot bench "$lib/thumb.png" $shot_flags >/dev/null
      sleep "$period"
    done
    after=$(awk '{print $14 + $15 + $16 + $17}' /proc/$me/stat)
    w=$((after - before))
  else
    sleep "$secs"
  fi
  q1=$(cpu_ticks "$qpid")
  flock -u 9
  echo "$((q1 - q0)) $w"
}

idle_q=0 watch_q=0 watch_w=0
for r in $(seq 1 "$rounds"); do
  read -r q _ < <(block idle)
  idle_q=$((idle_q + q))
  echo "round $r idle:    QEMU $(pct "$q" "$secs") % of one core" >&2
  read -r q w < <(block watched)
  watch_q=$((watch_q + q)); watch_w=$((watch_w + w))
  echo "round $r watched: QEMU $(pct "$q" "$secs") % of one core, watcher $(pct "$w" "$secs") %" >&2
done
total=$((secs * rounds))
size=$(stat -c %s "$lib/thumb.png")
echo "screenshot ${shot_flags:-(full PNG)} every ${period} s, ${secs} s blocks x ${rounds}; PNG ${size} bytes"
echo "QEMU idle:     $(pct "$idle_q" "$total") % of one core"
echo "QEMU watched:  $(pct "$watch_q" "$total") % of one core"
echo "difference:    $(pct $((watch_q - idle_q)) "$total") % of one core (target <= 2)"
echo "watcher (bridgevm screenshot processes): $(pct "$watch_w" "$total") % of one core"
awk -v a="$watch_q" -v b="$idle_q" 'BEGIN {if (b > 0) printf "ratio watched/idle: %.3f\n", a / b}'
