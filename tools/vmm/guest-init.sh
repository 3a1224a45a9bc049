#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the nested Linux guest that QEMU boots on okvm or on kvm_amd in
# `make check-vmm` (tools/vmm/run-in-vm.sh reads its console): it says what
# it sees, reads a file from its virtio disk, and powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "OKVM-GUEST-BOOTED $(uname -r)"
echo "OKVM-GUEST-CPUS $(grep -c '^processor' /proc/cpuinfo)"
cs=/sys/devices/system/clocksource/clocksource0
echo "OKVM-GUEST-CLOCKSOURCES $(cat $cs/available_clocksource)"
# The clock under test is kvmclock: make it the one that uptime reads.
echo kvm-clock > $cs/current_clocksource 2>/dev/null
echo "OKVM-GUEST-CLOCKSOURCE $(cat $cs/current_clocksource)"
before=$(cut -d' ' -f1 /proc/uptime)
sleep 1
echo "OKVM-GUEST-UPTIME $before $(cut -d' ' -f1 /proc/uptime)"
mkdir -p /mnt
if mount -t ext2 -o ro /dev/vda /mnt; then
	echo "OKVM-GUEST-FILE $(cat /mnt/hello)"
else
	echo "OKVM-GUEST-FILE none"
fi
echo OKVM-GUEST-DONE
poweroff -f
