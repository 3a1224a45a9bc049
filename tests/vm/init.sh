#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the okvm test machine (busybox). Loads okvm (its KUnit suites run
# at load), runs every selftest against okvm and, for the differential run,
# against upstream kvm_amd (OKVM_REF_MODULE: kvm_intel on Bochs), unloads
# okvm, prints dmesg and powers off.
# Markers (OKVM-*) let tests/vm/judge.py cut the console log into parts.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# Where the tracepoints selftest finds the okvm events.
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# The fuzzer's leak check runs each worker in a memory cgroup of its own.
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
. /okvm/env
# The reference hypervisor's module name (kvm_amd, kvm_intel).
ref_mod=$(echo "${OKVM_REF_MODULE:-kvm-amd}" | tr - _)
# ref_insmod: the reference hypervisor and its dependencies, it with
# OKVM_REF_MODULE_ARGS.
ref_insmod() {
	for m in $OKVM_KVM_AMD_KOS; do
		case "$m" in
		*/"${OKVM_REF_MODULE:-kvm-amd}".ko)
			# shellcheck disable=SC2086 # module parameters, one word each
			insmod "$m" ${OKVM_REF_MODULE_ARGS:-} ;;
		*) insmod "$m" ;;
		esac
	done
}

kmsg() { echo "$*" > /dev/kmsg; }

# A flight recorder for rare failures: okvm's events go to a tracefs
# instance of their own (the tracepoints selftest makes its own), and each
# harness test's RUN line is written into it as a marker. After a test that
# failed, the events since its marker are shown (OKVM-FLIGHT), as soon as the
# next test starts or the binary ends, before later tests overwrite them; a
# hang that a harness timeout ends leaves its last exits. A child that makes
# its first events before the marker is written has them counted to the test
# before it.
FLIGHT=/sys/kernel/tracing/instances/okvm-flight
FLIGHT_LINES=80

flight_start() {
	[ -d /sys/kernel/tracing/events/okvm ] || return 0
	if [ ! -d $FLIGHT ]; then
		mkdir $FLIGHT || return 0
		echo 256 > $FLIGHT/buffer_size_kb
	fi
	# okvm's events are new ones at each load: enable them each time.
	echo 1 > $FLIGHT/events/okvm/enable
	echo > $FLIGHT/trace
}

flight_stop() {
	[ -d $FLIGHT ] || return 0
	echo 0 > $FLIGHT/events/okvm/enable
	rmdir $FLIGHT
}

# flight_show NAME TEST [NEXT]: the last events after TEST's marker (of
# binary NAME), up to the marker of NEXT, the test that started after it.
# If a CPU's buffer wrapped over TEST's marker (a test that spun until its
# timeout), the events after the last older marker, said so.
flight_show() {
	[ -f $FLIGHT/trace ] || return 0
	echo "OKVM-FLIGHT-BEGIN $1.$2"
	grep -v '^#' $FLIGHT/trace | awk -v test="$2" -v next_test="${3:-}" '
		BEGIN { on = 1 }
		/ tracing_mark_write: OKVM-RUN / {
			if ($NF == test) { found = 1; on = 1; n = 0 }
			else if (found || $NF == next_test) on = 0
			else if (on) n = 0
			next
		}
		on { line[n++] = $0 }
		END {
			for (i = 0; i < n; i++) print line[i]
			if (!found)
				print "(its marker was overwritten: the events after the last older one)"
		}' | tail -n $FLIGHT_LINES
	echo "OKVM-FLIGHT-END $1.$2"
}

