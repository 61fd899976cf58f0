#!/usr/bin/env bash
# VM lifecycle timings under this host's accelerator (TCG here), in one run:
#  - `bridgevm start` until it returns (QMP answers, vCPUs run), against the
#    same argv started by hand until its QMP socket answers (baseline);
#    target ratio <= 1.2;
#  - `bridgevm start --wait-agent` until the guest agent answers;
#  - `bridgevm stop` (ACPI) until every process of the VM is gone.
# Medians of RUNS (default 3); QUICK=1 makes it one run each.
set -euo pipefail
cd "$(dirname "$0")/.."
bvm=$(pwd)/build/bridgevm
runs=${RUNS:-3}
[ "${QUICK:-0}" = 1 ] && runs=1
iso=$(tools/build-test-guest.sh plain | tail -n 1)
lib=$(mktemp -d /tmp/bvm-bench-life-XXXXXX)
export XDG_RUNTIME_DIR=$lib/run
mkdir -p "$XDG_RUNTIME_DIR"
trap '"$bvm" --library "$lib" kill bench >/dev/null 2>&1 || true; rm -rf "$lib"' EXIT
B() { "$bvm" --library "$lib" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

B create bench --iso "$iso" --preset light --memory 1G --disk 2G >/dev/null
bundle="$lib/bench.bridgevm"

start_ms=(); hand_ms=(); agent_ms=(); stop_ms=()
for _ in $(seq 1 "$runs"); do
  # bridgevm start: monitor + swtpm + QEMU + QMP + cont
  t0=$(now_ms); B start bench --display none >/dev/null; t1=$(now_ms)
  start_ms+=($((t1 - t0)))
  B kill bench >/dev/null

  # the same argv by hand: swtpm, then QEMU, until QMP answers
  mapfile -t argv < <(B command bench --display none --paused)
  run="$bundle/run"; mkdir -p "$run"; ln -sfn "$bundle/tpm" "$run/tpm-state"
  t0=$(now_ms)
  swtpm socket --tpm2 --tpmstate dir="$run/tpm-state" --ctrl type=unixio,path="$run/swtpm.sock" \
    --terminate --daemon
  while [ ! -S "$run/swtpm.sock" ]; do sleep 0.005; done
  "${argv[@]}" 2>/dev/null &
  qpid=$!
  # what the monitor does: wait for the socket, then one QMP session
  while [ ! -S "$run/qmp.sock" ]; do sleep 0.005; done
  until printf '{"execute":"qmp_capabilities"}\n{"execute":"cont"}\n' |
    socat -t 2 - UNIX-CONNECT:"$run/qmp.sock" 2>/dev/null | grep -q '"return"'; do
    sleep 0.005 # bound but not yet listening
  done
  t1=$(now_ms)
  hand_ms+=($((t1 - t0)))
  kill -9 "$qpid"; wait "$qpid" 2>/dev/null || true
  rm -rf "$run"

  # to the guest agent, then ACPI stop until everything is gone
  t0=$(now_ms); B start bench --display none --wait-agent=300 >/dev/null; t1=$(now_ms)
  agent_ms+=($((t1 - t0)))
  t0=$(now_ms); B stop bench --timeout 120 >/dev/null; t1=$(now_ms)
  stop_ms+=($((t1 - t0)))
done

s=$(printf '%s\n' "${start_ms[@]}" | median)
h=$(printf '%s\n' "${hand_ms[@]}" | median)
a=$(printf '%s\n' "${agent_ms[@]}" | median)
p=$(printf '%s\n' "${stop_ms[@]}" | median)
echo "runs: $runs (medians), accelerator: $(B command bench --json | sed -n 's/.*"accel" : "\([a-z]*\)".*/\1/p')"
echo "bridgevm start to QMP ready:      ${s} ms"
echo "same argv by hand to QMP ready:   ${h} ms"
echo "ratio start/by-hand:              $(awk -v a="$s" -v b="$h" 'BEGIN {printf "%.2f", a / b}') (target <= 1.2)"
echo "bridgevm start to agent ping:     ${a} ms"
echo "ACPI stop to every process gone:  ${p} ms"
