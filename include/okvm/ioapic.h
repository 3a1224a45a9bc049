/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel IOAPIC (apicv/ioapic.c).
 */
#ifndef _OKVM_IOAPIC_H
#define _OKVM_IOAPIC_H

#include <linux/kvm_types.h>
#include <linux/types.h>

struct kvm_ioapic_state;
struct okvm_vm;

int okvm_ioapic_create(struct okvm_vm *vm);
void okvm_ioapic_free(struct okvm_vm *vm);
int okvm_ioapic_set_irq(struct okvm_vm *vm, unsigned int pin, bool level);
void okvm_ioapic_eoi(struct okvm_vm *vm, u8 vector);
int okvm_ioapic_mmio(struct okvm_vm *vm, gpa_t gpa, bool write, u64 *data, unsigned int size);
void okvm_ioapic_get_state(struct okvm_vm *vm, struct kvm_ioapic_state *s);
void okvm_ioapic_set_state(struct okvm_vm *vm, const struct kvm_ioapic_state *s);

#endif /* _OKVM_IOAPIC_H */
