/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_GET/SET_VCPU_EVENTS (core/vcpu_events.c).
 */
#ifndef _OKVM_VCPU_EVENTS_H
#define _OKVM_VCPU_EVENTS_H

struct kvm_vcpu_events;
struct okvm_vcpu;

void okvm_vcpu_get_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *events);
int okvm_vcpu_set_events(struct okvm_vcpu *vcpu, const struct kvm_vcpu_events *events);

#endif /* _OKVM_VCPU_EVENTS_H */
