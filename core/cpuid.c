// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: the leaves okvm can offer (KVM_GET_SUPPORTED_CPUID), and each
 * vCPU's table (KVM_SET_CPUID2), from which the guest's CPUID is answered.
 *
 * The supported set is the host's, reduced to what okvm virtualizes: no
 * SVM or VMX, no MONITOR/MWAIT, XSAVE limited
 * to x87, SSE, AVX and PKRU state (PKU where the host uses it: svm/run.c
 * switches PKRU); plus the local APIC and x2APIC, which okvm emulates
 * (KVM_CREATE_IRQCHIP; TSC-deadline mode too, but that bit is the VMM's
 * to set), IA32_TSC_ADJUST, the MTRRs and the machine-check banks; plus KVM's
 * paravirtual leaves (KVM_CPUID_SIGNATURE, KVM_CPUID_FEATURES) with the
 * features okvm has.
 *
 * After the vCPU first ran, KVM_SET_CPUID2 only accepts the table it has,
 * as KVM does: what the guest saw of its CPU must not change under it.
 */
#include <linux/kvm_para.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpuid.h>
#include <okvm/vm.h>

/*
 * XSAVE components a guest may enable in XCR0: those whose registers the
 * guest's fpstate or svm/run.c (PKRU) switch.
 */
#define OKVM_GUEST_XFEATURES	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM | \
				 XFEATURE_MASK_PKRU)

#define F(bit)	BIT(bit)

/* CPUID.1 */
#define OKVM_1_ECX	(F(0) | F(1) | F(9) | F(12) | F(13) | F(19) | F(20) | F(22) | \
			 F(23) | F(25) | F(26) | F(28) | F(29) | F(30))
#define OKVM_1_ECX_HYPERVISOR	F(31)
#define OKVM_1_ECX_SSE3		F(0)
/* MONITOR/MWAIT: never offered, but a VMM, or MISC_ENABLE (below), may set it. */
#define OKVM_1_ECX_MWAIT	F(3)
#define OKVM_1_ECX_OSXSAVE	F(27)
/*
 * x2APIC, emulated whatever the host has. TSC-deadline mode is emulated
 * too, but only by the in-kernel APIC: as in KVM, a VMM learns of it from
 * KVM_CAP_TSC_DEADLINE_TIMER and sets the bit itself, so that one with its
 * own APIC never offers it by copying this table.
 */
#define OKVM_1_ECX_APIC		F(21)
#define OKVM_1_EDX_APIC		F(9)
#define OKVM_1_EDX	(F(0) | F(1) | F(2) | F(3) | F(4) | F(5) | F(6) | F(8) | \
			 F(11) | F(13) | F(15) | F(16) | F(17) | F(19) | F(23) | \
			 F(24) | F(25) | F(26))
/*
 * MTRRs (core/mtrr.c), and machine checks with their banks (core/mce.c):
 * okvm emulates them all, so offers them whatever the host has (KVM only
 * where the host has them, which every SVM host does); also in 0x80000001.
 */
#define OKVM_1_EDX_MTRR_MCE	(F(7) | F(12) | F(14))
/* CPUID.7.0 */
#define OKVM_7_EBX	(F(0) | F(3) | F(5) | F(7) | F(8) | F(9) | F(19) | F(20) | \
			 F(23) | F(24) | F(29))
/* IA32_TSC_ADJUST, emulated whatever the host has (core/tsc.c), as in KVM. */
#define OKVM_7_EBX_TSC_ADJUST	F(1)
#define OKVM_7_ECX_PKU		F(3)
#define OKVM_7_ECX_OSPKE	F(4)
/* CPUID.0xd.1: XSAVEOPT only; XSAVES would need MSR_IA32_XSS. */
#define OKVM_D1_EAX	F(0)
/* CPUID.0x80000001 */
#define OKVM_81_ECX	(F(0) | F(5) | F(6) | F(7) | F(8))
#define OKVM_81_EDX	(F(7) | F(11) | F(12) | F(14) | F(20) | F(22) | F(26) | F(29))

