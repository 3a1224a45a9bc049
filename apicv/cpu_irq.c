// SPDX-License-Identifier: GPL-2.0
/*
 * What a vCPU with an in-kernel irqchip has for its INTR input: the one
 * question the run loop asks (may a halted vCPU wake, what goes in now),
 * whatever controller answers it. The PIC's output comes first when the
 * local APIC passes it on (ExtINT), as in KVM; then the APIC's own.
 */
#include <okvm/cpu_irq.h>
#include <okvm/lapic.h>
#include <okvm/pic.h>
#include <okvm/vm.h>

/* The PIC asks for an interrupt and this vCPU's APIC lets it through. */
static bool okvm_cpu_has_extint(struct okvm_vcpu *vcpu)
{
	return okvm_pic_output(vcpu->vm) && okvm_lapic_accepts_extint(vcpu->apic);
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
 * puts it in service, the local APIC moves it from its IRR into its ISR.
 *
 * Return: the vector, or -1 if there is none.
 */
int okvm_cpu_get_interrupt(struct okvm_vcpu *vcpu)
{
	int vector;

	if (okvm_cpu_has_extint(vcpu))
		return okvm_pic_read_irq(vcpu->vm);
	vector = okvm_lapic_pending_vector(vcpu->apic);
	if (vector >= 0)
		okvm_lapic_ack(vcpu->apic, vector);
	return vector;
}
