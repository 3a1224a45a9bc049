#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test machine's initramfs (busybox, okvm.ko, the selftests, and
# the reference hypervisor, kvm_amd by default, with its dependencies for the
# differential run).
# Usage: mkinitramfs.sh OUT.cpio.gz MODE OKVM_KO SELFTEST_DIR MODULE_DIR [TOOLS_DIR]
#   MODE        check, demo, bench or fuzz (OKVM_FUZZ_* in the environment
#               set the fuzzer's run, see the env file below)
#   MODULE_DIR  a lib/modules/<release> directory holding kvm-amd.ko
#               (or OKVM_REF_MODULE's module)
#   TOOLS_DIR   programs for /okvm/tools (the demo VMM)
# OKVM_UPSTREAM_DIR, if set, holds upstream KVM's selftests (tests/upstream)
# for /okvm/upstream; OKVM_UPSTREAM_LIMIT is each one's time limit.
# OKVM_REF_MODULE (default kvm-amd; kvm-intel for Bochs's VMX, run-bochs.sh)
# names the reference module; OKVM_KVM_AMD_KOS then lists it and its
# dependencies. OKVM_REF_MODULE_ARGS are its parameters in check mode
# (e.g. preemption_timer=0 for kvm_intel).
# OKVM_EXTRA_ROOT, if set, is a tree copied over the initramfs's root (the
# VMM, its libraries and its guest: tests/vm/vmm.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 5 ] || die "usage: $0 OUT MODE OKVM_KO SELFTEST_DIR MODULE_DIR [TOOLS_DIR]"
out=$1 mode=$2 ko=$3 selftests=$4 moddir=$5 tools=${6:-}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp's 0700 would become /'s mode: unprivileged users (module_load's
# drop-in test) must get through it.
chmod 755 "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,okvm/selftests,okvm/kvm,okvm/tools}
cp /bin/busybox "$root/bin/busybox"
cp "$OKVM_TOP/tests/vm/init.sh" "$root/init"
chmod +x "$root/init"
cp "$ko" "$root/okvm/okvm.ko"
find "$selftests" -maxdepth 1 -type f -executable -exec cp {} "$root/okvm/selftests/" \;
[ -z "${OKVM_UPSTREAM_DIR:-}" ] || cp -r "$OKVM_UPSTREAM_DIR" "$root/okvm/upstream"
[ -z "${OKVM_EXTRA_ROOT:-}" ] || cp -a "$OKVM_EXTRA_ROOT/." "$root/"
[ -z "$tools" ] || find "$tools" -maxdepth 1 -type f -executable -exec cp {} "$root/okvm/tools/" \;

# The reference hypervisor and what it needs, in load order (modules.dep lists
# a module's dependencies, the last to be loaded first); Debian ships them
# compressed.
ref=${OKVM_REF_MODULE:-kvm-amd}
deps=$(awk -F': *' -v ko="/$ref.ko" 'index($1, ko) { print $2 " " $1 }' "$moddir/modules.dep")
[ -n "$deps" ] || die "no $ref in $moddir/modules.dep"
kos=
for rel in $(echo "$deps" | tr ' ' '\n' | sed '$d' | tac) $(echo "$deps" | tr ' ' '\n' | tail -n 1); do
	f="$moddir/$rel"
	name=$(basename "${rel%%.ko*}")
	dst="$root/okvm/kvm/$name.ko"
	case "$f" in
	*.xz) xz -dc "$f" > "$dst" ;;
	*.zst) zstd -qdc "$f" > "$dst" ;;
	*) cp "$f" "$dst" ;;
	esac
	kos="$kos /okvm/kvm/$name.ko"
done

# Drop-in mode (module_load): the group and mode Debian's udev rule gives
# /dev/kvm, which the test machine (no udev) applies by hand as udev would.
rule=$(grep -h '^KERNEL=="kvm",' /usr/lib/udev/rules.d/50-udev-default.rules 2>/dev/null || true)
node_group=$(sed -n 's/.*GROUP="\([^"]*\)".*/\1/p' <<< "$rule")
node_mode=$(sed -n 's/.*MODE="\([0-7]*\)".*/\1/p' <<< "$rule")
node_gid=$(getent group "${node_group:-kvm}" | cut -d: -f3)
[ -n "$node_gid" ] && [ -n "$node_mode" ] ||
	die "no /dev/kvm rule with a known group in /usr/lib/udev/rules.d/50-udev-default.rules"

# The fuzzer's run (tests/fuzz): how long, from which seed (empty: init
# picks one), on which hypervisors (make fuzz), with how much fault injection.
cat > "$root/okvm/env" <<ENV
OKVM_MODE=$mode
OKVM_REF_MODULE=$ref
OKVM_REF_MODULE_ARGS="${OKVM_REF_MODULE_ARGS:-}"
OKVM_KVM_AMD_KOS="${kos# }"
OKVM_FUZZ_SECONDS=${OKVM_FUZZ_SECONDS:-0}
OKVM_FUZZ_FAIL_SECONDS=${OKVM_FUZZ_FAIL_SECONDS:-0}
OKVM_FUZZ_KVM_FAIL_SECONDS=${OKVM_FUZZ_KVM_FAIL_SECONDS:-0}
OKVM_FUZZ_SEED=${OKVM_FUZZ_SEED:-}
OKVM_FUZZ_HV="${OKVM_FUZZ_HV:-okvm kvm}"
OKVM_FUZZ_ARGS="${OKVM_FUZZ_ARGS:-}"
OKVM_FUZZ_KVM_ARGS="${OKVM_FUZZ_KVM_ARGS:-}"
OKVM_UPSTREAM_LIMIT=${OKVM_UPSTREAM_LIMIT:-30}
OKVM_KVM_NODE_GID=$node_gid
OKVM_KVM_NODE_MODE=$node_mode
export OKVM_KVM_AMD_KOS OKVM_KVM_NODE_GID OKVM_KVM_NODE_MODE
ENV

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
