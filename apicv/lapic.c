// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's registers: the xAPIC page (reached through MMIO
 * emulation; no memslot backs it), the x2APIC MSRs, KVM_GET/SET_LAPIC, and
 * the priority rules that pick the interrupt to inject.
 *
 * The register page is the vCPU thread's, except IRR and TMR, which any
 * sender sets with atomic bit operations (apicv/apic_bus.c); the vCPU reads
 * them with READ_ONCE and looks again after each wakeup (a sender always
 * makes an OKVM_REQ_EVENT request after setting a bit).
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>
#include <okvm/ioapic.h>
#include <okvm/irq_routing.h>
#include <okvm/lapic.h>
#include <okvm/msr.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

/* Version 0x14 (integrated xAPIC), six LVT entries (LVTT to LVTERR). */
#define OKVM_APIC_VERSION	(0x14 | (5 << 16))
#define OKVM_APIC_SVR_MASK	0x3ff
#define OKVM_X2APIC_MSR_FIRST	APIC_BASE_MSR
#define OKVM_X2APIC_MSR_LAST	(APIC_BASE_MSR + 0xff)
/* x2APIC ICR bits that must be 0 (KVM ignores bit 12, delivery status, too). */
#define OKVM_X2APIC_ICR_RESERVED	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | BIT_ULL(13))

/* Writable bits of each LVT entry (delivery status and remote IRR are not). */
#define OKVM_LVT_TIMER_MASK	(APIC_VECTOR_MASK | APIC_LVT_MASKED | (3 << 17))
#define OKVM_LVT_MODE_MASK	(APIC_VECTOR_MASK | APIC_MODE_MASK | APIC_LVT_MASKED)
#define OKVM_LVT_LINT_MASK	(OKVM_LVT_MODE_MASK | APIC_INPUT_POLARITY | \
				 APIC_LVT_LEVEL_TRIGGER)
#define OKVM_LVT_ERR_MASK	(APIC_VECTOR_MASK | APIC_LVT_MASKED)

static const u32 okvm_lvt_regs[] = {
	APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
};

static u32 okvm_reg(const struct okvm_lapic *apic, u32 offset)
{
	return READ_ONCE(*(u32 *)(apic->regs + offset));
}

static void okvm_set_reg(struct okvm_lapic *apic, u32 offset, u32 value)
{
	WRITE_ONCE(*(u32 *)(apic->regs + offset), value);
}

/* The 32-bit register of a 256-bit vector array (ISR, TMR, IRR) holding @vector. */
static unsigned long *okvm_vector_word(const struct okvm_lapic *apic, u32 array, u8 vector)
{
	return apic->regs + array + (vector / 32) * 0x10;
}

static int okvm_highest_vector(const struct okvm_lapic *apic, u32 array)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 word = okvm_reg(apic, array + i * 0x10);

		if (word)
			return i * 32 + __fls(word);
	}
	return -1;
}

/**
 * okvm_lapic_hw_enabled() - IA32_APIC_BASE.EN: the APIC exists for the guest
 * @apic: the APIC
 *
 * Return: true if it is enabled in IA32_APIC_BASE.
 */
bool okvm_lapic_hw_enabled(const struct okvm_lapic *apic)
{
	return READ_ONCE(apic->vcpu->apic_base) & MSR_IA32_APICBASE_ENABLE;
}

/**
 * okvm_lapic_x2apic_mode() - the APIC is in x2APIC mode
 * @apic: the APIC
 *
 * Return: true if IA32_APIC_BASE has both EN and EXTD.
 */
bool okvm_lapic_x2apic_mode(const struct okvm_lapic *apic)
{
	return (READ_ONCE(apic->vcpu->apic_base) & (X2APIC_ENABLE | MSR_IA32_APICBASE_ENABLE)) ==
	       (X2APIC_ENABLE | MSR_IA32_APICBASE_ENABLE);
}

