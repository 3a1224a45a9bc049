#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot Debian's stock 6.12 kernel in QEMU (TCG, SVM with NPT),
# load okvm.ko built against its headers, and run a guest on it that prints
# a greeting through an I/O port (tools/hello).
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
