/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC of a vCPU (apicv/), and the interrupt messages
 * that travel between APICs. Documentation/apic.rst has the whole path.
 */
#ifndef _OKVM_LAPIC_H
#define _OKVM_LAPIC_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kvm_types.h>
#include <linux/types.h>

struct kvm_lapic_state;
struct okvm_vcpu;
struct okvm_vm;

/* Bits of okvm_lapic.pending_events: INIT and SIPI wait for the vCPU. */
#define OKVM_APIC_INIT		0
#define OKVM_APIC_SIPI		1

/* KVM's APIC bus clock: one cycle per nanosecond, before TDCR's divider. */
#define OKVM_APIC_BUS_CYCLE_NS_DEFAULT	1

/**
 * struct okvm_lapic_timer - the LVT timer
 * @hrtimer: fires at the next expiry, in hard interrupt context
 * @period_ns: a periodic timer's period; 0 when one-shot
 * @start: when the current count began, for TMCCT
 * @ns_per_count: nanoseconds per count: the bus cycle times the divider
 * @tsc_deadline: IA32_TSC_DEADLINE as the guest wrote it; 0 once it fired
 * @pending: expiries the vCPU has not put into its IRR yet
 */
struct okvm_lapic_timer {
	struct hrtimer hrtimer;
	u64 period_ns;
	ktime_t start;
	u64 ns_per_count;
	u64 tsc_deadline;
	atomic_t pending;
};

/**
 * struct okvm_lapic - one vCPU's local APIC
 * @vcpu: its vCPU
 * @regs: the register page in the xAPIC layout (asm/apicdef.h offsets);
 *	KVM_GET/SET_LAPIC copy its first 1 KiB. IRR and TMR bits are set with
 *	atomic bit operations by any sender; the rest belongs to the vCPU's
 *	thread, which holds the vCPU's mutex
 * @timer: the LVT timer
 * @pending_events: OKVM_APIC_INIT and OKVM_APIC_SIPI, set by senders
 * @sipi_vector: the vector of the last SIPI
 * @isr_count: vectors set in the ISR, so EOI and PPR need no scan when 0
 * @esr_pending: errors seen since the last ESR write (senders set them)
 *
 * IA32_APIC_BASE is the vCPU's apic_base, which exists without an
 * in-kernel APIC too.
 */
struct okvm_lapic {
	struct okvm_vcpu *vcpu;
	void *regs;
	struct okvm_lapic_timer timer;
	unsigned long pending_events;
	u8 sipi_vector;
	unsigned int isr_count;
	atomic_t esr_pending;
};

/**
 * struct okvm_apic_irq - an interrupt message, as an ICR, an MSI or an
 *	IOAPIC redirection entry describes it
 * @vector: the vector
 * @delivery_mode: APIC_DM_* of asm/apicdef.h (FIXED, LOWEST, NMI, INIT,
 *	STARTUP, EXTINT)
 * @dest_logical: the destination is a logical one
 * @level_trigger: level-triggered (the EOI goes back to the IOAPIC)
 * @assert: the level is asserted (an INIT with this clear is a de-assert)
 * @shorthand: 0, APIC_DEST_SELF, APIC_DEST_ALLINC or APIC_DEST_ALLBUT
 * @dest_id: the destination: an APIC ID or a logical mask
 */
struct okvm_apic_irq {
	u8 vector;
	u32 delivery_mode;
	bool dest_logical;
	bool level_trigger;
	bool assert;
	u32 shorthand;
	u32 dest_id;
};

int okvm_lapic_create(struct okvm_vcpu *vcpu);
void okvm_lapic_free(struct okvm_vcpu *vcpu);
void okvm_lapic_reset(struct okvm_lapic *apic, bool init);

bool okvm_lapic_hw_enabled(const struct okvm_lapic *apic);
bool okvm_lapic_x2apic_mode(const struct okvm_lapic *apic);
u32 okvm_lapic_id(const struct okvm_lapic *apic);
int okvm_lapic_set_base(struct okvm_lapic *apic, u64 value, bool host);
int okvm_lapic_mmio(struct okvm_vcpu *vcpu, gpa_t gpa, bool write, u64 *data,
		    unsigned int size);
bool okvm_lapic_msr(const struct okvm_vcpu *vcpu, u32 index);
int okvm_lapic_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_lapic_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);

u8 okvm_lapic_get_cr8(struct okvm_lapic *apic);
void okvm_lapic_set_cr8(struct okvm_lapic *apic, u8 cr8);
int okvm_lapic_tpr_blocked_class(struct okvm_lapic *apic);
bool okvm_lapic_accepts_extint(const struct okvm_lapic *apic);
int okvm_lapic_pending_vector(struct okvm_lapic *apic);
void okvm_lapic_ack(struct okvm_lapic *apic, u8 vector);
void okvm_lapic_accept_events(struct okvm_lapic *apic);

void okvm_lapic_get_state(struct okvm_lapic *apic, struct kvm_lapic_state *s);
int okvm_lapic_set_state(struct okvm_lapic *apic, const struct kvm_lapic_state *s);

int okvm_apic_send(struct okvm_vm *vm, struct okvm_lapic *src,
		   const struct okvm_apic_irq *irq);
bool okvm_apic_accept(struct okvm_lapic *apic, const struct okvm_apic_irq *irq);
bool okvm_apic_match(const struct okvm_lapic *target, const struct okvm_lapic *src,
		     const struct okvm_apic_irq *irq);

int okvm_enable_apic_bus_cycles(struct okvm_vm *vm, u64 bus_cycle_ns);
void okvm_lapic_timer_init(struct okvm_lapic *apic);
void okvm_lapic_timer_cancel(struct okvm_lapic *apic);
void okvm_lapic_timer_restart(struct okvm_lapic *apic);
u32 okvm_lapic_timer_current_count(struct okvm_lapic *apic);
void okvm_lapic_timer_set_deadline(struct okvm_lapic *apic, u64 deadline);
void okvm_lapic_timer_deliver(struct okvm_lapic *apic);

#endif /* _OKVM_LAPIC_H */
