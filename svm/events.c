// SPDX-License-Identifier: GPL-2.0
/*
 * The event an SVM guest is being given (EVENTINJ, which an exit during
 * its delivery refills from EXITINTINFO, svm/exit.c) and its interrupt
 * shadow, as KVM_GET/SET_VCPU_EVENTS carry them.
 */
#include <linux/errno.h>
#include <asm/svm.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>

#include "svm.h"

/**
 * okvm_svm_get_events() - the event in EVENTINJ and the interrupt shadow
 * @vcpu: the vCPU
 * @events: its exception, interrupt and nmi.injected parts are filled in
 */
void okvm_svm_get_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *events)
{
	const struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u32 inj = vmcb->control.event_inj;
	u8 vector = inj & SVM_EVTINJ_VEC_MASK;

	/* Both kinds of shadow, as KVM reports SVM's one bit. */
	if (okvm_svm_interrupt_shadow(vmcb, vcpu->rip))
		events->interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS | KVM_X86_SHADOW_INT_STI;
	if (!(inj & SVM_EVTINJ_VALID))
		return;
	switch (inj & SVM_EVTINJ_TYPE_MASK) {
	case SVM_EVTINJ_TYPE_EXEPT:
		events->exception.injected = 1;
		events->exception.nr = vector;
		events->exception.has_error_code = !!(inj & SVM_EVTINJ_VALID_ERR);
		events->exception.error_code = vmcb->control.event_inj_err;
		break;
	case SVM_EVTINJ_TYPE_NMI:
		events->nmi.injected = 1;
		break;
	case SVM_EVTINJ_TYPE_INTR:
		events->interrupt.injected = 1;
		events->interrupt.nr = vector;
		break;
	}
}

/**
 * okvm_svm_set_events() - put an event into EVENTINJ, and the shadow
 * @vcpu: the vCPU
 * @events: checked by core/vcpu_events.c: at most one event, no soft
 *	interrupt
 *
 * Return: 0.
 */
int okvm_svm_set_events(struct okvm_vcpu *vcpu, const struct kvm_vcpu_events *events)
{
	struct vmcb *vmcb = to_svm(vcpu)->vmcb;
	u32 inj = 0;

	if (events->exception.injected) {
		inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT | events->exception.nr;
		if (events->exception.has_error_code)
			inj |= SVM_EVTINJ_VALID_ERR;
		vmcb->control.event_inj_err = events->exception.error_code;
	} else if (events->nmi.injected) {
		inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI;
	} else if (events->interrupt.injected) {
		inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR | events->interrupt.nr;
	}
	vmcb->control.event_inj = inj;
	if (events->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		/* The shadow is the instruction at RIP's (okvm_svm_interrupt_shadow()). */
		vmcb->save.rip = vcpu->rip;
		if (events->interrupt.shadow)
			vmcb->control.int_state |= SVM_INTERRUPT_SHADOW_MASK;
		else
			vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	}
	return 0;
}