/*
 * The KVM paravirtual features okvm offers: the hint that port I/O needs
 * no delay, which holds for every okvm guest, kvmclock at both MSR
 * numbers (gpc/kvmclock.c), without the stable bit, and steal time
 * (gpc/steal_time.c). Async page faults, PV EOI, PV unhalt, PV IPIs and PV
 * yield are not implemented (their MSRs #GP, their hypercalls fail with
 * -KVM_ENOSYS).
 */
#define OKVM_PV_FEATURES	(BIT(KVM_FEATURE_NOP_IO_DELAY) | BIT(KVM_FEATURE_CLOCKSOURCE) | \
				 BIT(KVM_FEATURE_CLOCKSOURCE2) | BIT(KVM_FEATURE_STEAL_TIME))

/* Hypervisor leaves are looked for at 0x40000000 + 0x100 * n, as KVM does. */
#define OKVM_HV_CPUID_FIRST	0x40000000U
#define OKVM_HV_CPUID_LAST	0x4000ff00U
#define OKVM_HV_CPUID_STEP	0x100U

/**
 * okvm_guest_xfeatures() - XSAVE components a guest may enable in XCR0
 *
 * Return: x87, SSE, AVX and PKRU state where the host has them enabled.
 */
u64 okvm_guest_xfeatures(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) & OKVM_GUEST_XFEATURES;
}

/**
 * okvm_guest_xcr0_valid() - whether the guest may load @xcr0 with XSETBV
 * @vcpu: the vCPU
 * @xcr0: the value
 *
 * x87 state is mandatory, AVX needs SSE, and every bit must be one the
 * guest's CPUID offers (okvm_guest_supported_xcr0()), as in KVM.
 *
 * Return: true if it may.
 */
bool okvm_guest_xcr0_valid(struct okvm_vcpu *vcpu, u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	return !(xcr0 & ~okvm_guest_supported_xcr0(vcpu));
}

/**
 * okvm_guest_supported_xcr0() - the XCR0 bits this guest may set
 * @vcpu: the vCPU
 *
 * What its CPUID leaf 0xd.0 offers (EDX:EAX), of what okvm can switch, and
 * x87 state always, which XCR0 must hold, as KVM does. Without leaf 0xd in
 * the table, x87 alone.
 *
 * Return: a mask of XFEATURE_MASK_* bits.
 */
u64 okvm_guest_supported_xcr0(struct okvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e;
	u64 xcr0 = 0;

	e = okvm_cpuid_find(vcpu->cpuid, vcpu->nr_cpuid, 0xd, 0);
	if (e)
		xcr0 = ((u64)e->edx << 32 | e->eax) & okvm_guest_xfeatures();
	return xcr0 | XFEATURE_MASK_FP;
}

/**
 * okvm_xsave_size() - size of the XSAVE area holding @xfeatures
 * @xfeatures: XFEATURE_MASK_* bits, all of them enabled in the host's XCR0
 *
 * Return: bytes in the standard (non-compacted) format, from the host's
 * CPUID leaf 0xd, the legacy area and the header included.
 */
u32 okvm_xsave_size(u64 xfeatures)
{
	u32 size = 512 + 64, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xfeatures & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		size = max(size, ebx + eax);
	}
	return size;
}

/* The CR4 bits every x86-64 CPU has, which need no CPUID feature. */
#define OKVM_CR4_BASE	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
			 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
			 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

enum okvm_cpuid_reg { OKVM_EAX, OKVM_EBX, OKVM_ECX, OKVM_EDX };

/**
 * struct okvm_cr4_feature - a CR4 bit that exists only with a CPUID feature
 * @cr4: the CR4 bit
 * @function: the CPUID leaf of the feature (subleaf 0)
 * @reg: its register
 * @bit: its bit
 */
struct okvm_cr4_feature {
	u64 cr4;
	u32 function;
	enum okvm_cpuid_reg reg;
	u8 bit;
};

/*
 * Every other CR4 bit is reserved for every guest. One table judges okvm's
 * own offer (KVM_GET_SUPPORTED_CPUID) and each guest's CPUID alike.
 */