/**
 * okvm_lapic_id() - the APIC ID destinations are matched against
 * @apic: the APIC
 *
 * Return: the 32-bit x2APIC ID, or the 8-bit xAPIC ID.
 */
u32 okvm_lapic_id(const struct okvm_lapic *apic)
{
	u32 id = okvm_reg(apic, APIC_ID);

	return okvm_lapic_x2apic_mode(apic) ? id : id >> 24;
}

static bool okvm_lapic_sw_enabled(const struct okvm_lapic *apic)
{
	return okvm_reg(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

/* x2APIC: the ID is the vCPU's, and the logical ID follows from it. */
static void okvm_lapic_set_x2apic_id(struct okvm_lapic *apic)
{
	u32 id = apic->vcpu->id;

	okvm_set_reg(apic, APIC_ID, id);
	okvm_set_reg(apic, APIC_LDR, ((id >> 4) << 16) | BIT(id & 0xf));
}

/* PPR: the TPR, or the class of the highest vector in service if higher. */
static void okvm_lapic_update_ppr(struct okvm_lapic *apic)
{
	u32 tpr = okvm_reg(apic, APIC_TASKPRI) & APIC_TPRI_MASK;
	int isrv = apic->isr_count ? okvm_highest_vector(apic, APIC_ISR) : -1;
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	okvm_set_reg(apic, APIC_PROCPRI, (tpr & 0xf0) >= isr_class ? tpr : isr_class);
}

/**
 * okvm_lapic_accepts_extint() - the APIC passes the PIC's INTR on to its CPU
 * @apic: the APIC; any thread may ask
 *
 * Return: true if the APIC is disabled in IA32_APIC_BASE (the CPU's INTR
 * pin is then the PIC's) or LVT0 is unmasked in ExtINT mode.
 */
bool okvm_lapic_accepts_extint(const struct okvm_lapic *apic)
{
	u32 lvt0 = okvm_reg(apic, APIC_LVT0);

	if (!okvm_lapic_hw_enabled(apic))
		return true;
	return !(lvt0 & APIC_LVT_MASKED) && (lvt0 & APIC_MODE_MASK) == APIC_DM_EXTINT;
}

/**
 * okvm_lapic_pending_vector() - the interrupt the APIC would deliver now
 * @apic: the APIC
 *
 * The highest vector requested whose priority class is above the PPR's.
 *
 * Return: the vector, or -1 if none may be delivered.
 */
int okvm_lapic_pending_vector(struct okvm_lapic *apic)
{
	int irr;

	if (!okvm_lapic_hw_enabled(apic))
		return -1;
	irr = okvm_highest_vector(apic, APIC_IRR);
	if (irr < 0 || (irr & 0xf0) <= (okvm_reg(apic, APIC_PROCPRI) & 0xf0))
		return -1;
	return irr;
}

/**
 * okvm_lapic_ack() - the CPU took @vector: from the IRR into the ISR
 * @apic: the APIC
 * @vector: what okvm_lapic_pending_vector() returned
 */
void okvm_lapic_ack(struct okvm_lapic *apic, u8 vector)
{
	clear_bit(vector % 32, okvm_vector_word(apic, APIC_IRR, vector));
	if (!__test_and_set_bit(vector % 32, okvm_vector_word(apic, APIC_ISR, vector)))
		apic->isr_count++;
	okvm_lapic_update_ppr(apic);
}

/* EOI: the highest vector in service is done; a level one goes back to its source. */
static void okvm_lapic_eoi(struct okvm_lapic *apic)
{
	int vector = apic->isr_count ? okvm_highest_vector(apic, APIC_ISR) : -1;
	bool level;

	if (vector < 0)
		return;
	__clear_bit(vector % 32, okvm_vector_word(apic, APIC_ISR, vector));
	apic->isr_count--;
	okvm_lapic_update_ppr(apic);
	trace_okvm_apic_eoi(apic->vcpu->id, vector);
	/*
	 * A level-triggered interrupt's source hears of it: the in-kernel
	 * IOAPIC, or the VMM's through an exit (which KVM decides from the
	 * routes, not the TMR).
	 */
	level = test_bit(vector % 32, okvm_vector_word(apic, APIC_TMR, vector));
	if (apic->vcpu->vm->irqchip_split) {
		if (okvm_irq_routing_eoi_exits(apic->vcpu, vector, level)) {
			apic->vcpu->pending_ioapic_eoi = vector;
			okvm_make_request(apic->vcpu, OKVM_REQ_IOAPIC_EOI_EXIT);
		}
	} else if (level) {
		okvm_ioapic_eoi(apic->vcpu->vm, vector);
	}
	/* A lower vector may be deliverable now. */
	okvm_make_request(apic->vcpu, OKVM_REQ_EVENT);
}

/**
 * okvm_lapic_get_cr8() - CR8, the TPR's priority class
 * @apic: the APIC
 *
 * Return: TPR bits 7:4.
 */
u8 okvm_lapic_get_cr8(struct okvm_lapic *apic)
{
	return (okvm_reg(apic, APIC_TASKPRI) >> 4) & 0xf;
}

static void okvm_lapic_set_tpr(struct okvm_lapic *apic, u32 tpr)
{
	okvm_set_reg(apic, APIC_TASKPRI, tpr & APIC_TPRI_MASK);
	okvm_lapic_update_ppr(apic);
	okvm_make_request(apic->vcpu, OKVM_REQ_EVENT);
}

/**
 * okvm_lapic_set_cr8() - the guest wrote CR8 (a MOV to CR8 or the VMCB's V_TPR)
 * @apic: the APIC
 * @cr8: the new value, 0-15
 */
void okvm_lapic_set_cr8(struct okvm_lapic *apic, u8 cr8)
{
	if (cr8 != okvm_lapic_get_cr8(apic))
		okvm_lapic_set_tpr(apic, (cr8 & 0xf) << 4);
}

/**
 * okvm_lapic_tpr_blocked_class() - the class of an interrupt only the TPR holds back
 * @apic: the APIC
 *
 * The backend then opens an interrupt window for that class, so that the
 * guest lowering its TPR (CR8, which need not exit) lets okvm inject it.
 *
 * Return: the priority class of the highest IRR vector if the TPR, and not
 * a vector in service, blocks it; OKVM_IRQ_WINDOW_NONE otherwise, and for
 * a disabled APIC or vectors 0-15, which no TPR lets through.
 */
int okvm_lapic_tpr_blocked_class(struct okvm_lapic *apic)
{
	int irr = okvm_highest_vector(apic, APIC_IRR);
	int isrv = apic->isr_count ? okvm_highest_vector(apic, APIC_ISR) : -1;

	if (!okvm_lapic_hw_enabled(apic) || irr < 16 ||
	    (isrv >= 0 && (irr & 0xf0) <= (isrv & 0xf0)) ||
	    (irr & 0xf0) > (okvm_reg(apic, APIC_TASKPRI) & 0xf0))
		return OKVM_IRQ_WINDOW_NONE;
	return irr >> 4;
}

/**
 * okvm_lapic_accept_events() - act on INIT and SIPI messages received
 * @apic: the APIC; the vCPU's thread
 *
 * INIT resets the vCPU and its APIC; an application processor then waits
 * for a SIPI (KVM_MP_STATE_INIT_RECEIVED), which starts it in real mode at
 * vector * 4096. A SIPI at any other time is dropped, as on hardware; one
 * sent before an INIT was cleared by it (okvm_apic_accept()), so a SIPI
 * pending with an INIT came after it.
 */
void okvm_lapic_accept_events(struct okvm_lapic *apic)
{
	struct okvm_vcpu *vcpu = apic->vcpu;

	if (!READ_ONCE(apic->pending_events))
		return;
	if (test_and_clear_bit(OKVM_APIC_INIT, &apic->pending_events)) {
		okvm_vcpu_reset(vcpu);
		okvm_lapic_reset(apic, true);
		vcpu->mp_state = vcpu->apic_base & MSR_IA32_APICBASE_BSP ?
				 KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_INIT_RECEIVED;
	}
	if (test_and_clear_bit(OKVM_APIC_SIPI, &apic->pending_events)) {
		/* Pairs with the write barrier in okvm_apic_accept(). */
		smp_rmb();
		if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED &&
		    !okvm_vcpu_start_at_vector(vcpu, READ_ONCE(apic->sipi_vector)))
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

static void okvm_lapic_set_svr(struct okvm_lapic *apic, u32 value)
{
	unsigned int i;

	value &= OKVM_APIC_SVR_MASK;
	okvm_set_reg(apic, APIC_SPIV, value);
	/* Software-disabled: every LVT entry is masked, and stays so. */
	if (!(value & APIC_SPIV_APIC_ENABLED)) {
		for (i = 0; i < ARRAY_SIZE(okvm_lvt_regs); i++)
			okvm_set_reg(apic, okvm_lvt_regs[i],
				     okvm_reg(apic, okvm_lvt_regs[i]) | APIC_LVT_MASKED);
	}
}

static void okvm_lapic_set_lvt(struct okvm_lapic *apic, u32 reg, u32 value)
{
	u32 mask = reg == APIC_LVTT ? OKVM_LVT_TIMER_MASK :
		   reg == APIC_LVTERR ? OKVM_LVT_ERR_MASK :
		   reg == APIC_LVT0 || reg == APIC_LVT1 ? OKVM_LVT_LINT_MASK :
		   OKVM_LVT_MODE_MASK;
	u32 old = okvm_reg(apic, reg);

	value &= mask;
	if (!okvm_lapic_sw_enabled(apic))
		value |= APIC_LVT_MASKED;
	/* Remote IRR of LINT0/1 is the APIC's, not the guest's. */
	value |= old & APIC_LVT_REMOTE_IRR;
	okvm_set_reg(apic, reg, value);
	/* A new timer mode stops the count, as on hardware. */
	if (reg == APIC_LVTT && ((old ^ value) & (3 << 17))) {
		okvm_set_reg(apic, APIC_TMICT, 0);
		apic->timer.tsc_deadline = 0;
		okvm_lapic_timer_restart(apic);
	}
}

/* A write to ICR: the IPI goes out at once; the APIC is never busy. */
static void okvm_lapic_send_icr(struct okvm_lapic *apic, u32 low, u32 dest)
{
	struct okvm_apic_irq irq = {
		.vector = low & APIC_VECTOR_MASK,
		.delivery_mode = low & APIC_DM_FIXED_MASK,
		.dest_logical = low & APIC_DEST_LOGICAL,
		.level_trigger = low & APIC_INT_LEVELTRIG,
		.assert = low & APIC_INT_ASSERT,
		.shorthand = low & APIC_DEST_ALLBUT,
		.dest_id = dest,
	};

	okvm_set_reg(apic, APIC_ICR, low & ~APIC_ICR_BUSY);
	trace_okvm_apic_ipi(apic->vcpu->id, low, dest);
	okvm_apic_send(apic->vcpu->vm, apic, &irq);
}

static u32 okvm_lapic_read(struct okvm_lapic *apic, u32 reg)
{
	switch (reg) {
	case APIC_TMCCT:
		return okvm_lapic_timer_current_count(apic);
	case APIC_ARBPRI:
	case APIC_EOI:
	case APIC_RRR:
		return 0;
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_DFR: case APIC_SPIV: case APIC_ESR:
	case APIC_ICR: case APIC_ICR2: case APIC_LVTT: case APIC_LVTTHMR:
	case APIC_LVTPC: case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR:
	case APIC_TMICT: case APIC_TDCR:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
		return okvm_reg(apic, reg);
	default:
		return 0;
	}
}

/* A register write, either mode; x2APIC-only checks are the caller's. */
static void okvm_lapic_write(struct okvm_lapic *apic, u32 reg, u32 value)
{
	bool x2apic = okvm_lapic_x2apic_mode(apic);

	switch (reg) {
	case APIC_ID:
		if (x2apic)
			break;
		okvm_set_reg(apic, APIC_ID, value & 0xff000000);
		okvm_apicv_apics_changed(apic->vcpu->vm);
		break;
	case APIC_TASKPRI:
		okvm_lapic_set_tpr(apic, value);
		break;
	case APIC_EOI:
		okvm_lapic_eoi(apic);
		break;
	case APIC_LDR:
		if (!x2apic)
			okvm_set_reg(apic, APIC_LDR, value & APIC_LDR_MASK);
		break;
	case APIC_DFR:
		if (!x2apic)
			okvm_set_reg(apic, APIC_DFR, value | APIC_DFR_CLUSTER);
		break;
	case APIC_SPIV:
		okvm_lapic_set_svr(apic, value);
		break;
	case APIC_ESR:
		/* A write latches the errors seen since the last one. */
		okvm_set_reg(apic, APIC_ESR, atomic_xchg(&apic->esr_pending, 0));
		break;
	case APIC_ICR:
		okvm_lapic_send_icr(apic, value, x2apic ? okvm_reg(apic, APIC_ICR2) :
				    GET_XAPIC_DEST_FIELD(okvm_reg(apic, APIC_ICR2)));
		break;
	case APIC_ICR2:
		okvm_set_reg(apic, APIC_ICR2, x2apic ? value : value & 0xff000000);
		break;
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC:
	case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR:
		okvm_lapic_set_lvt(apic, reg, value);
		break;
	case APIC_TMICT:
		/* In TSC-deadline mode the count is not used. */
		if ((okvm_reg(apic, APIC_LVTT) & (3 << 17)) == APIC_LVT_TIMER_TSCDEADLINE)
			break;
		okvm_set_reg(apic, APIC_TMICT, value);
		okvm_lapic_timer_restart(apic);
		break;
	case APIC_TDCR:
		okvm_set_reg(apic, APIC_TDCR, value & 0xb);
		break;
	case APIC_SELF_IPI:
		if (x2apic)
			okvm_lapic_send_icr(apic, APIC_DEST_SELF | (value & APIC_VECTOR_MASK), 0);
		break;
	default:
		/* Read-only or absent registers ignore writes (xAPIC). */
		break;
	}
}

/**
 * okvm_lapic_mmio() - a guest access to the xAPIC page
 * @vcpu: the vCPU
 * @gpa: the address
 * @write: a store
 * @data: the value stored, or where the value read goes
 * @size: bytes, 1 to 8
 *
 * Reads of part of a register return those bytes; writes other than an
 * aligned 32-bit store are dropped, as on hardware. In x2APIC mode the page
 * reads all ones and ignores writes (KVM's LAPIC_MMIO_HOLE quirk).
 *
 * Return: 0 if the APIC took the access, -ENODEV if @gpa is not its page.
 */
int okvm_lapic_mmio(struct okvm_vcpu *vcpu, gpa_t gpa, bool write, u64 *data,
		    unsigned int size)
{
	struct okvm_lapic *apic = vcpu->apic;
	u32 offset, reg;
	u64 value;

	if (!apic || !okvm_lapic_hw_enabled(apic) ||
	    (gpa & PAGE_MASK) != (vcpu->apic_base & MSR_IA32_APICBASE_BASE))
		return -ENODEV;
	offset = offset_in_page(gpa);
	reg = offset & ~0xf;
	trace_okvm_apic_access(vcpu->id, offset, write, write ? *data : 0);
	if (okvm_lapic_x2apic_mode(apic)) {
		if (!write)
			*data = ~0ULL;
		return 0;
	}
	if (write) {
		if (size == 4 && !(offset & 0xf))
			okvm_lapic_write(apic, reg, *data);
		return 0;
	}
	value = okvm_lapic_read(apic, reg) >> ((offset & 3) * 8);
	*data = (offset & 0xf) + size <= 4 ? value : 0;
	return 0;
}

/**
 * okvm_lapic_msr() - an MSR the in-kernel APIC handles
 * @vcpu: the vCPU
 * @index: the MSR
 *
 * Return: true for the x2APIC range and IA32_TSC_DEADLINE, with an
 * in-kernel APIC.
 */
bool okvm_lapic_msr(const struct okvm_vcpu *vcpu, u32 index)
{
	return vcpu->apic &&
	       ((index >= OKVM_X2APIC_MSR_FIRST && index <= OKVM_X2APIC_MSR_LAST) ||
		index == MSR_IA32_TSC_DEADLINE);
}

/* The registers an x2APIC MSR can name; the rest raise #GP. */
static bool okvm_x2apic_reg_valid(u32 reg, bool write)
{
	switch (reg) {
	case APIC_ID: case APIC_LVR: case APIC_PROCPRI: case APIC_LDR:
	case APIC_TMCCT:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
		return !write;
	case APIC_EOI:
	case APIC_SELF_IPI:
		return write;
	case APIC_TASKPRI: case APIC_SPIV: case APIC_ESR: case APIC_ICR:
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0:
	case APIC_LVT1: case APIC_LVTERR: case APIC_TMICT: case APIC_TDCR:
		return true;
	default:
		return false;
	}
}

/**
 * okvm_lapic_get_msr() - RDMSR of an x2APIC register or IA32_TSC_DEADLINE
 * @vcpu: the vCPU
 * @index: the MSR (okvm_lapic_msr() said yes)
 * @data: the value
 * @host: KVM_GET_MSRS rather than the guest (the same answer)
 *
 * Return: 0, or -EINVAL (#GP) outside x2APIC mode or for a register that
 * cannot be read.
 */
int okvm_lapic_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct okvm_lapic *apic = vcpu->apic;
	u32 reg = (index - APIC_BASE_MSR) << 4;

	if (!apic)
		return -EINVAL;
	if (index == MSR_IA32_TSC_DEADLINE) {
		*data = (okvm_reg(apic, APIC_LVTT) & (3 << 17)) == APIC_LVT_TIMER_TSCDEADLINE ?
			apic->timer.tsc_deadline : 0;
		return 0;
	}
	if (!okvm_lapic_x2apic_mode(apic) || !okvm_x2apic_reg_valid(reg, false))
		return -EINVAL;
	*data = okvm_lapic_read(apic, reg);
	if (reg == APIC_ICR)
		*data |= (u64)okvm_reg(apic, APIC_ICR2) << 32;
	return 0;
}

/**
 * okvm_lapic_set_msr() - WRMSR of an x2APIC register or IA32_TSC_DEADLINE
 * @vcpu: the vCPU
 * @index: the MSR (okvm_lapic_msr() said yes)
 * @data: the value
 * @host: KVM_SET_MSRS rather than the guest
 *
 * Return: 0, or -EINVAL (#GP) outside x2APIC mode, for a register that
 * cannot be written, or for reserved bits (bits 63:32 but ICR's, ICR's
 * own, a non-zero EOI or ESR write).
 */
int okvm_lapic_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct okvm_lapic *apic = vcpu->apic;
	u32 reg = (index - APIC_BASE_MSR) << 4;

	if (!apic)
		return -EINVAL;
	if (index == MSR_IA32_TSC_DEADLINE) {
		if ((okvm_reg(apic, APIC_LVTT) & (3 << 17)) == APIC_LVT_TIMER_TSCDEADLINE)
			okvm_lapic_timer_set_deadline(apic, data);
		return 0;
	}
	if (!okvm_lapic_x2apic_mode(apic) || !okvm_x2apic_reg_valid(reg, true))
		return -EINVAL;
	if (reg == APIC_ICR) {
		if (data & OKVM_X2APIC_ICR_RESERVED)
			return -EINVAL;
		okvm_set_reg(apic, APIC_ICR2, upper_32_bits(data));
		okvm_lapic_write(apic, APIC_ICR, lower_32_bits(data));
		return 0;
	}
	if (upper_32_bits(data) || ((reg == APIC_EOI || reg == APIC_ESR) && data))
		return -EINVAL;
	okvm_lapic_write(apic, reg, data);
	return 0;
}

const struct okvm_msr_ops okvm_lapic_msr_ops = {
	.owns = okvm_lapic_msr,
	.get = okvm_lapic_get_msr,
	.set = okvm_lapic_set_msr,
};

/**
 * okvm_lapic_set_base() - a write to IA32_APIC_BASE with an in-kernel APIC
 * @apic: the APIC
 * @value: the new value
 * @host: from KVM_SET_MSRS (or KVM_SET_SREGS), which may make any valid change
 *
 * Return: 0, or -EINVAL for reserved bits, x2APIC without EN, or (from the
 * guest) x2APIC back to xAPIC or disabled straight to x2APIC (#GP).
 */
int okvm_lapic_set_base(struct okvm_lapic *apic, u64 value, bool host)
{
	struct okvm_vcpu *vcpu = apic->vcpu;
	u64 old = vcpu->apic_base;
	u64 valid = MSR_IA32_APICBASE_BSP | X2APIC_ENABLE | MSR_IA32_APICBASE_ENABLE |
		    (MSR_IA32_APICBASE_BASE & (BIT_ULL(boot_cpu_data.x86_phys_bits) - 1));
	u64 mode = X2APIC_ENABLE | MSR_IA32_APICBASE_ENABLE;

	if (value & ~valid || (value & mode) == X2APIC_ENABLE)
		return -EINVAL;
	if (!host && (((old & mode) == mode && (value & mode) == MSR_IA32_APICBASE_ENABLE) ||
		      (!(old & MSR_IA32_APICBASE_ENABLE) && (value & mode) == mode)))
		return -EINVAL;
	WRITE_ONCE(vcpu->apic_base, value);
	if ((old ^ value) & mode) {
		if ((value & mode) == mode)
			okvm_lapic_set_x2apic_id(apic);
		else if (value & MSR_IA32_APICBASE_ENABLE)
			okvm_set_reg(apic, APIC_ID, vcpu->id << 24);
		okvm_make_request(vcpu, OKVM_REQ_EVENT);
	}
	if ((old ^ value) & (mode | MSR_IA32_APICBASE_BASE))
		okvm_apicv_apics_changed(vcpu->vm);
	return 0;
}

/**
 * okvm_lapic_reset() - the APIC's state after power-on or INIT
 * @apic: the APIC
 * @init: an INIT, which keeps the APIC ID and IA32_APIC_BASE
 */
void okvm_lapic_reset(struct okvm_lapic *apic, bool init)
{
	u32 id = okvm_reg(apic, APIC_ID);
	unsigned int i;

	okvm_lapic_timer_cancel(apic);
	memset(apic->regs, 0, PAGE_SIZE);
	okvm_set_reg(apic, APIC_ID, init ? id : apic->vcpu->id << 24);
	if (init && okvm_lapic_x2apic_mode(apic))
		okvm_lapic_set_x2apic_id(apic);
	okvm_set_reg(apic, APIC_LVR, OKVM_APIC_VERSION);
	okvm_set_reg(apic, APIC_DFR, APIC_DFR_FLAT);
	okvm_set_reg(apic, APIC_SPIV, 0xff);
	for (i = 0; i < ARRAY_SIZE(okvm_lvt_regs); i++)
		okvm_set_reg(apic, okvm_lvt_regs[i], APIC_LVT_MASKED);
	/*
	 * The boot vCPU's LINT0 passes the PIC's interrupts on from reset, as
	 * KVM's (its LINT0_REENABLED quirk): firmware that never touches the
	 * APIC still gets the timer through the PIC.
	 */
	if (okvm_vcpu_is_reset_bsp(apic->vcpu))
		okvm_set_reg(apic, APIC_LVT0, APIC_DM_EXTINT);
	apic->isr_count = 0;
	apic->timer.tsc_deadline = 0;
	atomic_set(&apic->timer.pending, 0);
	atomic_set(&apic->esr_pending, 0);
}

/**
 * okvm_lapic_create() - give a vCPU its in-kernel APIC
 * @vcpu: the vCPU, of a VM with an in-kernel irqchip
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_lapic_create(struct okvm_vcpu *vcpu)
{
	struct okvm_lapic *apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);

	if (!apic)
		return -ENOMEM;
	/* A whole page: the layout hardware APIC virtualization reads. */
	apic->regs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!apic->regs) {
		kfree(apic);
		return -ENOMEM;
	}
	apic->vcpu = vcpu;
	okvm_lapic_timer_init(apic);
	okvm_lapic_reset(apic, false);
	vcpu->apic = apic;
	return 0;
}

