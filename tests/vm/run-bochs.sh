#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the VMX test machine: Bochs (Debian's 2.7) emulating an Intel CPU with
# VMX and EPT, the counterpart of run-qemu.sh (whose TCG emulates only SVM).
# Usage: run-bochs.sh BZIMAGE INITRD LOG [TIMEOUT_SECONDS]
# The console goes to LOG (and to stdout if OKVM_VERBOSE=1); Bochs's own log
# to LOG.bochs. OKVM_KERNEL_ARGS is appended to the kernel command line.
# OKVM_BOCHS_CPUS (default 2), OKVM_BOCHS_MEM (MiB, default 2048),
# OKVM_BOCHS_CPU (default corei7_skylake_x: EPT with A/D bits, VPID,
# unrestricted guest) and OKVM_BOCHS_IPS (default 100000000) set the machine.
#
# Bochs has no -kernel: GRUB (grub-mkrescue) boots the kernel from an ISO.
# Debian's build has no nogui display, so Bochs runs with its curses display
# on a pseudo-terminal of script(1), whose output is thrown away; and it has
# the internal debugger, which -rc tells to continue. Bochs ignores SIGTERM
# and a reboot restarts the machine, so this script watches the console and
# ends Bochs (SIGKILL, by its pid) once the kernel restarts, powers off or
# panics, or at the timeout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: $0 BZIMAGE INITRD LOG [TIMEOUT]"
kernel=$1 initrd=$2 logfile=$3 limit=${4:-900}
cpus=${OKVM_BOCHS_CPUS:-2} mem=${OKVM_BOCHS_MEM:-2048}
model=${OKVM_BOCHS_CPU:-corei7_skylake_x} ips=${OKVM_BOCHS_IPS:-100000000}

# loglevel=4 as in run-qemu.sh. With sync=none Bochs's clocks (TSC, LAPIC
# timer, PIT, HPET) count emulated instructions, IPS of them an emulated
# second, but the CPU model's CPUID leaves 0x15/0x16 claim a 3.5 GHz TSC and
# its crystal, which Linux believes without calibrating: its clock then ran
# 35 times slow (a guest "sleep 5" took minutes). tsc_early_khz skips those
# leaves, so that Linux calibrates the LAPIC timer against the PIT and then
# refines the TSC against the HPET (to IPS/1000 kHz). Bochs's CPUID leaf 0xd
# sizes the compacted XSAVE format wrongly (Linux: "XSAVE consistency
# problem: size 2432 != kernel_size 2688", a WARNING, and no XSAVE at all):
# clearcpuid leaves the host the standard format.
cmdline="console=ttyS0,115200 loglevel=4 panic=-1 rdinit=/init"
cmdline+=" tsc_early_khz=$((ips / 1000)) clearcpuid=xsaves,xsavec ${OKVM_KERNEL_ARGS:-}"

work=$(mktemp -d)
bochs_pid=
cleanup() {
	[ -n "$bochs_pid" ] && kill -KILL "$bochs_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/iso/boot/grub"
cp "$kernel" "$work/iso/boot/bzImage"
cp "$initrd" "$work/iso/boot/initrd"
cat > "$work/iso/boot/grub/grub.cfg" <<EOF
set timeout=0
set default=0
menuentry okvm {
	linux /boot/bzImage $cmdline
	initrd /boot/initrd
}
EOF
grub-mkrescue -o "$work/boot.iso" "$work/iso" >"$work/grub-mkrescue.log" 2>&1 ||
	{ cat "$work/grub-mkrescue.log" >&2; die "grub-mkrescue failed"; }

cat > "$work/bochsrc" <<EOF
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
cpu: model=$model, count=1:$cpus:1, ips=$ips, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: guest=$mem, host=$mem
pci: enabled=1, chipset=i440fx
clock: sync=none, time0=local
ata0-master: type=cdrom, path="$work/boot.iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$work/console"
display_library: term
log: "$work/bochs.log"
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
EOF
echo c > "$work/debugger.rc"
: > "$work/console"

okvm_take_machine_lock
start=$SECONDS
# script(1) gives Bochs its terminal; the inner shell leaves its pid behind.
TERM=xterm script -qefc "echo \$\$ > '$work/pid'; exec bochs -q -f '$work/bochsrc' -rc '$work/debugger.rc'" \
	/dev/null </dev/null >/dev/null 2>&1 &
script_pid=$!
for _ in $(seq 50); do
	[ -s "$work/pid" ] && break
	sleep 0.1
done
bochs_pid=$(cat "$work/pid" 2>/dev/null || true)
[ -n "$bochs_pid" ] || die "bochs did not start"

verbose_pid=
if [ "${OKVM_VERBOSE:-0}" = 1 ]; then
	tail -n +1 -f "$work/console" --pid="$script_pid" | sed -u 's/\r$//' &
	verbose_pid=$!
fi

# Wall time (since Bochs started) of each marker and harness line, for
# per-test costs: LOG.times.
t0=$EPOCHREALTIME
tail -n +1 -F "$work/console" --pid="$script_pid" 2>/dev/null | sed -u 's/\r$//' |
while IFS= read -r line; do
	case $line in
	OKVM-*|"#  RUN"*|"ok "*|"not ok "*) printf '%s %s\n' "$EPOCHREALTIME" "$line" ;;
	esac
done | awk -v t0="$t0" '{ t = $1; $1 = ""; printf "%8.1f%s\n", t - t0, $0; fflush() }' > "$logfile.times" &
times_pid=$!

# Milestones on the console, with their time since Bochs started.
first='' booted='' ended='' why=timeout
while :; do
	alive=1
	kill -0 "$bochs_pid" 2>/dev/null || alive=0
	el=$((SECONDS - start))
	[ -n "$first" ] || { [ -s "$work/console" ] && first=$el && log "first console line after $el s"; }
	[ -n "$booted" ] || { grep -q OKVM-BOOTED "$work/console" && booted=$el && log "init started after $el s"; }
	[ -n "$ended" ] || { grep -q OKVM-DONE "$work/console" && ended=$el && log "OKVM-DONE after $el s"; }
	if grep -qE 'reboot: (Restarting system|Power down)|System halted|end Kernel panic' "$work/console"; then
		why="the kernel stopped"
		sleep 1
		break
	fi
	[ "$alive" = 1 ] || { why="bochs exited"; break; }
	[ "$el" -lt "$limit" ] || break
	sleep 1
done
kill -KILL "$bochs_pid" 2>/dev/null || true
wait "$script_pid" 2>/dev/null || true
bochs_pid=
sleep 0.5
[ -z "$verbose_pid" ] || kill "$verbose_pid" 2>/dev/null || true
wait "$times_pid" 2>/dev/null || true

sed 's/\r$//' "$work/console" > "$logfile"
cp "$work/bochs.log" "$logfile.bochs" 2>/dev/null || true
[ "$why" = timeout ] && log "the test machine did not finish in $limit s"
log "machine ran $((SECONDS - start)) s ($why; $(basename "$kernel"), bochs $model x$cpus, ${mem} MiB)"
exit 0
