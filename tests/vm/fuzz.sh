#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make fuzz`: the fuzzer (tests/fuzz) alone, as long as asked, on the test
# kernel, against okvm and then kvm_amd; judged as make check judges.
# Usage: fuzz.sh [--kasan]
# Environment (make fuzz's variables):
#   OKVM_FUZZ_SECONDS       random calls on each hypervisor (default 60)
#   OKVM_FUZZ_SEED          the seed (default: init picks one and prints it)
#   OKVM_FUZZ_HV            "okvm kvm" (default), "okvm" or "kvm"
#   OKVM_FUZZ_FAIL_SECONDS  allocation-failure runs on okvm (default 20)
#   OKVM_FUZZ_KVM_FAIL_SECONDS  the same on kvm_amd (default 0)
#   OKVM_FUZZ_ARGS          more okvm-fuzz options (--trace, --skip OP,...)
#   OKVM_FUZZ_KVM_ARGS      more options for the kvm_amd run only
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=debug
[ "${1:-}" = --kasan ] && variant=kasan
out="$OKVM_TOP/tests/vm/out/fuzz"
mkdir -p "$out/tools"
export OKVM_FUZZ_SECONDS=${OKVM_FUZZ_SECONDS:-60} OKVM_FUZZ_SEED=${OKVM_FUZZ_SEED:-}
export OKVM_FUZZ_HV=${OKVM_FUZZ_HV:-okvm kvm} OKVM_FUZZ_FAIL_SECONDS=${OKVM_FUZZ_FAIL_SECONDS:-20}
export OKVM_FUZZ_KVM_FAIL_SECONDS=${OKVM_FUZZ_KVM_FAIL_SECONDS:-0}

"$OKVM_TOP/tests/vm/deps.sh"
kdir=$("$OKVM_TOP/tests/vm/build-kernel.sh" "$variant")
krel=$(cat "$kdir/include/config/kernel.release")
src="$OKVM_CACHE/linux-source-6.12"

rm -rf "$out/okvm"
mkdir -p "$out/okvm" "$out/selftests"
tar -C "$OKVM_TOP" --exclude=./.git --exclude=./tests/vm/out --exclude=./tests/selftests/out \
    --exclude=./tests/fuzz/out -cf - . | tar -C "$out/okvm" -xf -
make -C "$kdir" M="$out/okvm" -j"$(nproc)" modules >"$out/okvm-build.log" 2>&1 ||
	{ tail -30 "$out/okvm-build.log" >&2; die "okvm.ko does not build"; }
make -C "$OKVM_TOP/tools/hello" -s OUTPUT="$out/tools" >&2
make -C "$OKVM_TOP/tests/fuzz" -s KSRC="$src" OUTPUT="$out/tools" >&2

export OKVM_QEMU_MEM=3G
"$OKVM_TOP/tests/vm/mkinitramfs.sh" "$out/initrd.gz" fuzz "$out/okvm/okvm.ko" \
	"$out/selftests" "$kdir/modroot/lib/modules/$krel" "$out/tools"
# Each hypervisor's run, its allocation-failure runs, boot, leak checks.
limit=$((2 * OKVM_FUZZ_SECONDS + OKVM_FUZZ_FAIL_SECONDS + OKVM_FUZZ_KVM_FAIL_SECONDS + 600))
log "fuzzing $OKVM_FUZZ_HV for $OKVM_FUZZ_SECONDS s each on the $variant kernel"
"$OKVM_TOP/tests/vm/run-qemu.sh" "$kdir/arch/x86/boot/bzImage" "$out/initrd.gz" \
	"$out/$variant.log" "$limit"
exec "$OKVM_TOP/tests/vm/judge.py" --kunit-py "$src/tools/testing/kunit/kunit.py" \
	--log "$variant" "$out/$variant.log"
