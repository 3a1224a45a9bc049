// SPDX-License-Identifier: GPL-2.0
/*
 * The architecture's rules for guest writes of CR0, CR4 and EFER, and for
 * the same registers in KVM_SET_SREGS (see include/okvm/cr.h).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/wordpart.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpuid.h>
#include <okvm/cr.h>
#include <okvm/vm.h>

/* The EFER bits a guest may set: no nested SVM, no FFXSR, LMSLE or TCE. */
#define OKVM_EFER_VALID		(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/* CR0 bits that are reserved (KVM_SET_SREGS refuses them). */
#define OKVM_CR0_RESERVED	(~0xffffffffULL | BIT_ULL(15) | GENMASK_ULL(28, 19) | \
				 GENMASK_ULL(15, 6))

/* The CR0 bits a write keeps; the others read as zero, as in KVM. */
#define OKVM_CR0_WRITABLE	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | \
				 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | \
				 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)

/* CR0 bits whose change flushes the TLB on the CPU; a VM entry would not. */
#define OKVM_CR0_TLB_BITS	(X86_CR0_PG | X86_CR0_PE | X86_CR0_WP)

/* CR4 bits whose change flushes the TLB on the CPU; a VM entry would not. */
#define OKVM_CR4_TLB_BITS	(X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCIDE | \
				 X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE | X86_CR4_LA57)

/**
 * okvm_cr0_write() - a guest's write of CR0 (MOV, CLTS, LMSW)
 * @vcpu: the vCPU
 * @cr: its registers; on success @cr->cr0 and @cr->efer hold the new values
 * @cr0: the value written
 *
 * The checks and side effects of KVM's kvm_set_cr0(). A MOV to CR0 that
 * turns paging on or off with EFER.LME switches EFER.LMA on the CPU; here
 * okvm does the MOV, so it switches LMA. Changing PG, PE or WP asks for a
 * TLB flush before the next entry.
 *
 * Return: 0, or -EINVAL where the write raises #GP (@cr unchanged).
 */
int okvm_cr0_write(struct okvm_vcpu *vcpu, struct okvm_cr_state *cr, u64 cr0)
{
	u64 old = cr->cr0, efer = cr->efer;

	if (upper_32_bits(cr0) || ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)) ||
	    ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)))
		return -EINVAL;
	cr0 = (cr0 & OKVM_CR0_WRITABLE) | X86_CR0_ET;

	if (!(old & X86_CR0_PG) && (cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(cr->cr4 & X86_CR4_PAE) || cr->cs_l)
			return -EINVAL;
		efer |= EFER_LMA;
	}
	if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG)) {
		/* Not from 64-bit code, and not with PCIDs on. */
		if (((efer & EFER_LMA) && cr->cs_l) || (cr->cr4 & X86_CR4_PCIDE))
			return -EINVAL;
		efer &= ~EFER_LMA;
	}
	if ((old ^ cr0) & OKVM_CR0_TLB_BITS)
		okvm_make_request(vcpu, OKVM_REQ_TLB_FLUSH);
	cr->cr0 = cr0;
	cr->efer = efer;
	return 0;
}

/**
 * okvm_cr4_write() - a guest's MOV to CR4
 * @vcpu: the vCPU
 * @cr: its registers; on success @cr->cr4 holds the new value
 * @cr4: the value written
 *
 * The checks of KVM's kvm_set_cr4(): no bit the guest's CPUID lacks
 * (okvm_vcpu_cr4_valid()); in long mode PAE stays on and LA57 does not
 * change; PCIDE goes on only in long mode with CR3's PCID zero. Changing a
 * bit of the paging structures' meaning asks for a TLB flush.
 *
 * Return: 0, or -EINVAL where the write raises #GP (@cr unchanged).
 */
int okvm_cr4_write(struct okvm_vcpu *vcpu, struct okvm_cr_state *cr, u64 cr4)
{
	bool long_mode = cr->efer & EFER_LMA;
	u64 old = cr->cr4;

	if (!okvm_vcpu_cr4_valid(vcpu, cr4))
		return -EINVAL;
	if (long_mode && (!(cr4 & X86_CR4_PAE) || ((cr4 ^ old) & X86_CR4_LA57)))
		return -EINVAL;
	if ((cr4 & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!long_mode || (cr->cr3 & X86_CR3_PCID_MASK)))
		return -EINVAL;
	if ((cr4 ^ old) & OKVM_CR4_TLB_BITS)
		okvm_make_request(vcpu, OKVM_REQ_TLB_FLUSH);
	cr->cr4 = cr4;
	return 0;
}

/**
 * okvm_efer_valid() - whether EFER may hold @efer
 * @efer: the value, from WRMSR, KVM_SET_MSRS or KVM_SET_SREGS
 *
 * Return: true if @efer sets only bits okvm offers a guest.
 */
bool okvm_efer_valid(u64 efer)
{
	return !(efer & ~OKVM_EFER_VALID);
}

/**
 * okvm_sregs_valid() - what KVM refuses in KVM_SET_SREGS
 * @vcpu: the vCPU
 * @sregs: the new state
 *
 * Reserved CR0 bits, CR0 combinations that raise #GP, CR4 bits the guest's
 * CPUID lacks, EFER bits okvm does not offer, and paging modes that cannot
 * be (long mode without PAE, LMA without LME and paging, a 64-bit code
 * segment outside long mode). The rest is for the VM entry to judge.
 *
 * Return: true if the backend may load @sregs.
 */
bool okvm_sregs_valid(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	if ((sregs->cr0 & OKVM_CR0_RESERVED) ||
	    ((sregs->cr0 & X86_CR0_NW) && !(sregs->cr0 & X86_CR0_CD)) ||
	    ((sregs->cr0 & X86_CR0_PG) && !(sregs->cr0 & X86_CR0_PE)))
		return false;
	if (!okvm_vcpu_cr4_valid(vcpu, sregs->cr4))
		return false;
	if (!okvm_efer_valid(sregs->efer))
		return false;
	if ((sregs->efer & EFER_LME) && (sregs->cr0 & X86_CR0_PG)) {
		if (!(sregs->cr4 & X86_CR4_PAE) || !(sregs->efer & EFER_LMA))
			return false;
	} else if ((sregs->efer & EFER_LMA) || sregs->cs.l) {
		return false;
	}
	return true;
}
