#!/usr/bin/env bash
# Build the BridgeVM UEFI test-guest ISOs from Debian packages (see tools/README.md).
#
#   tools/build-test-guest.sh [--out DIR] [plain|secureboot|bench|all]...
#
# Prints the absolute path of each ISO on stdout, one per line; logs go to stderr.
# Packages are fetched with `apt-get download` into the cache and unpacked with
# `dpkg-deb -x`; nothing is installed system-wide except missing host tools
# (grub-common, xorriso, mtools, dosfstools).
set -euo pipefail
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
umask 022

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SCRIPT")/.." && pwd)
CACHE=${BRIDGEVM_TEST_GUEST_CACHE:-$REPO/.cache/test-guest}
OUT=$CACHE
MULTIARCH=x86_64-linux-gnu

# Kernel command line shared by both ISOs.
CMDLINE="console=ttyS0,115200 quiet mitigations=off"

# Debian packages. The kernel metapackage is resolved to the concrete image
# package (linux-image-<abi>-amd64, which in bookworm is the signed kernel).
# qemu-ga's shared libraries come from the listed lib packages (libc6 ...).
BASE_PKGS=(linux-image-amd64 busybox-static qemu-guest-agent
    libc6 libglib2.0-0 libpcre2-8-0 libudev1 libnuma1 liburing2)
PLAIN_PKGS=(grub-efi-amd64-bin)
SB_PKGS=(shim-signed grub-efi-amd64-signed)

# Modules to load in the guest (dependencies are added from each module's
# modinfo; modules built into the kernel are skipped).
# ata_piix and e1000 are the IDE disk and NIC of QEMU's default machine (the
# copy-paste command bench/guest compares against). 9pnet_virtio and 9p mount
# shared folders (tests/e2e/test-forwards-shares.c). ahci, sr_mod and isofs
# read the extra CDs on q35's AHCI (the express answer CD, the driver CD;
# tests/e2e/test-express.c).
GUEST_MODULES=(virtio_pci virtio_console virtio_net virtio_blk virtio_scsi sd_mod nvme
    virtio_gpu button evdev efivarfs tpm_crb tpm_tis ata_piix e1000
    9pnet_virtio 9p ahci sr_mod isofs)
# Loaded when the kernel package has them as modules (skipped when built in or
# absent): pvpanic tells QEMU of a guest kernel panic (QMP GUEST_PANICKED).
# QEMU's `-device pvpanic` on x86_64 is the ISA device (ACPI QEMU0001), bound
# by pvpanic-mmio since Linux 5.12; pvpanic-pci is `-device pvpanic-pci`.
OPTIONAL_GUEST_MODULES=(pvpanic pvpanic_mmio pvpanic_pci)

# bench: fio, the packages it comes in and, found by walking their Depends,
# the library packages it needs (only lib* and zlib1g are followed).
BENCH_ROOT_PKG=fio

log() { printf 'build-test-guest: %s\n' "$*" >&2; }
die() { printf 'build-test-guest: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<EOF
Usage: $(basename "$0") [--out DIR] [plain|secureboot|bench|all]...

Builds UEFI x86_64 test-guest ISOs from Debian packages (cached):
  plain       GRUB (grub-mkrescue) + Debian kernel + busybox/qemu-ga initramfs
  secureboot  the same, booted through Debian's signed shim + signed GRUB (gcdx64)
  all         plain and secureboot (default)
  bench       bridgevm-bench-tools.tar: Debian's fio with its libraries, for
              bench/guest to hand to a running guest

Options:
  --out DIR   where to write the ISOs (default: $CACHE)
  -h, --help  this help

Prints the absolute path of each ISO on stdout. Downloads and intermediate
files are cached in \$BRIDGEVM_TEST_GUEST_CACHE (default: .cache/test-guest in the repo).
EOF
}

want_plain=0 want_sb=0 want_bench=0
while [ $# -gt 0 ]; do
    case $1 in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; OUT=$2; shift 2 ;;
        --out=*) OUT=${1#--out=}; shift ;;
        -h|--help) usage; exit 0 ;;
        plain) want_plain=1; shift ;;
        secureboot) want_sb=1; shift ;;
        all) want_plain=1; want_sb=1; shift ;;
        bench) want_bench=1; shift ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[ $want_plain = 1 ] || [ $want_sb = 1 ] || [ $want_bench = 1 ] || { want_plain=1; want_sb=1; }

host_arch=$(dpkg --print-architecture 2>/dev/null) || die "dpkg not found (this script needs a Debian/apt host)"
[ "$host_arch" = amd64 ] || die "the test guests are built from amd64 packages on an amd64 host (this host is $host_arch)"

mkdir -p "$CACHE" "$OUT" || die "cannot create $CACHE or $OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=$(cd "$CACHE" && pwd)

# Serialise concurrent runs sharing this cache.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/.lock"
    flock 9
    rm -rf "$CACHE"/work.*   # left over by an interrupted run
