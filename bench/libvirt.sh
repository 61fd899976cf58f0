#!/usr/bin/env bash
# Push and list --all against a private libvirtd started here as root (the
# tests' harness: tests/libvirt/libvirt-harness.c): bytes sent vs allocated
# for a 2 GiB disk holding 64 MiB (sparse upload), and list --all with a
# remote of 100 defined domains (target <= 1 s) vs list alone. No guest
# boots. Figures: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=build/tests/libvirt/bench-libvirt
[ -x "$exe" ] || { echo "build first (meson compile -C build; needs libvirt-dev)" >&2; exit 1; }
# the harness logs each bridgevm run as "# ..." lines: the figures are the rest
BVM_BUILD_ROOT=$(pwd)/build BVM_SOURCE_ROOT=$(pwd) "$exe" | grep -v "^#"
