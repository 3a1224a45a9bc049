/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's in-kernel interrupt controller (apicv/irqchip.c) and the
 * interrupts devices send it (apicv/msi.c).
 */
#ifndef _OKVM_IRQCHIP_H
#define _OKVM_IRQCHIP_H

struct kvm_irq_level;
struct kvm_irqchip;
struct kvm_msi;
struct okvm_vm;

int okvm_create_irqchip(struct okvm_vm *vm);
int okvm_irq_line(struct okvm_vm *vm, struct kvm_irq_level *irq);
int okvm_get_irqchip(struct okvm_vm *vm, struct kvm_irqchip *chip);
int okvm_set_irqchip(struct okvm_vm *vm, const struct kvm_irqchip *chip);
int okvm_signal_msi(struct okvm_vm *vm, const struct kvm_msi *msi);

#endif /* _OKVM_IRQCHIP_H */