fi

sha() { sha256sum | cut -c1-64; }
SCRIPT_HASH=$(sha <"$SCRIPT")

# ---------------------------------------------------------------------------
# Package versions (cache key). Candidate versions come from apt; they are
# memoised against a fingerprint of apt's package lists so a warm run does
# not need to start apt at all.
# ---------------------------------------------------------------------------
ALL_PKGS=("${BASE_PKGS[@]}" "${PLAIN_PKGS[@]}" "${SB_PKGS[@]}")
declare -A VER=()

apt_fingerprint() {
    {
        echo "${ALL_PKGS[*]}"
        find /var/lib/apt/lists -maxdepth 1 -type f ! -name lock -printf '%f %s %T@\n' 2>/dev/null | sort || :
        find /etc/apt/preferences /etc/apt/preferences.d -type f -printf '%p %s %T@\n' 2>/dev/null | sort || :
    } | sha
}

# Print "package version [depends]" for the candidate of each named package.
apt_candidates() {
    local out
    out=$(apt-cache show --no-all-versions "$@" 2>&1) ||
        die "apt-cache cannot find some of: $* ($(printf '%s' "$out" | tail -n1)); run apt-get update?"
    printf '%s\n' "$out" | awk '
        /^Package: /  { p = $2 }
        /^Version: /  { v = $2 }
        /^Depends: /  { d = substr($0, 10) }
        /^$/          { if (p != "") print p, v, d; p = v = d = "" }
        END           { if (p != "") print p, v, d }'
}

resolve_versions() {
    local fp vfile=$CACHE/versions fpfile=$CACHE/versions.fp pkg ver rest kpkg
    fp=$(apt_fingerprint)
    if [ ! -s "$vfile" ] || [ "$(cat "$fpfile" 2>/dev/null)" != "$fp" ]; then
        command -v apt-cache >/dev/null || die "apt-cache not found (this script needs a Debian/apt host)"
        log "resolving package versions with apt-cache"
        local tmp
        tmp=$(apt_candidates "${ALL_PKGS[@]}")
        kpkg=$(printf '%s\n' "$tmp" | awk '$1 == "linux-image-amd64" { print $3 }')
        case $kpkg in linux-image-*-amd64) ;; *) die "cannot resolve linux-image-amd64 to a kernel image package (got '$kpkg')" ;; esac
        {
            printf '%s\n' "$tmp" | awk '{ print $1, $2 }'
            apt_candidates "$kpkg" | awk '{ print $1, $2 }'
            echo "kernel-package $kpkg"
        } >"$vfile.tmp"
        mv "$vfile.tmp" "$vfile"
        echo "$fp" >"$fpfile"
    fi
    while read -r pkg ver rest; do VER[$pkg]=$ver; done <"$vfile"
    for pkg in "${ALL_PKGS[@]}" kernel-package; do
        [ -n "${VER[$pkg]:-}" ] || { rm -f "$fpfile"; die "no candidate version for $pkg"; }
    done
    KPKG=${VER[kernel-package]}
    [ -n "${VER[$KPKG]:-}" ] || { rm -f "$fpfile"; die "no candidate version for $KPKG"; }
}

resolve_versions
BASE_REAL_PKGS=("$KPKG" "${BASE_PKGS[@]:1}")

versions_of() { local p; for p; do printf '%s=%s\n' "$p" "${VER[$p]}"; done; }
INITRD_KEY=$( { echo "$SCRIPT_HASH"; versions_of "${BASE_REAL_PKGS[@]}"; } | sha)
PLAIN_KEY=$( { echo "plain $INITRD_KEY"; versions_of "${PLAIN_PKGS[@]}"; } | sha)
SB_KEY=$( { echo "secureboot $INITRD_KEY"; versions_of "${SB_PKGS[@]}"; } | sha)

PLAIN_ISO=$OUT/bridgevm-test-plain.iso
SB_ISO=$OUT/bridgevm-test-secureboot.iso
BENCH_TAR=$OUT/bridgevm-bench-tools.tar
# The bench image's packages are found by walking Depends, so its key is the
# script plus apt's lists (the same fingerprint as the version memo).
BENCH_KEY=$( { echo "bench $SCRIPT_HASH"; apt_fingerprint; } | sha)

iso_fresh() { [ -s "$1" ] && [ "$(cat "$1.key" 2>/dev/null)" = "$2" ]; }

need_plain=0 need_sb=0 need_bench=0
[ $want_plain = 1 ] && ! iso_fresh "$PLAIN_ISO" "$PLAIN_KEY" && need_plain=1
[ $want_sb = 1 ] && ! iso_fresh "$SB_ISO" "$SB_KEY" && need_sb=1
[ $want_bench = 1 ] && ! iso_fresh "$BENCH_TAR" "$BENCH_KEY" && need_bench=1

print_paths() {
    [ $want_plain = 1 ] && echo "$PLAIN_ISO"
    [ $want_sb = 1 ] && echo "$SB_ISO"
    [ $want_bench = 1 ] && echo "$BENCH_TAR"
    return 0
}

