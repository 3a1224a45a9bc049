/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's in-kernel interrupt controller (apicv/irqchip.c).
 */
#ifndef _OKVM_IRQCHIP_H
#define _OKVM_IRQCHIP_H

struct okvm_vm;

int okvm_create_irqchip(struct okvm_vm *vm);

#endif /* _OKVM_IRQCHIP_H */
