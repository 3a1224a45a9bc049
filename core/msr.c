// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs okvm virtualizes, for guests (RDMSR/WRMSR exits) and for
 * userspace (KVM_GET/SET_MSRS, KVM_GET_MSR_INDEX_LIST), and the feature
 * MSRs the device fd answers (KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS
 * on /dev/okvm), which say what a VMM may put in a vCPU's.
 *
 * Those that only software sees live here, the rest in the backend, which
 * holds them where the hardware switches them (the VMCB save area on SVM).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpuid.h>
#include <okvm/cr.h>
#include <okvm/hw.h>
#include <okvm/kvmclock.h>
#include <okvm/lapic.h>
#include <okvm/mce.h>
#include <okvm/msr.h>
#include <okvm/mtrr.h>
#include <okvm/steal_time.h>
#include <okvm/tsc.h>
#include <okvm/vm.h>

/* KVM's bound on one KVM_GET/SET_MSRS call. */
#define OKVM_MAX_IO_MSRS	256

/* Bits of IA32_APIC_BASE a guest may hold: BSP, x2APIC enable, enable, base. */
#define OKVM_APIC_BASE_VALID	(MSR_IA32_APICBASE_BSP | X2APIC_ENABLE | \
				 MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_BASE)

/*
 * HWCR bits a write may set: McStatusWrEn (18) and TscFreqSel (24), which
 * Linux guests want to see set. A write of the TLB cache, flush filter or
 * IGNNE emulation disable bits (3, 6, 8) succeeds and drops them; any
 * other bit fails the write. KVM's rules.
 */
#define OKVM_HWCR_VALID		(BIT_ULL(18) | BIT_ULL(24))
#define OKVM_HWCR_IGNORED	(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8))

/* K7's clock-control ramp-up count (bits 29:28 = 2), the value KVM gives. */
#define OKVM_K7_CLK_CTL_RAMP	0x20000000ULL

/* A new vCPU's microcode revision, KVM's on AMD. */
#define OKVM_UCODE_REV_DEFAULT	0x01000065ULL

static const u32 okvm_msrs[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE,
	MSR_IA32_UCODE_REV, MSR_K7_HWCR, MSR_PLATFORM_INFO, MSR_MISC_FEATURES_ENABLES,
	MSR_IA32_TSC_ADJUST, MSR_IA32_POWER_CTL,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW,
	MSR_KVM_STEAL_TIME, MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
};

/*
 * The feature MSRs. okvm runs on AMD only, so DE_CFG is always there;
 * ARCH_CAPABILITIES is not, as okvm does not offer it in CPUID.7.0:EDX.
 */
static const u32 okvm_feature_msrs[] = {
	MSR_AMD64_DE_CFG, MSR_IA32_UCODE_REV,
};

/**
 * okvm_get_feature_msr() - what the host offers in a feature MSR
 * @index: MSR number
 * @data: the value
 *
 * DE_CFG: LFENCE_SERIALIZE where the host's LFENCE is serializing (a guest
 * may then count on it); the host's microcode revision, 0 where the CPU
 * does not read it.
 *
 * Return: 0, or -ENOENT for an MSR that is not a feature MSR.
 */
int okvm_get_feature_msr(u32 index, u64 *data)
{
	switch (index) {
	case MSR_AMD64_DE_CFG:
		*data = 0;
		if (cpu_feature_enabled(X86_FEATURE_LFENCE_RDTSC))
			*data |= MSR_AMD64_DE_CFG_LFENCE_SERIALIZE;
		return 0;
	case MSR_IA32_UCODE_REV:
		if (rdmsrl_safe(MSR_IA32_UCODE_REV, data))
			*data = 0;
		return 0;
	default:
		return -ENOENT;
	}
}

/*
 * Model-specific MSRs that guests read without a check, as if every CPU of
 * the family had them (Linux reads SYSCFG for the MTRRs' top of memory
 * and for memory encryption, MMIO_CONF_BASE for PCI's MMCONFIG area):
 * they hold nothing here and read 0, as in KVM.
 */
