// SPDX-License-Identifier: GPL-2.0
/*
 * MTRRs (Intel SDM vol. 3, 12.11; AMD APM vol. 2, 7.7): the guest's and
 * the VMM's reads and writes. A VMM whose guest CPUID has the MTRR bit
 * saves and restores them (QEMU writes IA32_MTRR_DEF_TYPE and every range
 * at each reset) and the guest programs them, so okvm keeps what the
 * architecture lets them hold and refuses the rest. They change nothing
 * else: under nested paging the host's memory types apply, as in KVM on
 * SVM. INIT leaves them as they are, as on hardware.
 */
#include <linux/nospec.h>
#include <asm/mtrr.h>

#include <okvm/cpuid.h>
#include <okvm/msr.h>
#include <okvm/mtrr.h>
#include <okvm/vm.h>

/*
 * The MTRRs' MSR numbers (SDM vol. 3, table 12-8), under names of okvm's:
 * asm/msr-index.h spells them in mixed case, which checkpatch refuses.
 */
#define OKVM_MSR_MTRR_CAP		0xfe
#define OKVM_MSR_MTRR_DEF_TYPE		0x2ff
#define OKVM_MSR_MTRR_FIX64K_00000	0x250
#define OKVM_MSR_MTRR_FIX16K_80000	0x258
#define OKVM_MSR_MTRR_FIX16K_A0000	0x259
#define OKVM_MSR_MTRR_FIX4K_C0000	0x268
#define OKVM_MSR_MTRR_FIX4K_F8000	0x26f
#define OKVM_MSR_MTRR_PHYSBASE(n)	(0x200 + 2 * (n))
#define OKVM_MSR_MTRR_PHYSMASK(n)	(0x201 + 2 * (n))

/* IA32_MTRRCAP: fixed ranges and write combining, no SMRR. */
#define OKVM_MTRR_CAP		(MTRR_CAP_FIX | MTRR_CAP_WC | OKVM_MTRR_NR_VAR)
/* IA32_MTRR_DEF_TYPE: the type in 7:0, FE (bit 10) and E (bit 11). */
#define OKVM_MTRR_DEF_VALID	(0xffULL | MTRR_DEF_TYPE_FE | MTRR_DEF_TYPE_E)
/* What a PHYSBASE holds below its address, and a PHYSMASK below its own. */
#define OKVM_MTRR_BASE_TYPE	0xffULL
#define OKVM_MTRR_BASE_LOW	0xfffULL
#define OKVM_MTRR_MASK_LOW	0xfffULL
/* Without CPUID 0x80000008, the physical address width is 36 bits. */
#define OKVM_MTRR_DEFAULT_PHYS_BITS	36

/* UC, WC, WT, WP and WB: 2, 3 and 7 and above are reserved. */
static bool okvm_mtrr_type_valid(u64 type)
{
	return type < 8 && (BIT(type) & (BIT(MTRR_TYPE_UNCACHABLE) | BIT(MTRR_TYPE_WRCOMB) |
					 BIT(MTRR_TYPE_WRTHROUGH) | BIT(MTRR_TYPE_WRPROT) |
					 BIT(MTRR_TYPE_WRBACK)));
}

/*
 * The fixed-range MTRR at @index, as an index into okvm_mtrr.fixed, or -1;
 * clamped under speculation, as the guest chooses @index.
 */
static int okvm_mtrr_fixed_slot(u32 index)
{
	u32 slot;

	switch (index) {
	case OKVM_MSR_MTRR_FIX64K_00000:
		slot = 0;
		break;
	case OKVM_MSR_MTRR_FIX16K_80000:
	case OKVM_MSR_MTRR_FIX16K_A0000:
		slot = 1 + index - OKVM_MSR_MTRR_FIX16K_80000;
		break;
	case OKVM_MSR_MTRR_FIX4K_C0000 ... OKVM_MSR_MTRR_FIX4K_F8000:
		slot = 3 + index - OKVM_MSR_MTRR_FIX4K_C0000;
		break;
	default:
		return -1;
	}
	return array_index_nospec(slot, OKVM_MTRR_NR_FIXED);
}

/* The variable-range MTRR at @index, as an index into okvm_mtrr.var. */
static u32 okvm_mtrr_var_slot(u32 index)
{
	return array_index_nospec(index - OKVM_MSR_MTRR_PHYSBASE(0), 2 * OKVM_MTRR_NR_VAR);
}

