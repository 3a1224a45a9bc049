// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs: an APIC's NMI message, KVM_NMI. Senders only count them
 * (nmi_queued, atomically, then the vCPU's request and kick); the vCPU's
 * thread folds the count into nmi_pending before each entry and injects
 * one when the guest can take it, else asks the backend to exit when it
 * can (the NMI window). As on the CPU, and as KVM counts them, at most one
 * NMI waits beside the one the guest is handling (NMIs are masked until
 * its IRET): more collapse into it.
 */
#include <linux/atomic.h>
#include <linux/minmax.h>

#include <okvm/hw.h>
#include <okvm/nmi.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

/**
 * okvm_vcpu_queue_nmi() - an NMI for the vCPU
 * @vcpu: the vCPU; any context
 */
void okvm_vcpu_queue_nmi(struct okvm_vcpu *vcpu)
{
	atomic_inc(&vcpu->nmi_queued);
	/* The count before the request: the vCPU reads them in that order. */
	smp_mb__after_atomic();
	okvm_vcpu_wake(vcpu);
}

/* Fold the senders' count into what waits, at most what the CPU latches. */
static void okvm_vcpu_collect_nmis(struct okvm_vcpu *vcpu)
{
	unsigned int limit = okvm_hw->nmi_masked(vcpu) ? 1 : 2;
	unsigned int queued = atomic_xchg(&vcpu->nmi_queued, 0);

	vcpu->nmi_pending = min(vcpu->nmi_pending + queued, limit);
}

/**
 * okvm_vcpu_nmis_pending() - how many NMIs wait, for KVM_GET_VCPU_EVENTS
 * @vcpu: the vCPU; its thread or its mutex held
 *
 * Return: 0, 1 or 2, after folding in what senders queued.
 */
unsigned int okvm_vcpu_nmis_pending(struct okvm_vcpu *vcpu)
{
	okvm_vcpu_collect_nmis(vcpu);
	return vcpu->nmi_pending;
}

/**
 * okvm_vcpu_set_nmis_pending() - KVM_SET_VCPU_EVENTS's NMIs that wait
 * @vcpu: the vCPU; its mutex held
 * @nr: how many; the next entry keeps as many as the CPU would latch
 */
void okvm_vcpu_set_nmis_pending(struct okvm_vcpu *vcpu, unsigned int nr)
{
	vcpu->nmi_pending = 0;
	atomic_set(&vcpu->nmi_queued, nr);
	okvm_make_request(vcpu, OKVM_REQ_EVENT);
}

/**
 * okvm_vcpu_has_nmi() - an NMI waits for the vCPU
 * @vcpu: the vCPU; its thread
 *
 * Return: true if one is pending or queued and NMIs are not masked: it
 * wakes a halted vCPU whatever RFLAGS.IF says, but not one that halted in
 * its NMI handler (it would only halt again).
 */
bool okvm_vcpu_has_nmi(struct okvm_vcpu *vcpu)
{
	return (vcpu->nmi_pending || atomic_read(&vcpu->nmi_queued)) &&
	       !okvm_hw->nmi_masked(vcpu);
}

/**
 * okvm_vcpu_inject_nmi() - before an entry: the NMI goes in, or its window
 * @vcpu: the vCPU; its thread, before the interrupt controllers inject
 *	(an NMI comes first and takes the one event the entry carries)
 */
void okvm_vcpu_inject_nmi(struct okvm_vcpu *vcpu)
{
	okvm_vcpu_collect_nmis(vcpu);
	if (!vcpu->nmi_pending)
		return;
	if (!okvm_hw->nmi_allowed(vcpu)) {
		okvm_hw->set_nmi_window(vcpu);
		return;
	}
	vcpu->nmi_pending--;
	okvm_hw->inject_nmi(vcpu);
	okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_NMI_INJECTIONS);
	trace_okvm_inject_nmi(vcpu->id, vcpu->nmi_pending);
}
