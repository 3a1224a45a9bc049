#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test machine: QEMU TCG with -cpu max (SVM with NPT), 2 CPUs, 2 GiB.
# Usage: run-qemu.sh BZIMAGE INITRD LOG [TIMEOUT_SECONDS]
# The console goes to LOG (and to stdout if OKVM_VERBOSE=1).
#
# OKVM_QEMU_MEM (default 2G) and OKVM_KERNEL_ARGS (appended to the kernel
# command line) let make check reserve hugetlbfs pages at boot.
# OKVM_QEMU_MONITOR=PATH puts QEMU's monitor on a Unix socket there, to look
# at a machine that stopped answering (info registers -a, through socat).
#
# TCG runs both emulated CPUs on one host thread unless OKVM_TCG_THREAD=multi:
# QEMU 7.2's multi-threaded TCG now and then loses a guest's state at a
# #VMEXIT (the VMCB then holds the host's state), under kvm_amd as under okvm;
# see Documentation/testing.rst. The benchmarks ask for multi, to measure
# two vCPUs running at once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: $0 BZIMAGE INITRD LOG [TIMEOUT]"
kernel=$1 initrd=$2 logfile=$3 limit=${4:-900}

# loglevel=4 keeps routine kernel lines off the console so they do not split
# the selftests' TAP; init prints the full dmesg at the end.
cmdline="console=ttyS0 loglevel=4 panic=-1 rdinit=/init ${OKVM_KERNEL_ARGS:-}"

okvm_take_machine_lock
start=$SECONDS
set +e
timeout --foreground -k 10 "$limit" qemu-system-x86_64 \
	-accel tcg,thread="${OKVM_TCG_THREAD:-single}" -cpu max -smp 2 -m "${OKVM_QEMU_MEM:-2G}" -nographic -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	${OKVM_QEMU_MONITOR:+-monitor unix:"$OKVM_QEMU_MONITOR",server,nowait} \
	</dev/null 2>&1 | sed -u 's/\r$//' | if [ "${OKVM_VERBOSE:-0}" = 1 ]; then tee "$logfile"; else cat > "$logfile"; fi
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 124 ] && log "the test machine did not finish in $limit s"
log "machine ran $((SECONDS - start)) s ($(basename "$kernel"))"
exit 0
