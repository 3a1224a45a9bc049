// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_IRQCHIP: the VM's in-kernel interrupt controller. So far it
 * is the local APICs (one per vCPU, created with the vCPU); the IOAPIC and
 * the PICs come next (Documentation/apic.rst).
 */
#include <linux/errno.h>
#include <linux/mutex.h>

#include <okvm/irqchip.h>
#include <okvm/vm.h>

/**
 * okvm_create_irqchip() - KVM_CREATE_IRQCHIP
 * @vm: the VM
 *
 * Return: 0; -EEXIST if it has one; -EINVAL once a vCPU exists, as in KVM
 * (a vCPU's APIC is made with it).
 */
int okvm_create_irqchip(struct okvm_vm *vm)
{
	int r = 0;

	mutex_lock(&vm->lock);
	if (vm->irqchip_kernel)
		r = -EEXIST;
	else if (vm->nr_vcpus)
		r = -EINVAL;
	else
		vm->irqchip_kernel = true;
	mutex_unlock(&vm->lock);
	return r;
}