static const struct okvm_cr4_feature okvm_cr4_features[] = {
	{ X86_CR4_VMXE,		1, OKVM_ECX, 5 },
	{ X86_CR4_SMXE,		1, OKVM_ECX, 6 },
	{ X86_CR4_PCIDE,	1, OKVM_ECX, 17 },
	{ X86_CR4_OSXSAVE,	1, OKVM_ECX, 26 },
	{ X86_CR4_FSGSBASE,	7, OKVM_EBX, 0 },
	{ X86_CR4_SMEP,		7, OKVM_EBX, 7 },
	{ X86_CR4_SMAP,		7, OKVM_EBX, 20 },
	{ X86_CR4_UMIP,		7, OKVM_ECX, 2 },
	{ X86_CR4_PKE,		7, OKVM_ECX, 3 },
	{ X86_CR4_LA57,		7, OKVM_ECX, 16 },
};

/* CR4 bits okvm refuses to every guest: what its supported CPUID lacks. */
static u64 okvm_cr4_reserved_host __ro_after_init = ~0ULL;

static u32 okvm_cpuid_reg(const struct kvm_cpuid_entry2 *e, enum okvm_cpuid_reg reg)
{
	switch (reg) {
	case OKVM_EAX:
		return e->eax;
	case OKVM_EBX:
		return e->ebx;
	case OKVM_ECX:
		return e->ecx;
	default:
		return e->edx;
	}
}

/**
 * okvm_cr4_reserved_by() - the CR4 bits a CPUID table leaves reserved
 * @entries: the table
 * @nr: its length
 *
 * Return: every bit but those every CPU has and those whose feature the
 * table has.
 */
u64 okvm_cr4_reserved_by(const struct kvm_cpuid_entry2 *entries, u32 nr)
{
	u64 reserved = ~(u64)OKVM_CR4_BASE;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(okvm_cr4_features); i++) {
		const struct okvm_cr4_feature *f = &okvm_cr4_features[i];
		const struct kvm_cpuid_entry2 *e = okvm_cpuid_find(entries, nr, f->function, 0);

		if (e && (okvm_cpuid_reg(e, f->reg) & BIT(f->bit)))
			reserved &= ~f->cr4;
	}
	return reserved;
}

/**
 * okvm_vcpu_cr4_valid() - whether a vCPU's CR4 may hold @cr4
 * @vcpu: the vCPU
 * @cr4: the value, from KVM_SET_SREGS or a guest's MOV to CR4
 *
 * A bit is valid if okvm offers its feature and, once KVM_SET_CPUID2 gave
 * the vCPU a table, if that table has it too, as in KVM: the guest's CPUID
 * decides, not the host's.
 *
 * Return: true if no bit of @cr4 is reserved.
 */
bool okvm_vcpu_cr4_valid(struct okvm_vcpu *vcpu, u64 cr4)
{
	return !(cr4 & vcpu->cr4_reserved);
}

/**
 * okvm_vcpu_init_cpuid() - a new vCPU, before any KVM_SET_CPUID2
 * @vcpu: the vCPU
 */
void okvm_vcpu_init_cpuid(struct okvm_vcpu *vcpu)
{
	vcpu->cr4_reserved = okvm_cr4_reserved_host;
}

struct okvm_cpuid_builder {
	struct kvm_cpuid_entry2 *entries;
	u32 nr;
	u32 max;
};

