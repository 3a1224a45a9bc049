#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot Debian's stock 6.12 kernel in QEMU (TCG, SVM with NPT),
# load okvm.ko built against its headers, and run a guest on it that prints
# a greeting through an I/O port (tools/hello). Then, in a second boot of
# the same machine, QEMU itself runs on okvm (as /dev/kvm) and boots a
# Linux guest with two vCPUs and a virtio disk to its shell script, which
# powers it off (tools/vmm; the guest's lean kernel is built once, about 7
# minutes, and cached; OKVM_DEMO_VMM=0 skips this part).
# Uses the stock kernel so a newcomer waits seconds, not a kernel build.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out="$OKVM_TOP/tests/vm/out"
mkdir -p "$out"
"$OKVM_TOP/tests/vm/deps.sh"
src=$(okvm_source_tree)
stock=$(okvm_stock_release)
[ -n "$stock" ] || die "no stock 6.12 kernel with headers installed"

dir="$out/build-demo"
okvm_copy_tree "$dir"
make -C "/usr/src/linux-headers-$stock" M="$dir" -s modules
make -C "$OKVM_TOP/tests/selftests" -s KSRC="$src" OUTPUT="$out/selftests"
mkdir -p "$out/tools"
make -C "$OKVM_TOP/tools/hello" -s OUTPUT="$out/tools"
"$OKVM_TOP/tests/vm/mkinitramfs.sh" "$out/initrd-demo.gz" demo "$dir/okvm.ko" \
	"$out/selftests" "/lib/modules/$stock" "$out/tools"
log "booting Debian $stock in QEMU (TCG, -cpu max: SVM with NPT)"
OKVM_VERBOSE=1 "$OKVM_TOP/tests/vm/run-qemu.sh" "/boot/vmlinuz-$stock" \
	"$out/initrd-demo.gz" "$out/demo.log" 300 |
	sed -n '/OKVM-BOOTED/,/OKVM-DMESG-BEGIN/p' |
	sed -e 's/.*OKVM-BOOTED \([^ ]*\).*/--- booted Linux \1 in QEMU/' -e '/^OKVM-/d'

[ "${OKVM_DEMO_VMM:-1}" = 1 ] || exit 0
OKVM_VMM_HVS=okvm OKVM_VMM_CONFIGS=on-2 OKVM_VMM_LIMIT=120 OKVM_VMM_SHOW=1 \
	"$OKVM_TOP/tests/vm/vmm-initrd.sh" "$out/initrd-demo-vmm.gz" "$dir/okvm.ko" "/lib/modules/$stock"
log "booting Debian $stock again; QEMU (-accel kvm) runs on okvm and boots a Linux guest"
OKVM_QEMU_MEM=2G "$OKVM_TOP/tests/vm/run-qemu.sh" "/boot/vmlinuz-$stock" \
	"$out/initrd-demo-vmm.gz" "$out/demo-vmm.log" 300 > /dev/null || true
# The nested guest's console (its start and its end), and what
# okvm-vmm-run made of it.
sed -n 's/^OKVM-VMM-SHOW okvm on-2 | /    guest | /p' "$out/demo-vmm.log" > "$out/demo-guest.txt"
head -n 3 "$out/demo-guest.txt"
echo "    guest | ... ($(wc -l < "$out/demo-guest.txt") lines in all: $out/demo-guest.txt)"
tail -n 20 "$out/demo-guest.txt"
sed -n 's/^OKVM-VMM okvm on-2 \(PASS\|FAIL\) \(.*\)/--- QEMU on okvm, Linux guest: \1 (\2)/p' \
	"$out/demo-vmm.log"
grep -q '^OKVM-VMM okvm on-2 PASS' "$out/demo-vmm.log" ||
	die "the Linux guest did not boot on okvm; the whole log is $out/demo-vmm.log"
