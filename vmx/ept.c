// SPDX-License-Identifier: GPL-2.0
/*
 * The EPT format of SPTEs, as data the MMU reads (include/okvm/spte.h),
 * built once from the CPU's EPT capabilities (IA32_VMX_EPT_VPID_CAP).
 *
 * An EPT entry is present if it allows any of read, write and execute
 * (bits 0-2). Leaves map guest RAM as write-back and ignore the guest's
 * PAT (IPAT), as KVM maps RAM when no device does DMA that bypasses the
 * caches. Where the CPU has accessed and dirty flags, okvm creates leaves
 * accessed and dirty, as for NPT, so the CPU need not write them, and
 * aging clears the accessed bit (8); the vCPU's EPTP must then enable the
 * flags, exactly when the format has an accessed_mask, or aging would
 * clear a bit the CPU never sets again. Without them a leaf's use cannot
 * be seen, and aging says "used". okvm keeps may_write in bit 57, which
 * the CPU ignores while okvm leaves off what gives it a meaning (the
 * tertiary controls' guest-paging verification), as it leaves off the
 * supervisor shadow stack (bit 60) and sub-page permissions (bit 61).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/pgtable_types.h>
#include <asm/vmx.h>

#include <okvm/spte.h>

#include "vmx.h"

#define OKVM_EPT_MAY_WRITE	BIT_ULL(57)

/* Bit 7 of an EPT entry above level 1: it maps a 2M or 1G page. */
#define OKVM_EPT_LARGE		BIT_ULL(7)

/* A leaf's memory type, bits 5:3. */
#define OKVM_EPT_LEAF_WB	((u64)X86_MEMTYPE_WB << VMX_EPT_MT_EPTE_SHIFT)

static struct okvm_spte_format okvm_ept;

/**
 * okvm_ept_format_from_caps() - the EPT format a CPU's capabilities allow
 * @caps: IA32_VMX_EPT_VPID_CAP
 * @phys_bits: the host's physical-address width
 * @fmt: filled in on success
 *
 * A 4-level root reaches 48 bits of guest-physical address; a 5-level one
 * is taken only where the host's width needs it and the CPU walks it, as
 * KVM chooses. Leaves are 2M with the 2M capability, 1G with the 1G one.
 *
 * Return: 0, or -ENODEV for a CPU whose EPT okvm cannot use (no page-walk
 * length it supports, no write-back paging structures).
 */
int okvm_ept_format_from_caps(u64 caps, unsigned int phys_bits,
			      struct okvm_spte_format *fmt)
{
	bool ad = caps & VMX_EPT_AD_BIT;
	int root_level;

	if (phys_bits > 48 && (caps & VMX_EPT_PAGE_WALK_5_BIT))
		root_level = 5;
	else if (caps & VMX_EPT_PAGE_WALK_4_BIT)
		root_level = 4;
	else
		return -ENODEV;
	if (!(caps & VMX_EPTP_WB_BIT))
		return -ENODEV;

	*fmt = (struct okvm_spte_format){
		.present_mask = VMX_EPT_RWX_MASK,
		.writable_mask = VMX_EPT_WRITABLE_MASK,
		.may_write_mask = OKVM_EPT_MAY_WRITE,
		.accessed_mask = ad ? VMX_EPT_ACCESS_BIT : 0,
		.huge_mask = OKVM_EPT_LARGE,
		.table_bits = VMX_EPT_RWX_MASK | (ad ? VMX_EPT_ACCESS_BIT : 0),
		.leaf_bits = VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
			     OKVM_EPT_LEAF_WB | VMX_EPT_IPAT_BIT |
			     (ad ? VMX_EPT_DIRTY_BIT : 0),
		.addr_mask = PTE_PFN_MASK,
		.root_level = root_level,
		.max_leaf_level = (caps & VMX_EPT_1GB_PAGE_BIT) ? 3 :
				  (caps & VMX_EPT_2MB_PAGE_BIT) ? 2 : 1,
	};
	return 0;
}

/**
 * okvm_ept_init() - build the EPT format from this CPU, once at load
 *
 * Return: 0, or -ENODEV as okvm_ept_format_from_caps().
 */
int okvm_ept_init(void)
{
	u64 caps;

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, caps);
	return okvm_ept_format_from_caps(caps, boot_cpu_data.x86_phys_bits, &okvm_ept);
}

/**
 * okvm_ept_format() - the EPT SPTE format, after okvm_ept_init()
 *
 * Return: the format.
 */
const struct okvm_spte_format *okvm_ept_format(void)
{
	return &okvm_ept;
}