# flight_follow NAME: copies a selftest binary's output, writing each RUN
# line into the recorder as a marker, and shows the events of each test that
# failed, or that has no result when the output ends (the binary died).
flight_follow() {
	running='' failed=''
	# A last line without a newline (a binary that died mid-print) too.
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"#  RUN "*)
			# The new test's marker first: it has started.
			running=${line#"#  RUN"}
			running=${running#"${running%%[! ]*}"}
			running=${running% ...}
			[ ! -w $FLIGHT/trace_marker ] ||
				echo "OKVM-RUN $running" > $FLIGHT/trace_marker
			[ -z "$failed" ] || flight_show "$1" "$failed" "$running"
			failed='' ;;
		"not ok "*)
			failed=$running running= ;;
		"ok "*)
			running= ;;
		esac
		printf '%s\n' "$line"
	done
	[ -z "$failed" ] || flight_show "$1" "$failed"
	[ -z "$running" ] || flight_show "$1" "$running"
}

# vmx_enable_only_test: the part of the VMX backend that is built, as TAP.
# With vmx_enable_only=1 okvm loads with VMX operation on every CPU, makes
# VMs but refuses vCPUs, and unloads leaving VMX free: the reference module
# loads after it, and okvm then refuses to load beside it (-EBUSY).
vmx_enable_only_test() {
	echo "OKVM-SELFTEST-BEGIN okvm:vmx_enable_only"
	echo "TAP version 13"
	echo "1..4"
	ok() { if [ "$2" = 0 ]; then echo "ok $1"; else echo "not ok $1"; fi; }
	insmod /okvm/okvm.ko vmx_enable_only=1 && [ -c /dev/okvm ]
	ok "1 loads with vmx_enable_only=1" $?
	/okvm/tools/okvm-hello 2>&1 | grep -q 'KVM_CREATE_VCPU: Operation not supported'
	ok "2 a VM is made, its vCPU refused with EOPNOTSUPP" $?
	rmmod okvm && ref_insmod && [ -c /dev/kvm ]
	ok "3 unloads, and $ref_mod loads after it" $?
	! insmod /okvm/okvm.ko vmx_enable_only=1 2>/dev/null &&
		dmesg | grep -q "VMX is already in use by another hypervisor ($ref_mod"
	ok "4 refused while $ref_mod holds VMX" $?
	rmmod okvm 2>/dev/null
	rmmod "$ref_mod" kvm
	echo "OKVM-SELFTEST-END okvm:vmx_enable_only 0"
}

# run_selftests LABEL DEVICE: each binary's TAP between markers.
run_selftests() {
	for t in /okvm/selftests/*; do
		name=${t##*/}
		[ "$name" = module_load ] && continue
		echo "OKVM-SELFTEST-BEGIN $1:$name"
		flight_start
		{
			OKVM_DEV=$2 "$t" 2>&1
			echo $? > /tmp/selftest.rc
		} | flight_follow "$1:$name"
		echo "OKVM-SELFTEST-END $1:$name $(cat /tmp/selftest.rc)"
	done
	flight_stop
}

# run_fuzz LABEL DEVICE [OPTIONS]: okvm-fuzz, judged like a selftest, if
# OKVM_FUZZ_HV names the hypervisor. The markers in the kernel log let
# judge.py name the seed of a splat.
run_fuzz() {
	[ -x /okvm/tools/okvm-fuzz ] && [ "${OKVM_FUZZ_SECONDS:-0}" -gt 0 ] || return 0
	case " $OKVM_FUZZ_HV " in
	*" $1 "*) ;;
	*) return 0 ;;
	esac
	label=$1 dev=$2
	shift 2
	kmsg "OKVM-FUZZ-BEGIN $label seed=$OKVM_FUZZ_SEED"
	echo "OKVM-SELFTEST-BEGIN $label:fuzz"
	# shellcheck disable=SC2086 # OKVM_FUZZ_ARGS: options, one word each
	OKVM_DEV=$dev /okvm/tools/okvm-fuzz --seed "$OKVM_FUZZ_SEED" \
		--seconds "$OKVM_FUZZ_SECONDS" "$@" $OKVM_FUZZ_ARGS 2>&1
	echo "OKVM-SELFTEST-END $label:fuzz $?"
	kmsg "OKVM-FUZZ-END $label"
}

