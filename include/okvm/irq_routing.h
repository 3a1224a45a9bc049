/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GSI routing: which irqchip pins and MSIs a GSI drives
 * (apicv/irq_routing.c).
 */
#ifndef _OKVM_IRQ_ROUTING_H
#define _OKVM_IRQ_ROUTING_H

#include <linux/types.h>

struct kvm_irq_routing_entry;
struct okvm_vcpu;
struct okvm_vm;

/* Routes a table may hold, and GSIs a route may name: KVM's numbers. */
#define OKVM_MAX_IRQ_ROUTES	4096

int okvm_irq_routing_set_default(struct okvm_vm *vm);
int okvm_irq_routing_set(struct okvm_vm *vm, const struct kvm_irq_routing_entry *ue,
			 u32 nr);
void okvm_irq_routing_free(struct okvm_vm *vm);
int okvm_irq_routing_raise(struct okvm_vm *vm, u32 gsi, bool level);
bool okvm_irq_routing_eoi_exits(struct okvm_vcpu *vcpu, u8 vector, bool level);

#endif /* _OKVM_IRQ_ROUTING_H */
