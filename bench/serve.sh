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
. bench/fake-library.sh
fake_library "$lib" 100
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
