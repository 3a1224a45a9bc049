// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_PRE_FAULT_MEMORY: map guest memory before the guest first touches
 * it, leaf by leaf through the page-fault path itself (okvm_mmu_map_gpa()),
 * so the invalidation retry protocol covers it as it covers the guest's
 * faults. Each leaf is faulted as a read: a page is mapped writable only
 * where the host already maps it writable, as for the guest's own read.
 * Partial progress, signals and errors follow KVM 6.12.
 */
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <uapi/linux/kvm.h>

#include <okvm/mmu.h>
#include <okvm/vm.h>

#include "tdp_iter.h"

/*
 * Map the leaf covering @gpa, retrying lost races; return the bytes from
 * @gpa to the end of that leaf, at most @size, or a negative errno.
 */
static long okvm_pre_fault_leaf(struct okvm_vcpu *vcpu, u64 gpa, u64 size)
{
	u64 leaf_bytes;
	int level, r;

	do {
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
		r = okvm_mmu_map_gpa(vcpu, gpa, 0, &level);
	} while (r == 1 && !level);

	/* No memslot behind it: nothing to map, as KVM's RET_PF_EMULATE. */
	if (r == OKVM_PF_EMULATE)
		return -ENOENT;
	if (r < 0)
		return r;
	/* A huge leaf may begin below @gpa: it is mapped up to its end. */
	leaf_bytes = okvm_tdp_level_pages(level) << PAGE_SHIFT;
	return min(size, ALIGN_DOWN(gpa, leaf_bytes) + leaf_bytes - gpa);
}

/**
 * okvm_mmu_pre_fault_memory() - KVM_PRE_FAULT_MEMORY
 * @vcpu: the vCPU (its mutex held), whose page-table cache the faults use
 * @range: the range; on return, gpa and size are what was left undone
 *
 * Return: 0 when at least one page was mapped (the range says how far it
 * got); otherwise -EINVAL for flags or an unaligned, empty or wrapping
 * range, -ENOENT where no memslot is, -EINTR on a signal, -EFAULT or
 * -ENOMEM from the fault.
 */
int okvm_mmu_pre_fault_memory(struct okvm_vcpu *vcpu, struct kvm_pre_fault_memory *range)
{
	u64 full_size = range->size;
	long r = 0;

	if (range->flags || !PAGE_ALIGNED(range->gpa) || !PAGE_ALIGNED(range->size) ||
	    range->gpa + range->size <= range->gpa)
		return -EINVAL;

	while (range->size) {
		r = okvm_pre_fault_leaf(vcpu, range->gpa, range->size);
		if (r < 0)
			break;
		range->gpa += r;
		range->size -= r;
	}
	return range->size == full_size ? r : 0;
}
