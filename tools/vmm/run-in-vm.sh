#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# okvm-vmm-run HV: the VMM part of the test machine's /init (vmm mode,
# tests/vm/init.sh). Boots the nested Linux guest under QEMU (-accel kvm,
# through /dev/kvm, which is HV: okvm loaded as devname=kvm, or kvm_amd) once
# per configuration of /okvm/vmm/settings (tests/vm/vmm-initrd.sh writes
# them). It prints OKVM-VMM-CONFIGS <hv> <configs> first, then for each
#   OKVM-VMM <hv> <config> PASS <seconds> s
#   OKVM-VMM <hv> <config> FAIL <seconds> s <reason>
# followed, on a failure, by the last lines of the guest's console and of
# QEMU's output (with SHOW_CONSOLE=1 the whole console comes first, pass or
# fail). A configuration is IRQCHIP-SMP: kernel-irqchip=on, split or off,
# with 1 or 2 vCPUs; or kill-SMP, a guest killed mid-boot. The guest
# (tools/vmm/guest-init.sh) must say it booted, see every vCPU, have
# kvmclock as its clock and see it move across a sleep of 1 s, read the
# file on its virtio disk, and power off, after which QEMU must exit with
# 0, all within the time limit.

VMM=/okvm/vmm
CONFIGS="on-1"
LIMIT=300
FILE_TEXT=
TRACE_LINES=0
CPU_FLAGS=
KILL_AFTER=2
HVS="okvm kvm_amd"
SHOW_CONSOLE=0
BENCH=0
[ -f $VMM/settings ] && . $VMM/settings
hv=$1
case " $HVS " in *" $hv "*) ;; *) exit 0 ;; esac
# What is to come, so that a judge can tell a missing result.
echo "OKVM-VMM-CONFIGS $hv $CONFIGS"
trace=/sys/kernel/tracing

# With TRACE_LINES, okvm's events are recorded, and a failure prints the last ones.
trace_start() {
	[ "$TRACE_LINES" != 0 ] && [ "$hv" = okvm ] && [ -d $trace/events/okvm ] || return 0
	echo 0 > $trace/tracing_on
	echo > $trace/trace
	echo 1 > $trace/events/okvm/enable
	echo 1 > $trace/tracing_on
}

trace_dump() {
	[ "$TRACE_LINES" != 0 ] && [ "$hv" = okvm ] && [ -d $trace/events/okvm ] || return 0
	echo 0 > $trace/tracing_on
	grep -v '^#' $trace/trace | tail -n "$TRACE_LINES" | sed "s/^/OKVM-VMM-TRACE $hv $config | /"
}

# check_console LOG SMP: empty if the guest did all it should, else why not.
# The serial console ends its lines with CR LF.
check_console() {
	log=/tmp/vmm-console.txt smp=$2
	tr -d '\r' < "$1" > "$log"
	grep -q '^OKVM-GUEST-BOOTED' "$log" || { echo "the guest did not reach its init"; return; }
	cpus=$(sed -n 's/^OKVM-GUEST-CPUS \([0-9]*\).*/\1/p' "$log")
	[ "$cpus" = "$smp" ] || { echo "the guest saw ${cpus:-no} CPUs, not $smp"; return; }
	grep '^OKVM-GUEST-CLOCKSOURCES' "$log" | grep -qw kvm-clock ||
		{ echo "no kvm-clock among the guest's clock sources"; return; }
	grep -q '^OKVM-GUEST-CLOCKSOURCE kvm-clock' "$log" ||
		{ echo "kvm-clock is not the guest's clock source"; return; }
	step=$(awk '/^OKVM-GUEST-UPTIME/ { d = $3 - $2; print (d >= 0.5 && d <= 30) ? "ok" : d }' "$log")
	[ "$step" = ok ] || { echo "uptime moved by ${step:-nothing} across sleep 1"; return; }
	grep -qxF "OKVM-GUEST-FILE $FILE_TEXT" "$log" ||
		{ echo "the file on the virtio disk did not read back"; return; }
	grep -q '^OKVM-GUEST-DONE' "$log" || { echo "the guest did not finish"; return; }
}

