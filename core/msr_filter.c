// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR filter of KVM_X86_SET_MSR_FILTER: up to 16 ranges of MSRs, each
 * with a bitmap that allows (1) or denies (0) the guest's reads, writes or
 * both of each MSR in it, and a default for MSRs no range covers. The
 * first range that covers an MSR for the access's type decides, as in KVM.
 * A denied access is never handled in the kernel: it exits to userspace
 * with KVM_MSR_EXIT_REASON_FILTER if KVM_CAP_X86_USER_SPACE_MSR asked for
 * that, else the guest gets #GP (core/msr_exit.c). KVM_GET/SET_MSRS are
 * not filtered.
 *
 * KVM applies the filter through the MSR permission map as well, and
 * needs a vCPU request to rebuild a running vCPU's map. okvm's map makes
 * every MSR access exit (svm/svm.c), so the filter is a check on the exit
 * path and nothing per vCPU depends on it: no request is needed. The
 * filter is replaced whole under the VM's lock and read under RCU; the old
 * one is freed after a grace period, so when KVM_X86_SET_MSR_FILTER
 * returns, no access is still being decided by the filter it replaced.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/apicdef.h>
#include <uapi/linux/kvm.h>

#include <okvm/msr_filter.h>
#include <okvm/vm.h>

/* The x2APIC MSRs, which KVM never filters. */
#define OKVM_X2APIC_MSR_END	(APIC_BASE_MSR + 0x100)

/**
 * struct okvm_msr_filter_range - one range of a filter
 * @flags: KVM_MSR_FILTER_READ, _WRITE or both: the accesses it decides
 * @base: its first MSR
 * @nmsrs: MSRs in it, at least 1
 * @bitmap: bit n allows the access to MSR @base + n
 */
struct okvm_msr_filter_range {
	u32 flags;
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;
};

/**
 * struct okvm_msr_filter - a VM's MSR filter
 * @default_allow: what an access no range decides gets
 * @nr_ranges: ranges in @ranges, in the order userspace gave them
 * @ranges: the ranges with MSRs in them
 */
struct okvm_msr_filter {
	bool default_allow;
	u32 nr_ranges;
	struct okvm_msr_filter_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

static void okvm_msr_filter_destroy(struct okvm_msr_filter *filter)
{
	u32 i;

	if (!filter)
		return;
	for (i = 0; i < filter->nr_ranges; i++)
		kfree(filter->ranges[i].bitmap);
	kfree(filter);
}

/*
 * Add a range as KVM does: one without MSRs is skipped whatever its other
 * fields hold; otherwise it must name an access type and no unknown flag,
 * and its bitmap (rounded up to longs) may not exceed
 * KVM_MSR_FILTER_MAX_BITMAP_SIZE. Overlapping ranges are allowed.
 */
static int okvm_msr_filter_add(struct okvm_msr_filter *filter,
			       const struct kvm_msr_filter_range *urange)
{
	struct okvm_msr_filter_range *range;
	size_t size;
	void *bitmap;

	if (!urange->nmsrs)
		return 0;
	if (!urange->flags || (urange->flags & ~KVM_MSR_FILTER_RANGE_VALID_MASK))
		return -EINVAL;
	size = BITS_TO_LONGS((size_t)urange->nmsrs) * sizeof(long);
	if (size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	bitmap = memdup_user(u64_to_user_ptr((u64)(uintptr_t)urange->bitmap), size);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);

	range = &filter->ranges[filter->nr_ranges++];
	range->flags = urange->flags;
	range->base = urange->base;
	range->nmsrs = urange->nmsrs;
	range->bitmap = bitmap;
	return 0;
}

/**
 * okvm_set_msr_filter() - KVM_X86_SET_MSR_FILTER
 * @vm: the VM
 * @filter: the filter, copied from userspace (the bitmaps are still there)
 *
 * A filter with no range in it and KVM_MSR_FILTER_DEFAULT_ALLOW removes
 * filtering; with KVM_MSR_FILTER_DEFAULT_DENY it is refused, as in KVM.
 *
 * Return: 0; -EINVAL for an unknown flag, a bad range or an empty
 * default-deny filter; -EFAULT for a bitmap that cannot be read; -ENOMEM.
 * On error the old filter stays.
 */
int okvm_set_msr_filter(struct okvm_vm *vm, const struct kvm_msr_filter *filter)
{
	struct okvm_msr_filter *new, *old;
	bool empty = true;
	unsigned int i;
	int r;

	if (filter->flags & ~KVM_MSR_FILTER_VALID_MASK)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(filter->ranges); i++)
		empty &= !filter->ranges[i].nmsrs;
	if (empty && (filter->flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->default_allow = !(filter->flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < ARRAY_SIZE(filter->ranges); i++) {
		r = okvm_msr_filter_add(new, &filter->ranges[i]);
		if (r) {
			okvm_msr_filter_destroy(new);
			return r;
		}
	}

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->msr_filter, new, lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	synchronize_rcu();
	okvm_msr_filter_destroy(old);
	return 0;
}

/**
 * okvm_msr_filter_free() - free a VM's filter
 * @vm: the VM, at teardown (no reader is left)
 */
void okvm_msr_filter_free(struct okvm_vm *vm)
{
	okvm_msr_filter_destroy(rcu_dereference_protected(vm->msr_filter, true));
	RCU_INIT_POINTER(vm->msr_filter, NULL);
}

/**
 * okvm_msr_allowed() - whether the filter lets the kernel handle an access
 * @vm: the VM
 * @index: the MSR
 * @type: KVM_MSR_FILTER_READ or KVM_MSR_FILTER_WRITE
 *
 * Return: true without a filter, for an x2APIC MSR, or where the first
 * range covering @index for @type has its bit set (the default where no
 * range covers it). As in KVM, a range whose end passes 2^32 covers
 * nothing.
 */
bool okvm_msr_allowed(struct okvm_vm *vm, u32 index, u32 type)
{
	const struct okvm_msr_filter *filter;
	bool allowed = true;
	u32 i;

	if (index >= APIC_BASE_MSR && index < OKVM_X2APIC_MSR_END)
		return true;

	rcu_read_lock();
	filter = rcu_dereference(vm->msr_filter);
	if (filter) {
		allowed = filter->default_allow;
		for (i = 0; i < filter->nr_ranges; i++) {
			const struct okvm_msr_filter_range *range = &filter->ranges[i];
			u32 end = range->base + range->nmsrs;

			if (index >= range->base && index < end && (range->flags & type)) {
				allowed = test_bit(index - range->base, range->bitmap);
				break;
			}
		}
	}
	rcu_read_unlock();
	return allowed;
}
