// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's timer on an hrtimer: one-shot and periodic counts of
 * TMICT at the bus clock over TDCR's divider, and TSC-deadline mode. The
 * bus clock is the VM's (KVM_CAP_X86_APIC_BUS_CYCLES_NS), 1 GHz by default.
 *
 * The hrtimer fires in hard interrupt context: it only counts the expiry
 * and wakes the vCPU, whose thread puts the vector into its IRR before the
 * next entry (okvm_lapic_timer_deliver()). Expiries the vCPU has not taken
 * yet merge into one interrupt, as an IRR bit would, and a periodic timer
 * waits for the vCPU to take one before it fires again.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include <okvm/lapic.h>
#include <okvm/msr.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

/* A periodic timer fires at most every 200 us (KVM's min_timer_period_us). */
#define OKVM_APIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

static u32 okvm_reg(const struct okvm_lapic *apic, u32 offset)
{
	return READ_ONCE(*(u32 *)(apic->regs + offset));
}

static u32 okvm_timer_mode(const struct okvm_lapic *apic)
{
	return okvm_reg(apic, APIC_LVTT) & (3 << 17);
}

/* TDCR bits 3, 1 and 0 select a divider of 2 to 128, or 1 (0b111). */
static u32 okvm_divide(const struct okvm_lapic *apic)
{
	u32 tdcr = okvm_reg(apic, APIC_TDCR);
	u32 shift = ((tdcr & 3) | ((tdcr & 8) >> 1)) + 1;

	return 1U << (shift & 7);
}

/*
 * A periodic timer whose last expiry the vCPU has not taken yet stops
 * (pending goes to 2) instead of firing on for nothing: a VM whose vCPUs
 * do not run costs the host one interrupt per timer, not one every period.
 * okvm_lapic_timer_deliver() starts it again.
 */
static enum hrtimer_restart okvm_lapic_timer_fire(struct hrtimer *hrtimer)
{
	struct okvm_lapic_timer *t = container_of(hrtimer, struct okvm_lapic_timer, hrtimer);
	struct okvm_lapic *apic = container_of(t, struct okvm_lapic, timer);
	int pending = atomic_inc_return(&t->pending);

	okvm_vcpu_wake(apic->vcpu);
	if (!t->period_ns || pending > 1)
		return HRTIMER_NORESTART;
	/* Periods the host missed are dropped, not delivered in a burst. */
	hrtimer_forward_now(hrtimer, ns_to_ktime(t->period_ns));
	return HRTIMER_RESTART;
}

/**
 * okvm_enable_apic_bus_cycles() - KVM_CAP_X86_APIC_BUS_CYCLES_NS
 * @vm: the VM
 * @bus_cycle_ns: the bus clock's period in nanoseconds
 *
 * The period the VM's local APIC timers count in, before TDCR's divider.
 * KVM's rules: not 0, and small enough that the longest count (TMICT of
 * 0xffffffff at a divider of 128) fits 64 bits of nanoseconds; with an
 * in-kernel local APIC, before the first vCPU.
 *
 * Return: 0; -EINVAL for a period out of range or a VM with vCPUs;
 * -ENXIO without an in-kernel irqchip.
 */