static bool okvm_msr_reads_zero(u32 index)
{
	switch (index) {
	case MSR_IA32_EBL_CR_POWERON:
	case MSR_IA32_PERF_CTL:
	case MSR_AMD64_SYSCFG:
	case MSR_K8_TSEG_ADDR:
	case MSR_K8_TSEG_MASK:
	case MSR_K8_INT_PENDING_MSG:
	case MSR_VM_HSAVE_PA:
	case MSR_AMD64_NB_CFG:
	case MSR_FAM10H_MMIO_CONF_BASE:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_DC_CFG:
	case MSR_AMD64_TW_CFG:
	case MSR_F15H_EX_CFG:
		return true;
	default:
		return false;
	}
}

/*
 * Those of them, and others, that guests write as errata workarounds
 * (Linux's amd.c clears a bit of BU_CFG2 and sets K7's CLK_CTL): the
 * write is taken and dropped, as in KVM.
 */
static bool okvm_msr_drops_writes(u32 index)
{
	switch (index) {
	case MSR_AMD64_NB_CFG:
	case MSR_AMD64_PATCH_LOADER:
	case MSR_AMD64_BU_CFG2:
	case MSR_AMD64_DC_CFG:
	case MSR_AMD64_TW_CFG:
	case MSR_F15H_EX_CFG:
	case MSR_K7_CLK_CTL:
		return true;
	default:
		return false;
	}
}

static int okvm_set_hwcr(struct okvm_vcpu *vcpu, u64 data)
{
	data &= ~OKVM_HWCR_IGNORED;
	if (data & ~OKVM_HWCR_VALID)
		return -EINVAL;
	vcpu->hwcr = data;
	return 0;
}

/*
 * MSR_PLATFORM_INFO is the VMM's to write: it says, among other things,
 * whether CPUID faulting exists (bit 31), and cannot take that away while
 * the guest has it on. KVM's rules.
 */
static int okvm_set_platform_info(struct okvm_vcpu *vcpu, u64 data, bool host)
{
	if (!host || (!(data & MSR_PLATFORM_INFO_CPUID_FAULT) && okvm_cpuid_fault_enabled(vcpu)))
		return -EINVAL;
	vcpu->platform_info = data;
	return 0;
}

/* CPUID faulting is the only feature, and only where PLATFORM_INFO offers it. */
static int okvm_set_misc_features_enables(struct okvm_vcpu *vcpu, u64 data)
{
	if (data & ~MSR_MISC_FEATURES_ENABLES_CPUID_FAULT ||
	    (data & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT &&
	     !(vcpu->platform_info & MSR_PLATFORM_INFO_CPUID_FAULT)))
		return -EINVAL;
	vcpu->misc_features_enables = data;
	return 0;
}

/**
 * okvm_cpuid_fault_enabled() - CPUID outside CPL 0 raises #GP
 * @vcpu: the vCPU
 *
 * Return: true if the guest turned CPUID faulting on in
 * MSR_MISC_FEATURES_ENABLES.
 */
bool okvm_cpuid_fault_enabled(const struct okvm_vcpu *vcpu)
{
	return vcpu->misc_features_enables & MSR_MISC_FEATURES_ENABLES_CPUID_FAULT;
}

static int okvm_set_de_cfg(struct okvm_vcpu *vcpu, u64 data)
{
	u64 supported;

	okvm_get_feature_msr(MSR_AMD64_DE_CFG, &supported);
	if (data & ~supported)
		return -EINVAL;
	vcpu->de_cfg = data;
	return 0;
}

/* MISC_ENABLE's bits that say the guest has no PEBS and no BTS, as in KVM. */
#define OKVM_MISC_ENABLE_NO_PEBS_BTS	(MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL | \
					 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL)

