# Sourced by the benches: fake_library DIR COUNT writes COUNT bundles
# (config.json and the logs/ dir listing reads) named vm-1 … vm-COUNT into
# DIR, directly rather than through `create`: disks and TPMs would measure
# qemu-img and swtpm_setup.
fake_library() {
  local lib=$1 count=$2 i d id
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
}
