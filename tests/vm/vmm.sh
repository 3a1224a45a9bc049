#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-vmm`: a real VMM on okvm. In the test machine (debug kernel),
# Debian's qemu-system-x86_64 boots a nested Linux guest (the lean kernel
# with virtio and kvmclock, tests/vm/guest.config) through /dev/kvm: first on
# okvm, loaded as that node, then on kvm_amd, the reference, in the same
# boot. tools/vmm/run-in-vm.sh runs the configurations and says what each
# guest did; this script counts the results and ends with the usual line.
# Environment: OKVM_VMM_CONFIGS (default every one: on-1 on-2 split-1
# split-2 off-1 off-2, kernel-irqchip mode and vCPUs, and kill-2, a guest
# SIGKILLed mid-boot that must leave nothing behind), OKVM_VMM_LIMIT (s per
# guest, default 300), OKVM_VMM_TRACE (on a failure on okvm, print that many
# of okvm's last trace events; default 0, no tracing), OKVM_VMM_CPU_FLAGS
# (appended to the guests' -cpu host, e.g. ",xsave=off"), OKVM_VMM_HVS (the
# hypervisors, default "okvm kvm_amd").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

configs=${OKVM_VMM_CONFIGS:-on-1 on-2 split-1 split-2 off-1 off-2 kill-2}
limit=${OKVM_VMM_LIMIT:-300}
hvs=${OKVM_VMM_HVS:-okvm kvm_amd}
for hv in $hvs; do
	case $hv in okvm|kvm_amd) ;; *) die "OKVM_VMM_HVS: no hypervisor $hv" ;; esac
done
out="$OKVM_TOP/tests/vm/out"
mkdir -p "$out"
start=$SECONDS

"$OKVM_TOP/tests/vm/deps.sh"
kdir=$("$OKVM_TOP/tests/vm/build-kernel.sh" debug)
gdir=$("$OKVM_TOP/tests/vm/build-kernel.sh" guest)
krel=$(cat "$kdir/include/config/kernel.release")

dir="$out/build-vmm"
okvm_copy_tree "$dir"
make -C "$kdir" M="$dir" -j"$(nproc)" -s modules >&2

# What goes over the machine's root: QEMU, the libraries it loads (at the
# paths its loader looks for them), its firmware, and the guest.
extra="$out/vmm-root"
rm -rf "$extra"
vmm="$extra/okvm/vmm"
mkdir -p "$vmm/share"
qemu=$(command -v qemu-system-x86_64)
cp "$qemu" "$vmm/"
for lib in $(ldd "$qemu" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
	mkdir -p "$extra$(dirname "$lib")"
	cp -L "$lib" "$extra$lib"
done
# Where Debian's QEMU looks for firmware (its --firmwarepath).
for f in bios-256k.bin linuxboot_dma.bin kvmvapic.bin multiboot_dma.bin pvh.bin; do
	found=
	for d in /usr/share/qemu /usr/share/seabios; do
		[ -e "$d/$f" ] && found=$d/$f && break
	done
	[ -n "$found" ] || die "no $f in /usr/share/qemu or /usr/share/seabios"
	cp -L "$found" "$vmm/share/"
done
cp "$gdir/arch/x86/boot/bzImage" "$vmm/bzImage"

groot=$(mktemp -d)
trap 'rm -rf "$groot"' EXIT
mkdir -p "$groot"/{bin,dev,proc,sys}
cp /bin/busybox "$groot/bin/busybox"
cp "$OKVM_TOP/tools/vmm/guest-init.sh" "$groot/init"
chmod 755 "$groot" "$groot/init"
(cd "$groot" && find . | cpio -o -H newc --quiet | gzip -1) > "$vmm/guest-initrd.gz"

# The disk: ext2 with one file whose text the guest prints back.
text="okvm-vmm-disk-$(date +%s)"
mkdir -p "$groot/disk"
echo "$text" > "$groot/disk/hello"
rm -f "$vmm/disk.img"
mke2fs -q -t ext2 -d "$groot/disk" "$vmm/disk.img" 4M

cat > "$vmm/settings" <<SETTINGS
CONFIGS="$configs"
LIMIT=$limit
FILE_TEXT=$text
TRACE_LINES=${OKVM_VMM_TRACE:-0}
CPU_FLAGS=${OKVM_VMM_CPU_FLAGS:-}
HVS="$hvs"
SETTINGS

tools="$out/vmm-tools"
rm -rf "$tools"
mkdir -p "$tools"
install -m 0755 "$OKVM_TOP/tools/vmm/run-in-vm.sh" "$tools/okvm-vmm-run"
no_selftests="$out/vmm-no-selftests"
mkdir -p "$no_selftests"
OKVM_EXTRA_ROOT="$extra" "$OKVM_TOP/tests/vm/mkinitramfs.sh" "$out/initrd-vmm.gz" vmm \
	"$dir/okvm.ko" "$no_selftests" "$kdir/modroot/lib/modules/$krel" "$tools"

nconfigs=$(wc -w <<< "$configs")
nhvs=$(wc -w <<< "$hvs")
log "QEMU on $hvs, configurations: $configs"
OKVM_QEMU_MEM=2G "$OKVM_TOP/tests/vm/run-qemu.sh" "$kdir/arch/x86/boot/bzImage" \
	"$out/initrd-vmm.gz" "$out/vmm.log" $((nhvs * nconfigs * (limit + 30) + 120))

grep -E '^OKVM-VMM' "$out/vmm.log" || true
passed=$(grep -cE '^OKVM-VMM [a-z_]+ [a-z0-9-]+ PASS' "$out/vmm.log" || true)
failed=$(grep -cE '^OKVM-VMM [a-z_]+ [a-z0-9-]+ FAIL' "$out/vmm.log" || true)
missing=$((nhvs * nconfigs - passed - failed))
# The nested guests' consoles (OKVM-VMM-CONSOLE) are theirs, not the test machine's.
if grep -v '^OKVM-VMM' "$out/vmm.log" | grep -E 'BUG:|WARNING:|KASAN|Call Trace|Kernel panic' |
	head -20; then
	log "the test machine's kernel complained (above)"
	failed=$((failed + 1))
fi
log "make check-vmm took $((SECONDS - start)) s; console log in $out/vmm.log"
echo "$passed passed, $((failed + missing)) failed"
[ $((failed + missing)) = 0 ]