static struct kvm_cpuid_entry2 *okvm_cpuid_add(struct okvm_cpuid_builder *b,
					       u32 function, u32 index, bool indexed)
{
	struct kvm_cpuid_entry2 *e;

	if (b->nr == b->max)
		return NULL;
	e = &b->entries[b->nr++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	return e;
}

/* KVM's paravirtual leaves: the signature and highest leaf, the features. */
static int okvm_cpuid_build_pv(struct okvm_cpuid_builder *b)
{
	struct kvm_cpuid_entry2 *e;
	u32 sig[3];

	memcpy(sig, KVM_SIGNATURE, sizeof(sig));
	e = okvm_cpuid_add(b, KVM_CPUID_SIGNATURE, 0, false);
	if (!e)
		return -E2BIG;
	/* The host's own hypervisor leaves are not the guest's. */
	e->eax = KVM_CPUID_FEATURES;
	e->ebx = sig[0];
	e->ecx = sig[1];
	e->edx = sig[2];
	e = okvm_cpuid_add(b, KVM_CPUID_FEATURES, 0, false);
	if (!e)
		return -E2BIG;
	e->eax = OKVM_PV_FEATURES;
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
	return 0;
}

static int okvm_cpuid_build(struct okvm_cpuid_builder *b)
{
	u64 xfeatures = okvm_guest_xfeatures();
	struct kvm_cpuid_entry2 *e;
	u32 max_basic = min(cpuid_eax(0), 0xdU);
	u32 max_ext = min(cpuid_eax(0x80000000), 0x80000008U);
	u32 f;
	int i;

	e = okvm_cpuid_add(b, 0, 0, false);
	if (!e)
		return -E2BIG;
	e->eax = max_basic;

	e = okvm_cpuid_add(b, 1, 0, false);
	if (!e)
		return -E2BIG;
	e->ebx &= 0xffff;	/* no APIC id or logical count of the host's */
	e->ecx = (e->ecx & OKVM_1_ECX) | OKVM_1_ECX_HYPERVISOR | OKVM_1_ECX_APIC;
	if (!xfeatures)
		e->ecx &= ~(F(26) | F(28) | F(29));
	e->edx = (e->edx & OKVM_1_EDX) | OKVM_1_EDX_APIC | OKVM_1_EDX_MTRR_MCE;

	if (max_basic >= 7) {
		e = okvm_cpuid_add(b, 7, 0, true);
		if (!e)
			return -E2BIG;
		e->eax = 0;
		e->ebx = (e->ebx & OKVM_7_EBX) | OKVM_7_EBX_TSC_ADJUST;
		if (!(xfeatures & XFEATURE_MASK_YMM))
			e->ebx &= ~F(5);
		/* PKU goes with PKRU state, where the host uses them. */
		e->ecx = 0;
		if ((xfeatures & XFEATURE_MASK_PKRU) && boot_cpu_has(X86_FEATURE_OSPKE))
			e->ecx |= OKVM_7_ECX_PKU;
		e->edx = 0;
	}

	if (max_basic >= 0xd && xfeatures) {
		e = okvm_cpuid_add(b, 0xd, 0, true);
		if (!e)
			return -E2BIG;
		e->eax = lower_32_bits(xfeatures);
		e->edx = upper_32_bits(xfeatures);
		e->ebx = okvm_xsave_size(XFEATURE_MASK_FPSSE);
		e->ecx = okvm_xsave_size(xfeatures);
		e = okvm_cpuid_add(b, 0xd, 1, true);
		if (!e)
			return -E2BIG;
		e->eax &= OKVM_D1_EAX;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		for (i = 2; i < 64; i++) {
			if (!(xfeatures & BIT_ULL(i)))
				continue;
			e = okvm_cpuid_add(b, 0xd, i, true);
			if (!e)
				return -E2BIG;
		}
	}

	e = okvm_cpuid_add(b, 0x80000000, 0, false);
	if (!e)
		return -E2BIG;
	e->eax = max_ext;
	for (f = 0x80000001; f <= max_ext; f++) {
		if (f >= 0x80000005 && f <= 0x80000007)
			continue;
		e = okvm_cpuid_add(b, f, 0, false);
		if (!e)
			return -E2BIG;
		if (f == 0x80000001) {
			e->ebx = 0;
			e->ecx &= OKVM_81_ECX;
			e->edx &= OKVM_81_EDX;
		} else if (f == 0x80000008) {
			e->eax &= 0xffff;	/* physical and linear address widths */
			e->ebx = 0;
			e->ecx = 0;
			e->edx = 0;
		}
	}
	return okvm_cpuid_build_pv(b);
}

/**
 * okvm_get_supported_cpuid() - KVM_GET_SUPPORTED_CPUID
 * @ucpuid: userspace's struct kvm_cpuid2 with room for nent entries
 *
 * Return: 0 with nent updated, -E2BIG if nent is too small (nent is left
 * alone, as KVM does), -EFAULT or -ENOMEM.
 */
long okvm_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid)
{
	struct okvm_cpuid_builder b = {};
	struct kvm_cpuid2 cpuid;
	long r;

	if (copy_from_user(&cpuid, ucpuid, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < 1)
		return -E2BIG;
	b.max = min_t(u32, cpuid.nent, OKVM_MAX_CPUID_ENTRIES);
	b.entries = kvcalloc(b.max, sizeof(*b.entries), GFP_KERNEL_ACCOUNT);
	if (!b.entries)
		return -ENOMEM;
	r = okvm_cpuid_build(&b);
	if (r)
		goto out;
	r = -EFAULT;
	cpuid.nent = b.nr;
	if (copy_to_user(ucpuid->entries, b.entries, b.nr * sizeof(*b.entries)) ||
	    copy_to_user(ucpuid, &cpuid, sizeof(cpuid)))
		goto out;
	r = 0;
out:
	kvfree(b.entries);
	return r;
}

/* okvm_cpuid_find() in a table okvm may change. */
static struct kvm_cpuid_entry2 *okvm_cpuid_find_mut(struct kvm_cpuid_entry2 *entries, u32 nr,
						    u32 function, u32 index)
{
	const struct kvm_cpuid_entry2 *e = okvm_cpuid_find(entries, nr, function, index);

	return e ? &entries[e - entries] : NULL;
}

/*
 * The KVM paravirtual features leaf of a table: KVM_CPUID_FEATURES above the
 * first hypervisor base that has KVM's signature, found as KVM finds it.
 */
static struct kvm_cpuid_entry2 *okvm_cpuid_kvm_features(struct kvm_cpuid_entry2 *entries,
							u32 nr)
{
	const struct kvm_cpuid_entry2 *e;
	u32 base, sig[3];

	for (base = OKVM_HV_CPUID_FIRST; base <= OKVM_HV_CPUID_LAST; base += OKVM_HV_CPUID_STEP) {
		e = okvm_cpuid_find(entries, nr, base, 0);
		if (!e)
			continue;
		sig[0] = e->ebx;
		sig[1] = e->ecx;
		sig[2] = e->edx;
		if (memcmp(sig, KVM_SIGNATURE, sizeof(sig)))
			continue;
		return okvm_cpuid_find_mut(entries, nr, base | KVM_CPUID_FEATURES, 0);
	}
	return NULL;
}

/*
 * Once the VMM turned KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT off, the MWAIT
 * bit of CPUID.1 is MISC_ENABLE's ENABLE_MONITOR, as KVM keeps it: set
 * in a new table and on each change of the MSR.
 */
static void okvm_cpuid_follow_misc_enable(struct okvm_vcpu *vcpu,
					  struct kvm_cpuid_entry2 *entries, u32 nr)
{
	struct kvm_cpuid_entry2 *e;

	if (okvm_vm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT))
		return;
	e = okvm_cpuid_find_mut(entries, nr, 1, 0);
	if (!e)
		return;
	e->ecx &= ~OKVM_1_ECX_MWAIT;
	if (vcpu->misc_enable & MSR_IA32_MISC_ENABLE_MWAIT)
		e->ecx |= OKVM_1_ECX_MWAIT;
}