if [ $need_plain = 0 ] && [ $need_sb = 0 ] && [ $need_bench = 0 ]; then
    log "up to date (cache: $CACHE)"
    print_paths
    exit 0
fi

# ---------------------------------------------------------------------------
# Host tools
# ---------------------------------------------------------------------------
ensure_tools() {
    local missing=() pair tool pkg
    for pair in "$@"; do
        tool=${pair%%:*} pkg=${pair#*:}
        command -v "$tool" >/dev/null 2>&1 && continue
        case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
        log "installing host tools: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
            die "apt-get install ${missing[*]} failed"
    else
        die "missing host tools; run: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    fi
}

tools=(apt-get:apt dpkg-deb:dpkg gzip:gzip sha256sum:coreutils)
[ $need_plain = 1 ] && tools+=(grub-mkrescue:grub-common grub-mkimage:grub-common xorriso:xorriso mformat:mtools)
[ $need_sb = 1 ] && tools+=(xorriso:xorriso mkfs.vfat:dosfstools mcopy:mtools mmd:mtools)
[ $need_bench = 1 ] && tools+=(tar:tar)
ensure_tools "${tools[@]}"

# ---------------------------------------------------------------------------
# Downloads (apt-get download into $CACHE/debs, kept across runs)
# ---------------------------------------------------------------------------
DEBS=$CACHE/debs
mkdir -p "$DEBS"
declare -A DEB=()

deb_glob() { local v=${VER[$1]//:/%3a}; printf '%s/%s_%s_*.deb' "$DEBS" "$1" "$v"; }
# Print the cached .deb of a package's candidate version, if there is one.
deb_file() {
    local m
    # shellcheck disable=SC2207
    m=($(deb_glob "$1"))
    [ -f "${m[0]}" ] && printf '%s\n' "${m[0]}"
}

fetch() {
    local p f todo=() have
    for p; do
        deb_file "$p" >/dev/null || todo+=("$p=${VER[$p]}")
    done
    if [ ${#todo[@]} -gt 0 ]; then
        log "downloading: ${todo[*]}"
        local aptopts=(-q -q)
        [ "$(id -u)" = 0 ] && aptopts+=(-o APT::Sandbox::User=root)
        (cd "$DEBS" && apt-get download "${aptopts[@]}" "${todo[@]}") >&2 ||
            die "apt-get download failed for: ${todo[*]}"
    fi
    for p; do
        have=$(deb_file "$p") || die "download of $p ${VER[$p]} did not produce $(deb_glob "$p")"
        DEB[$p]=$have
        for f in "$DEBS/${p}"_*.deb; do   # drop other cached versions
            [ "$f" = "$have" ] || rm -f "$f"
        done
    done
}

# The bench packages: fio and, breadth first, the lib* / zlib1g packages its
# Depends name (first alternative, version and :any dropped). What fio really
# loads is decided later by the dynamic loader; this only has to cover it.
BENCH_PKGS=()
bench_closure() {
    local frontier=("$BENCH_ROOT_PKG") next p v d dep
    declare -A seen=([$BENCH_ROOT_PKG]=1)
    while [ ${#frontier[@]} -gt 0 ]; do
        next=()
        while read -r p v d; do
            [ -n "$p" ] || continue
            VER[$p]=$v
            BENCH_PKGS+=("$p")
            for dep in $(printf '%s\n' "$d" | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g'); do
                case $dep in lib*|zlib1g) ;; *) continue ;; esac
                [ -n "${seen[$dep]:-}" ] && continue
                seen[$dep]=1
                next+=("$dep")
            done
        done < <(apt_candidates "${frontier[@]}")
        frontier=("${next[@]+"${next[@]}"}")
    done
}

FETCH_PKGS=("${BASE_REAL_PKGS[@]}")
[ $need_plain = 1 ] && FETCH_PKGS+=("${PLAIN_PKGS[@]}")
[ $need_sb = 1 ] && FETCH_PKGS+=("${SB_PKGS[@]}")
if [ $need_bench = 1 ]; then
    bench_closure
    log "bench image: $BENCH_ROOT_PKG and the ${#BENCH_PKGS[@]} packages its Depends reach"
    FETCH_PKGS+=("${BENCH_PKGS[@]}")
fi
fetch "${FETCH_PKGS[@]}"

WORK=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$WORK" "$OUT"/bridgevm-test-*.iso.tmp.$$' EXIT

unpack() {
    mkdir -p "$2"
    dpkg-deb -x "${DEB[$1]}" "$2" || die "cannot unpack ${DEB[$1]}"
}

# ---------------------------------------------------------------------------
# Kernel + initramfs (shared by both ISOs, cached in $CACHE/initrd)
# ---------------------------------------------------------------------------
IDIR=$CACHE/initrd

build_initrd() {
    local K=$WORK/kernel R=$WORK/root T=$WORK/initrd BB kver mdir
    log "unpacking kernel $KPKG ${VER[$KPKG]}"
    unpack "$KPKG" "$K"
    for p in "${BASE_REAL_PKGS[@]:1}"; do unpack "$p" "$R"; done

    set -- "$K"/boot/vmlinuz-*
    [ -f "$1" ] || die "no /boot/vmlinuz-* in $KPKG"
    kver=${1##*/vmlinuz-}
    mdir=$K/lib/modules/$kver
    [ -d "$mdir" ] || die "no /lib/modules/$kver in $KPKG"

    BB=$R/bin/busybox
    [ -x "$BB" ] || die "busybox-static did not provide /bin/busybox"

    mkdir -p "$T"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,var/log,lib64} \
        "$T/lib/$MULTIARCH" "$T/usr/lib/$MULTIARCH" "$T/etc/acpi/PWRF" "$T/lib/modules/$kver"
    ln -s ../run "$T/var/run"
    chmod 1777 "$T/tmp"

    # busybox and its applets
    cp "$BB" "$T/bin/busybox"
    local a
    for a in $("$BB" --list); do
        [ "$a" = busybox ] || ln -s busybox "$T/bin/$a"
    done

    # kernel modules, in dependency order
    declare -A modpath=() builtin=()
    local p n
    while IFS= read -r p; do
        n=${p##*/}; n=${n%.ko}; n=${n//-/_}
        modpath[$n]=$p
    done < <(cd "$mdir" && find kernel -name '*.ko')
    [ ${#modpath[@]} -gt 0 ] || die "no *.ko modules found in $KPKG (compressed modules are not supported)"
    while IFS= read -r p; do
        n=${p##*/}; n=${n%.ko}; builtin[${n//-/_}]=1
    done <"$mdir/modules.builtin"

    # Each root module and its dependencies form a load group; groups that
    # share a module are merged. Group 0 (the first root, virtio_pci, which
    # everything virtio needs) is loaded first, the others in parallel.
    local order=() closure=() gi=0 m o g
    declare -A owner=() parent=() visit=()
    walk() {
        local n=${1//-/_} p deps d
        [ -n "${visit[$n]:-}" ] && return 0
        visit[$n]=1
        [ -n "${builtin[$n]:-}" ] && return 0
        p=${modpath[$n]:-}
        [ -n "$p" ] || die "kernel module $n not found in $KPKG"
        deps=$(tr '\0' '\n' <"$mdir/$p" | sed -n 's/^depends=//p' | head -n1)
        for d in ${deps//,/ }; do walk "$d"; done
        closure+=("$n")
    }
    group_of() { local g=$1; while [ "${parent[$g]}" != "$g" ]; do g=${parent[$g]}; done; echo "$g"; }
    local roots=("${GUEST_MODULES[@]}")
    for n in "${OPTIONAL_GUEST_MODULES[@]}"; do
        if [ -n "${modpath[$n]:-}" ]; then
            roots+=("$n")
        elif [ -n "${builtin[$n]:-}" ]; then
            log "module $n is built into the kernel"
        else
            log "module $n is not in $KPKG: skipped"
        fi
    done
    for n in "${roots[@]}"; do
        closure=() visit=()
        walk "$n"
        [ ${#closure[@]} -gt 0 ] || continue
        parent[$gi]=$gi
        for m in "${closure[@]}"; do
            if [ -n "${owner[$m]:-}" ]; then
                o=$(group_of "${owner[$m]}")
                [ "$o" = 0 ] || [ "$o" = "$gi" ] || parent[$o]=$gi
            else
                owner[$m]=$gi
                order+=("$m")
            fi
        done
        gi=$((gi + 1))
    done
    for m in "${order[@]}"; do
        p=${modpath[$m]}
        g=$(group_of "${owner[$m]}")
        mkdir -p "$T/lib/modules/$kver/${p%/*}"
        cp "$mdir/$p" "$T/lib/modules/$kver/$p"
        echo "$g $p"
    done >"$T/etc/modules.load"
    cp "$mdir/modules.builtin" "$mdir/modules.order" "$T/lib/modules/$kver/" 2>/dev/null || true
    log "initramfs modules: ${#order[@]} in $(cut -d' ' -f1 "$T/etc/modules.load" | sort -u | wc -l) load groups"

    # qemu-guest-agent and its shared libraries, resolved by the packaged
    # dynamic loader against the unpacked packages only (an ldd of the sysroot)
    cp "$R/usr/sbin/qemu-ga" "$T/usr/sbin/qemu-ga"
    local ldso=$R/lib/$MULTIARCH/ld-linux-x86-64.so.2 libpath listing soname arrow path rest
    [ -x "$ldso" ] || die "libc6 did not provide lib/$MULTIARCH/ld-linux-x86-64.so.2"
    libpath="$R/lib/$MULTIARCH:$R/usr/lib/$MULTIARCH"
    listing=$("$ldso" --library-path "$libpath" --list "$R/usr/sbin/qemu-ga") ||
        die "cannot list the libraries of qemu-ga: $listing"
    while read -r soname arrow path rest; do
        [ "$arrow" = "=>" ] || continue
        [ "$path" = "not" ] && die "qemu-ga needs $soname, which none of the packages provide (add its package to BASE_PKGS)"
        case $path in
            "$R"/*) ;;
            *) die "qemu-ga's $soname resolved outside the unpacked packages ($path); add its package to BASE_PKGS" ;;
        esac
        cp -L "$path" "$T/${path#"$R"/}"
    done <<<"$listing"
    cp -L "$ldso" "$T/lib64/ld-linux-x86-64.so.2"

    # configuration
    cat >"$T/etc/os-release" <<EOF
NAME="BridgeVM test guest"
ID=bridgevm-test
VERSION_ID="1"
VERSION="1 (Debian kernel $kver)"
PRETTY_NAME="BridgeVM test guest 1 (Debian kernel $kver)"
EOF
    echo "root:x:0:0:root:/root:/bin/sh" >"$T/etc/passwd"
    echo "root:x:0:" >"$T/etc/group"
    echo "bridgevm-test" >"$T/etc/hostname"
    printf '127.0.0.1 localhost\n::1 localhost\n' >"$T/etc/hosts"

    # power control: qemu-ga runs "/sbin/shutdown -h -P +0 <msg>" (-r reboot,
    # -H halt); the same script answers to poweroff/reboot/halt.
    cat >"$T/sbin/shutdown" <<'EOF'
#!/bin/sh
# BridgeVM test guest: shutdown/poweroff/reboot/halt without an init system.
action=poweroff
case ${0##*/} in reboot) action=reboot ;; halt) action=halt ;; esac
for a in "$@"; do
    case $a in -r) action=reboot ;; -H) action=halt ;; -P) action=poweroff ;; esac
done
echo "BRIDGEVM-GUEST: shutdown=$action" >/dev/console
sync
exec /bin/busybox "$action" -f
EOF
    chmod 755 "$T/sbin/shutdown"
    for a in poweroff reboot halt; do ln -s shutdown "$T/sbin/$a"; done

    # busybox acpid: a KEY_POWER event from the ACPI power button is mapped to
    # the action "PWRF/00000080", run relative to its config dir /etc/acpi.
    cat >"$T/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "BRIDGEVM-GUEST: acpi-power-button" >/dev/console
exec /sbin/poweroff
EOF
    chmod 755 "$T/etc/acpi/PWRF/00000080"

    mkdir -p "$T/usr/share/udhcpc"
    cat >"$T/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc hook: configure $interface from the lease.
case $1 in
    deconfig)
        ip -4 addr flush dev "$interface"
        ip link set "$interface" up
        ;;
    bound|renew)
        ip -4 addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
        if [ -n "$router" ]; then
            ip route del default 2>/dev/null
            for r in $router; do ip route add default via "$r" dev "$interface" && break; done
        fi
        : >/etc/resolv.conf
        [ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
        for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
        ;;
esac
exit 0
EOF
    chmod 755 "$T/usr/share/udhcpc/default.script"

    write_init >"$T/init"
    chmod 755 "$T/init"

    # cpio (newc, owned by root) with the packaged busybox; gzip
    (cd "$T" && find . -mindepth 1 | sort | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -n -6 >"$WORK/initrd.img" ||
        die "cannot create the initramfs archive"
    rm -rf "$IDIR.new"
    mkdir -p "$IDIR.new"
    mv "$WORK/initrd.img" "$IDIR.new/initrd.img"
    cp "$K/boot/vmlinuz-$kver" "$IDIR.new/vmlinuz"
    echo "$kver" >"$IDIR.new/kernel-version"
    echo "$INITRD_KEY" >"$IDIR.new/key"
    rm -rf "$IDIR"
    mv "$IDIR.new" "$IDIR"
    rm -rf "$K" "$R" "$T"
    log "initramfs: $(du -k "$IDIR/initrd.img" | cut -f1) KiB, kernel $kver"
}

# The guest's /init (PID 1), a busybox sh script.
write_init() {
    cat <<'EOF'
#!/bin/sh
# BridgeVM test guest /init: set up devices, start the guest agent and the ACPI
# power-button handler, configure eth0 by DHCP, print facts on the console.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t devtmpfs -o mode=0755 devtmpfs /dev 2>/dev/null
exec 0</dev/console 1>/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /dev/pts /dev/shm /run/qemu-ga
mount -t devpts devpts /dev/pts
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
# Magic SysRq on, so a test can panic the kernel on purpose through the agent
# (guest-exec of `echo c > /proc/sysrq-trigger`). The kernel command line has
# no panic=N: the kernel then stays down after a panic (panic=0, the default)
# and QEMU sees pvpanic's event instead of a reboot.
echo 1 >/proc/sys/kernel/sysrq
DEBUG=
if grep -q bridgevm.debug /proc/cmdline; then DEBUG=1; else dmesg -n 1; fi

mark() { echo "BRIDGEVM-GUEST: $*"; }
dbg() { [ -z "$DEBUG" ] || echo "bridgevm-debug: $(cut -d' ' -f1 /proc/uptime) $*"; }
# wait_for TENTHS PATH...: wait until one of PATH exists
wait_for() {
    n=$1; shift
    while :; do
        for p in "$@"; do [ -e "$p" ] && return 0; done
        [ "$n" -gt 0 ] || return 1
        n=$((n - 1)); usleep 100000
    done
}

mark boot
hostname -F /etc/hostname
ip link set lo up

# Modules: group 0 first, then the other groups in parallel.
load_group() {
    while read -r g m; do
        [ "$g" = "$1" ] || continue
        insmod "/lib/modules/$(uname -r)/$m" || mark "warning=insmod-failed:${m##*/}"
        dbg "insmod ${m##*/}"
    done </etc/modules.load
}
load_group 0
for g in $(cut -d' ' -f1 /etc/modules.load | sort -u); do
    [ "$g" = 0 ] || load_group "$g" &
done
wait
dbg modules-loaded

if [ -d /sys/firmware/efi ]; then
    mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
fi

# ACPI power button -> /etc/acpi/PWRF/00000080 (busybox acpid reads the
# button's evdev node; it needs a writable log file or it exits silently).
pwrbtn=
i=30
while [ $i -gt 0 ] && [ -z "$pwrbtn" ]; do
    for e in /sys/class/input/event*; do
        [ "$(cat "$e/device/name" 2>/dev/null)" = "Power Button" ] && pwrbtn=/dev/input/${e##*/} && break
    done
    [ -n "$pwrbtn" ] || { i=$((i - 1)); usleep 100000; }
done
[ -n "$pwrbtn" ] && wait_for 20 "$pwrbtn"
acpid -c /etc/acpi -l /var/log/acpid.log -p /run/acpid.pid || mark "warning=acpid-failed"
[ -n "$pwrbtn" ] || mark "warning=no-power-button"
dbg acpid-started

# Network: DHCP on eth0 (QEMU user networking hands out 10.0.2.15).
ipaddr=none
if wait_for 30 /sys/class/net/eth0; then
    ip link set eth0 up
    udhcpc -i eth0 -s /usr/share/udhcpc/default.script -q -n -t 5 -T 1 -A 1 >/var/log/udhcpc.log 2>&1
    ipaddr=$(ip -4 -o addr show dev eth0 | sed -n 's,.* inet \([0-9.]*\)/.*,\1,p' | head -n1)
    [ -n "$ipaddr" ] || ipaddr=none
fi

dbg network-done
# Guest agent on the virtio-serial port org.qemu.guest_agent.0 (no udev:
# create the /dev/virtio-ports links from sysfs).
mkdir -p /dev/virtio-ports
port=
i=50
while [ $i -gt 0 ]; do
    for n in /sys/class/virtio-ports/*/name; do
        [ -e "$n" ] || continue
        name=$(cat "$n"); dev=${n%/name}; dev=${dev##*/}
        [ -n "$name" ] && ln -sf "../$dev" "/dev/virtio-ports/$name"
        [ "$name" = org.qemu.guest_agent.0 ] && port=/dev/virtio-ports/$name
    done
    [ -n "$port" ] && break
    i=$((i - 1)); usleep 100000
done
# Every RPC is allowed (no --block-rpcs, no config file): bench/guest runs
# fio and tests run commands through guest-exec.
if [ -n "$port" ]; then
    qemu-ga -m virtio-serial -p "$port" -t /run/qemu-ga -f /run/qemu-ga.pid -l /var/log/qemu-ga.log &
    qga=$!
    usleep 200000
    if kill -0 "$qga" 2>/dev/null; then
        mark agent-started
    else
        mark agent-failed
        cat /var/log/qemu-ga.log
    fi
else
    mark "agent-failed (no org.qemu.guest_agent.0 virtio-serial port)"
fi

dbg agent-done
# Facts
if [ -e /dev/tpm0 ] || [ -e /sys/class/tpm/tpm0 ]; then mark tpm=yes; else mark tpm=no; fi

has_nvme=no
for c in /sys/bus/pci/devices/*/class; do
    [ "$(cat "$c")" = 0x010802 ] && has_nvme=yes
done
serial=none bytes=none
if [ $has_nvme = yes ] && wait_for 100 /sys/class/nvme/nvme0/serial; then
    serial=$(sed 's/^[[:space:]]*//; s/[[:space:]]*$//' /sys/class/nvme/nvme0/serial)
    if wait_for 100 /sys/block/nvme0n1/size; then
        bytes=$(( $(cat /sys/block/nvme0n1/size) * 512 ))
    fi
fi
mark "nvme-serial=$serial"

gpu=no
for d in /sys/bus/virtio/drivers/virtio_gpu/virtio*; do [ -e "$d" ] && gpu=yes; done
mark "virtio-gpu=$gpu"

# pvpanic bound (ISA/ACPI QEMU0001 via pvpanic-mmio, or pvpanic-pci): a panic
# is reported to QEMU as GUEST_PANICKED.
pvpanic=no
for d in /sys/bus/platform/drivers/pvpanic-mmio/*:* /sys/bus/pci/drivers/pvpanic-pci/0000:*; do
    [ -e "$d" ] && pvpanic=yes
done
mark "pvpanic=$pvpanic"

sb=disabled
sbvar=/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
if [ -r "$sbvar" ] && [ "$(tail -c 1 "$sbvar" | od -An -tu1 | tr -d ' \n')" = 1 ]; then sb=enabled; fi
mark "secureboot=$sb"

lockdown=$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' /sys/kernel/security/lockdown 2>/dev/null)
mark "lockdown=${lockdown:-unknown}"
mark "disk-bytes=$bytes"
mark "ip=$ipaddr"
mark ready
# Something on the screen too (the console tests look for it through VNC).
for _ in 1 2 3; do
    printf '  BridgeVM test guest: ready  ip %s  ################################\n' "$ipaddr"
done >/dev/tty0 2>/dev/null || true

# PID 1 must not exit; waiting also reaps orphaned children.
while :; do
    sleep 3600 &
    wait $!
done
EOF
}

if [ "$(cat "$IDIR/key" 2>/dev/null)" != "$INITRD_KEY" ] || [ ! -s "$IDIR/initrd.img" ] || [ ! -s "$IDIR/vmlinuz" ]; then
    build_initrd
fi
KVER=$(cat "$IDIR/kernel-version")

write_grub_cfg() {
    cat <<EOF
# BridgeVM test guest ($1)
set timeout=0
set timeout_style=hidden
insmod efi_gop
menuentry "BridgeVM test guest ($1, Debian kernel $KVER)" {
    linux /boot/vmlinuz $CMDLINE
    initrd /boot/initrd.img
}
EOF
}

# ---------------------------------------------------------------------------
# plain: grub-mkrescue with the unpacked grub-efi-amd64-bin modules
# ---------------------------------------------------------------------------
build_plain() {
    local G=$WORK/grub-bin I=$WORK/iso-plain tmp=$PLAIN_ISO.tmp.$$
    unpack grub-efi-amd64-bin "$G"
    [ -f "$G/usr/lib/grub/x86_64-efi/modinfo.sh" ] || die "grub-efi-amd64-bin has no usr/lib/grub/x86_64-efi"
    mkdir -p "$I/boot/grub"
    cp "$IDIR/vmlinuz" "$IDIR/initrd.img" "$I/boot/"
    write_grub_cfg plain >"$I/boot/grub/grub.cfg"
    log "building $PLAIN_ISO (grub-mkrescue)"
    if ! grub-mkrescue -d "$G/usr/lib/grub/x86_64-efi" --compress=no --locales= --themes= --fonts= \
        -o "$tmp" "$I" -- -volid BRIDGEVM_PLAIN >"$WORK/mkrescue.log" 2>&1; then
        cat "$WORK/mkrescue.log" >&2
        rm -f "$tmp"
        die "grub-mkrescue failed"
    fi
    mv "$tmp" "$PLAIN_ISO"
    echo "$PLAIN_KEY" >"$PLAIN_ISO.key"
    rm -rf "$G" "$I"
}

# ---------------------------------------------------------------------------
# secureboot: shim (MS-signed) -> gcdx64 (Debian-signed GRUB, CD variant) ->
# signed kernel. gcdx64 has prefix /boot/grub on the device it was loaded
# from; on the El Torito image that does not exist, so its embedded config
# searches for /.disk/info and uses ($root)/boot/grub/grub.cfg on the ISO.
# ---------------------------------------------------------------------------
build_secureboot() {
    local S=$WORK/sb I=$WORK/iso-sb img tmp=$SB_ISO.tmp.$$ shim grub kb
    unpack shim-signed "$S"
    unpack grub-efi-amd64-signed "$S"
    shim=$S/usr/lib/shim/shimx64.efi.signed
    grub=$S/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed
    [ -f "$shim" ] || die "shim-signed has no usr/lib/shim/shimx64.efi.signed"
    [ -f "$grub" ] || die "grub-efi-amd64-signed has no usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed"

    mkdir -p "$I/EFI/BOOT" "$I/boot/grub" "$I/.disk"
    cp "$shim" "$I/EFI/BOOT/BOOTX64.EFI"
    cp "$grub" "$I/EFI/BOOT/grubx64.efi"
    cp "$IDIR/vmlinuz" "$IDIR/initrd.img" "$I/boot/"
    write_grub_cfg secureboot >"$I/boot/grub/grub.cfg"
    echo "BridgeVM test guest (secureboot) - Debian kernel $KVER" >"$I/.disk/info"

    # El Torito EFI system partition image
    img=$I/boot/efiboot.img
    kb=$(( ($(stat -c %s "$shim") + $(stat -c %s "$grub")) / 1024 + 1024 ))
    mkfs.vfat -C -n BVMEFI "$img" "$kb" >/dev/null || die "mkfs.vfat failed"
    export MTOOLS_SKIP_CHECK=1
    mmd -i "$img" ::/EFI ::/EFI/BOOT || die "mmd failed"
    mcopy -i "$img" "$shim" ::/EFI/BOOT/BOOTX64.EFI || die "mcopy failed"
    mcopy -i "$img" "$grub" ::/EFI/BOOT/grubx64.efi || die "mcopy failed"

    log "building $SB_ISO (xorriso)"
    if ! xorriso -as mkisofs -o "$tmp" -V BRIDGEVM_SB -R -J \
        -e boot/efiboot.img -no-emul-boot -isohybrid-gpt-basdat "$I" >"$WORK/xorriso.log" 2>&1; then
        cat "$WORK/xorriso.log" >&2
        rm -f "$tmp"
        die "xorriso failed"
    fi
    mv "$tmp" "$SB_ISO"
    echo "$SB_KEY" >"$SB_ISO.key"
    rm -rf "$S" "$I"
}

# ---------------------------------------------------------------------------
# bench: fio and exactly the shared libraries it loads (resolved by the
# packaged dynamic loader against the unpacked packages, as for qemu-ga), in
# a tar. It is not in the initramfs: fio's library closure (ceph, gluster,
# ICU, ...) is ~85 MB, which would slow every boot under TCG. bench/guest
# serves the tar over HTTP on the host and the guest fetches it through
# QEMU's user networking (10.0.2.2 is the host), so no VM needs an extra device.
#   /fio                   wrapper: runs bin/fio through the bundled loader
#   /bin/fio  /lib/*.so*  /lib64/ld-linux-x86-64.so.2
# ---------------------------------------------------------------------------
build_bench() {
    local R=$WORK/bench-root I=$WORK/bench-tree tmp=$BENCH_TAR.tmp.$$ p ldso libpath listing
    local soname arrow path rest n=0
    for p in "${BENCH_PKGS[@]}"; do unpack "$p" "$R"; done
    [ -x "$R/usr/bin/fio" ] || die "$BENCH_ROOT_PKG did not provide /usr/bin/fio"
    ldso=$R/lib/$MULTIARCH/ld-linux-x86-64.so.2
    [ -x "$ldso" ] || die "libc6 did not provide lib/$MULTIARCH/ld-linux-x86-64.so.2"
    # librados/librbd find libceph-common through a RUNPATH into ceph/;
    # --library-path is searched before RUNPATH, so list that dir too.
    libpath="$R/lib/$MULTIARCH:$R/usr/lib/$MULTIARCH:$R/usr/lib/$MULTIARCH/ceph"
    listing=$("$ldso" --library-path "$libpath" --list "$R/usr/bin/fio") ||
        die "cannot list the libraries of fio: $listing"
    mkdir -p "$I/bin" "$I/lib" "$I/lib64"
    cp "$R/usr/bin/fio" "$I/bin/fio"
    while read -r soname arrow path rest; do
        [ "$arrow" = "=>" ] || continue
        case $soname in */*) continue ;; esac   # the loader itself, copied below
        [ "$path" = "not" ] && die "fio needs $soname, which none of the bench packages provide"
        case $path in
            "$R"/*) ;;
            *) die "fio's $soname resolved outside the unpacked packages ($path)" ;;
        esac
        cp -L "$path" "$I/lib/$soname"
        n=$((n + 1))
    done <<<"$listing"
    cp -L "$ldso" "$I/lib64/ld-linux-x86-64.so.2"
    cat >"$I/fio" <<'EOF'
#!/bin/sh
# fio from Debian, run through its own loader and libraries on this image.
d=${0%/*}
exec "$d/lib64/ld-linux-x86-64.so.2" --library-path "$d/lib" "$d/bin/fio" "$@"
EOF
    chmod 755 "$I/fio"
    echo "fio ${VER[$BENCH_ROOT_PKG]} (Debian), $n libraries" >"$I/VERSION"
    log "building $BENCH_TAR (fio ${VER[$BENCH_ROOT_PKG]}, $n libraries, $(du -sk "$I" | cut -f1) KiB)"
    tar -C "$I" --owner=0 --group=0 --numeric-owner --sort=name -cf "$tmp" . || { rm -f "$tmp"; die "tar failed"; }
    mv "$tmp" "$BENCH_TAR"
    echo "$BENCH_KEY" >"$BENCH_TAR.key"
    rm -rf "$R" "$I"
}

[ $need_plain = 1 ] && build_plain
[ $need_sb = 1 ] && build_secureboot
[ $need_bench = 1 ] && build_bench

print_paths
exit 0
