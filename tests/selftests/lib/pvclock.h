/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM's paravirtual clock as a guest reads it: the per-vCPU record of
 * <asm/pvclock-abi.h> (not a uapi header, so spelled out here as the ABI
 * says) and its reader with the version protocol. Guest code.
 */
#ifndef _OKVM_SELFTEST_PVCLOCK_H
#define _OKVM_SELFTEST_PVCLOCK_H

#include "kernel_types.h"
#include "kvm_para.h"
#include "x86.h"

/* struct pvclock_vcpu_time_info: 32 bytes, every field at its natural alignment. */
struct pvclock_record {
	u32 version;
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
};

/* struct pvclock_wall_clock: 12 bytes. */
struct pvclock_wall {
	u32 version;
	u32 sec;
	u32 nsec;
};

/* The scaled ticks of a record, as the guest kernel computes them. */
static inline u64 pvclock_scale(u64 ticks, u32 mul, s8 shift)
{
	if (shift < 0)
		ticks >>= -shift;
	else
		ticks <<= shift;
	return (u64)(((__uint128_t)ticks * mul) >> 32);
}

/*
 * The clock now, in ns, from @rec; 0 if the record was never written
 * (version 0). Retries while the host is writing it (odd version) or
 * wrote it meanwhile.
 */
static inline u64 pvclock_read(struct pvclock_record *rec)
{
	u64 tsc, time;
	u32 version;

	do {
		version = READ_ONCE(rec->version);
		if (!version)
			return 0;
		asm volatile("" ::: "memory");
		tsc = guest_rdtsc();
		time = READ_ONCE(rec->system_time) +
		       pvclock_scale(tsc - READ_ONCE(rec->tsc_timestamp),
				     READ_ONCE(rec->tsc_to_system_mul), READ_ONCE(rec->tsc_shift));
		asm volatile("" ::: "memory");
	} while ((version & 1) || version != READ_ONCE(rec->version));
	return time;
}

#endif /* _OKVM_SELFTEST_PVCLOCK_H */