# qemu IRQCHIP CPU SMP [ARGS...]: QEMU on the guest, its console in $log.
# Run in the background (&): exec makes the background job's pid QEMU's.
qemu() {
	mode=$1 model=$2 cpus=$3
	shift 3
	exec $VMM/qemu-system-x86_64 -L $VMM/share \
		-accel kvm,kernel-irqchip="$mode" -machine pc -cpu "$model" -smp "$cpus" -m 256M \
		-nodefaults -display none -no-reboot -serial file:"$log" \
		-kernel $VMM/bzImage -initrd $VMM/guest-initrd.gz \
		-append "console=ttyS0 panic=-1 rdinit=/init" \
		-drive file=$VMM/disk.img,if=virtio,format=raw,readonly=on "$@"
}

# machine_time: the machine's clock, in hundredths of a second.
machine_time() {
	awk '{ printf "%d", $1 * 100 }' /proc/uptime
}

# watch_marker START: once the guest's console has its first line of init,
# how long after START (machine_time) that came, in seconds, to $dump.marker.
watch_marker() {
	until grep -q '^OKVM-GUEST-BOOTED' "$log" 2> /dev/null; do
		sleep 0.1
	done
	t=$(($(machine_time) - $1))
	printf '%d.%02d\n' $((t / 100)) $((t % 100)) > "$dump.marker"
}

# qemu_stacks PID: where QEMU's threads are in the kernel, one line each
# (state, then the stack), if QEMU is still there.
qemu_stacks() {
	for task in "/proc/$1/task/"*; do
		[ -r "$task/stack" ] || continue
		echo "task ${task##*/} $(awk '{ print $3 }' "$task/stat"): $(tr '\n' ' ' < "$task/stack")"
	done
}

# The hypervisor module's references, and the vmalloc areas it made.
module_refs() {
	echo "$(cat /sys/module/"$hv"/refcnt) $(grep -c "\[$hv\]" /proc/vmallocinfo)"
}

# kill-SMP: QEMU (split irqchip) gets SIGKILL $KILL_AFTER s after the
# guest's first console line, mid-boot; the module's references and
# vmalloc areas must come back to what they were (kvm_amd drops its
# reference a moment after the process).
kill_midboot() {
	rm -f "$log" "$out"
	before=$(module_refs)
	qemu split "host$CPU_FLAGS" "$1" > "$out" 2>&1 &
	pid=$!
	waited=0
	while [ ! -s "$log" ] && [ $waited -lt "$LIMIT" ]; do
		sleep 1
		waited=$((waited + 1))
	done
	if [ ! -s "$log" ]; then
		kill -KILL $pid 2> /dev/null
		wait $pid
		echo "the guest printed nothing in $LIMIT s"
		return
	fi
	sleep "$KILL_AFTER"
	if ! kill -KILL $pid 2> /dev/null; then
		echo "QEMU was gone before the kill"
		return
	fi
	wait $pid
	for _ in 1 2 3 4 5; do
		[ "$(module_refs)" = "$before" ] && return
		sleep 1
	done
	echo "references and vmaps $(module_refs), not $before, 5 s after the kill"
	qemu_stacks $pid
}

