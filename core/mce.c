// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check registers (Intel SDM vol. 3, 16; AMD APM vol. 2, 9), kept
 * per vCPU as KVM keeps them, so that a VMM can set a vCPU up
 * (KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_X86_SETUP_MCE) and save and restore
 * it (QEMU, when MCG_CAP is not 0, writes MCG_STATUS, MCG_CTL and every
 * bank whenever it puts the vCPU's state), and a guest whose CPUID has MCE
 * and MCA programs its banks. Nothing raises a machine check: the banks
 * only hold what was written.
 */
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/msr-index.h>

#include <okvm/mce.h>
#include <okvm/msr.h>
#include <okvm/vm.h>

/* IA32_MCG_CAP bits a VMM may give a vCPU besides the bank count, as KVM on AMD. */
#define OKVM_MCG_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)
/* MCG_EXT_CNT (23:16), which KVM_X86_SETUP_MCE takes too, as KVM does. */
#define OKVM_MCG_EXT_CNT	GENMASK_ULL(23, 16)
/* What AMD's MCG_CAP has: 63:9 are reserved (APM vol. 2, 9.3.1), so SVM keeps 8:0. */
#define OKVM_MCG_CAP_AMD	GENMASK_ULL(8, 0)
/* HWCR.McStatusWrEn: the guest may write MCi_STATUS with any value (AMD). */
#define OKVM_HWCR_MCSTATUSWREN	BIT_ULL(18)

static unsigned int okvm_mce_nr_banks(const struct okvm_vcpu *vcpu)
{
	return vcpu->mce.mcg_cap & MCG_BANKCNT_MASK;
}

/**
 * okvm_mce_vcpu_init() - a new vCPU's machine-check registers
 * @vcpu: the vCPU
 *
 * Every bank and no MCG_CTL until the VMM sets the vCPU up, as in KVM, so a
 * VMM that restores the banks without KVM_X86_SETUP_MCE finds them there.
 */
void okvm_mce_vcpu_init(struct okvm_vcpu *vcpu)
{
	vcpu->mce.mcg_cap = OKVM_MCE_MAX_BANKS;
}

/**
 * okvm_mce_cap() - KVM_CAP_MCE: the banks a vCPU may have
 *
 * Return: OKVM_MCE_MAX_BANKS.
 */
long okvm_mce_cap(void)
{
	return OKVM_MCE_MAX_BANKS;
}

/**
 * okvm_mce_get_cap_supported() - KVM_X86_GET_MCE_CAP_SUPPORTED
 * @ucap: where the IA32_MCG_CAP bits a vCPU may have go
 *
 * Return: 0 or -EFAULT.
 */
int okvm_mce_get_cap_supported(u64 __user *ucap)
{
	u64 cap = OKVM_MCG_CAP_SUPPORTED;

	return copy_to_user(ucap, &cap, sizeof(cap)) ? -EFAULT : 0;
}

/**
 * okvm_mce_setup() - KVM_X86_SETUP_MCE: the vCPU's IA32_MCG_CAP
 * @vcpu: the vCPU, its mutex held
 * @ucap: the value: 1 to OKVM_MCE_MAX_BANKS banks, supported bits only
 *	(and MCG_EXT_CNT, kept as KVM keeps it)
 *
 * MCG_CTL and every bank's MCi_CTL start all ones (every error reported),
 * as after a reset. The vCPU keeps bits 8:0, as KVM on SVM does: the others
 * are reserved on AMD, MCG_SER_P too, though supported says it.
 *
 * Return: 0, -EFAULT, or -EINVAL for a bank count or bit okvm does not have.
 */
int okvm_mce_setup(struct okvm_vcpu *vcpu, u64 __user *ucap)
{
	unsigned int nr, i;
	u64 cap;

	if (copy_from_user(&cap, ucap, sizeof(cap)))
		return -EFAULT;
	nr = cap & MCG_BANKCNT_MASK;
	if (!nr || nr > OKVM_MCE_MAX_BANKS ||
	    (cap & ~(OKVM_MCG_CAP_SUPPORTED | OKVM_MCG_EXT_CNT | MCG_BANKCNT_MASK)))
		return -EINVAL;
	vcpu->mce.mcg_cap = cap & OKVM_MCG_CAP_AMD;
	/* Without MCG_CTL_P the register keeps what it had, as in KVM. */
	if (cap & MCG_CTL_P)
		vcpu->mce.mcg_ctl = ~0ULL;
	for (i = 0; i < nr; i++)
		vcpu->mce.banks[i * OKVM_MCE_BANK_MSRS] = ~0ULL;
	return 0;
}

/* MCi_CTL2, CMCI's, of any bank a vCPU may have. */
static bool okvm_mce_ctl2(u32 index)
{
	return index >= MSR_IA32_MC0_CTL2 && index < MSR_IA32_MC0_CTL2 + OKVM_MCE_MAX_BANKS;
}

/*
 * AMD has no CMCI: the VMM reads 0 from the MCi_CTL2 of a bank the vCPU
 * has and may write 0 there (it restores what it read); the guest takes a
 * #GP, as in KVM on AMD.
 */
static int okvm_mce_ctl2_access(const struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	if (index >= MSR_IA32_MC0_CTL2 + okvm_mce_nr_banks(vcpu) || !host || data)
		return -EINVAL;
	return 0;
}

/**
 * okvm_mce_msr() - whether @index is a machine-check register okvm keeps
 * @vcpu: the vCPU
 * @index: MSR number
 *
 * Return: true for MCG_CAP, MCG_STATUS, MCG_CTL, the banks' registers and
 * their MCi_CTL2, whether or not the vCPU has that many banks, and the
 * Pentium's machine-check address and type.
 */
bool okvm_mce_msr(const struct okvm_vcpu *vcpu, u32 index)
{
	return index == MSR_IA32_MCG_CAP || index == MSR_IA32_MCG_STATUS ||
	       index == MSR_IA32_MCG_CTL || okvm_mce_ctl2(index) ||
	       index == MSR_IA32_P5_MC_ADDR || index == MSR_IA32_P5_MC_TYPE ||
	       (index >= MSR_IA32_MC0_CTL &&
		index < MSR_IA32_MC0_CTL + OKVM_MCE_BANK_MSRS * OKVM_MCE_MAX_BANKS);
}

/* The slot of bank register @index in okvm_mce.banks, or -1 past the vCPU's banks. */
static int okvm_mce_bank_slot(const struct okvm_vcpu *vcpu, u32 index)
{
	u32 nr = okvm_mce_nr_banks(vcpu) * OKVM_MCE_BANK_MSRS;
	u32 slot = index - MSR_IA32_MC0_CTL;

	if (slot >= nr)
		return -1;
	return array_index_nospec(slot, nr);
}

/**
 * okvm_mce_get_msr() - read a machine-check register
 * @vcpu: the vCPU
 * @index: an MSR for which okvm_mce_msr() is true
 * @data: the value
 * @host: for userspace, not a guest RDMSR
 *
 * Return: 0, or -EINVAL for a bank the vCPU does not have, or MCG_CTL
 * without MCG_CTL_P or an MCi_CTL2 for the guest (a #GP).
 */
int okvm_mce_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int slot;

	if (okvm_mce_ctl2(index)) {
		*data = 0;
		return okvm_mce_ctl2_access(vcpu, index, 0, host);
	}
	switch (index) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		/* Nothing is ever logged there; Linux reads them on family 5 only. */
		*data = 0;
		return 0;
	case MSR_IA32_MCG_CAP:
		*data = vcpu->mce.mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = vcpu->mce.mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!host && !(vcpu->mce.mcg_cap & MCG_CTL_P))
			return -EINVAL;
		*data = vcpu->mce.mcg_ctl;
		return 0;
	}
	slot = okvm_mce_bank_slot(vcpu, index);
	if (slot < 0)
		return -EINVAL;
	*data = vcpu->mce.banks[slot];
	return 0;
}