/**
 * okvm_lapic_free() - free a vCPU's APIC; its timer is stopped first
 * @vcpu: the vCPU
 */
void okvm_lapic_free(struct okvm_vcpu *vcpu)
{
	struct okvm_lapic *apic = vcpu->apic;

	if (!apic)
		return;
	okvm_lapic_timer_cancel(apic);
	free_page((unsigned long)apic->regs);
	kfree(apic);
	vcpu->apic = NULL;
}

/**
 * okvm_lapic_get_state() - KVM_GET_LAPIC
 * @apic: the APIC
 * @s: the first 1 KiB of the register page, TMCCT as it reads now; in
 *	x2APIC mode the ID in the xAPIC position, as KVM reports it without
 *	KVM_X2APIC_API_USE_32BIT_IDS, or whole with it
 */
void okvm_lapic_get_state(struct okvm_lapic *apic, struct kvm_lapic_state *s)
{
	memcpy(s->regs, apic->regs, sizeof(s->regs));
	*(u32 *)(s->regs + APIC_TMCCT) = okvm_lapic_timer_current_count(apic);
	if (okvm_lapic_x2apic_mode(apic) && !READ_ONCE(apic->vcpu->vm->x2apic_format))
		*(u32 *)(s->regs + APIC_ID) = okvm_reg(apic, APIC_ID) << 24;
}

