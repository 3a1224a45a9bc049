/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interrupt a vCPU's INTR input sees, from whichever in-kernel
 * controller has one for it (apicv/cpu_irq.c).
 */
#ifndef _OKVM_CPU_IRQ_H
#define _OKVM_CPU_IRQ_H

#include <linux/types.h>

struct okvm_vcpu;

bool okvm_cpu_has_extint(struct okvm_vcpu *vcpu);
bool okvm_cpu_has_interrupt(struct okvm_vcpu *vcpu);
int okvm_cpu_get_interrupt(struct okvm_vcpu *vcpu);

#endif /* _OKVM_CPU_IRQ_H */
