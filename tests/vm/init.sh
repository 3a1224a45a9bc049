#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the okvm test machine (busybox). Loads okvm (its KUnit suites run
# at load), runs every selftest against okvm and, for the differential run,
# against upstream kvm_amd, unloads okvm, prints dmesg and powers off.
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
. /okvm/env

kmsg() { echo "$*" > /dev/kmsg; }

# run_selftests LABEL DEVICE: each binary's TAP between markers.
run_selftests() {
	for t in /okvm/selftests/*; do
		name=${t##*/}
		[ "$name" = module_load ] && continue
		echo "OKVM-SELFTEST-BEGIN $1:$name"
		OKVM_DEV=$2 "$t" 2>&1
		echo "OKVM-SELFTEST-END $1:$name $?"
	done
}

echo "OKVM-BOOTED $(uname -r) mode=$OKVM_MODE"

kmsg OKVM-KUNIT-BEGIN
insmod /okvm/okvm.ko
echo "OKVM-INSMOD $?"
kmsg OKVM-KUNIT-END

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
else
	run_selftests okvm /dev/okvm
	rmmod okvm
	echo "OKVM-RMMOD $?"

	echo "OKVM-SELFTEST-BEGIN okvm:module_load"
	OKVM_KO=/okvm/okvm.ko /okvm/selftests/module_load 2>&1
	echo "OKVM-SELFTEST-END okvm:module_load $?"
	rmmod okvm 2>/dev/null

	# The same binaries against upstream KVM: differences are bugs.
	for m in $OKVM_KVM_AMD_KOS; do insmod "$m"; done
	if [ -c /dev/kvm ]; then
		# One VM alive throughout keeps KVM from patching its static key
		# at every VM creation (see Documentation/testing.rst).
		OKVM_DEV=/dev/kvm /okvm/tools/okvm-hello --hold &
		holder=$!
		run_selftests kvm /dev/kvm
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
	rmmod kvm_amd kvm 2>/dev/null
	if insmod /okvm/okvm.ko 2>/dev/null; then
		taskset -c 1 /okvm/tools/okvm-hello --spin &
		sleep 1
		echo OKVM-REBOOT-UNDER-VCPU
	else
		echo "OKVM-REBOOT-UNDER-VCPU not run: okvm does not load"
	fi
fi
# With -no-reboot QEMU exits when the guest reboots; a tiny kernel may lack
# an ACPI power-off path.
reboot -f