/*
 * What KVM changes in a table it is given, and so okvm: while the VM's
 * HLT does not exit (KVM_X86_DISABLE_EXITS_HLT), PV unhalt is gone; and
 * the MWAIT bit may follow MISC_ENABLE. MWAIT is the one bit of guest
 * state kept in the table itself: OSXSAVE, OSPKE and the APIC bit follow
 * CR4 and APIC_BASE when the guest executes CPUID (okvm_emulate_cpuid()).
 */
static void okvm_cpuid_adjust(struct okvm_vcpu *vcpu, struct kvm_cpuid_entry2 *entries, u32 nr)
{
	struct kvm_cpuid_entry2 *pv = okvm_cpuid_kvm_features(entries, nr);

	if (pv && READ_ONCE(vcpu->vm->hlt_in_guest))
		pv->eax &= ~BIT(KVM_FEATURE_PV_UNHALT);
	okvm_cpuid_follow_misc_enable(vcpu, entries, nr);
}

/* Whether CPUID.1:ECX of the vCPU's table has all of @bits. */
static bool okvm_guest_has_1_ecx(const struct okvm_vcpu *vcpu, u32 bits)
{
	const struct kvm_cpuid_entry2 *e = okvm_cpuid_find(vcpu->cpuid, vcpu->nr_cpuid, 1, 0);

	return e && (e->ecx & bits) == bits;
}

