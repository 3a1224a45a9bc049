#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-vmm`: a real VMM on okvm. In the test machine (debug kernel),
# Debian's qemu-system-x86_64 boots a nested Linux guest (the lean kernel
# with virtio and kvmclock, tests/vm/guest.config) through /dev/kvm: first on
# okvm, loaded as that node, then on kvm_amd, the reference, in the same
# boot. tools/vmm/run-in-vm.sh runs the configurations and says what each
# guest did; this script counts the results and ends with the usual line.
# Environment: OKVM_VMM_CONFIGS (default: on-1 on-2 split-1 split-2 off-1,
# kernel-irqchip mode and vCPUs, and kill-2, a guest SIGKILLed mid-boot that
# must leave nothing behind; off-2 hangs Debian's QEMU 7.2.22 on any
# hypervisor, Documentation/testing.rst), OKVM_VMM_LIMIT (s per
# guest, default 300), OKVM_VMM_TRACE (on a failure on okvm, print that many
# of okvm's last trace events; default 0, no tracing), OKVM_VMM_CPU_FLAGS
# (appended to the guests' -cpu host, e.g. ",xsave=off"), OKVM_VMM_HVS (the
# hypervisors, default "okvm kvm_amd").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

configs=${OKVM_VMM_CONFIGS:-on-1 on-2 split-1 split-2 off-1 kill-2}
limit=${OKVM_VMM_LIMIT:-300}
hvs=${OKVM_VMM_HVS:-okvm kvm_amd}
out="$OKVM_TOP/tests/vm/out"
mkdir -p "$out"
start=$SECONDS

"$OKVM_TOP/tests/vm/deps.sh"
kdir=$("$OKVM_TOP/tests/vm/build-kernel.sh" debug)
krel=$(cat "$kdir/include/config/kernel.release")

dir="$out/build-vmm"
okvm_copy_tree "$dir"
make -C "$kdir" M="$dir" -j"$(nproc)" -s modules >&2
OKVM_VMM_CONFIGS=$configs OKVM_VMM_LIMIT=$limit OKVM_VMM_HVS=$hvs \
	"$OKVM_TOP/tests/vm/vmm-initrd.sh" "$out/initrd-vmm.gz" "$dir/okvm.ko" \
	"$kdir/modroot/lib/modules/$krel"

nconfigs=$(wc -w <<< "$configs")
nhvs=$(wc -w <<< "$hvs")
log "QEMU on $hvs, configurations: $configs"
OKVM_QEMU_MEM=2G "$OKVM_TOP/tests/vm/run-qemu.sh" "$kdir/arch/x86/boot/bzImage" \
	"$out/initrd-vmm.gz" "$out/vmm.log" $((nhvs * nconfigs * (limit + 30) + 120))

grep -E '^OKVM-VMM' "$out/vmm.log" || true
passed=$(grep -cE '^OKVM-VMM [a-z_]+ [a-z0-9-]+ PASS' "$out/vmm.log" || true)
failed=$(grep -cE '^OKVM-VMM [a-z_]+ [a-z0-9-]+ FAIL' "$out/vmm.log" || true)
missing=$((nhvs * nconfigs - passed - failed))
# The nested guests' consoles (OKVM-VMM-CONSOLE) are theirs, not the test machine's.
if grep -v '^OKVM-VMM' "$out/vmm.log" | grep -E 'BUG:|WARNING:|KASAN|Call Trace|Kernel panic' |
	head -20; then
	log "the test machine's kernel complained (above)"
	failed=$((failed + 1))
fi
log "make check-vmm took $((SECONDS - start)) s; console log in $out/vmm.log"
echo "$passed passed, $((failed + missing)) failed"
[ $((failed + missing)) = 0 ]
