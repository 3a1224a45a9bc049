// SPDX-License-Identifier: GPL-2.0
/*
 * Walk the guest's own page tables, as the CPU would for one access.
 *
 * Real mode and unpaged protected mode, 32-bit paging (with 4M pages),
 * PAE, and 4- and 5-level long mode. The walker checks present, write
 * (with CR0.WP), user, NX and SMEP; it does not set accessed or dirty bits
 * and does not check reserved bits: its callers only read what the CPU has
 * just used (an instruction that exited) or will emulate an access the CPU
 * itself faulted on.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/trap_pf.h>

#include <okvm/walk.h>

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_NX		BIT_ULL(63)
#define PTE_ADDR	GENMASK_ULL(51, 12)
#define PTE32_ADDR	GENMASK_ULL(31, 12)

struct okvm_walk_mode {
	int levels;
	int entry_size;		/* bytes */
	int index_bits;		/* per level */
};

static struct okvm_walk_mode okvm_walk_mode(const struct okvm_paging *pg)
{
	if (pg->efer & EFER_LMA)
		return (struct okvm_walk_mode){ pg->cr4 & X86_CR4_LA57 ? 5 : 4, 8, 9 };
	if (pg->cr4 & X86_CR4_PAE)
		return (struct okvm_walk_mode){ 3, 8, 9 };
	return (struct okvm_walk_mode){ 2, 4, 10 };
}

/* True, with *gpa set, if @pte at @level maps a large page. */
static bool okvm_walk_large(const struct okvm_paging *pg,
			    const struct okvm_walk_mode *m, int level, u64 pte,
			    u64 gva, gpa_t *gpa)
{
	if (level == 1 || !(pte & PTE_PS))
		return false;
	if (m->entry_size == 4) {
		/* 4M page; PSE-36 puts address bits 39:32 in bits 20:13. */
		if (level != 2 || !(pg->cr4 & X86_CR4_PSE))
			return false;
		*gpa = (pte & GENMASK_ULL(31, 22)) | ((pte >> 13) & 0xff) << 32 |
		       (gva & GENMASK_ULL(21, 0));
		return true;
	}
	if (level == 2 || (level == 3 && m->levels >= 4)) {
		u64 size = BIT_ULL(12 + 9 * (level - 1));

		*gpa = (pte & PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
		return true;
	}
	return false;
}

static u32 okvm_walk_fault(u32 access, bool present)
{
	return (access & (X86_PF_WRITE | X86_PF_USER | X86_PF_INSTR)) |
	       (present ? X86_PF_PROT : 0);
}

/**
 * okvm_walk() - translate a guest linear address
 * @pg: the guest's paging registers
 * @read: reads guest physical memory (the tables)
 * @ctx: passed to @read
 * @gva: the linear address
 * @access: X86_PF_WRITE, X86_PF_USER (CPL 3), X86_PF_INSTR as for the access
 * @gpa: the guest physical address, on success
 * @error_code: the #PF error code the access would raise, on -EFAULT
 *
 * Return: 0; -EFAULT for an access that would page-fault; the error of
 * @read if a table cannot be read.
 */
int okvm_walk(const struct okvm_paging *pg, okvm_read_gpa_t read, void *ctx,
	      u64 gva, u32 access, gpa_t *gpa, u32 *error_code)
{
	struct okvm_walk_mode m = okvm_walk_mode(pg);
	bool user = access & X86_PF_USER, fetch = access & X86_PF_INSTR;
	bool writable = true, user_ok = true, exec = true;
	u64 table, pte = 0;
	int level, r;

	if (!(pg->cr0 & X86_CR0_PG)) {
		*gpa = gva & GENMASK_ULL(31, 0);
		return 0;
	}
	if (m.entry_size == 4)
		table = pg->cr3 & PTE32_ADDR;
	else if (m.levels == 3)
		table = pg->cr3 & GENMASK_ULL(31, 5);
	else
		table = pg->cr3 & PTE_ADDR;

	for (level = m.levels; level >= 1; level--) {
		int shift = 12 + m.index_bits * (level - 1);
		u64 index = (gva >> shift) & GENMASK_ULL(m.index_bits - 1, 0);

		if (m.levels == 3 && level == 3)
			index = (gva >> 30) & 3;
		pte = 0;
		r = read(ctx, table + index * m.entry_size, &pte, m.entry_size);
		if (r)
			return r;
		if (!(pte & PTE_P)) {
			*error_code = okvm_walk_fault(access, false);
			return -EFAULT;
		}
		/* A PAE PDPTE has no access bits: it allows everything. */
		if (!(m.levels == 3 && level == 3)) {
			writable &= !!(pte & PTE_RW);
			user_ok &= !!(pte & PTE_US);
			if (m.entry_size == 8 && (pg->efer & EFER_NX))
				exec &= !(pte & PTE_NX);
		}
		if (okvm_walk_large(pg, &m, level, pte, gva, gpa))
			break;
		if (level == 1)
			*gpa = (pte & (m.entry_size == 4 ? PTE32_ADDR : PTE_ADDR)) |
			       (gva & GENMASK_ULL(11, 0));
		else
			table = pte & (m.entry_size == 4 ? PTE32_ADDR : PTE_ADDR);
	}

	if ((user && !user_ok) ||
	    ((access & X86_PF_WRITE) && !writable && (user || (pg->cr0 & X86_CR0_WP))) ||
	    (fetch && !exec) ||
	    (fetch && !user && user_ok && (pg->cr4 & X86_CR4_SMEP))) {
		*error_code = okvm_walk_fault(access, true);
		return -EFAULT;
	}
	return 0;
}
