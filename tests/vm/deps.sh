#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, with apt, every package the test rig uses that is not installed yet.
# CI may start on a fresh Debian 12 machine: nothing else may be assumed.
# Usage: deps.sh [--bochs]   (--bochs: also the VMX machine's, run-bochs.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(qemu-system-x86 busybox-static cpio linux-source-6.12 build-essential bc
      bison flex libelf-dev libssl-dev python3 ccache kmod xz-utils sparse
      dkms udev e2fsprogs)
# Bochs with its curses display (Debian's has no nogui), its BIOS and VGA
# BIOS, and GRUB to boot the kernel from an ISO (grub-mkrescue); script(1)
# is in bsdutils, which Debian always has.
[ "${1:-}" = --bochs ] &&
	pkgs+=(bochs bochs-term bochsbios vgabios grub-pc-bin grub-common xorriso mtools bsdutils)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

# The stock kernel pass needs Debian's newest 6.12 image with its headers.
if [ -z "$(okvm_stock_release)" ]; then
	missing+=(__stock__)
fi

if [ ${#missing[@]} = 0 ]; then
	exit 0
fi

[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}); run as root or install them"
export DEBIAN_FRONTEND=noninteractive
log "installing: ${missing[*]}"
apt-get update -qq
if [[ " ${missing[*]} " == *" __stock__ "* ]]; then
	missing=("${missing[@]/__stock__/}")
	rel=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
	      awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1)
	[ -n "$rel" ] || die "apt knows no linux-image-6.12.*-amd64"
	missing+=("linux-image-$rel" "linux-headers-$rel")
fi
apt-get install -y -qq --no-install-recommends ${missing[@]} >/dev/null
