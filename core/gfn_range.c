// SPDX-License-Identifier: GPL-2.0
/*
 * gfn range helpers that need more than a line (see include/okvm/gfn_range.h).
 */
#include <linux/errno.h>
#include <linux/overflow.h>
#include <asm/processor.h>

#include <okvm/gfn_range.h>

/**
 * okvm_max_gfn() - the first gfn past anything a guest can address
 *
 * Derived from the host's physical-address width, not from guest CPUID, so
 * the answer stays valid while userspace changes the guest's CPUID. Used as
 * the end of "all of guest memory", [0, okvm_max_gfn()).
 *
 * Return: 1 << (host MAXPHYADDR - PAGE_SHIFT).
 */
gfn_t okvm_max_gfn(void)
{
	return 1ULL << (boot_cpu_data.x86_phys_bits - PAGE_SHIFT);
}

/**
 * okvm_gfn_range_from_count() - build [start, start + nr_pages)
 * @start: first gfn
 * @nr_pages: number of gfns
 * @range: filled in on success
 *
 * Return: 0, or -EINVAL if the range would wrap past the top of the gfn space
 * or extend beyond okvm_max_gfn().
 */
int okvm_gfn_range_from_count(gfn_t start, u64 nr_pages,
			      struct okvm_gfn_range *range)
{
	gfn_t end;

	if (check_add_overflow(start, nr_pages, &end) || end > okvm_max_gfn())
		return -EINVAL;
	range->start = start;
	range->end = end;
	return 0;
}
