// SPDX-License-Identifier: GPL-2.0
/*
 * What a vCPU with an in-kernel irqchip has for its INTR input: the one
 * question the run loop asks (may a halted vCPU wake, what goes in now),
 * whatever controller answers it. The PIC's output comes first when the
 * local APIC passes it on (ExtINT), as in KVM; then the APIC's own. With a
 * split irqchip the PIC is the VMM's, and its interrupt is the vector of
 * KVM_INTERRUPT.
 */
#include <okvm/cpu_irq.h>
#include <okvm/lapic.h>
#include <okvm/pic.h>
#include <okvm/vm.h>

/**
 * okvm_cpu_has_extint() - a PIC's interrupt waits and the APIC lets it through
 * @vcpu: the vCPU, with an in-kernel APIC, in its own thread
 *
 * Return: true if the in-kernel PIC asks for an interrupt, or with a split
 * irqchip KVM_INTERRUPT's vector waits, and LINT0 passes it on.
 */
bool okvm_cpu_has_extint(struct okvm_vcpu *vcpu)
{
	bool pending = vcpu->vm->pic ? okvm_pic_output(vcpu->vm) : vcpu->user_irq >= 0;

	return pending && okvm_lapic_accepts_extint(vcpu->apic);
}

/**
 * okvm_cpu_has_interrupt() - an interrupt waits for the vCPU to take it
 * @vcpu: the vCPU, with an in-kernel APIC, in its own thread
 *
 * Return: true if okvm_cpu_get_interrupt() would return a vector now
 * (the PIC's may turn out to be its spurious one by then).
 */
bool okvm_cpu_has_interrupt(struct okvm_vcpu *vcpu)
{
	return okvm_cpu_has_extint(vcpu) || okvm_lapic_pending_vector(vcpu->apic) >= 0;
}

/**
 * okvm_cpu_get_interrupt() - the interrupt acknowledge cycle
 * @vcpu: the vCPU, with an in-kernel APIC, in its own thread, about to
 *	inject what this returns
 *
 * The controller that has the interrupt takes it as delivered: the PIC
 * puts it in service (the VMM's vector is consumed), the local APIC moves
 * it from its IRR into its ISR.
 *
 * Return: the vector, or -1 if there is none.
 */
int okvm_cpu_get_interrupt(struct okvm_vcpu *vcpu)
{
	int vector;

	if (okvm_cpu_has_extint(vcpu)) {
		if (vcpu->vm->pic)
			return okvm_pic_read_irq(vcpu->vm);
		vector = vcpu->user_irq;
		vcpu->user_irq = -1;
		return vector;
	}
	vector = okvm_lapic_pending_vector(vcpu->apic);
	if (vector >= 0)
		okvm_lapic_ack(vcpu->apic, vector);
	return vector;
}