/*
 * MISC_ENABLE as KVM keeps it: a guest may not change the PEBS and BTS
 * bits (#GP), and its writes to EMON are dropped; the VMM may set any bit.
 * ENABLE_MONITOR may drive CPUID's MWAIT (okvm_cpuid_may_change_mwait()).
 */
static int okvm_set_misc_enable(struct okvm_vcpu *vcpu, u64 data, bool host)
{
	u64 changed;

	if (!host) {
		if ((vcpu->misc_enable ^ data) & OKVM_MISC_ENABLE_NO_PEBS_BTS)
			return -EINVAL;
		data &= ~MSR_IA32_MISC_ENABLE_EMON;
		data |= vcpu->misc_enable & MSR_IA32_MISC_ENABLE_EMON;
	}
	changed = vcpu->misc_enable ^ data;
	if ((changed & MSR_IA32_MISC_ENABLE_MWAIT) && !okvm_cpuid_may_change_mwait(vcpu))
		return -EINVAL;
	vcpu->misc_enable = data;
	if (changed & MSR_IA32_MISC_ENABLE_MWAIT)
		okvm_cpuid_update_mwait(vcpu);
	return 0;
}

/**
 * okvm_vcpu_init_msrs() - the MSRs a new vCPU starts with, that live here
 * @vcpu: the vCPU
 */
void okvm_vcpu_init_msrs(struct okvm_vcpu *vcpu)
{
	vcpu->misc_enable = OKVM_MISC_ENABLE_NO_PEBS_BTS;
	vcpu->ucode_rev = OKVM_UCODE_REV_DEFAULT;
	/* CPUID faulting offered, as KVM's default (its STUFF_FEATURE_MSRS quirk). */
	vcpu->platform_info = MSR_PLATFORM_INFO_CPUID_FAULT;
}

/* The parts of okvm that keep MSRs of their own, asked in this order. */
static const struct okvm_msr_ops *const okvm_msr_parts[] = {
	&okvm_lapic_msr_ops,
	&okvm_kvmclock_msr_ops,
	&okvm_steal_time_msr_ops,
	&okvm_mtrr_msr_ops,
	&okvm_mce_msr_ops,
};

static const struct okvm_msr_ops *okvm_msr_part(const struct okvm_vcpu *vcpu, u32 index)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(okvm_msr_parts); i++)
		if (okvm_msr_parts[i]->owns(vcpu, index))
			return okvm_msr_parts[i];
	return NULL;
}

/**
 * okvm_get_msr() - read one of the MSRs okvm virtualizes
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 * @host: for userspace (KVM_GET_MSRS) or okvm itself, not a guest RDMSR
 *
 * Return: 0, -ENOENT for an MSR okvm does not virtualize, -EINVAL for one
 * the guest may not read (a #GP).
 */
int okvm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	const struct okvm_msr_ops *part = okvm_msr_part(vcpu, index);

	if (part)
		return part->get(vcpu, index, data, host);
	if (okvm_msr_reads_zero(index)) {
		*data = 0;
		return 0;
	}
	switch (index) {
	case MSR_K7_CLK_CTL:
		*data = OKVM_K7_CLK_CTL_RAMP;
		return 0;
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		return 0;
	case MSR_IA32_UCODE_REV:
		*data = vcpu->ucode_rev;
		return 0;
	case MSR_AMD64_DE_CFG:
		*data = vcpu->de_cfg;
		return 0;
	case MSR_K7_HWCR:
		*data = vcpu->hwcr;
		return 0;
	case MSR_PLATFORM_INFO:
		if (!host && !READ_ONCE(vcpu->vm->guest_can_read_msr_platform_info))
			return -EINVAL;
		*data = vcpu->platform_info;
		return 0;
	case MSR_MISC_FEATURES_ENABLES:
		*data = vcpu->misc_features_enables;
		return 0;
	case MSR_IA32_TSC:
		*data = okvm_guest_tsc(vcpu);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*data = vcpu->tsc_adjust;
		return 0;
	case MSR_IA32_POWER_CTL:
		*data = vcpu->power_ctl;
		return 0;
	default:
		return okvm_hw->get_msr(vcpu, index, data);
	}
}