# run_upstream LABEL: upstream KVM's selftests (tests/upstream) against
# /dev/kvm, each with OKVM_UPSTREAM_LIMIT seconds, in the order of their
# Makefile, with the arguments tests/upstream/arguments gives them (a
# first word limit=SECONDS is a longer limit of the test's own); the tail
# of each one's output between markers (after the arguments, if any), then
# its exit status and time in tenths of a second.
run_upstream() {
	cd /okvm/upstream || return
	kmsg "OKVM-UPSTREAM-PHASE $1"
	while read -r t; do
		args=
		[ -r arguments ] && args=$(awk -v t="$t" '
			{ sub(/#.*/, "") }
			$1 == t { $1 = ""; sub(/^ +/, ""); print; exit }' arguments)
		echo "OKVM-UPSTREAM-BEGIN $1:$t"
		[ -n "$args" ] && echo "OKVM-UPSTREAM-ARGS $1:$t $args"
		limit=$OKVM_UPSTREAM_LIMIT
		case "$args" in
		limit=*)
			limit=${args%% *}
			args=${args#"$limit"}
			args=${args# }
			limit=${limit#limit=}
			[ "$limit" -gt "$OKVM_UPSTREAM_LIMIT" ] || limit=$OKVM_UPSTREAM_LIMIT ;;
		esac
		start=$(cut -d' ' -f1 /proc/uptime)
		# shellcheck disable=SC2086 # $args: the test's arguments, one word each
		case "$t" in
		*.sh) timeout -s KILL "$limit" sh "./$t" $args > /tmp/upstream.out 2>&1 ;;
		*) timeout -s KILL "$limit" "./$t" $args > /tmp/upstream.out 2>&1 ;;
		esac
		rc=$?
		end=$(cut -d' ' -f1 /proc/uptime)
		tail -n 20 /tmp/upstream.out
		echo "OKVM-UPSTREAM-END $1:$t $rc $(echo "$start $end" | awk '{ printf "%d", ($2 - $1) * 10 }')"
	done < tests.list
	cd /
}

# kmemleak_check LABEL MODULE: a kmemleak report whose backtrace names
# MODULE fails (reports of anything else are listed, not judged).
kmemleak_check() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo "OKVM-SELFTEST-BEGIN $1:kmemleak"
	# An object is reported once it is 5 s old and two scans agree.
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > /tmp/kmemleak
	awk -v mod="$2" '
		/^unreferenced object/ { n++; m += hit; hit = 0 }
		index($0, "[" mod "]") { hit = 1 }
		END { print n + 0, m + hit }' /tmp/kmemleak > /tmp/kmemleak.n
	read -r all mine < /tmp/kmemleak.n
	echo "1..1"
	if [ "$mine" = 0 ]; then
		echo "ok 1 kmemleak: no leak of $2's ($all reports of other code)"
	else
		echo "not ok 1 kmemleak: $mine reports name $2"
		cat /tmp/kmemleak
	fi
	echo clear > /sys/kernel/debug/kmemleak
	echo "OKVM-SELFTEST-END $1:kmemleak 0"
}

echo "OKVM-BOOTED $(uname -r) mode=$OKVM_MODE"
[ -n "${OKVM_FUZZ_SEED:-}" ] || OKVM_FUZZ_SEED=0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
# Hangs are splats: a task blocked for 30 s (the test kernel's default;
# Debian's is 120).
[ -w /proc/sys/kernel/hung_task_timeout_secs ] &&
	echo 30 > /proc/sys/kernel/hung_task_timeout_secs

kmsg OKVM-KUNIT-BEGIN
insmod /okvm/okvm.ko
okvm_rc=$?
echo "OKVM-INSMOD $okvm_rc"
kmsg OKVM-KUNIT-END
# What kmemleak suspects from boot is not okvm's to answer for.
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak

if [ "$OKVM_MODE" = demo ]; then
	echo "--- okvm loaded:"
	lsmod
	ls -l /dev/okvm
	dmesg | grep 'okvm:'
	echo "--- a guest runs on okvm (tools/hello):"
	/okvm/tools/okvm-hello
	rmmod okvm && echo "--- okvm unloaded"
elif [ "$OKVM_MODE" = bench ]; then
	/okvm/tools/okvm-bench-run
elif [ "$OKVM_MODE" = upstream ]; then
	# okvm as /dev/kvm, with kvm.ko loaded but not kvm_amd: the library
	# reads /sys/module/kvm. Then the same tests on kvm_amd.
	rmmod okvm
	for m in $OKVM_KVM_AMD_KOS; do
		case "$m" in */"${OKVM_REF_MODULE:-kvm-amd}".ko) ;; *) insmod "$m" ;; esac
	done
	insmod /okvm/okvm.ko devname=kvm
	echo "OKVM-INSMOD-AS-KVM $?"
	[ -c /dev/kvm ] && run_upstream okvm
	rmmod okvm
	echo "OKVM-RMMOD $?"
	insmod "/okvm/kvm/${OKVM_REF_MODULE:-kvm-amd}.ko"
	if [ -c /dev/kvm ]; then
		OKVM_DEV=/dev/kvm /okvm/tools/okvm-hello --hold &
		holder=$!
		run_upstream kvm
		kill $holder
	else
		echo "OKVM-NO-KVM"
	fi
