/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NMIs for a vCPU: queued from any context, injected by its thread
 * (core/nmi.c).
 */
#ifndef _OKVM_NMI_H
#define _OKVM_NMI_H

#include <linux/types.h>

struct okvm_vcpu;

void okvm_vcpu_queue_nmi(struct okvm_vcpu *vcpu);
bool okvm_vcpu_has_nmi(struct okvm_vcpu *vcpu);
unsigned int okvm_vcpu_nmis_pending(struct okvm_vcpu *vcpu);
void okvm_vcpu_set_nmis_pending(struct okvm_vcpu *vcpu, unsigned int nr);
void okvm_vcpu_inject_nmi(struct okvm_vcpu *vcpu);

#endif /* _OKVM_NMI_H */