/**
 * okvm_lapic_set_state() - KVM_SET_LAPIC
 * @apic: the APIC
 * @s: the registers; what follows from them (PPR, the in-service count,
 *	the timer) is recomputed, and the timer restarts from TMICT. In
 *	x2APIC mode the ID is the vCPU's whatever @s says, as in KVM; with
 *	KVM_X2APIC_API_USE_32BIT_IDS @s must say it
 *
 * Return: 0, or -EINVAL for another x2APIC ID with 32-bit IDs.
 */
int okvm_lapic_set_state(struct okvm_lapic *apic, const struct kvm_lapic_state *s)
{
	u32 id = *(const u32 *)(s->regs + APIC_ID);
	unsigned int i;

	if (okvm_lapic_x2apic_mode(apic) && READ_ONCE(apic->vcpu->vm->x2apic_format) &&
	    id != apic->vcpu->id)
		return -EINVAL;
	okvm_lapic_timer_cancel(apic);
	memcpy(apic->regs, s->regs, sizeof(s->regs));
	if (okvm_lapic_x2apic_mode(apic))
		okvm_lapic_set_x2apic_id(apic);
	okvm_set_reg(apic, APIC_LVR, OKVM_APIC_VERSION);
	apic->isr_count = 0;
	for (i = 0; i < 8; i++)
		apic->isr_count += hweight32(okvm_reg(apic, APIC_ISR + i * 0x10));
	okvm_lapic_update_ppr(apic);
	okvm_lapic_timer_restart(apic);
	okvm_make_request(apic->vcpu, OKVM_REQ_EVENT);
	okvm_apicv_apics_changed(apic->vcpu->vm);
	return 0;
}