elif [ "$OKVM_MODE" = vmm ]; then
	# QEMU through /dev/kvm: okvm as that node (no kvm.ko), then kvm_amd;
	# ROUNDS times over for make bench, A B A B.
	rounds=$(ROUNDS=1; . /okvm/vmm/settings; echo "$ROUNDS")
	rmmod okvm
	round=1
	# Each hypervisor runs only where it, and not the other, is /dev/kvm.
	while [ "$round" -le "$rounds" ]; do
		insmod /okvm/okvm.ko devname=kvm
		echo "OKVM-INSMOD-AS-KVM $?"
		[ -c /dev/kvm ] && [ -d /sys/module/okvm ] && [ ! -d "/sys/module/$ref_mod" ] &&
			OKVM_VMM_ROUND=$round /okvm/tools/okvm-vmm-run okvm
		rmmod okvm
		echo "OKVM-RMMOD $?"
		for m in $OKVM_KVM_AMD_KOS; do insmod "$m"; done
		if [ -c /dev/kvm ] && [ -d "/sys/module/$ref_mod" ] && [ ! -d /sys/module/okvm ]; then
			OKVM_VMM_ROUND=$round /okvm/tools/okvm-vmm-run kvm_amd
		else
			echo "OKVM-NO-KVM"
		fi
		[ "$round" -lt "$rounds" ] && for m in $(echo "$OKVM_KVM_AMD_KOS" | tr ' ' '\n' | tac); do
			name=$(basename "$m" .ko | tr - _)
			rmmod "$name" || echo "OKVM-VMM-WARN rmmod $name failed"
		done
		round=$((round + 1))
	done
elif [ "$OKVM_MODE" = fuzz ]; then
	# make fuzz: only the fuzzer, on the hypervisors OKVM_FUZZ_HV names.
	run_fuzz okvm /dev/okvm --fail-seconds "$OKVM_FUZZ_FAIL_SECONDS"
	kmemleak_check okvm okvm
	rmmod okvm
	echo "OKVM-RMMOD $?"
	case " $OKVM_FUZZ_HV " in
	*" kvm "*)
		for m in $OKVM_KVM_AMD_KOS; do insmod "$m"; done
		OKVM_DEV=/dev/kvm /okvm/tools/okvm-hello --hold &
		holder=$!
		# shellcheck disable=SC2086 # options, one word each
		run_fuzz kvm /dev/kvm --fail-seconds "$OKVM_FUZZ_KVM_FAIL_SECONDS" \
			$OKVM_FUZZ_KVM_ARGS
		kill $holder ;;
	esac