int okvm_enable_apic_bus_cycles(struct okvm_vm *vm, u64 bus_cycle_ns)
{
	u64 longest;
	int r = 0;

	if (!bus_cycle_ns || check_mul_overflow((u64)U32_MAX * 128, bus_cycle_ns, &longest))
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (!vm->irqchip_kernel)
		r = -ENXIO;
	else if (vm->nr_vcpus)
		r = -EINVAL;
	else
		vm->apic_bus_cycle_ns = bus_cycle_ns;
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * okvm_lapic_timer_init() - set up an APIC's hrtimer
 * @apic: the APIC
 */
void okvm_lapic_timer_init(struct okvm_lapic *apic)
{
	hrtimer_init(&apic->timer.hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	apic->timer.hrtimer.function = okvm_lapic_timer_fire;
}

/**
 * okvm_lapic_timer_cancel() - stop the timer; waits for a running callback
 * @apic: the APIC
 */
void okvm_lapic_timer_cancel(struct okvm_lapic *apic)
{
	hrtimer_cancel(&apic->timer.hrtimer);
	apic->timer.period_ns = 0;
}

/**
 * okvm_lapic_timer_restart() - start counting TMICT down from now
 * @apic: the APIC
 *
 * After a write to TMICT or LVTT, or KVM_SET_LAPIC. A count of 0 stops the
 * timer; in TSC-deadline mode only IA32_TSC_DEADLINE starts it.
 */
void okvm_lapic_timer_restart(struct okvm_lapic *apic)
{
	struct okvm_lapic_timer *t = &apic->timer;
	u32 count = okvm_reg(apic, APIC_TMICT);
	u64 ns;

	okvm_lapic_timer_cancel(apic);
	/* No callback runs now: a stopped periodic timer owes one expiry at most. */
	if (atomic_read(&t->pending) > 1)
		atomic_set(&t->pending, 1);
	if (!count || okvm_timer_mode(apic) == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	t->ns_per_count = okvm_divide(apic) * apic->vcpu->vm->apic_bus_cycle_ns;
	/*
	 * okvm_enable_apic_bus_cycles() keeps this from wrapping; a count of
	 * centuries must not wrap ktime_t into the past either.
	 */
	ns = min_t(u64, (u64)count * t->ns_per_count, KTIME_MAX / 2);
	if (okvm_timer_mode(apic) == APIC_LVT_TIMER_PERIODIC)
		t->period_ns = max_t(u64, ns, OKVM_APIC_MIN_PERIOD_NS);
	t->start = ktime_get();
	trace_okvm_apic_timer_start(apic->vcpu->id, count, ns, t->period_ns);
	hrtimer_start(&t->hrtimer, ktime_add_ns(t->start, t->period_ns ?: ns),
		      HRTIMER_MODE_ABS_HARD);
}

/**
 * okvm_lapic_timer_current_count() - TMCCT
 * @apic: the APIC
 *
 * Return: the counts left until the next expiry; 0 once a one-shot count
 * expired, when stopped, and in TSC-deadline mode.
 */
u32 okvm_lapic_timer_current_count(struct okvm_lapic *apic)
{
	struct okvm_lapic_timer *t = &apic->timer;
	s64 left;

	if (!okvm_reg(apic, APIC_TMICT) || okvm_timer_mode(apic) == APIC_LVT_TIMER_TSCDEADLINE ||
	    !hrtimer_active(&t->hrtimer))
		return 0;
	left = ktime_to_ns(hrtimer_get_remaining(&t->hrtimer));
	if (left <= 0)
		return 0;
	return min_t(u64, div64_u64(left, t->ns_per_count), okvm_reg(apic, APIC_TMICT));
}

/**
 * okvm_lapic_timer_set_deadline() - a write to IA32_TSC_DEADLINE
 * @apic: the APIC, in TSC-deadline mode
 * @deadline: the guest TSC value to fire at; 0 disarms
 *
 * A deadline already past fires at once.
 */
void okvm_lapic_timer_set_deadline(struct okvm_lapic *apic, u64 deadline)
{
	struct okvm_lapic_timer *t = &apic->timer;
	u64 now, ns;

	okvm_lapic_timer_cancel(apic);
	t->tsc_deadline = deadline;
	if (!deadline || okvm_get_msr(apic->vcpu, MSR_IA32_TSC, &now, true))
		return;
	ns = deadline > now && tsc_khz ?
	     mul_u64_u64_div_u64(deadline - now, NSEC_PER_MSEC, tsc_khz) : 0;
	/* A deadline centuries away must not wrap ktime_t into the past. */
	ns = min_t(u64, ns, KTIME_MAX / 2);
	trace_okvm_apic_timer_start(apic->vcpu->id, 0, ns, 0);
	hrtimer_start(&t->hrtimer, ktime_add_ns(ktime_get(), ns), HRTIMER_MODE_ABS_HARD);
}

/**
 * okvm_lapic_timer_deliver() - put an expired timer's vector into the IRR
 * @apic: the APIC; the vCPU's thread
 */
void okvm_lapic_timer_deliver(struct okvm_lapic *apic)
{
	u32 lvtt = okvm_reg(apic, APIC_LVTT);
	struct okvm_apic_irq irq = {
		.vector = lvtt & APIC_VECTOR_MASK,
		.delivery_mode = APIC_DM_FIXED,
	};

	struct okvm_lapic_timer *t = &apic->timer;
	int pending;

	if (!atomic_read(&t->pending))
		return;
	pending = atomic_xchg(&t->pending, 0);
	if (!pending)
		return;
	/* A periodic timer stopped for want of a taker: on again, from now. */
	if (pending > 1 && t->period_ns)
		hrtimer_start(&t->hrtimer, ktime_add_ns(ktime_get(), t->period_ns),
			      HRTIMER_MODE_ABS_HARD);
	if (okvm_timer_mode(apic) == APIC_LVT_TIMER_TSCDEADLINE)
		t->tsc_deadline = 0;
	trace_okvm_apic_timer_expired(apic->vcpu->id, lvtt);
	if (!(lvtt & APIC_LVT_MASKED))
		okvm_apic_accept(apic, &irq);
}