static bool okvm_pat_valid(u64 pat)
{
	int i;

	/* Memory types 2 and 3 and anything above 7 are reserved. */
	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/*
 * What no backend may take into the MSRs it keeps (KVM_SET_MSRS refuses
 * it, WRMSR raises #GP): a linear address that is not canonical, reserved
 * EFER bits, a PAT entry of a memory type that does not exist.
 */
static bool okvm_backend_msr_value_valid(u32 index, u64 data)
{
	u8 va_bits = boot_cpu_has(X86_FEATURE_LA57) ? 57 : 48;

	switch (index) {
	case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_LSTAR:
	case MSR_CSTAR:
		return __is_canonical_address(data, va_bits);
	case MSR_EFER:
		return okvm_efer_valid(data);
	case MSR_IA32_CR_PAT:
		return okvm_pat_valid(data);
	default:
		return true;
	}
}

/**
 * okvm_set_msr() - write one of the MSRs okvm virtualizes
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 * @host: from userspace (KVM_SET_MSRS, KVM_SET_SREGS), not a guest WRMSR
 *
 * Return: 0, -ENOENT for an MSR okvm does not virtualize, -EINVAL for a
 * value the MSR cannot hold.
 */
int okvm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	const struct okvm_msr_ops *part = okvm_msr_part(vcpu, index);

	if (part)
		return part->set(vcpu, index, data, host);
	if (okvm_msr_drops_writes(index))
		return 0;
	switch (index) {
	case MSR_IA32_APICBASE:
		if (vcpu->apic)
			return okvm_lapic_set_base(vcpu->apic, data, host);
		if (data & ~OKVM_APIC_BASE_VALID)
			return -EINVAL;
		vcpu->apic_base = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		return okvm_set_misc_enable(vcpu, data, host);
	case MSR_IA32_UCODE_REV:
		/* The VMM sets the revision the guest sees; a guest's write is ignored. */
		if (host)
			vcpu->ucode_rev = data;
		return 0;
	case MSR_AMD64_DE_CFG:
		return okvm_set_de_cfg(vcpu, data);
	case MSR_K7_HWCR:
		return okvm_set_hwcr(vcpu, data);
	case MSR_PLATFORM_INFO:
		return okvm_set_platform_info(vcpu, data, host);
	case MSR_MISC_FEATURES_ENABLES:
		return okvm_set_misc_features_enables(vcpu, data);
	case MSR_IA32_TSC:
	case MSR_IA32_TSC_ADJUST:
		return okvm_tsc_set_msr(vcpu, index, data, host);
	case MSR_IA32_POWER_CTL:
		/* KVM keeps any value the guest or the VMM writes, and does nothing. */
		vcpu->power_ctl = data;
		return 0;
	default:
		if (!okvm_backend_msr_value_valid(index, data))
			return -EINVAL;
		return okvm_hw->set_msr(vcpu, index, data);
	}
}

/* Copy an MSR list to userspace as KVM does: the count first, always. */
static long okvm_copy_msr_list(struct kvm_msr_list __user *ulist, const u32 *msrs,
			       u32 nr)
{
	u32 n;

	if (get_user(n, &ulist->nmsrs))
		return -EFAULT;
	if (put_user(nr, &ulist->nmsrs))
		return -EFAULT;
	if (n < nr)
		return -E2BIG;
	if (copy_to_user(ulist->indices, msrs, nr * sizeof(*msrs)))
		return -EFAULT;
	return 0;
}

/**
 * okvm_get_msr_index_list() - KVM_GET_MSR_INDEX_LIST
 * @ulist: struct kvm_msr_list with room for nmsrs indices
 *
 * Return: 0; -E2BIG with nmsrs set to the number needed, as KVM does.
 */
long okvm_get_msr_index_list(struct kvm_msr_list __user *ulist)
{
	return okvm_copy_msr_list(ulist, okvm_msrs, ARRAY_SIZE(okvm_msrs));
}

