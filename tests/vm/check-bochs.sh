#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The VMX machine: the vmx kernel (bench.config plus vmx.config) in Bochs,
# whose emulated CPU has VMX with EPT, the selftests on upstream kvm_intel
# (okvm has no VMX backend yet: init logs its refusal and skips its pass),
# then judged like make check.
# Usage: check-bochs.sh [SELFTEST...]   (default: every selftest)
# OKVM_BOCHS_LIMIT is the machine's time limit (default 840 s: one locked
# run of the machine must leave room to the others sharing it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out="$OKVM_TOP/tests/vm/out"
mkdir -p "$out"
start=$SECONDS

"$OKVM_TOP/tests/vm/deps.sh" --bochs
src=$(okvm_source_tree)
kdir=$("$OKVM_TOP/tests/vm/build-kernel.sh" vmx)
krel=$(cat "$kdir/include/config/kernel.release")

# okvm.ko against the vmx kernel, under the machine lock (a subshell, so
# that the lock is gone before run-bochs.sh takes it).
(
	okvm_take_machine_lock
	okvm_copy_tree "$out/build-vmx"
	make -C "$kdir" M="$out/build-vmx" -j"$(nproc)" modules >"$out/build-vmx/build.log" 2>&1 ||
		{ tail -30 "$out/build-vmx/build.log" >&2; die "okvm.ko does not build against the vmx kernel"; }
)
make -C "$OKVM_TOP/tests/selftests" -s KSRC="$src" OUTPUT="$out/selftests" >&2
mkdir -p "$out/tools"
make -C "$OKVM_TOP/tools/hello" -s OUTPUT="$out/tools" >&2

# The selftests asked for (all by default), without debug info: the
# initramfs is unpacked by the emulated CPU, about 2.5 MB a second.
sel="$out/selftests-vmx"
rm -rf "$sel"
mkdir -p "$sel"
if [ $# = 0 ]; then
	mapfile -t all < <(cd "$out/selftests" && find . -maxdepth 1 -type f -executable -printf '%P\n' | sort)
	set -- "${all[@]}"
fi
for t; do
	strip --strip-debug -o "$sel/$t" "$out/selftests/$t"
done

OKVM_REF_MODULE=kvm-intel "$OKVM_TOP/tests/vm/mkinitramfs.sh" "$out/initrd-vmx.gz" check \
	"$out/build-vmx/okvm.ko" "$sel" "$kdir/modroot/lib/modules/$krel" "$out/tools"
"$OKVM_TOP/tests/vm/run-bochs.sh" "$kdir/arch/x86/boot/bzImage" "$out/initrd-vmx.gz" \
	"$out/vmx.log" "${OKVM_BOCHS_LIMIT:-840}"
log "check-bochs took $((SECONDS - start)) s; per-test wall times in $out/vmx.log.times"
exec "$OKVM_TOP/tests/vm/judge.py" --kunit-py "$src/tools/testing/kunit/kunit.py" \
	--log vmx "$out/vmx.log"
