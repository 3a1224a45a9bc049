/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics of a VM and of a vCPU: counters the code bumps, and the ids
 * KVM_GET_STATS_FD reports them under (core/stats.c holds the names and
 * Documentation/api.rst what each one counts).
 *
 * VM counters change under mmu_lock held for read by several vCPUs at once,
 * so they are atomic; vCPU counters change only on the vCPU's own thread.
 */
#ifndef _OKVM_STATS_H
#define _OKVM_STATS_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/kvm_types.h>
#include <linux/types.h>
#include <uapi/linux/kvm.h>

struct okvm_vm;
struct okvm_vcpu;

/*
 * Counters of a VM; the first three are gauges (leaves mapped now), and so
 * is APICV_INHIBITS (the inhibit reasons set now).
 */
enum okvm_vm_stat {
	OKVM_VM_STAT_PAGES_4K,
	OKVM_VM_STAT_PAGES_2M,
	OKVM_VM_STAT_PAGES_1G,
	OKVM_VM_STAT_REMOTE_TLB_FLUSH,
	OKVM_VM_STAT_REMOTE_TLB_FLUSH_REQUESTS,
	OKVM_VM_STAT_FAULTS,
	OKVM_VM_STAT_FAULT_RETRIES,
	OKVM_VM_STAT_ZAPS,
	OKVM_VM_STAT_SPTES_ZAPPED,
	OKVM_VM_STAT_NOTIFIER_INVALIDATIONS,
	OKVM_VM_STAT_APICV_INHIBITS,
	OKVM_VM_STAT_APICV_CHANGES,
	OKVM_VM_STAT_GPC_REFRESHES,
	OKVM_VM_STAT_GPC_INVALIDATIONS,
	OKVM_VM_STAT_GPC_LOCK_FAILURES,
	OKVM_NR_VM_STATS,
};

/*
 * Counters of a vCPU: exits, in all and by reason; lockless write faults;
 * branch-predictor barriers before entering it; interrupts injected, and
 * wakeups from HLT; whether APICv was active when it last looked (a gauge).
 */
enum okvm_vcpu_stat {
	OKVM_VCPU_STAT_EXITS,
	OKVM_VCPU_STAT_IO_EXITS,
	OKVM_VCPU_STAT_MMIO_EXITS,
	OKVM_VCPU_STAT_HALT_EXITS,
	OKVM_VCPU_STAT_IRQ_EXITS,
	OKVM_VCPU_STAT_SIGNAL_EXITS,
	OKVM_VCPU_STAT_PF_FAST,
	OKVM_VCPU_STAT_NPF_EXITS,
	OKVM_VCPU_STAT_CPUID_EXITS,
	OKVM_VCPU_STAT_MSR_EXITS,
	OKVM_VCPU_STAT_IBPB,
	OKVM_VCPU_STAT_IRQ_INJECTIONS,
	OKVM_VCPU_STAT_NMI_INJECTIONS,
	OKVM_VCPU_STAT_HALT_WAKEUP,
	OKVM_VCPU_STAT_APICV_ACTIVE,
	OKVM_NR_VCPU_STATS,
};

/**
 * struct okvm_vm_stats - a VM's counters, indexed by enum okvm_vm_stat
 * @v: the values
 * @id: the stats fd's id string, "kvm-<pid of the creator>" as in KVM
 */
struct okvm_vm_stats {
	atomic64_t v[OKVM_NR_VM_STATS];
	char id[KVM_STATS_NAME_SIZE];
};

/**
 * struct okvm_vcpu_stats - a vCPU's counters, indexed by enum okvm_vcpu_stat
 * @v: the values
 * @id: the stats fd's id string, "kvm-<pid>/vcpu-<vCPU id>" as in KVM
 */
struct okvm_vcpu_stats {
	u64 v[OKVM_NR_VCPU_STATS];
	char id[KVM_STATS_NAME_SIZE];
};

static inline void okvm_vm_stat_add(struct okvm_vm_stats *stats,
				    enum okvm_vm_stat id, s64 n)
{
	atomic64_add(n, &stats->v[id]);
}

static inline void okvm_vm_stat_set(struct okvm_vm_stats *stats,
				    enum okvm_vm_stat id, s64 value)
{
	atomic64_set(&stats->v[id], value);
}

static inline void okvm_vcpu_stat_set(struct okvm_vcpu_stats *stats,
				      enum okvm_vcpu_stat id, u64 value)
{
	/* The stats fd reads it from other threads. */
	WRITE_ONCE(stats->v[id], value);
}

static inline void okvm_vcpu_stat_inc(struct okvm_vcpu_stats *stats,
				      enum okvm_vcpu_stat id)
{
	/* The stats fd reads it from other threads. */
	WRITE_ONCE(stats->v[id], stats->v[id] + 1);
}

void okvm_vm_stats_init(struct okvm_vm_stats *stats);
void okvm_vcpu_stats_init(struct okvm_vcpu_stats *stats, u32 vcpu_id);
int okvm_vm_get_stats_fd(struct okvm_vm *vm);
int okvm_vcpu_get_stats_fd(struct okvm_vcpu *vcpu);

#endif /* _OKVM_STATS_H */
