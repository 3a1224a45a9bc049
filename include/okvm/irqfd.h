/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_IRQFD: eventfds that send edges on GSIs (core/irqfd.c).
 */
#ifndef _OKVM_IRQFD_H
#define _OKVM_IRQFD_H

struct kvm_irqfd;
struct okvm_vm;

int okvm_irqfd(struct okvm_vm *vm, const struct kvm_irqfd *args);
void okvm_irqfd_vm_init(struct okvm_vm *vm);
void okvm_irqfd_vm_destroy(struct okvm_vm *vm);
int okvm_irqfd_init(void);
void okvm_irqfd_exit(void);

#endif /* _OKVM_IRQFD_H */
