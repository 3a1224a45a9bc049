/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's paravirtual MSRs and the steal-time record, as <asm/kvm_para.h>
 * defines them (not a uapi header, so spelled out here as the ABI says).
 * The pvclock record and its reader are in pvclock.h.
 */
#ifndef _OKVM_SELFTEST_KVM_PARA_H
#define _OKVM_SELFTEST_KVM_PARA_H

#include "kernel_types.h"

#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MSR_KVM_STEAL_TIME	0x4b564d03
/* Bit 0 of each of those MSRs: the area at the address is on. */
#define KVM_MSR_ENABLED		1ULL

/* struct kvm_steal_time: 64 bytes. */
struct steal_record {
	u64 steal;
	u32 version;
	u32 flags;
	u8 preempted;
	u8 u8_pad[3];
	u32 pad[11];
};

#endif /* _OKVM_SELFTEST_KVM_PARA_H */
