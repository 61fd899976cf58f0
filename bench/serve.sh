#!/usr/bin/env bash
# `bridgevm serve` under load on loopback: listVms with 100 VMs (target
# >= 5,000 requests/s) against the server's own static page in the same run
# (the transport's ceiling), and the server's idle RSS (target <= 20 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
bvm=$(pwd)/build/bridgevm
secs=${SECONDS_PER_RUN:-5}
command -v wrk >/dev/null || { echo "install wrk: apt-get install -y wrk" >&2; exit 1; }
lib=$(mktemp -d /tmp/bvm-bench-serve-XXXXXX)
export XDG_RUNTIME_DIR=$lib/run
mkdir -p "$XDG_RUNTIME_DIR"
for i in $(seq 1 100); do
  d="$lib/vm-$i.bridgevm"; mkdir -p "$d"
  cat > "$d/config.json" <<JSON
{"schemaVersion":1,"id":"$(cat /proc/sys/kernel/random/uuid)","name":"vm-$i","os":"linux",
 "arch":"x86_64","cpus":2,"memoryMiB":4096,"diskGiB":64,"preset":"light",
 "display":{"width":1920,"height":1080},"firmware":{"secureBoot":false,"enrolledKeys":false,
 "requiresSmm":false,"code":"/a","varsTemplate":"/b"},"tpm":{"enabled":true},"isoPath":null,
 "licenseAcceptedAt":null,"createdAt":"2026-11-24T00:00:00Z","startedAt":null,
 "commandVersion":2,"pressKeyOnBoot":false,"lastExit":null}
JSON
done
"$bvm" --library "$lib" serve > "$lib/url" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$lib"' EXIT
for _ in $(seq 1 100); do [ -s "$lib/url" ] && break; sleep 0.05; done
url=$(head -1 "$lib/url"); port=${url#http://127.0.0.1:}; port=${port%%/*}; token=${url##*token=}
sleep 1
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
cat > "$lib/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
LUA
api=$(wrk -t2 -c16 -d"${secs}s" -s "$lib/post.lua" "http://127.0.0.1:$port/api/listVms" |
  awk '/Requests\/sec/ {print $2}')
static=$(wrk -t2 -c16 -d"${secs}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/" |
  awk '/Requests\/sec/ {print $2}')
echo "listVms with 100 VMs: ${api} requests/s (target >= 5000)"
echo "baseline, the static page from the same server: ${static} requests/s"
echo "ratio api/static: $(awk -v a="$api" -v b="$static" 'BEGIN {printf "%.2f", a / b}')"
echo "idle RSS of serve: $((rss_kb / 1024)) MB (${rss_kb} kB; target <= 20 MB)"
