// SPDX-License-Identifier: GPL-2.0
/*
 * The MSRs okvm virtualizes, for guests (RDMSR/WRMSR exits) and for
 * userspace (KVM_GET/SET_MSRS, KVM_GET_MSR_INDEX_LIST).
 *
 * Two live here, the rest in the backend, which holds them where the
 * hardware switches them (the VMCB save area on SVM).
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>
#include <okvm/lapic.h>
#include <okvm/msr.h>
#include <okvm/vm.h>

/* KVM's bound on one KVM_GET/SET_MSRS call. */
#define OKVM_MAX_IO_MSRS	256

/* Bits of IA32_APIC_BASE a guest may hold: BSP, x2APIC enable, enable, base. */
#define OKVM_APIC_BASE_VALID	(MSR_IA32_APICBASE_BSP | X2APIC_ENABLE | \
				 MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_BASE)

static const u32 okvm_msrs[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE, MSR_FS_BASE, MSR_GS_BASE,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE,
};

/**
 * okvm_get_msr() - read one of the MSRs okvm virtualizes
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 *
 * Return: 0, or -ENOENT for an MSR okvm does not virtualize.
 */
int okvm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data)
{
	if (vcpu->apic && okvm_lapic_msr(index))
		return okvm_lapic_get_msr(vcpu, index, data);
	switch (index) {
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		return 0;
	default:
		return okvm_hw->get_msr(vcpu, index, data);
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
	if (vcpu->apic && okvm_lapic_msr(index))
		return okvm_lapic_set_msr(vcpu, index, data, host);
	switch (index) {
	case MSR_IA32_APICBASE:
		if (vcpu->apic)
			return okvm_lapic_set_base(vcpu->apic, data, host);
		if (data & ~OKVM_APIC_BASE_VALID)
			return -EINVAL;
		vcpu->apic_base = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		vcpu->misc_enable = data;
		return 0;
	default:
		return okvm_hw->set_msr(vcpu, index, data);
	}
}

/**
 * okvm_get_msr_index_list() - KVM_GET_MSR_INDEX_LIST
 * @ulist: struct kvm_msr_list with room for nmsrs indices
 *
 * Return: 0; -E2BIG with nmsrs set to the number needed, as KVM does.
 */
long okvm_get_msr_index_list(struct kvm_msr_list __user *ulist)
{
	u32 n;

	if (get_user(n, &ulist->nmsrs))
		return -EFAULT;
	if (put_user((u32)ARRAY_SIZE(okvm_msrs), &ulist->nmsrs))
		return -EFAULT;
	if (n < ARRAY_SIZE(okvm_msrs))
		return -E2BIG;
	if (copy_to_user(ulist->indices, okvm_msrs, sizeof(okvm_msrs)))
		return -EFAULT;
	return 0;
}

/**
 * okvm_vcpu_msrs_ioctl() - KVM_GET_MSRS or KVM_SET_MSRS
 * @vcpu: the vCPU (its mutex held)
 * @umsrs: struct kvm_msrs and its entries
 * @set: KVM_SET_MSRS
 *
 * Return: the number of MSRs processed, stopping at the first that fails,
 * as KVM does; or -errno for a malformed call.
 */
long okvm_vcpu_msrs_ioctl(struct okvm_vcpu *vcpu, struct kvm_msrs __user *umsrs,
			  bool set)
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
		if (set ? okvm_set_msr(vcpu, entries[i].index, entries[i].data, true) :
			  okvm_get_msr(vcpu, entries[i].index, &entries[i].data))
			break;
	}
	r = i;
	if (!set && copy_to_user(umsrs->entries, entries, i * sizeof(*entries)))
		r = -EFAULT;
	kfree(entries);
	return r;
}
