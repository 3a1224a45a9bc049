// SPDX-License-Identifier: GPL-2.0
/*
 * What a vCPU with an in-kernel irqchip has for its INTR input: the one
 * question the run loop asks (may a halted vCPU wake, what goes in now),
 * whatever controller answers it. Today that is the local APIC alone.
 */
#include <okvm/cpu_irq.h>
#include <okvm/lapic.h>
#include <okvm/vm.h>

/**
 * okvm_cpu_has_interrupt() - an interrupt waits for the vCPU to take it
 * @vcpu: the vCPU, with an in-kernel APIC, in its own thread
 *
 * Return: true if okvm_cpu_get_interrupt() would return a vector now.
 */
bool okvm_cpu_has_interrupt(struct okvm_vcpu *vcpu)
{
	return okvm_lapic_pending_vector(vcpu->apic) >= 0;
}

/**
 * okvm_cpu_get_interrupt() - the interrupt acknowledge cycle
 * @vcpu: the vCPU, with an in-kernel APIC, in its own thread, about to
 *	inject what this returns
 *
 * The controller that has the interrupt takes it as delivered (the local
 * APIC moves it from its IRR into its ISR).
 *
 * Return: the vector, or -1 if there is none.
 */
int okvm_cpu_get_interrupt(struct okvm_vcpu *vcpu)
{
	int vector = okvm_lapic_pending_vector(vcpu->apic);

	if (vector >= 0)
		okvm_lapic_ack(vcpu->apic, vector);
	return vector;
}
