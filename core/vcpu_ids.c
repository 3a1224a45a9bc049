// SPDX-License-Identifier: GPL-2.0
/*
 * Which vCPU ids a VM may use, and which of them boots.
 *
 * Both are chosen before the first vCPU exists and fixed from then on, as
 * in KVM: KVM_SET_BOOT_CPU_ID names the vCPU that comes out of reset as
 * the BSP, KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID) lowers the bound on ids
 * (which are the vCPUs' APIC IDs too). vm->lock serializes both with
 * KVM_CREATE_VCPU, which fixes the bound at its default if no one set it.
 */
#include <linux/mutex.h>
#include <uapi/linux/kvm.h>

#include <okvm/vm.h>

/**
 * okvm_set_boot_cpu_id() - KVM_SET_BOOT_CPU_ID
 * @vm: the VM
 * @id: the vCPU id that is to boot as the BSP
 *
 * KVM's rule lets @id equal the bound (no vCPU can then have it, and no
 * vCPU boots), and so does okvm's.
 *
 * Return: 0; -EBUSY once a vCPU exists; -EINVAL for an id above
 * OKVM_MAX_VCPU_ID or the VM's KVM_CAP_MAX_VCPU_ID.
 */
int okvm_set_boot_cpu_id(struct okvm_vm *vm, unsigned long id)
{
	int r = 0;

	mutex_lock(&vm->lock);
	if (vm->nr_vcpus)
		r = -EBUSY;
	else if (id > OKVM_MAX_VCPU_ID || (vm->max_vcpu_ids && id > vm->max_vcpu_ids))
		r = -EINVAL;
	else
		vm->bsp_vcpu_id = id;
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * okvm_enable_max_vcpu_id() - KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID)
 * @vm: the VM
 * @max_ids: vCPU ids are to be below this
 *
 * Once set, by this or by the first KVM_CREATE_VCPU, the bound stays:
 * setting the same value again succeeds, any other fails.
 *
 * Return: 0; -EINVAL for a bound above OKVM_MAX_VCPU_ID or below the boot
 * vCPU's id, or one that differs from the bound already fixed.
 */
int okvm_enable_max_vcpu_id(struct okvm_vm *vm, u64 max_ids)
{
	int r = -EINVAL;

	if (max_ids > OKVM_MAX_VCPU_ID)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->bsp_vcpu_id <= max_ids &&
	    (!vm->max_vcpu_ids || vm->max_vcpu_ids == max_ids)) {
		vm->max_vcpu_ids = max_ids;
		r = 0;
	}
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * okvm_vcpu_id_allowed() - KVM_CREATE_VCPU may use this id
 * @vm: the VM, its lock held
 * @id: the new vCPU's id
 *
 * The first call fixes the VM's bound at OKVM_MAX_VCPU_ID if userspace
 * set none, so that KVM_CAP_MAX_VCPU_ID cannot change it afterwards.
 *
 * Return: true if @id is below the VM's bound.
 */
bool okvm_vcpu_id_allowed(struct okvm_vm *vm, unsigned long id)
{
	lockdep_assert_held(&vm->lock);
	if (!vm->max_vcpu_ids)
		vm->max_vcpu_ids = OKVM_MAX_VCPU_ID;
	return id < vm->max_vcpu_ids;
}
