#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# okvm-bench-run: the benchmark part of the test machine's /init (bench mode,
# tests/vm/init.sh). In one boot, ROUNDS times: every benchmark on okvm, then
# on kvm_amd (A B A B ...), then the floor without any VM. The two cannot
# own SVM at once, so each round loads one, runs, unloads it, loads the other.
# Every result line goes to the console as
#   OKVM-BENCH <okvm|kvm_amd|floor> <round> RESULT <metric> <value> <unit> <better>
# for tools/bench/report.py. Settings come from okvm-bench-settings, written
# by tests/vm/bench.sh.

ROUNDS=5
BENCH_ARGS=
WHICH=vm
[ -f /okvm/tools/okvm-bench-settings ] && . /okvm/tools/okvm-bench-settings

load_kvm_amd() {
	for ko in $OKVM_KVM_AMD_KOS; do
		insmod "$ko" || return 1
	done
}

# Unload kvm_amd and its dependencies, the last loaded first.
unload_kvm_amd() {
	for ko in $(echo "$OKVM_KVM_AMD_KOS" | tr ' ' '\n' | tac); do
		name=$(basename "$ko" .ko | tr - _)
		rmmod "$name" || echo "OKVM-BENCH-WARN rmmod $name failed"
	done
}

# run LABEL ROUND DEVICE WHICH: okvm-bench's lines, prefixed.
run() {
	start=$(date +%s)
	# BENCH_ARGS holds several options and WHICH several names: split them.
	# shellcheck disable=SC2086
	OKVM_DEV=$3 /okvm/tools/okvm-bench $BENCH_ARGS $4 > /tmp/bench.out 2>&1
	rc=$?
	sed "s/^/OKVM-BENCH $1 $2 /" /tmp/bench.out
	[ "$rc" = 0 ] || echo "OKVM-BENCH $1 $2 FAILED exit code $rc"
	echo "OKVM-BENCH $1 $2 # took $(($(date +%s) - start)) s"
}

# init.sh loaded okvm already, as for every mode.
rmmod okvm 2>/dev/null
echo "OKVM-BENCH-BEGIN rounds=$ROUNDS args=$BENCH_ARGS"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	if insmod /okvm/okvm.ko; then
		run okvm "$round" /dev/okvm "$WHICH"
		rmmod okvm
	else
		echo "OKVM-BENCH okvm $round FAILED insmod"
	fi
	# APICv can be active on SVM without AVIC only with okvm's test
	# parameter, which takes every other guest's xAPIC MMIO away: the
	# apicv-cycle benchmark gets a load of its own (okvm only).
	case " $WHICH " in
	*" vm "* | *" all "* | *" apicv-cycle "*)
		if insmod /okvm/okvm.ko apicv_test_access_page=1; then
			run okvm "$round" /dev/okvm apicv-cycle
			rmmod okvm
		else
			echo "OKVM-BENCH okvm $round FAILED insmod apicv_test_access_page=1"
		fi ;;
	esac
	if load_kvm_amd && [ -c /dev/kvm ]; then
		run kvm_amd "$round" /dev/kvm "$WHICH"
	else
		echo "OKVM-BENCH kvm_amd $round FAILED loading kvm_amd"
	fi
	unload_kvm_amd
	run floor "$round" none floor
	round=$((round + 1))
done
echo OKVM-BENCH-END