/**
 * okvm_mwait_is_undefined() - MONITOR and MWAIT raise #UD in this guest
 * @vcpu: the vCPU
 *
 * As in KVM, they are NOPs unless the VMM turned
 * KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS off and CPUID.1 has no MWAIT.
 *
 * Return: true for #UD, false for a NOP.
 */
bool okvm_mwait_is_undefined(const struct okvm_vcpu *vcpu)
{
	return !okvm_vm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS) &&
	       !okvm_guest_has_1_ecx(vcpu, OKVM_1_ECX_MWAIT);
}

/**
 * okvm_cpuid_may_change_mwait() - whether MISC_ENABLE's ENABLE_MONITOR may flip
 * @vcpu: the vCPU
 *
 * While KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT is on, the MSR only keeps the
 * bit. Once it is off, the bit drives CPUID's MWAIT, and, as in KVM, only a
 * guest with SSE3 may flip it.
 *
 * Return: false for a write to refuse (#GP for a guest).
 */
bool okvm_cpuid_may_change_mwait(const struct okvm_vcpu *vcpu)
{
	return okvm_vm_has_quirk(vcpu->vm, KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) ||
	       okvm_guest_has_1_ecx(vcpu, OKVM_1_ECX_SSE3);
}

/**
 * okvm_cpuid_update_mwait() - CPUID's MWAIT after MISC_ENABLE changed
 * @vcpu: the vCPU, vcpu->misc_enable holding the new value
 *
 * Without KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT, the bit in the vCPU's table
 * follows the MSR's ENABLE_MONITOR; with it, nothing changes.
 */
void okvm_cpuid_update_mwait(struct okvm_vcpu *vcpu)
{
	okvm_cpuid_follow_misc_enable(vcpu, vcpu->cpuid, vcpu->nr_cpuid);
}

/* Whether @entries is the vCPU's table, entry for entry, as KVM compares. */
static bool okvm_cpuid_is_current(const struct okvm_vcpu *vcpu,
				  const struct kvm_cpuid_entry2 *entries, u32 nr)
{
	u32 i;

	if (nr != vcpu->nr_cpuid)
		return false;
	for (i = 0; i < nr; i++) {
		const struct kvm_cpuid_entry2 *a = &entries[i], *b = &vcpu->cpuid[i];

		if (a->function != b->function || a->index != b->index ||
		    a->flags != b->flags || a->eax != b->eax || a->ebx != b->ebx ||
		    a->ecx != b->ecx || a->edx != b->edx)
			return false;
	}
	return true;
}

/**
 * okvm_vcpu_set_cpuid() - KVM_SET_CPUID2: replace the vCPU's table
 * @vcpu: the vCPU (its mutex held)
 * @ucpuid: the table
 *
 * Once the vCPU ran, only its current table is accepted (and changes
 * nothing), as in KVM: the guest may have acted on what it read.
 *
 * Return: 0, -E2BIG beyond OKVM_MAX_CPUID_ENTRIES, -EINVAL for a new table
 * after KVM_RUN, -EFAULT or -ENOMEM.
 */
