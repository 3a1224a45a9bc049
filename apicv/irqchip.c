// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_IRQCHIP: the VM's in-kernel interrupt controller, and the
 * ioctls that drive it: the local APICs (one per vCPU, made with the
 * vCPU), the IOAPIC and the two 8259A PICs (Documentation/apic.rst), with
 * KVM's default GSI routing (irq_routing.c).
 */
#include <linux/errno.h>
#include <linux/mutex.h>
#include <uapi/linux/kvm.h>

#include <okvm/ioapic.h>
#include <okvm/irq_routing.h>
#include <okvm/irqchip.h>
#include <okvm/pic.h>
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
		r = okvm_pic_create(vm);
		if (!r)
			r = okvm_irq_routing_set_default(vm);
		if (r) {
			okvm_pic_free(vm);
			okvm_ioapic_free(vm);
		}
	}
	if (!r) {
		/* Pairs with okvm_has_irqchip(): the IOAPIC is whole before it is seen. */
		smp_store_release(&vm->irqchip_kernel, true);
	}
	mutex_unlock(&vm->lock);
	if (!r)
		okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_NO_IRQCHIP);
	return r;
}

/**
 * okvm_enable_split_irqchip() - KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)
 * @vm: the VM
 * @nr_ioapic_pins: GSIs (from 0) that the VMM's IOAPIC owns, at most 4096
 *	as in KVM: the EOIs of its level-triggered MSI routes exit
 *
 * Local APICs in the kernel, the IOAPIC and the PICs in userspace, and no
 * route at all until KVM_SET_GSI_ROUTING gives the VMM's MSI routes.
 *
 * Return: 0; -EEXIST if the VM has an irqchip or a vCPU (KVM's answer to
 * both); -EINVAL for more than 4096 pins.
 */
int okvm_enable_split_irqchip(struct okvm_vm *vm, u64 nr_ioapic_pins)
{
	int r = 0;

	if (nr_ioapic_pins > OKVM_MAX_RESERVED_IOAPIC_PINS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->irqchip_kernel || vm->nr_vcpus) {
		r = -EEXIST;
	} else {
		vm->irqchip_split = true;
		vm->nr_reserved_ioapic_pins = nr_ioapic_pins;
		/* Pairs with okvm_has_irqchip(): the mode is set before it is seen. */
		smp_store_release(&vm->irqchip_kernel, true);
	}
	mutex_unlock(&vm->lock);
	if (!r)
		okvm_apicv_uninhibit(vm, OKVM_APICV_INHIBIT_NO_IRQCHIP);
	return r;
}

/**
 * okvm_has_irqchip() - the VM has an in-kernel irqchip, whole or split
 * @vm: the VM
 *
 * For the VM ioctls, which take no vm->lock: they see the IOAPIC only once
 * it is made.
 *
 * Return: true after KVM_CREATE_IRQCHIP or KVM_CAP_SPLIT_IRQCHIP.
 */
bool okvm_has_irqchip(struct okvm_vm *vm)
{
	/* Pairs with the release in okvm_create_irqchip(). */
	return smp_load_acquire(&vm->irqchip_kernel);
}

/**
 * okvm_irq_line() - KVM_IRQ_LINE and KVM_IRQ_LINE_STATUS
 * @vm: the VM
 * @irq: the GSI and its new level; for KVM_IRQ_LINE_STATUS, @irq->status
 *	is set to the sum of what its routes reported, -1 if none delivered
 *	or the GSI has no route (okvm_irq_routing_raise())
 *
 * Return: 0; -ENXIO without an in-kernel irqchip.
 */
int okvm_irq_line(struct okvm_vm *vm, struct kvm_irq_level *irq)
{
	if (!okvm_has_irqchip(vm))
		return -ENXIO;
	irq->status = okvm_irq_routing_raise(vm, irq->irq, irq->level);
	return 0;
}

/**
 * okvm_get_irqchip() - KVM_GET_IRQCHIP
 * @vm: the VM
 * @chip: chip_id in; the chip's state out
 *
 * Return: 0; -ENXIO without an in-kernel irqchip or with a split one;
 * -EINVAL for an unknown chip.
 */
int okvm_get_irqchip(struct okvm_vm *vm, struct kvm_irqchip *chip)
{
	if (!okvm_has_irqchip(vm) || vm->irqchip_split)
		return -ENXIO;
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		okvm_pic_get_state(vm, chip->chip_id == KVM_IRQCHIP_PIC_SLAVE, &chip->chip.pic);
		return 0;
	case KVM_IRQCHIP_IOAPIC:
		okvm_ioapic_get_state(vm, &chip->chip.ioapic);
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * okvm_set_irqchip() - KVM_SET_IRQCHIP
 * @vm: the VM
 * @chip: the chip and its new state
 *
 * Return: 0; -ENXIO without an in-kernel irqchip or with a split one;
 * -EINVAL for an unknown chip.
 */
int okvm_set_irqchip(struct okvm_vm *vm, const struct kvm_irqchip *chip)
{
	if (!okvm_has_irqchip(vm) || vm->irqchip_split)
		return -ENXIO;
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		okvm_pic_set_state(vm, chip->chip_id == KVM_IRQCHIP_PIC_SLAVE, &chip->chip.pic);
		return 0;
	case KVM_IRQCHIP_IOAPIC:
		okvm_ioapic_set_state(vm, &chip->chip.ioapic);
		return 0;
	default:
		return -EINVAL;
	}
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