for config in $CONFIGS; do
	irqchip=${config%-*} smp=${config#*-}
	log=/tmp/vmm-$hv-$config.console
	out=/tmp/vmm-$hv-$config.qemu
	if [ "$irqchip" = kill ]; then
		start=$(date +%s)
		why=$(kill_midboot "$smp")
		took=$(($(date +%s) - start))
		if [ -z "$why" ]; then
			echo "OKVM-VMM $hv $config PASS $took s"
		else
			echo "OKVM-VMM $hv $config FAIL $took s $why"
		fi
		continue
	fi
	cpu=host
	# KVM refuses MSR_KVM_ASYNC_PF_INT without an in-kernel APIC, and QEMU
	# 7.2 restores it anyway: the guest goes without async page faults.
	[ "$irqchip" = off ] && cpu=host,kvm-asyncpf-int=off
	cpu=$cpu$CPU_FLAGS
	dump=/tmp/vmm-$hv-$config.monitor
	rm -f "$log" "$out"
	start=$(date +%s)
	trace_start
	# QEMU's monitor on two FIFOs: just before the limit, the vCPUs'
	# registers and the top of the first one's stack, for a hang; and
	# where QEMU's threads are in the host kernel, in case the monitor
	# cannot answer.
	mon=/tmp/vmm-monitor
	rm -f $mon.in $mon.out $mon.pid "$dump" "$dump.stacks" "$dump.marker"
	mkfifo $mon.in $mon.out
	cat $mon.out > "$dump" &
	reader=$!
	(
		sleep $((LIMIT - 3))
		# shellcheck disable=SC2016 # $esp is the monitor's (all of RSP)
		printf 'info registers -a\nx/48gx $esp\n' > $mon.in
		sleep 1
		qemu_stacks "$(cat $mon.pid)" > "$dump.stacks"
	) &
	asker=$!
	watch_marker "$(machine_time)" &
	watcher=$!
	qemu "$irqchip" "$cpu" "$smp" -monitor pipe:$mon > "$out" 2>&1 &
	pid=$!
	echo $pid > $mon.pid
	(
		sleep "$LIMIT"
		kill -KILL $pid
	) 2> /dev/null &
	killer=$!
	wait $pid
	rc=$?
	kill $killer $asker $watcher 2> /dev/null
	kill $reader 2> /dev/null
	took=$(($(date +%s) - start))
	touch "$log"
	if [ "$rc" = 137 ]; then
		why="no power-off in $LIMIT s"
	else
		why=$(check_console "$log" "$smp")
		[ -z "$why" ] && [ "$rc" != 0 ] && why="QEMU exited with $rc"
	fi
	[ "$SHOW_CONSOLE" = 1 ] && tr -d '\r' < "$log" | sed "s/^/OKVM-VMM-SHOW $hv $config | /"
	# For make bench (tools/bench/report.py): the time to the guest's init,
	# whatever happened after it.
	if [ "$BENCH" = 1 ] && [ -s "$dump.marker" ]; then
		echo "OKVM-BENCH $hv ${OKVM_VMM_ROUND:-1} RESULT linux_boot_$config" \
			"$(cat "$dump.marker") s lower"
	elif [ "$BENCH" = 1 ]; then
		echo "OKVM-BENCH $hv ${OKVM_VMM_ROUND:-1} FAILED linux_boot_$config: no init in $took s"
	fi
	if [ -z "$why" ]; then
		echo "OKVM-VMM $hv $config PASS $took s"
	else
		echo "OKVM-VMM $hv $config FAIL $took s $why"
		tail -n 15 "$log" | sed "s/^/OKVM-VMM-CONSOLE $hv $config | /"
		tail -n 15 "$out" | sed "s/^/OKVM-VMM-QEMU $hv $config | /"
		[ "$rc" = 137 ] && tr -d '\r' < "$dump" | grep -v '^(qemu)\|^QEMU ' |
			sed "s/^/OKVM-VMM-MONITOR $hv $config | /"
		[ "$rc" = 137 ] && [ -f "$dump.stacks" ] &&
			sed "s/^/OKVM-VMM-STACK $hv $config | /" "$dump.stacks"
		trace_dump
	fi
	# The guest kernel's own complaints, if any, pass or fail.
	tr -d '\r' < "$log" | grep -E -A2 'WARNING:|BUG:' |
		head -n 20 | sed "s/^/OKVM-VMM-COMPLAINT $hv $config | /"
done