int okvm_vcpu_set_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid_entry2 *entries = NULL, *pv;
	struct kvm_cpuid2 cpuid;
	int r;

	if (copy_from_user(&cpuid, ucpuid, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent > OKVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (cpuid.nent) {
		entries = vmemdup_array_user(ucpuid->entries, cpuid.nent,
					     sizeof(*entries));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	okvm_cpuid_adjust(vcpu, entries, cpuid.nent);
	if (vcpu->has_run) {
		r = okvm_cpuid_is_current(vcpu, entries, cpuid.nent) ? 0 : -EINVAL;
		kvfree(entries);
		return r;
	}
	kvfree(vcpu->cpuid);
	vcpu->cpuid = entries;
	vcpu->nr_cpuid = cpuid.nent;
	pv = okvm_cpuid_kvm_features(entries, cpuid.nent);
	vcpu->pv_features = pv ? pv->eax : 0;
	vcpu->cr4_reserved = okvm_cr4_reserved_host |
			     okvm_cr4_reserved_by(entries, cpuid.nent);
	return 0;
}

/**
 * okvm_cpuid_init() - what depends on okvm's supported CPUID, once at load
 *
 * Return: 0 or -ENOMEM.
 */
int __init okvm_cpuid_init(void)
{
	struct okvm_cpuid_builder b = { .max = OKVM_MAX_CPUID_ENTRIES };
	int r;

	b.entries = kvcalloc(b.max, sizeof(*b.entries), GFP_KERNEL);
	if (!b.entries)
		return -ENOMEM;
	r = okvm_cpuid_build(&b);
	if (!r)
		okvm_cr4_reserved_host = okvm_cr4_reserved_by(b.entries, b.nr);
	kvfree(b.entries);
	return r;
}

/**
 * okvm_vcpu_get_cpuid() - KVM_GET_CPUID2: the table set last
 * @vcpu: the vCPU (its mutex held)
 * @ucpuid: room for nent entries
 *
 * Return: 0 with nent updated, -E2BIG if nent is too small, -EFAULT.
 */
int okvm_vcpu_get_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid2 cpuid;

	if (copy_from_user(&cpuid, ucpuid, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < vcpu->nr_cpuid)
		return -E2BIG;
	cpuid.nent = vcpu->nr_cpuid;
	if (copy_to_user(ucpuid->entries, vcpu->cpuid,
			 cpuid.nent * sizeof(*vcpu->cpuid)) ||
	    copy_to_user(ucpuid, &cpuid, sizeof(cpuid)))
		return -EFAULT;
	return 0;
}

/**
 * okvm_cpuid_find() - the entry answering CPUID(@function, @index)
 * @entries: a CPUID table
 * @nr: its length
 * @function: EAX
 * @index: ECX, compared only for entries flagged as indexed
 *
 * Return: the entry or NULL.
 */
const struct kvm_cpuid_entry2 *okvm_cpuid_find(const struct kvm_cpuid_entry2 *entries,
					       u32 nr, u32 function, u32 index)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		const struct kvm_cpuid_entry2 *e = &entries[i];

		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index))
			return e;
	}
	return NULL;
}

/**
 * okvm_emulate_cpuid() - execute CPUID for the guest from its table
 * @vcpu: the vCPU, RAX and RCX holding the leaf
 * @cr4: the guest's CR4, whose OSXSAVE and PKE bits CPUID reflects
 *
 * A leaf missing from the table reads as zeros. The caller skips the
 * instruction.
 */
void okvm_emulate_cpuid(struct okvm_vcpu *vcpu, u64 cr4)
{
	u32 function = vcpu->regs[OKVM_REG_RAX], index = vcpu->regs[OKVM_REG_RCX];
	const struct kvm_cpuid_entry2 *e;
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	e = okvm_cpuid_find(vcpu->cpuid, vcpu->nr_cpuid, function, index);
	if (e) {
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
	}
	if (function == 1) {
		ecx &= ~OKVM_1_ECX_OSXSAVE;
		if (cr4 & X86_CR4_OSXSAVE)
			ecx |= OKVM_1_ECX_OSXSAVE;
		/* A disabled APIC is gone from CPUID too, as on hardware. */
		if (!(vcpu->apic_base & MSR_IA32_APICBASE_ENABLE))
			edx &= ~OKVM_1_EDX_APIC;
	} else if (function == 7 && index == 0) {
		ecx &= ~OKVM_7_ECX_OSPKE;
		if (cr4 & X86_CR4_PKE)
			ecx |= OKVM_7_ECX_OSPKE;
	}
	vcpu->regs[OKVM_REG_RAX] = eax;
	vcpu->regs[OKVM_REG_RBX] = ebx;
	vcpu->regs[OKVM_REG_RCX] = ecx;
	vcpu->regs[OKVM_REG_RDX] = edx;
}