static bool okvm_mtrr_var(u32 index)
{
	return index >= OKVM_MSR_MTRR_PHYSBASE(0) &&
	       index <= OKVM_MSR_MTRR_PHYSMASK(OKVM_MTRR_NR_VAR - 1);
}

/**
 * okvm_mtrr_msr() - whether @index is one of the MTRRs okvm keeps
 * @vcpu: the vCPU (every one has them)
 * @index: MSR number
 *
 * Return: true for IA32_MTRRCAP, IA32_MTRR_DEF_TYPE, the fixed ranges and
 * the variable ranges okvm has.
 */
bool okvm_mtrr_msr(const struct okvm_vcpu *vcpu, u32 index)
{
	return index == OKVM_MSR_MTRR_CAP || index == OKVM_MSR_MTRR_DEF_TYPE ||
	       okvm_mtrr_var(index) || okvm_mtrr_fixed_slot(index) >= 0;
}

/* Address bits above the guest's physical address width (its CPUID). */
static u64 okvm_mtrr_reserved_address_bits(struct okvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e;
	unsigned int bits = OKVM_MTRR_DEFAULT_PHYS_BITS;

	e = okvm_cpuid_find(vcpu->cpuid, vcpu->nr_cpuid, 0x80000008, 0);
	if (e && (e->eax & 0xff) >= 32 && (e->eax & 0xff) <= 52)
		bits = e->eax & 0xff;
	return GENMASK_ULL(63, bits);
}

static bool okvm_mtrr_var_valid(struct okvm_vcpu *vcpu, u32 index, u64 data)
{
	u64 reserved = okvm_mtrr_reserved_address_bits(vcpu);

	/* Bases are at even numbers, masks at odd ones. */
	if (!(index & 1))
		return okvm_mtrr_type_valid(data & OKVM_MTRR_BASE_TYPE) &&
		       !(data & (reserved | (OKVM_MTRR_BASE_LOW & ~OKVM_MTRR_BASE_TYPE)));
	return !(data & (reserved | (OKVM_MTRR_MASK_LOW & ~MTRR_PHYSMASK_V)));
}

/* Each of the eight bytes a type. */
static bool okvm_mtrr_fixed_valid(u64 data)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!okvm_mtrr_type_valid((data >> (8 * i)) & 0xff))
			return false;
	return true;
}

/**
 * okvm_mtrr_get_msr() - read an MTRR
 * @vcpu: the vCPU
 * @index: an MSR for which okvm_mtrr_msr() is true
 * @data: the value
 * @host: KVM_GET_MSRS rather than the guest (the same answer)
 *
 * Return: 0.
 */
int okvm_mtrr_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	int slot = okvm_mtrr_fixed_slot(index);

	if (index == OKVM_MSR_MTRR_CAP)
		*data = OKVM_MTRR_CAP;
	else if (index == OKVM_MSR_MTRR_DEF_TYPE)
		*data = vcpu->mtrr.def_type;
	else if (slot >= 0)
		*data = vcpu->mtrr.fixed[slot];
	else
		*data = vcpu->mtrr.var[okvm_mtrr_var_slot(index)];
	return 0;
}

/**
 * okvm_mtrr_set_msr() - write an MTRR, from the guest or the VMM alike
 * @vcpu: the vCPU
 * @index: an MSR for which okvm_mtrr_msr() is true
 * @data: the value
 * @host: KVM_SET_MSRS rather than the guest (the same checks)
 *
 * Return: 0, or -EINVAL for IA32_MTRRCAP (read-only), a reserved memory
 * type or a reserved bit set (a #GP for the guest).
 */
int okvm_mtrr_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int slot = okvm_mtrr_fixed_slot(index);

	if (index == OKVM_MSR_MTRR_CAP)
		return -EINVAL;
	if (index == OKVM_MSR_MTRR_DEF_TYPE) {
		if ((data & ~OKVM_MTRR_DEF_VALID) || !okvm_mtrr_type_valid(data & 0xff))
			return -EINVAL;
		vcpu->mtrr.def_type = data;
	} else if (slot >= 0) {
		if (!okvm_mtrr_fixed_valid(data))
			return -EINVAL;
		vcpu->mtrr.fixed[slot] = data;
	} else {
		if (!okvm_mtrr_var_valid(vcpu, index, data))
			return -EINVAL;
		vcpu->mtrr.var[okvm_mtrr_var_slot(index)] = data;
	}
	return 0;
}

const struct okvm_msr_ops okvm_mtrr_msr_ops = {
	.owns = okvm_mtrr_msr,
	.get = okvm_mtrr_get_msr,
	.set = okvm_mtrr_set_msr,
};
