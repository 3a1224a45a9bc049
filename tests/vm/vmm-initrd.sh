#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The initramfs of a test machine that runs Debian's qemu-system-x86_64 as
# the VMM (vmm mode of tests/vm/init.sh; tools/vmm/run-in-vm.sh): QEMU, the
# libraries it loads and its firmware, the nested Linux guest (the lean
# kernel with tests/vm/guest.config, built or found in the cache), its
# busybox initramfs and its virtio disk, over the usual root.
# Usage: vmm-initrd.sh OUT.cpio.gz OKVM_KO MODULE_DIR
#   MODULE_DIR  the machine kernel's lib/modules/<release> (for kvm_amd)
# Environment, all optional (tools/vmm/run-in-vm.sh says what they do):
#   OKVM_VMM_CONFIGS  configurations (default on-1)
#   OKVM_VMM_LIMIT    seconds per guest (default 300)
#   OKVM_VMM_HVS      hypervisors (default "okvm kvm_amd")
#   OKVM_VMM_TRACE    okvm trace events to print for a failure (default 0)
#   OKVM_VMM_CPU_FLAGS appended to the guests' -cpu host
#   OKVM_VMM_SHOW     1: print each guest's console, pass or fail
#   OKVM_VMM_ROUNDS   run every configuration on each hypervisor that many
#                     times, interleaved (default 1)
#   OKVM_VMM_BENCH    1: also print each time to the guest's init as a
#                     make bench result (tools/bench/report.py)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 3 ] || die "usage: $0 OUT OKVM_KO MODULE_DIR"
initrd=$1 ko=$2 moddir=$3
hvs=${OKVM_VMM_HVS:-okvm kvm_amd}
for hv in $hvs; do
	case $hv in okvm|kvm_amd) ;; *) die "OKVM_VMM_HVS: no hypervisor $hv" ;; esac
done
gdir=$("$OKVM_TOP/tests/vm/build-kernel.sh" guest)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
extra="$work/root"
vmm="$extra/okvm/vmm"
mkdir -p "$vmm/share"
qemu=$(command -v qemu-system-x86_64)
cp "$qemu" "$vmm/"
# The libraries QEMU loads, at the paths its loader looks for them.
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

groot="$work/guest"
mkdir -p "$groot"/{bin,dev,proc,sys}
cp /bin/busybox "$groot/bin/busybox"
cp "$OKVM_TOP/tools/vmm/guest-init.sh" "$groot/init"
chmod 755 "$groot" "$groot/init"
(cd "$groot" && find . | cpio -o -H newc --quiet | gzip -1) > "$vmm/guest-initrd.gz"

# The disk: ext2 with one file whose text the guest prints back.
text="okvm-vmm-disk-$(date +%s)"
mkdir -p "$work/disk"
echo "$text" > "$work/disk/hello"
mke2fs -q -t ext2 -d "$work/disk" "$vmm/disk.img" 4M > /dev/null

cat > "$vmm/settings" <<SETTINGS
CONFIGS="${OKVM_VMM_CONFIGS:-on-1}"
LIMIT=${OKVM_VMM_LIMIT:-300}
FILE_TEXT=$text
TRACE_LINES=${OKVM_VMM_TRACE:-0}
CPU_FLAGS=${OKVM_VMM_CPU_FLAGS:-}
HVS="$hvs"
SHOW_CONSOLE=${OKVM_VMM_SHOW:-0}
ROUNDS=${OKVM_VMM_ROUNDS:-1}
BENCH=${OKVM_VMM_BENCH:-0}
SETTINGS

tools="$work/tools"
mkdir -p "$tools" "$work/no-selftests"
install -m 0755 "$OKVM_TOP/tools/vmm/run-in-vm.sh" "$tools/okvm-vmm-run"
OKVM_EXTRA_ROOT="$extra" "$OKVM_TOP/tests/vm/mkinitramfs.sh" "$initrd" vmm \
	"$ko" "$work/no-selftests" "$moddir" "$tools"