/* 0 or all ones, but bit 10 (a K8 GART erratum workaround) and bit 0 may be clear. */
static bool okvm_mce_bank_ctl_valid(u64 data)
{
	return !data || (data | BIT_ULL(10) | BIT_ULL(0)) == ~0ULL;
}

/**
 * okvm_mce_set_msr() - write a machine-check register
 * @vcpu: the vCPU
 * @index: an MSR for which okvm_mce_msr() is true
 * @data: the value
 * @host: from userspace, not a guest WRMSR
 *
 * MCG_CAP is read-only (KVM_X86_SETUP_MCE sets it), as are the P5 registers. MCG_CTL and MCi_CTL
 * hold 0 or all ones; the VMM may write 0 to MCG_CTL without MCG_CTL_P. A
 * guest writes MCi_STATUS other than 0 only with HWCR.McStatusWrEn, as on
 * AMD; the VMM writes what it restores.
 *
 * Return: 0, or -EINVAL for a value or register refused (a #GP).
 */
int okvm_mce_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int slot;

	if (okvm_mce_ctl2(index))
		return okvm_mce_ctl2_access(vcpu, index, data, host);
	switch (index) {
	case MSR_IA32_MCG_CAP:
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		return -EINVAL;
	case MSR_IA32_MCG_STATUS:
		vcpu->mce.mcg_status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(vcpu->mce.mcg_cap & MCG_CTL_P) && (data || !host))
			return -EINVAL;
		if (data && data != ~0ULL)
			return -EINVAL;
		vcpu->mce.mcg_ctl = data;
		return 0;
	}
	slot = okvm_mce_bank_slot(vcpu, index);
	if (slot < 0)
		return -EINVAL;
	switch (slot % OKVM_MCE_BANK_MSRS) {
	case 0:
		if (!okvm_mce_bank_ctl_valid(data))
			return -EINVAL;
		break;
	case 1:
		if (!host && data && !(vcpu->hwcr & OKVM_HWCR_MCSTATUSWREN))
			return -EINVAL;
		break;
	}
	vcpu->mce.banks[slot] = data;
	return 0;
}

const struct okvm_msr_ops okvm_mce_msr_ops = {
	.owns = okvm_mce_msr,
	.get = okvm_mce_get_msr,
	.set = okvm_mce_set_msr,
};
