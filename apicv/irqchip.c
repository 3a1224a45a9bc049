// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_IRQCHIP: the VM's in-kernel interrupt controller, and the
 * ioctls that drive it. So far it is the local APICs (one per vCPU, made
 * with the vCPU) and the IOAPIC; the PICs come next
 * (Documentation/apic.rst). A GSI is the IOAPIC pin of its number, as in
 * KVM's default routing.
 */
#include <linux/errno.h>
#include <linux/mutex.h>
#include <uapi/linux/kvm.h>

#include <okvm/ioapic.h>
#include <okvm/irqchip.h>
#include <okvm/vm.h>

/**
 * okvm_create_irqchip() - KVM_CREATE_IRQCHIP
 * @vm: the VM
 *
 * Return: 0; -EEXIST if it has one; -EINVAL once a vCPU exists, as in KVM
 * (a vCPU's APIC is made with it); -ENOMEM.
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
		r = okvm_ioapic_create(vm);
	if (!r) {
		/* Pairs with okvm_has_irqchip(): the IOAPIC is whole before it is seen. */
		smp_store_release(&vm->irqchip_kernel, true);
	}
	mutex_unlock(&vm->lock);
	return r;
}

/* The VM ioctls take no vm->lock: see the IOAPIC only once it is made. */
static bool okvm_has_irqchip(struct okvm_vm *vm)
{
	/* Pairs with the release in okvm_create_irqchip(). */
	return smp_load_acquire(&vm->irqchip_kernel);
}

/**
 * okvm_irq_line() - KVM_IRQ_LINE and KVM_IRQ_LINE_STATUS
 * @vm: the VM
 * @irq: the GSI and its new level; for KVM_IRQ_LINE_STATUS, @irq->status
 *	is set to what the IOAPIC reported (okvm_ioapic_set_irq()), or -1
 *	for a GSI no pin has, as KVM reports an unrouted one
 *
 * Return: 0; -ENXIO without an in-kernel irqchip.
 */
int okvm_irq_line(struct okvm_vm *vm, struct kvm_irq_level *irq)
{
	if (!okvm_has_irqchip(vm))
		return -ENXIO;
	if (irq->irq >= KVM_IOAPIC_NUM_PINS)
		irq->status = -1;
	else
		irq->status = okvm_ioapic_set_irq(vm, irq->irq, irq->level);
	return 0;
}

/**
 * okvm_get_irqchip() - KVM_GET_IRQCHIP
 * @vm: the VM
 * @chip: chip_id in; the chip's state out
 *
 * Return: 0; -ENXIO without an in-kernel irqchip; -EINVAL for a chip
 * okvm does not have (the PICs, so far).
 */
int okvm_get_irqchip(struct okvm_vm *vm, struct kvm_irqchip *chip)
{
	if (!okvm_has_irqchip(vm))
		return -ENXIO;
	if (chip->chip_id != KVM_IRQCHIP_IOAPIC)
		return -EINVAL;
	okvm_ioapic_get_state(vm, &chip->chip.ioapic);
	return 0;
}

/**
 * okvm_set_irqchip() - KVM_SET_IRQCHIP
 * @vm: the VM
 * @chip: the chip and its new state
 *
 * Return: 0; -ENXIO without an in-kernel irqchip; -EINVAL for a chip okvm
 * does not have.
 */
int okvm_set_irqchip(struct okvm_vm *vm, const struct kvm_irqchip *chip)
{
	if (!okvm_has_irqchip(vm))
		return -ENXIO;
	if (chip->chip_id != KVM_IRQCHIP_IOAPIC)
		return -EINVAL;
	okvm_ioapic_set_state(vm, &chip->chip.ioapic);
	return 0;
}

/**
 * okvm_enable_x2apic_api() - KVM_ENABLE_CAP(KVM_CAP_X2APIC_API)
 * @vm: the VM
 * @flags: KVM_X2APIC_API_USE_32BIT_IDS and
 *	KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK; each stays on once set, as
 *	in KVM
 *
 * Return: 0, or -EINVAL for other flags.
 */
int okvm_enable_x2apic_api(struct okvm_vm *vm, u64 flags)
{
	if (flags & ~(u64)OKVM_X2APIC_API_FLAGS)
		return -EINVAL;
	if (flags & KVM_X2APIC_API_USE_32BIT_IDS)
		WRITE_ONCE(vm->x2apic_format, true);
	if (flags & KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)
		WRITE_ONCE(vm->x2apic_broadcast_quirk_disabled, true);
	return 0;
}
