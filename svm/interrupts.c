// SPDX-License-Identifier: GPL-2.0
/*
 * External interrupts into an SVM guest: injection through EVENTINJ, and
 * the interrupt window, a virtual interrupt (V_IRQ) that the guest would
 * take as soon as RFLAGS.IF lets it, intercepted (VINTR) so that okvm
 * injects the real one then; for an interrupt the TPR holds back, an exit
 * at each CR8 write instead.
 */
#include <asm/svm.h>

#include <okvm/hw.h>

#include "svm.h"

/**
 * okvm_svm_interrupt_allowed() - the guest would take an interrupt now
 * @vcpu: the vCPU
 *
 * Return: true with RFLAGS.IF set, no interrupt shadow (STI, MOV SS), no
 * event already waiting in EVENTINJ, and no single step of okvm's for an
 * NMI (the interrupt's frame would hold okvm's TF; it goes in after).
 */
bool okvm_svm_interrupt_allowed(struct okvm_vcpu *vcpu)
{
	const struct okvm_svm_vcpu *svm = to_svm(vcpu);

	return (vcpu->rflags & X86_EFLAGS_IF) && !okvm_svm_interrupt_shadow(svm->vmcb, vcpu->rip) &&
	       !(svm->vmcb->control.event_inj & SVM_EVTINJ_VALID) && !svm->nmi_singlestep;
}

/**
 * okvm_svm_inject_irq() - deliver an external interrupt at the next VMRUN
 * @vcpu: the vCPU; okvm_svm_interrupt_allowed() said yes
 * @vector: the vector
 */
void okvm_svm_inject_irq(struct okvm_vcpu *vcpu, u8 vector)
{
	to_svm(vcpu)->vmcb->control.event_inj = vector | SVM_EVTINJ_TYPE_INTR |
						SVM_EVTINJ_VALID;
}

/**
 * okvm_svm_set_irq_window() - exit when the guest can take an interrupt
 * @vcpu: the vCPU
 * @class: the priority class (vector bits 7:4) of the interrupt that
 *	waits for the guest's TPR to drop below it; OKVM_IRQ_WINDOW_ANY for
 *	one that waits only for RFLAGS.IF; OKVM_IRQ_WINDOW_NONE to stop
 *
 * A TPR wait intercepts CR8 writes, as KVM does, rather than post a V_IRQ
 * of that priority: the APM takes such a V_IRQ once V_INTR_PRIO > V_TPR,
 * QEMU already at V_INTR_PRIO == V_TPR, and there it would exit again and
 * again with the interrupt still held back. The VINTR exit this asks for
 * clears the window again (svm/exit.c).
 */
void okvm_svm_set_irq_window(struct okvm_vcpu *vcpu, int class)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	c->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	okvm_svm_clr_intercept(c, INTERCEPT_VINTR);
	okvm_svm_clr_intercept(c, INTERCEPT_CR8_WRITE);
	if (class == OKVM_IRQ_WINDOW_NONE)
		return;
	if (class != OKVM_IRQ_WINDOW_ANY) {
		okvm_svm_set_intercept(c, INTERCEPT_CR8_WRITE);
		return;
	}
	c->int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK | (0xf << V_INTR_PRIO_SHIFT);
	okvm_svm_set_intercept(c, INTERCEPT_VINTR);
}