/**
 * okvm_get_msr_feature_index_list() - KVM_GET_MSR_FEATURE_INDEX_LIST
 * @ulist: struct kvm_msr_list with room for nmsrs indices
 *
 * Return: 0; -E2BIG with nmsrs set to the number needed, as KVM does.
 */
long okvm_get_msr_feature_index_list(struct kvm_msr_list __user *ulist)
{
	return okvm_copy_msr_list(ulist, okvm_feature_msrs, ARRAY_SIZE(okvm_feature_msrs));
}

/* One MSR of a KVM_GET/SET_MSRS call; @vcpu is NULL on the device fd. */
typedef int (*okvm_msr_io_fn)(struct okvm_vcpu *vcpu, struct kvm_msr_entry *e);

static int okvm_msr_io_get(struct okvm_vcpu *vcpu, struct kvm_msr_entry *e)
{
	return okvm_get_msr(vcpu, e->index, &e->data, true);
}

static int okvm_msr_io_set(struct okvm_vcpu *vcpu, struct kvm_msr_entry *e)
{
	return okvm_set_msr(vcpu, e->index, e->data, true);
}

static int okvm_msr_io_get_feature(struct okvm_vcpu *vcpu, struct kvm_msr_entry *e)
{
	return okvm_get_feature_msr(e->index, &e->data);
}

/*
 * KVM_GET/SET_MSRS: @fn for each entry, stopping at the first that fails,
 * as KVM does; the entries done are copied back if @write_back.
 */
static long okvm_msrs_io(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs,
			 okvm_msr_io_fn fn, bool write_back)
{
	struct kvm_msr_entry *entries;
	struct kvm_msrs msrs;
	u32 i;
	long r;

	if (copy_from_user(&msrs, umsrs, sizeof(msrs)))
		return -EFAULT;
	if (msrs.nmsrs >= OKVM_MAX_IO_MSRS)
		return -E2BIG;
	entries = memdup_array_user(umsrs->entries, msrs.nmsrs, sizeof(*entries));
	if (IS_ERR(entries))
		return PTR_ERR(entries);

	for (i = 0; i < msrs.nmsrs; i++) {
		if (fn(vcpu, &entries[i]))
			break;
	}
	r = i;
	if (write_back && copy_to_user(umsrs->entries, entries, i * sizeof(*entries)))
		r = -EFAULT;
	kfree(entries);
	return r;
}

/**
 * okvm_vcpu_get_msrs() - KVM_GET_MSRS on a vCPU
 * @vcpu: the vCPU (its mutex held)
 * @umsrs: struct kvm_msrs and its entries, whose data are filled in
 *
 * Return: the number of MSRs read, stopping at the first that fails, as
 * KVM does; or -errno for a malformed call.
 */
long okvm_vcpu_get_msrs(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs)
{
	return okvm_msrs_io(vcpu, umsrs, okvm_msr_io_get, true);
}

/**
 * okvm_vcpu_set_msrs() - KVM_SET_MSRS on a vCPU
 * @vcpu: the vCPU (its mutex held)
 * @umsrs: struct kvm_msrs and its entries
 *
 * Return: the number of MSRs written, stopping at the first that fails, as
 * KVM does; or -errno for a malformed call.
 */
long okvm_vcpu_set_msrs(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs)
{
	return okvm_msrs_io(vcpu, umsrs, okvm_msr_io_set, false);
}

/**
 * okvm_get_feature_msrs() - KVM_GET_MSRS on the device fd: feature MSRs
 * @umsrs: struct kvm_msrs and its entries
 *
 * Return: the number of MSRs read, stopping at the first that is not a
 * feature MSR, as KVM does; or -errno for a malformed call.
 */
long okvm_get_feature_msrs(struct kvm_msrs __user *umsrs)
{
	return okvm_msrs_io(NULL, umsrs, okvm_msr_io_get_feature, true);
}
