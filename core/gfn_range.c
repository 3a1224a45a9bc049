// SPDX-License-Identifier: GPL-2.0
/*
 * gfn range helpers that need more than a line (see include/okvm/gfn_range.h).
 */
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <asm/processor.h>

#include <okvm/gfn_range.h>
#include <okvm/hw.h>
#include <okvm/spte.h>

/* Each level of a TDP table translates 9 bits of the guest-physical address. */
#define OKVM_TDP_LEVEL_BITS	9

/**
 * okvm_max_gfn_of() - the first gfn past what a host and a TDP format reach
 * @phys_bits: the host's physical-address width (MAXPHYADDR)
 * @fmt: the TDP format the guest's memory is mapped in
 *
 * A guest-physical address must fit both the host's width, which bounds the
 * guest's MAXPHYADDR, and the root table's reach (48 bits from a 4-level
 * root, 57 from a 5-level one): an EPT with a 4-level root on a host with
 * 52 physical-address bits cannot map the top of the host's range.
 *
 * Return: 1 << (the smaller width - PAGE_SHIFT).
 */
gfn_t okvm_max_gfn_of(unsigned int phys_bits, const struct okvm_spte_format *fmt)
{
	unsigned int reach = PAGE_SHIFT + OKVM_TDP_LEVEL_BITS * fmt->root_level;

	return 1ULL << (min(phys_bits, reach) - PAGE_SHIFT);
}

/**
 * okvm_max_gfn() - the first gfn past anything a guest can address
 *
 * Derived from the host's physical-address width and the backend's TDP
 * format, not from guest CPUID, so the answer stays valid while userspace
 * changes the guest's CPUID. Used as the end of "all of guest memory",
 * [0, okvm_max_gfn()).
 *
 * Return: okvm_max_gfn_of() the host and the backend's format.
 */
gfn_t okvm_max_gfn(void)
{
	return okvm_max_gfn_of(boot_cpu_data.x86_phys_bits, okvm_hw->spte_format());
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
