#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: okvm against upstream kvm_amd, side by side in one boot.
#  1. build (or reuse) the lean benchmark kernel (build-kernel.sh bench: no
#     lockdep, KUnit or KASAN) and okvm.ko against it
#  2. build tools/bench (okvm-bench and its in-machine runner)
#  3. boot the test machine once; tools/bench/run-in-vm.sh runs every
#     benchmark on okvm, then on kvm_amd, OKVM_BENCH_ROUNDS times
#  4. boot it again: QEMU (kernel-irqchip=on, 2 vCPUs) boots its Linux guest
#     on okvm, then on kvm_amd, OKVM_BENCH_ROUNDS times (tools/vmm)
#  5. tools/bench/report.py: the table, on stdout and in tests/vm/out/bench.txt
# Environment: OKVM_BENCH_ROUNDS (default 5), OKVM_BENCH_ARGS (okvm-bench
# options, e.g. "-m 64" for 64 MiB per vCPU), OKVM_BENCH_ONLY (benchmarks
# by their okvm-bench names, space-separated, e.g. "apic-timer ipi"; default
# every one), OKVM_BENCH_KERNEL (default bench) and OKVM_BENCH_VMM (0 skips
# the QEMU boot).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rounds=${OKVM_BENCH_ROUNDS:-5}
bench_args=${OKVM_BENCH_ARGS:-}
only=${OKVM_BENCH_ONLY:-vm}
variant=${OKVM_BENCH_KERNEL:-bench}
out="$OKVM_TOP/tests/vm/out"
mkdir -p "$out"
start=$SECONDS

"$OKVM_TOP/tests/vm/deps.sh"
src=$(okvm_source_tree)
kdir=$("$OKVM_TOP/tests/vm/build-kernel.sh" "$variant")
krel=$(cat "$kdir/include/config/kernel.release")

dir="$out/build-bench"
okvm_copy_tree "$dir"
make -C "$kdir" M="$dir" -j"$(nproc)" -s modules >&2

tools="$out/bench-tools"
make -C "$OKVM_TOP/tools/bench" -s KSRC="$src" OUTPUT="$tools" >&2
# Executable, so mkinitramfs.sh copies it to /okvm/tools with the rest.
cat > "$tools/okvm-bench-settings" <<SETTINGS
ROUNDS=$rounds
BENCH_ARGS="$bench_args"
WHICH="$only"
SETTINGS
chmod +x "$tools/okvm-bench-settings"

no_selftests="$out/bench-no-selftests"
mkdir -p "$no_selftests"
"$OKVM_TOP/tests/vm/mkinitramfs.sh" "$out/initrd-bench.gz" bench "$dir/okvm.ko" \
	"$no_selftests" "$kdir/modroot/lib/modules/$krel" "$tools"
log "benchmarking okvm and kvm_amd on $krel ($variant), $rounds rounds"
# Two vCPUs must really run at once for the 2-vCPU rows: multi-threaded TCG.
OKVM_TCG_THREAD=multi "$OKVM_TOP/tests/vm/run-qemu.sh" "$kdir/arch/x86/boot/bzImage" \
	"$out/initrd-bench.gz" "$out/bench.log" "${OKVM_BENCH_TIMEOUT:-5400}"
logs=("$out/bench.log")
# Two vCPUs, and XSAVE off for both: kvm_amd's on-1 guests hang in this
# machine, its on-2 ones boot, and its guests warn about their XSAVE size
# (Documentation/testing.rst).
if [ "${OKVM_BENCH_VMM:-1}" = 1 ]; then
	OKVM_VMM_HVS="okvm kvm_amd" OKVM_VMM_CONFIGS=on-2 OKVM_VMM_LIMIT=90 OKVM_VMM_BENCH=1 \
	OKVM_VMM_ROUNDS=$rounds OKVM_VMM_CPU_FLAGS=,xsave=off \
	"$OKVM_TOP/tests/vm/vmm-initrd.sh" "$out/initrd-bench-vmm.gz" "$dir/okvm.ko" \
		"$kdir/modroot/lib/modules/$krel"
	log "QEMU's Linux guest on okvm and on kvm_amd, $rounds rounds"
	OKVM_QEMU_MEM=2G "$OKVM_TOP/tests/vm/run-qemu.sh" "$kdir/arch/x86/boot/bzImage" \
		"$out/initrd-bench-vmm.gz" "$out/bench-vmm.log" $((rounds * 2 * 120 + 120))
	logs+=("$out/bench-vmm.log")
fi
log "make bench took $((SECONDS - start)) s; console logs in ${logs[*]}"

set +e
"$OKVM_TOP/tools/bench/report.py" "${logs[@]}" \
	--title "okvm-bench $(date -u +%Y-%m-%d), kernel $krel ($variant), QEMU TCG -cpu max, 2 vCPUs, 2 GiB${bench_args:+, okvm-bench $bench_args}" \
	> "$out/bench.txt"
rc=$?
set -e
cat "$out/bench.txt"
log "table written to $out/bench.txt"
exit $rc
