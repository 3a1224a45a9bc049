/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's in-kernel interrupt controller (apicv/irqchip.c) and the
 * interrupts devices send it (apicv/msi.c).
 */
#ifndef _OKVM_IRQCHIP_H
#define _OKVM_IRQCHIP_H

#include <linux/types.h>
#include <uapi/linux/kvm.h>

/* The KVM_CAP_X2APIC_API flags okvm knows: all of uapi's. */
#define OKVM_X2APIC_API_FLAGS	(KVM_X2APIC_API_USE_32BIT_IDS | \
				 KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)

/* KVM_CAP_SPLIT_IRQCHIP's largest pin count: KVM's, as many as routes. */
#define OKVM_MAX_RESERVED_IOAPIC_PINS	4096

struct kvm_irq_level;
struct kvm_irqchip;
struct kvm_msi;
struct okvm_apic_irq;
struct okvm_vm;

int okvm_create_irqchip(struct okvm_vm *vm);
bool okvm_has_irqchip(struct okvm_vm *vm);
int okvm_enable_split_irqchip(struct okvm_vm *vm, u64 nr_ioapic_pins);
int okvm_irq_line(struct okvm_vm *vm, struct kvm_irq_level *irq);
int okvm_get_irqchip(struct okvm_vm *vm, struct kvm_irqchip *chip);
int okvm_set_irqchip(struct okvm_vm *vm, const struct kvm_irqchip *chip);
int okvm_enable_x2apic_api(struct okvm_vm *vm, u64 flags);
int okvm_signal_msi(struct okvm_vm *vm, const struct kvm_msi *msi);
int okvm_msi_deliver(struct okvm_vm *vm, const struct kvm_msi *msi);
void okvm_msi_to_apic_irq(struct okvm_vm *vm, const struct kvm_msi *msi,
			  struct okvm_apic_irq *irq);

#endif /* _OKVM_IRQCHIP_H */
