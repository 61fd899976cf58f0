#!/bin/sh
# Every golden libvirt domain (cases/*/expected.libvirt.xml) validates against
# the installed libvirt's schema (virt-xml-validate, Debian's libvirt-clients).
# TAP: one line per file.
dir=${1:?usage: validate-libvirt-xml.sh GOLDEN_DIR}
if ! command -v virt-xml-validate >/dev/null; then
  echo "1..0 # SKIP virt-xml-validate is not installed (scripts/install-deps installs libvirt-clients)"
  exit 0
fi
set -- "$dir"/cases/*/expected.libvirt.xml
echo "1..$#"
n=0 failed=0
for f in "$@"; do
  n=$((n + 1))
  case_name=$(basename "$(dirname "$f")")
  if out=$(virt-xml-validate "$f" domain 2>&1); then
    echo "ok $n - $case_name"
  else
    echo "not ok $n - $case_name"
    printf '%s\n' "$out" | sed 's/^/# /'
    failed=1
  fi
done
exit $failed