else
	# okvm's pass, where okvm loads (it refuses a CPU whose backend it
	# lacks: VMX for now, on Bochs); the reference hypervisor's in any case.
	if [ "$okvm_rc" = 0 ]; then
		run_selftests okvm /dev/okvm
		run_fuzz okvm /dev/okvm --fail-seconds "$OKVM_FUZZ_FAIL_SECONDS"
		kmemleak_check okvm okvm
		rmmod okvm
		echo "OKVM-RMMOD $?"

		echo "OKVM-SELFTEST-BEGIN okvm:module_load"
		OKVM_KO=/okvm/okvm.ko /okvm/selftests/module_load 2>&1
		echo "OKVM-SELFTEST-END okvm:module_load $?"
		rmmod okvm 2>/dev/null

		# The APIC-access page tests need okvm's test parameter, which takes
		# every other guest's xAPIC MMIO away: a load of their own.
		for t in apicv_access_page_race apicv_toggles_touch_nothing_else \
			 apicv_apic_base_relocation apicv_huge_memory_at_apic_gfn; do
			[ -x "/okvm/selftests/$t" ] || continue
			echo "OKVM-SELFTEST-BEGIN okvm-apicv-test:$t"
			if insmod /okvm/okvm.ko apicv_test_access_page=1; then
				OKVM_DEV=/dev/okvm "/okvm/selftests/$t" 2>&1
				rc=$?
				rmmod okvm
			else
				echo "not ok 1 insmod okvm.ko apicv_test_access_page=1"
				rc=1
			fi
			echo "OKVM-SELFTEST-END okvm-apicv-test:$t $rc"
		done
	else
		echo "OKVM-SKIP okvm: okvm.ko did not load (insmod $okvm_rc)"
		dmesg | grep 'okvm' | tail -n 5
		grep -qw vmx /proc/cpuinfo && vmx_enable_only_test
	fi

	# The same binaries against upstream KVM: differences are bugs.
	ref_insmod
	if [ -c /dev/kvm ]; then
		# One VM alive throughout keeps KVM from patching its static key
		# at every VM creation (see Documentation/testing.rst).
		OKVM_DEV=/dev/kvm /okvm/tools/okvm-hello --hold &
		holder=$!
		run_selftests kvm /dev/kvm
		run_fuzz kvm /dev/kvm --fail-seconds "$OKVM_FUZZ_KVM_FAIL_SECONDS"
		kill $holder
	else
		echo "OKVM-NO-KVM"
	fi
fi

echo OKVM-DMESG-BEGIN
dmesg
echo OKVM-DMESG-END
echo OKVM-DONE

# Reboot with okvm loaded and a vCPU entering the guest over and over on the
# other CPU: okvm's reboot notifier turns SVM off under it, which must end
# its KVM_RUN (EIO) and not oops the host (judge.py sees any splat).
if [ "$OKVM_MODE" = check ]; then
	[ -n "${holder:-}" ] && wait "$holder" 2>/dev/null
	rmmod "$ref_mod" kvm 2>/dev/null
	if insmod /okvm/okvm.ko 2>/dev/null; then
		taskset -c 1 /okvm/tools/okvm-hello --spin &
		sleep 1
		echo OKVM-REBOOT-UNDER-VCPU
	else
		echo "OKVM-REBOOT-UNDER-VCPU not run: okvm does not load"
	fi
fi
# The console's UART may still be sending what init wrote (Bochs emulates
# its 115200 baud: dmesg takes seconds), and a reboot would cut the log
# short of OKVM-DONE: wait until its transmit count stops moving.
prev='' n=0
while [ $n -lt 150 ]; do
	cur=$(grep -m1 '^0:' /proc/tty/driver/serial 2>/dev/null)
	[ "$cur" = "$prev" ] && break
	prev=$cur n=$((n + 1))
	sleep 0.2
done
# With -no-reboot QEMU exits when the guest reboots; a tiny kernel may lack
# an ACPI power-off path.
reboot -f
