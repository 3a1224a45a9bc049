// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's TSC, as KVM keeps it: the host's TSC plus a per-vCPU offset
 * that the hardware adds to RDTSC (okvm does not scale the TSC).
 *
 * Three things move the offset. A guest WRMSR to IA32_TSC or IA32_TSC_ADJUST
 * moves it and IA32_TSC_ADJUST by the same amount, as on hardware. A VMM's
 * write of IA32_TSC (KVM_SET_MSRS) sets it and leaves IA32_TSC_ADJUST alone,
 * and so does the KVM_VCPU_TSC_OFFSET attribute. A VMM's write of
 * IA32_TSC_ADJUST only sets the MSR: a restore must not move the clock.
 *
 * The VM remembers the offset of the last such VMM write, and every vCPU
 * starts with it, so the vCPUs of a VM tick together. A VMM write of
 * IA32_TSC of 0, or within a second of that clock once the VMM set it,
 * joins it instead of starting a clock of its own: KVM's rule for VMMs
 * that set each vCPU's TSC one after the other.
 */
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpuid.h>
#include <okvm/hw.h>
#include <okvm/tsc.h>
#include <okvm/vm.h>

static void okvm_tsc_write_offset(struct okvm_vcpu *vcpu, u64 offset)
{
	vcpu->tsc_offset = offset;
	okvm_hw->set_tsc_offset(vcpu, offset);
	/* The kvmclock record pairs a guest TSC value with a time. */
	okvm_make_request(vcpu, OKVM_REQ_CLOCK_UPDATE);
}

/*
 * Adopt @offset as the VM's clock; vm->tsc_lock held. Later vCPUs start
 * with it, and VMM writes close to it join it.
 */
static void okvm_tsc_set_vm_offset(struct okvm_vm *vm, u64 offset)
{
	lockdep_assert_held(&vm->tsc_lock);
	vm->tsc_offset = offset;
	vm->tsc_user_set = true;
}

/**
 * okvm_vcpu_init_tsc() - a new vCPU's TSC: the VM's clock
 * @vcpu: the vCPU, not yet in vm->vcpus[]; vm->lock held
 *
 * The first vCPU starts the VM's TSC at 0.
 */
void okvm_vcpu_init_tsc(struct okvm_vcpu *vcpu)
{
	struct okvm_vm *vm = vcpu->vm;
	u64 offset;

	lockdep_assert_held(&vm->lock);
	spin_lock(&vm->tsc_lock);
	if (!vm->nr_vcpus)
		vm->tsc_offset = -rdtsc();
	offset = vm->tsc_offset;
	spin_unlock(&vm->tsc_lock);
	okvm_tsc_write_offset(vcpu, offset);
}

/**
 * okvm_guest_tsc() - the TSC the guest reads now
 * @vcpu: the vCPU
 *
 * Return: the host's TSC plus the vCPU's offset.
 */
u64 okvm_guest_tsc(struct okvm_vcpu *vcpu)
{
	return rdtsc() + vcpu->tsc_offset;
}

/* A VMM's write of IA32_TSC: a new clock for the VM, or the VM's own. */
static void okvm_tsc_host_write(struct okvm_vcpu *vcpu, u64 data)
{
	struct okvm_vm *vm = vcpu->vm;
	u64 tsc_hz = (u64)tsc_khz * 1000;
	u64 now, offset;
	s64 from_vm;

	spin_lock(&vm->tsc_lock);
	now = rdtsc();
	from_vm = data - (now + vm->tsc_offset);
	if (!data || (vm->tsc_user_set && abs(from_vm) < tsc_hz))
		offset = vm->tsc_offset;
	else
		offset = data - now;
	okvm_tsc_set_vm_offset(vm, offset);
	spin_unlock(&vm->tsc_lock);
	okvm_tsc_write_offset(vcpu, offset);
}

/* IA32_TSC_ADJUST exists for the guest only if its CPUID says so, as in KVM. */
static bool okvm_guest_has_tsc_adjust(struct okvm_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e;

	e = okvm_cpuid_find(vcpu->cpuid, vcpu->nr_cpuid, 7, 0);
	return e && (e->ebx & BIT(X86_FEATURE_TSC_ADJUST & 31));
}

/**
 * okvm_tsc_set_msr() - write IA32_TSC or IA32_TSC_ADJUST
 * @vcpu: the vCPU; its mutex held
 * @index: MSR_IA32_TSC or MSR_IA32_TSC_ADJUST
 * @data: the value
 * @host: the VMM's write (KVM_SET_MSRS), not the guest's
 *
 * Without TSC_ADJUST in the guest's CPUID a write of IA32_TSC_ADJUST
 * succeeds and changes nothing, as in KVM.
 *
 * Return: 0, or -ENOENT for another MSR.
 */
int okvm_tsc_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	u64 delta;

	switch (index) {
	case MSR_IA32_TSC:
		if (host) {
			okvm_tsc_host_write(vcpu, data);
			return 0;
		}
		delta = data - okvm_guest_tsc(vcpu);
		vcpu->tsc_adjust += delta;
		okvm_tsc_write_offset(vcpu, vcpu->tsc_offset + delta);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!okvm_guest_has_tsc_adjust(vcpu))
			return 0;
		if (!host)
			okvm_tsc_write_offset(vcpu, vcpu->tsc_offset + (data - vcpu->tsc_adjust));
		vcpu->tsc_adjust = data;
		return 0;
	default:
		return -ENOENT;
	}
}

/* KVM_SET_DEVICE_ATTR of KVM_VCPU_TSC_OFFSET: the VMM's offset, as is. */
static int okvm_tsc_set_offset_attr(struct okvm_vcpu *vcpu, u64 __user *uaddr)
{
	struct okvm_vm *vm = vcpu->vm;
	u64 offset;

	if (get_user(offset, uaddr))
		return -EFAULT;
	spin_lock(&vm->tsc_lock);
	okvm_tsc_set_vm_offset(vm, offset);
	spin_unlock(&vm->tsc_lock);
	okvm_tsc_write_offset(vcpu, offset);
	return 0;
}

/**
 * okvm_vcpu_tsc_attr() - KVM_HAS/GET/SET_DEVICE_ATTR on a vCPU
 * @vcpu: the vCPU; its mutex held
 * @ioctl: which of the three
 * @argp: struct kvm_device_attr
 *
 * Group KVM_VCPU_TSC_CTRL, attribute KVM_VCPU_TSC_OFFSET: the u64 at
 * @addr is the vCPU's TSC offset (the guest's TSC minus the host's). As
 * in KVM, @flags is not looked at.
 *
 * Return: 0; -ENXIO for another group or attribute; -EFAULT.
 */
int okvm_vcpu_tsc_attr(struct okvm_vcpu *vcpu, unsigned int ioctl,
		       struct kvm_device_attr __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	uaddr = u64_to_user_ptr(attr.addr);
	switch (ioctl) {
	case KVM_GET_DEVICE_ATTR:
		return put_user(vcpu->tsc_offset, uaddr) ? -EFAULT : 0;
	case KVM_SET_DEVICE_ATTR:
		return okvm_tsc_set_offset_attr(vcpu, uaddr);
	default:
		return 0;
	}
}
