// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs into an SVM guest without vNMI: okvm injects them through EVENTINJ
 * and keeps the guest's NMI masking itself, as the CPU would for a real
 * NMI: masked from the injection until the guest's IRET has completed.
 * IRET is intercepted while masked; at that exit the IRET has not run
 * yet, so NMIs unmask at the first exit with RIP elsewhere. The NMI window
 * (an NMI waits, but the guest cannot take it) is the IRET exit when
 * masking is all that holds it back; an exit right after VMRUN delivered
 * the event EVENTINJ holds (a self-IPI, pending when VMRUN sets GIF); else
 * a single step: RFLAGS.TF for one instruction (past the IRET or an
 * interrupt shadow), whose #DB comes back as an exit (always intercepted)
 * and is the guest's only if it was stepping itself. No event goes in
 * while okvm steps, so no handler's frame ever holds okvm's TF.
 */
#include <asm/debugreg.h>
#include <asm/svm.h>

#include <okvm/hw.h>

#include "svm.h"

/**
 * okvm_svm_nmi_masked() - the guest is handling an NMI
 * @vcpu: the vCPU
 *
 * Return: true from an NMI's injection until its IRET completed.
 */
bool okvm_svm_nmi_masked(struct okvm_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi_masked;
}

/**
 * okvm_svm_set_nmi_masked() - mask or unmask the guest's NMIs
 * @vcpu: the vCPU
 * @masked: masked, as after an NMI's injection
 */
void okvm_svm_set_nmi_masked(struct okvm_vcpu *vcpu, bool masked)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	svm->nmi_masked = masked;
	svm->nmi_awaiting_iret = false;
	if (masked)
		okvm_svm_set_intercept(&svm->vmcb->control, INTERCEPT_IRET);
	else
		okvm_svm_clr_intercept(&svm->vmcb->control, INTERCEPT_IRET);
}

/**
 * okvm_svm_nmi_allowed() - the guest would take an NMI now
 * @vcpu: the vCPU
 *
 * Return: true unless NMIs are masked, the guest is in an interrupt
 * shadow, or an event already waits in EVENTINJ.
 */
bool okvm_svm_nmi_allowed(struct okvm_vcpu *vcpu)
{
	const struct okvm_svm_vcpu *svm = to_svm(vcpu);

	return !svm->nmi_masked && !okvm_svm_interrupt_shadow(svm->vmcb, vcpu->rip) &&
	       !(svm->vmcb->control.event_inj & SVM_EVTINJ_VALID);
}

/**
 * okvm_svm_inject_nmi() - deliver an NMI at the next VMRUN
 * @vcpu: the vCPU; okvm_svm_nmi_allowed() said yes
 */
void okvm_svm_inject_nmi(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	svm->vmcb->control.event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI;
	okvm_svm_set_nmi_masked(vcpu, true);
	/* A step for this NMI's window would land in its handler: not needed now. */
	svm->nmi_singlestep = false;
}

/**
 * okvm_svm_set_nmi_window() - exit as soon as the guest could take an NMI
 * @vcpu: the vCPU, with an NMI waiting that okvm_svm_nmi_allowed() refused
 */
void okvm_svm_set_nmi_window(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	/* The IRET exit comes first: nothing to add. */
	if (svm->nmi_masked && !svm->nmi_awaiting_iret)
		return;
	/* Stepping into the event's handler would push TF into its frame. */
	if (svm->vmcb->control.event_inj & SVM_EVTINJ_VALID) {
		svm->nmi_immediate_exit = true;
		return;
	}
	if (svm->nmi_singlestep)
		return;
	svm->nmi_singlestep = true;
	svm->nmi_singlestep_guest_flags = vcpu->rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF);
}

/**
 * okvm_svm_nmi_iret() - the IRET intercept: the guest ends its NMI handler
 * @svm: the vCPU
 *
 * Return: 1: the IRET runs at the next entry, without the intercept.
 */
int okvm_svm_nmi_iret(struct okvm_svm_vcpu *svm)
{
	okvm_svm_clr_intercept(&svm->vmcb->control, INTERCEPT_IRET);
	svm->nmi_awaiting_iret = true;
	svm->nmi_iret_rip = svm->vcpu.rip;
	okvm_make_request(&svm->vcpu, OKVM_REQ_EVENT);
	return 1;
}

/**
 * okvm_svm_nmi_after_exit() - at every exit: an IRET awaited has completed
 * @svm: the vCPU
 */
void okvm_svm_nmi_after_exit(struct okvm_svm_vcpu *svm)
{
	if (svm->nmi_awaiting_iret && svm->vcpu.rip != svm->nmi_iret_rip) {
		svm->nmi_masked = false;
		svm->nmi_awaiting_iret = false;
		okvm_make_request(&svm->vcpu, OKVM_REQ_EVENT);
	}
}

/**
 * okvm_svm_nmi_step_done() - a #DB exit: end okvm's single step
 * @svm: the vCPU
 * @dr6: the event's DR6 bits, active high; DR_STEP is taken out unless
 *	the guest was stepping itself
 *
 * Return: true if the #DB was okvm's step alone, not to be delivered.
 */
bool okvm_svm_nmi_step_done(struct okvm_svm_vcpu *svm, u64 *dr6)
{
	if (!svm->nmi_singlestep)
		return false;
	svm->nmi_singlestep = false;
	okvm_make_request(&svm->vcpu, OKVM_REQ_EVENT);
	if (svm->nmi_singlestep_guest_flags & X86_EFLAGS_TF)
		return false;
	*dr6 &= ~(u64)DR_STEP;
	return !*dr6;
}
