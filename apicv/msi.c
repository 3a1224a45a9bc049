// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SIGNAL_MSI: a message-signalled interrupt that the VMM's device
 * model raises, delivered to the APICs its address and data name, in the
 * x86 MSI format (the Intel SDM's and the AMD APM's): the address holds
 * the destination ID (bits 19:12) and the destination mode (bit 2), the
 * data the vector (7:0), the delivery mode (10:8), the level (14) and the
 * trigger mode (15).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <asm/apicdef.h>
#include <uapi/linux/kvm.h>

#include <okvm/irqchip.h>
#include <okvm/lapic.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

#define OKVM_MSI_ADDR_DEST_LOGICAL	BIT(2)
#define OKVM_MSI_ADDR_DEST_ID(lo)	(((lo) >> 12) & 0xff)
#define OKVM_MSI_DATA_VECTOR(d)		((d) & 0xff)
#define OKVM_MSI_DATA_MODE(d)		((d) & APIC_DM_FIXED_MASK)
#define OKVM_MSI_DATA_ASSERT		BIT(14)
#define OKVM_MSI_DATA_LEVEL		BIT(15)

/**
 * okvm_msi_to_apic_irq() - the interrupt message an MSI describes
 * @vm: the VM
 * @msi: the message, checked
 * @irq: the message for the APIC bus
 */
void okvm_msi_to_apic_irq(struct okvm_vm *vm, const struct kvm_msi *msi,
			  struct okvm_apic_irq *irq)
{
	*irq = (struct okvm_apic_irq){
		.vector = OKVM_MSI_DATA_VECTOR(msi->data),
		.delivery_mode = OKVM_MSI_DATA_MODE(msi->data),
		.dest_logical = msi->address_lo & OKVM_MSI_ADDR_DEST_LOGICAL,
		.level_trigger = msi->data & OKVM_MSI_DATA_LEVEL,
		.assert = msi->data & OKVM_MSI_DATA_ASSERT,
		.dest_id = OKVM_MSI_ADDR_DEST_ID(msi->address_lo),
	};
	if (READ_ONCE(vm->x2apic_format))
		irq->dest_id |= msi->address_hi & ~0xffU;
}

/**
 * okvm_msi_deliver() - send a message to the APICs it names
 * @vm: the VM, with an in-kernel irqchip
 * @msi: the message, checked (okvm_signal_msi(), or a GSI's MSI route)
 *
 * Return: how many APICs took the interrupt.
 */
int okvm_msi_deliver(struct okvm_vm *vm, const struct kvm_msi *msi)
{
	struct okvm_apic_irq irq;

	okvm_msi_to_apic_irq(vm, msi, &irq);
	trace_okvm_msi(msi->address_lo, msi->data);
	return okvm_apic_send(vm, NULL, &irq);
}

/**
 * okvm_signal_msi() - KVM_SIGNAL_MSI
 * @vm: the VM
 * @msi: the message; the device ID (KVM_MSI_VALID_DEVID) is ignored, as
 *	KVM ignores it on x86; address_hi bits 31:8 are destination bits 31:8
 *	with KVM_X2APIC_API_USE_32BIT_IDS, and ignored without
 *
 * Return: how many APICs took the interrupt (0 if it named none, as KVM
 * answers for a physical destination no APIC has); -EINVAL without an
 * in-kernel irqchip, for unknown flags, or with 32-bit IDs for address_hi
 * bits 7:0 (as KVM).
 */
int okvm_signal_msi(struct okvm_vm *vm, const struct kvm_msi *msi)
{
	if (!READ_ONCE(vm->irqchip_kernel) || (msi->flags & ~KVM_MSI_VALID_DEVID))
		return -EINVAL;
	if (READ_ONCE(vm->x2apic_format) && (msi->address_hi & 0xff))
		return -EINVAL;
	return okvm_msi_deliver(vm, msi);
}
