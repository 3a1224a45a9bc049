// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt messages between APICs: which APICs an ICR (or, later, an MSI
 * or IOAPIC entry) addresses, and what each does on accepting it.
 *
 * A sender reads the targets' ID, LDR and DFR without their owners' locks
 * (READ_ONCE): a message racing a change of the target's ID may find the
 * old or the new one, as it may on hardware. Accepting sets IRR and TMR
 * bits atomically, then asks the target for OKVM_REQ_EVENT and kicks it.
 */
#include <asm/apicdef.h>

#include <okvm/lapic.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

static u32 okvm_reg(const struct okvm_lapic *apic, u32 offset)
{
	return READ_ONCE(*(u32 *)(apic->regs + offset));
}

static unsigned long *okvm_vector_word(const struct okvm_lapic *apic, u32 array, u8 vector)
{
	return apic->regs + array + (vector / 32) * 0x10;
}

/* A logical destination against the target's LDR (and DFR in xAPIC mode). */
static bool okvm_apic_logical_match(const struct okvm_lapic *target, u32 dest)
{
	u32 ldr = okvm_reg(target, APIC_LDR);
	u32 logical;

	if (okvm_lapic_x2apic_mode(target))
		return dest == 0xffffffff ||
		       ((ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff));
	dest &= 0xff;
	logical = ldr >> 24;
	if (dest == 0xff)
		return true;
	if ((okvm_reg(target, APIC_DFR) >> 28) == 0xf)
		return logical & dest;
	/* Cluster model: cluster in bits 7:4, up to four APICs in 3:0. */
	return (logical >> 4) == (dest >> 4) && (logical & dest & 0xf);
}

/**
 * okvm_apic_match() - a message addresses an APIC
 * @target: the APIC
 * @src: the sender's APIC, for the shorthands; NULL for a device's message
 * @irq: the message
 *
 * Return: true if @target is among the destinations (a hardware-disabled
 * APIC never is).
 */
bool okvm_apic_match(const struct okvm_lapic *target, const struct okvm_lapic *src,
		     const struct okvm_apic_irq *irq)
{
	if (!okvm_lapic_hw_enabled(target))
		return false;
	switch (irq->shorthand) {
	case APIC_DEST_SELF:
		return target == src;
	case APIC_DEST_ALLINC:
		return true;
	case APIC_DEST_ALLBUT:
		return target != src;
	}
	/*
	 * KVM's broadcast quirk, until KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK:
	 * a device's message to the xAPIC broadcast ID reaches x2APICs too,
	 * in either destination mode.
	 */
	if (!src && irq->dest_id == 0xff && okvm_lapic_x2apic_mode(target) &&
	    !READ_ONCE(target->vcpu->vm->x2apic_broadcast_quirk_disabled))
		return true;
	if (irq->dest_logical)
		return okvm_apic_logical_match(target, irq->dest_id);
	if (okvm_lapic_x2apic_mode(target))
		return irq->dest_id == 0xffffffff || irq->dest_id == okvm_lapic_id(target);
	/* Exactly 0xff: an MSI's 32-bit ID 0x1ff names no xAPIC, as in KVM. */
	return irq->dest_id == 0xff || irq->dest_id == okvm_lapic_id(target);
}

/**
 * okvm_apic_send() - deliver an interrupt message to every APIC it addresses
 * @vm: the VM
 * @src: the sending APIC, for the shorthands; NULL for a device
 * @irq: the message
 *
 * A lowest-priority message goes to the addressed APIC with the lowest
 * TPR (the first one of those, in vCPU order).
 *
 * Return: how many APICs took it.
 */
int okvm_apic_send(struct okvm_vm *vm, struct okvm_lapic *src,
		   const struct okvm_apic_irq *irq)
{
	/* Pairs with the release in okvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, nr = smp_load_acquire(&vm->nr_vcpus);
	struct okvm_lapic *lowest = NULL;
	int taken = 0;

	for (i = 0; i < nr; i++) {
		struct okvm_lapic *apic = vm->vcpus[i]->apic;

		if (!apic || !okvm_apic_match(apic, src, irq))
			continue;
		if (irq->delivery_mode != APIC_DM_LOWEST) {
			taken += okvm_apic_accept(apic, irq);
			continue;
		}
		if (!lowest || (okvm_reg(apic, APIC_TASKPRI) & 0xff) <
			       (okvm_reg(lowest, APIC_TASKPRI) & 0xff))
			lowest = apic;
	}
	if (lowest)
		taken += okvm_apic_accept(lowest, irq);
	return taken;
}

/**
 * okvm_apic_accept() - one APIC accepts an interrupt message
 * @apic: the target
 * @irq: the message
 *
 * Fixed and lowest-priority messages set the vector in the IRR (and the
 * TMR for level-triggered ones), INIT and STARTUP wait for the vCPU
 * (okvm_lapic_accept_events()), NMI is queued for it (core/nmi.c). A
 * software-disabled APIC takes only INIT, STARTUP and NMI; vectors 0-15
 * are illegal and set ESR's receive error.
 *
 * Return: true if the APIC took it.
 */
bool okvm_apic_accept(struct okvm_lapic *apic, const struct okvm_apic_irq *irq)
{
	struct okvm_vcpu *vcpu = apic->vcpu;

	switch (irq->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (!(okvm_reg(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED))
			return false;
		if (irq->vector < 16) {
			atomic_or(APIC_ESR_RECVILL, &apic->esr_pending);
			return false;
		}
		if (irq->level_trigger)
			set_bit(irq->vector % 32, okvm_vector_word(apic, APIC_TMR, irq->vector));
		else
			clear_bit(irq->vector % 32, okvm_vector_word(apic, APIC_TMR, irq->vector));
		set_bit(irq->vector % 32, okvm_vector_word(apic, APIC_IRR, irq->vector));
		break;
	case APIC_DM_INIT:
		/* A level-triggered de-assert is the old INIT handshake: nothing. */
		if (irq->level_trigger && !irq->assert)
			return false;
		/* A SIPI not taken yet came before this INIT: it starts nothing. */
		clear_bit(OKVM_APIC_SIPI, &apic->pending_events);
		set_bit(OKVM_APIC_INIT, &apic->pending_events);
		break;
	case APIC_DM_STARTUP:
		WRITE_ONCE(apic->sipi_vector, irq->vector);
		/* The vector before the bit: okvm_lapic_accept_events() reads it after. */
		smp_wmb();
		set_bit(OKVM_APIC_SIPI, &apic->pending_events);
		break;
	case APIC_DM_NMI:
		/* Counted for core/nmi.c; as in KVM, even a software-disabled APIC takes it. */
		atomic_inc(&vcpu->nmi_queued);
		/* The count before the request okvm_vcpu_wake() makes. */
		smp_mb__after_atomic();
		break;
	default:
		/* SMI (no SMM); ExtINT comes from the PIC through LINT0 (cpu_irq.c). */
		return false;
	}
	trace_okvm_apic_accept(vcpu->id, irq->delivery_mode, irq->vector);
	okvm_vcpu_wake(vcpu);
	return true;
}
