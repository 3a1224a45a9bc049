// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 programmable interval timer of KVM_CREATE_PIT2 (Intel's 82C54
 * data sheet), as the PC wires it: three 16-bit counters at 1.193182 MHz
 * on ports 0x40-0x42 and their control word at 0x43. Counter 0 drives ISA
 * IRQ 0: GSI 0 through the VM's routing (the PIC's pin 0, and the IOAPIC
 * pin the VMM routes it to, pin 2 for QEMU). Counter 1, once DRAM refresh,
 * only counts. Counter 2's gate and output are bits 0 and 5 of port 0x61
 * when the VM asked for KVM_PIT_SPEAKER_DUMMY; otherwise port 0x61 is the
 * VMM's, which sets the gate through KVM_SET_PIT2.
 *
 * Nothing ticks: a counter's value and output follow from the time its
 * count was loaded (count_load_time, CLOCK_MONOTONIC in ns, as in KVM's
 * struct kvm_pit_channel_state, which the state is). Counter 0 arms an
 * hrtimer for its expiries, and a work item sends each edge of IRQ 0, as
 * the PIC and IOAPIC take their locks with interrupts on. Expiries that
 * come before the work runs make one edge: ticks are not reinjected, and
 * KVM_CAP_REINJECT_CONTROL answers 0 (Documentation/api.rst).
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/linux/kvm.h>

#include <okvm/irq_routing.h>
#include <okvm/pit.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

#define OKVM_PIT_HZ		1193182
#define OKVM_PIT_NR_COUNTERS	3
/* The control word's counter field, 3: the read-back command. */
#define OKVM_PIT_READ_BACK	3
/* Read-back: bit 5 clear latches the counts, bit 4 clear the status. */
#define OKVM_PIT_RB_NO_COUNT	BIT(5)
#define OKVM_PIT_RB_NO_STATUS	BIT(4)
/* The status byte's OUT bit; the rest is the counter's control word. */
#define OKVM_PIT_STATUS_OUT	BIT(7)
/* A counter no control word has programmed yet, as KVM reports it. */
#define OKVM_PIT_MODE_NONE	0xff
/* Port 0x61: counter 2's gate and speaker data in, OUT 2 and a toggle out. */
#define OKVM_PIT_SPEAKER_GATE	BIT(0)
#define OKVM_PIT_SPEAKER_DATA	BIT(1)
#define OKVM_PIT_SPEAKER_TOGGLE	BIT(4)
#define OKVM_PIT_SPEAKER_OUT2	BIT(5)
/* The refresh toggle flips every 15 us, near enough 2^14 ns. */
#define OKVM_PIT_TOGGLE_SHIFT	14
/*
 * Counter 0 fires at most every 500 us (2 kHz, twice Linux's highest HZ).
 * KVM allows 200 us; under the emulator, the fuzzer's four guests each
 * ticking that fast stalled a CPU of the test machine (RCU stall).
 */
#define OKVM_PIT_MIN_PERIOD_NS	(500 * NSEC_PER_USEC)

/* The access field of a control word: how the data port reads and writes. */
enum okvm_pit_access {
	OKVM_PIT_LATCH = 0,
	OKVM_PIT_LSB = 1,
	OKVM_PIT_MSB = 2,
	OKVM_PIT_WORD_LSB = 3,	/* LSB then MSB: the LSB comes next */
	OKVM_PIT_WORD_MSB = 4,	/* ... the MSB comes next */
};

/**
 * struct okvm_pit - a VM's 8254
 * @vm: its VM
 * @lock: guards @state and the timer's arming
 * @state: the counters and flags, in KVM's layout
 * @speaker: port 0x61 is the PIT's (KVM_PIT_SPEAKER_DUMMY)
 * @timer: counter 0's next expiry
 * @period_ns: its period in modes 2 and 3, 0 for a one-shot; written only
 *	while @timer is cancelled
 * @irq_work: sends IRQ 0's edge
 */
struct okvm_pit {
	struct okvm_vm *vm;
	struct mutex lock;	/* guards state, timer arming */
	struct kvm_pit_state2 state;
	bool speaker;
	struct hrtimer timer;
	u64 period_ns;
	struct work_struct irq_work;
};

static u64 okvm_pit_ticks_to_ns(u64 ticks)
{
	return div_u64(ticks * NSEC_PER_SEC, OKVM_PIT_HZ);
}

/* Input clocks since the counter's count was loaded. */
static u64 okvm_pit_elapsed(const struct kvm_pit_channel_state *c)
{
	s64 ns = ktime_get_ns() - c->count_load_time;

	return ns > 0 ? mul_u64_u32_div(ns, OKVM_PIT_HZ, NSEC_PER_SEC) : 0;
}

/* @n modulo @m, for a counter's 17-bit count. */
static u32 okvm_pit_mod(u64 n, u32 m)
{
	return do_div(n, m);
}

/* The counting element now: what a latch captures and a read returns. */
static u16 okvm_pit_counter(const struct kvm_pit_channel_state *c)
{
	u64 d = okvm_pit_elapsed(c);
	u32 count = c->count;

	switch (c->mode) {
	case 2:
		/* Reloads when it reaches 1: it runs from the count down to 1. */
		return count - okvm_pit_mod(d, count);
	case 3:
		/* Counts down by two, once in each half of the period. */
		return (count - okvm_pit_mod(2 * d, count)) & ~1U;
	default:
		/* Modes 0, 1, 4 and 5 count down once, then wrap. */
		return (count - d) & 0xffff;
	}
}

/* The counter's OUT pin now, as the data sheet's waveforms draw it. */
static bool okvm_pit_out(const struct kvm_pit_channel_state *c)
{
	u64 d = okvm_pit_elapsed(c);
	u32 count = c->count;

	switch (c->mode) {
	case 0:
		/* Interrupt on terminal count: low until the count runs out. */
		return d >= count;
	case 1:
		/* Hardware one-shot: low from the trigger to terminal count. */
		return d >= count;
	case 2:
		/* Rate generator: low for the one clock at which it reaches 1. */
		return okvm_pit_mod(d, count) != count - 1;
	case 3:
		/* Square wave: high for the first half of each period. */
		return okvm_pit_mod(d, count) < (count + 1) / 2;
	case 4:
	case 5:
		/* Strobes: low for the one clock at terminal count. */
		return d != count;
	default:
		return false;
	}
}

/* Counter 0's edge on IRQ 0, from process context: GSI 0 high, then low. */
static void okvm_pit_irq_work(struct work_struct *work)
{
	struct okvm_pit *pit = container_of(work, struct okvm_pit, irq_work);

	trace_okvm_pit_irq(READ_ONCE(pit->period_ns));
	okvm_irq_routing_raise(pit->vm, 0, true);
	okvm_irq_routing_raise(pit->vm, 0, false);
}

static enum hrtimer_restart okvm_pit_timer_fn(struct hrtimer *timer)
{
	struct okvm_pit *pit = container_of(timer, struct okvm_pit, timer);
	u64 period_ns = READ_ONCE(pit->period_ns);

	queue_work(system_highpri_wq, &pit->irq_work);
	if (!period_ns)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(period_ns));
	return HRTIMER_RESTART;
}

/* Counter 0's timer off, and an edge it queued and not yet sent dropped. */
static void okvm_pit_stop(struct okvm_pit *pit)
{
	lockdep_assert_held(&pit->lock);
	hrtimer_cancel(&pit->timer);
	cancel_work(&pit->irq_work);
}

/*
 * Counter 0 was loaded: arm the timer for the mode's first expiry, a count
 * away; modes 2 and 3 repeat, mode 1 runs as a one-shot from the load, as
 * in KVM. Mode 5 waits for a rising gate, which counter 0's (tied high)
 * never has. With the HPET's legacy replacement route (KVM_SET_PIT2's
 * HPET_LEGACY) the HPET has IRQ 0, and the PIT keeps quiet.
 */
static void okvm_pit_arm(struct okvm_pit *pit)
{
	const struct kvm_pit_channel_state *c = &pit->state.channels[0];
	u64 ns = okvm_pit_ticks_to_ns(c->count);

	okvm_pit_stop(pit);
	if (pit->state.flags & KVM_PIT_FLAGS_HPET_LEGACY)
		return;
	switch (c->mode) {
	case 0:
	case 1:
	case 4:
		WRITE_ONCE(pit->period_ns, 0);
		break;
	case 2:
	case 3:
		ns = max_t(u64, ns, OKVM_PIT_MIN_PERIOD_NS);
		WRITE_ONCE(pit->period_ns, ns);
		break;
	default:
		return;
	}
	hrtimer_start(&pit->timer, ns_to_ktime(c->count_load_time + ns), HRTIMER_MODE_ABS);
}

/* A new count: 0 stands for 65536. Counting starts now. */
static void okvm_pit_load(struct okvm_pit *pit, unsigned int n, u32 count)
{
	struct kvm_pit_channel_state *c = &pit->state.channels[n];

	c->count = (count & 0xffff) ?: 0x10000;
	c->count_load_time = ktime_get_ns();
	if (n == 0)
		okvm_pit_arm(pit);
}

static void okvm_pit_latch_count(struct kvm_pit_channel_state *c)
{
	/* A second latch before the first is read changes nothing. */
	if (c->count_latched)
		return;
	c->latched_count = okvm_pit_counter(c);
	c->count_latched = c->rw_mode;
}

static void okvm_pit_latch_status(struct kvm_pit_channel_state *c)
{
	if (c->status_latched)
		return;
	c->status = (okvm_pit_out(c) ? OKVM_PIT_STATUS_OUT : 0) | c->rw_mode << 4 |
		    (c->mode & 7) << 1 | c->bcd;
	c->status_latched = 1;
}

/* Modes 6 and 7 are modes 2 and 3. */
static u8 okvm_pit_fold_mode(u8 mode)
{
	return mode == 6 || mode == 7 ? mode - 4 : mode;
}

/* A write to 0x43: program a counter, latch its count, or read back. */
static void okvm_pit_control(struct okvm_pit *pit, u8 value)
{
	unsigned int n = value >> 6, access = (value >> 4) & 3;
	struct kvm_pit_channel_state *c;

	if (n == OKVM_PIT_READ_BACK) {
		for (n = 0; n < OKVM_PIT_NR_COUNTERS; n++) {
			if (!(value & BIT(n + 1)))
				continue;
			c = &pit->state.channels[n];
			if (!(value & OKVM_PIT_RB_NO_COUNT))
				okvm_pit_latch_count(c);
			if (!(value & OKVM_PIT_RB_NO_STATUS))
				okvm_pit_latch_status(c);
		}
		return;
	}
	c = &pit->state.channels[n];
	if (access == OKVM_PIT_LATCH) {
		okvm_pit_latch_count(c);
		return;
	}
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = okvm_pit_fold_mode((value >> 1) & 7);
	c->bcd = value & 1;
	/*
	 * A control word stops the counter until its new count is written:
	 * Linux shuts counter 0 down that way (and KVM's keeps counting).
	 */
	if (n == 0)
		okvm_pit_stop(pit);
}

/* A write to a counter's port: the next byte of its count, by its access. */
static void okvm_pit_write_count(struct okvm_pit *pit, unsigned int n, u8 value)
{
	struct kvm_pit_channel_state *c = &pit->state.channels[n];

	switch (c->write_state) {
	case OKVM_PIT_LATCH:
	case OKVM_PIT_LSB:
		/* Before any control word (state 0), as the LSB, as in KVM. */
		okvm_pit_load(pit, n, value);
		break;
	case OKVM_PIT_MSB:
		okvm_pit_load(pit, n, value << 8);
		break;
	case OKVM_PIT_WORD_LSB:
		c->write_latch = value;
		c->write_state = OKVM_PIT_WORD_MSB;
		break;
	case OKVM_PIT_WORD_MSB:
		okvm_pit_load(pit, n, c->write_latch | value << 8);
		c->write_state = OKVM_PIT_WORD_LSB;
		break;
	}
}

/* One byte of @count, as the access @state says; @next is the state after. */
static u8 okvm_pit_byte(u16 count, u8 state, u8 *next)
{
	switch (state) {
	case OKVM_PIT_WORD_LSB:
		*next = OKVM_PIT_WORD_MSB;
		return count;
	case OKVM_PIT_WORD_MSB:
		*next = OKVM_PIT_WORD_LSB;
		return count >> 8;
	case OKVM_PIT_MSB:
		return count >> 8;
	default:
		return count;
	}
}

/* A read of a counter's port: a latched status, a latched count, or the counter. */
static u8 okvm_pit_read_count(struct okvm_pit *pit, unsigned int n)
{
	struct kvm_pit_channel_state *c = &pit->state.channels[n];
	u8 next = 0;
	u8 value;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		value = okvm_pit_byte(c->latched_count, c->count_latched, &next);
		/* The latch holds until its MSB is read: then it says MSB, as KVM's. */
		c->count_latched = next == OKVM_PIT_WORD_MSB ? OKVM_PIT_MSB : 0;
		return value;
	}
	next = c->read_state;
	value = okvm_pit_byte(okvm_pit_counter(c), c->read_state, &next);
	c->read_state = next;
	return value;
}

static struct okvm_pit *okvm_vm_pit(struct okvm_vm *vm)
{
	/* Pairs with the release in okvm_pit_create(): the PIT is whole. */
	return smp_load_acquire(&vm->pit);
}

/**
 * okvm_pit_pio() - a guest IN or OUT to the PIT's ports, 0x40 to 0x43
 * @vm: the VM
 * @port: the port
 * @in: an IN
 * @size: bytes, 1, 2 or 4: the ports are bytes, a wider access takes its
 *	low byte (and reads the byte, zero-extended), as in KVM
 * @data: the value written, or where the value read goes
 *
 * Return: 0, or -ENODEV if the VM has no PIT.
 */
int okvm_pit_pio(struct okvm_vm *vm, u16 port, bool in, unsigned int size, u32 *data)
{
	struct okvm_pit *pit = okvm_vm_pit(vm);
	unsigned int n = port - OKVM_PIT_PORT;
	u8 value = *data;

	if (!pit)
		return -ENODEV;
	mutex_lock(&pit->lock);
	if (in && n < OKVM_PIT_NR_COUNTERS)
		*data = okvm_pit_read_count(pit, n);
	else if (in)
		/* The control word cannot be read; KVM's reads 0. */
		*data = 0;
	else if (n < OKVM_PIT_NR_COUNTERS)
		okvm_pit_write_count(pit, n, value);
	else
		okvm_pit_control(pit, value);
	mutex_unlock(&pit->lock);
	trace_okvm_pit_pio(port, in, in ? *data : value);
	return 0;
}

/* Counter 2's gate: a rising edge restarts it in modes 1, 2, 3 and 5. */
static void okvm_pit_set_gate2(struct okvm_pit *pit, bool gate)
{
	struct kvm_pit_channel_state *c = &pit->state.channels[2];

	if (gate && !c->gate && c->mode != 0 && c->mode != 4)
		c->count_load_time = ktime_get_ns();
	c->gate = gate;
}

/**
 * okvm_pit_speaker_pio() - a guest IN or OUT to port 0x61
 * @vm: the VM
 * @port: OKVM_PIT_SPEAKER_PORT
 * @in: an IN
 * @size: bytes: only a byte access reaches the register
 * @data: the value written, or where the value read goes
 *
 * An OUT sets counter 2's gate (bit 0) and the speaker data (bit 1); an IN
 * reads them back with OUT 2 (bit 5) and the refresh toggle (bit 4).
 *
 * Return: 0, or -ENODEV if the VM's PIT does not have the port (the VMM's).
 */
int okvm_pit_speaker_pio(struct okvm_vm *vm, u16 port, bool in, unsigned int size,
			 u32 *data)
{
	struct okvm_pit *pit = okvm_vm_pit(vm);
	struct kvm_pit_channel_state *c;

	if (!pit || !pit->speaker)
		return -ENODEV;
	if (in)
		*data = 0;
	if (size != 1)
		return 0;
	mutex_lock(&pit->lock);
	c = &pit->state.channels[2];
	if (in) {
		*data = (c->gate ? OKVM_PIT_SPEAKER_GATE : 0) |
			(pit->state.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON ?
			 OKVM_PIT_SPEAKER_DATA : 0) |
			(okvm_pit_out(c) ? OKVM_PIT_SPEAKER_OUT2 : 0) |
			((ktime_get_ns() >> OKVM_PIT_TOGGLE_SHIFT) & 1 ?
			 OKVM_PIT_SPEAKER_TOGGLE : 0);
	} else {
		okvm_pit_set_gate2(pit, *data & OKVM_PIT_SPEAKER_GATE);
		if (*data & OKVM_PIT_SPEAKER_DATA)
			pit->state.flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
		else
			pit->state.flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	}
	mutex_unlock(&pit->lock);
	return 0;
}

/**
 * okvm_pit_create() - KVM_CREATE_PIT2, and KVM_CREATE_PIT
 * @vm: the VM
 * @flags: KVM_PIT_SPEAKER_DUMMY: port 0x61 is the PIT's, not the VMM's
 *
 * The counters start unprogrammed, counter 2's gate low, the others high,
 * as in KVM.
 *
 * Return: 0; -EINVAL for an unknown flag; -EEXIST if the VM has a PIT;
 * -ENOENT without the in-kernel PIC, which IRQ 0 needs (a split irqchip
 * has none), as in KVM; -ENOMEM.
 */
int okvm_pit_create(struct okvm_vm *vm, u32 flags)
{
	struct okvm_pit *pit;
	unsigned int n;
	int r = 0;

	if (flags & ~KVM_PIT_SPEAKER_DUMMY)
		return -EINVAL;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		return -ENOMEM;
	pit->vm = vm;
	pit->speaker = flags & KVM_PIT_SPEAKER_DUMMY;
	mutex_init(&pit->lock);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = okvm_pit_timer_fn;
	INIT_WORK(&pit->irq_work, okvm_pit_irq_work);
	mutex_lock(&pit->lock);
	for (n = 0; n < OKVM_PIT_NR_COUNTERS; n++) {
		pit->state.channels[n].mode = OKVM_PIT_MODE_NONE;
		pit->state.channels[n].gate = n != 2;
		okvm_pit_load(pit, n, 0);
	}
	mutex_unlock(&pit->lock);

	mutex_lock(&vm->lock);
	if (vm->pit) {
		r = -EEXIST;
	} else if (!vm->pic) {
		r = -ENOENT;
	} else {
		/* Pairs with okvm_vm_pit(): the PIT is whole before it is seen. */
		smp_store_release(&vm->pit, pit);
	}
	mutex_unlock(&vm->lock);
	if (r)
		kfree(pit);
	return r;
}

/**
 * okvm_pit_free() - stop and free a VM's PIT
 * @vm: the VM, at teardown, before its irqchip goes
 */
void okvm_pit_free(struct okvm_vm *vm)
{
	struct okvm_pit *pit = vm->pit;

	if (!pit)
		return;
	/* The timer queues the work: stop it first, then let the work finish. */
	hrtimer_cancel(&pit->timer);
	cancel_work_sync(&pit->irq_work);
	kfree(pit);
	vm->pit = NULL;
}

/**
 * okvm_pit_get_state() - KVM_GET_PIT2, and KVM_GET_PIT (the channels only)
 * @vm: the VM
 * @state: the counters, as they are, and the flags
 *
 * Return: 0, or -ENXIO without a PIT, as in KVM.
 */
int okvm_pit_get_state(struct okvm_vm *vm, struct kvm_pit_state2 *state)
{
	struct okvm_pit *pit = okvm_vm_pit(vm);

	if (!pit)
		return -ENXIO;
	mutex_lock(&pit->lock);
	*state = pit->state;
	mutex_unlock(&pit->lock);
	return 0;
}

/*
 * What a counter's registers may hold: what KVM_GET_PIT2 gives, and what
 * QEMU's own PIT saves (modes 6 and 7, which are taken as 2 and 3).
 */
static bool okvm_pit_channel_valid(const struct kvm_pit_channel_state *c)
{
	return c->count <= 0x10000 && c->count_latched <= OKVM_PIT_WORD_MSB &&
	       c->status_latched <= 1 && c->read_state <= OKVM_PIT_WORD_MSB &&
	       c->write_state <= OKVM_PIT_WORD_MSB && c->rw_mode <= OKVM_PIT_WORD_LSB &&
	       (c->mode <= 7 || c->mode == OKVM_PIT_MODE_NONE) && c->bcd <= 1 &&
	       c->gate <= 1;
}

/**
 * okvm_pit_set_state() - KVM_SET_PIT2, and KVM_SET_PIT
 * @vm: the VM
 * @state: the counters and flags to take
 * @flags: whether @state->flags counts (KVM_SET_PIT has none: kept as is)
 *
 * As in KVM, each counter's count is loaded anew, so counting restarts
 * now, whatever count_load_time says; counter 0's timer follows.
 *
 * Return: 0; -ENXIO without a PIT; -EINVAL for a register value no 8254
 * holds (modes 6 and 7 it does: they are 2 and 3) or an unknown flag.
 */
int okvm_pit_set_state(struct okvm_vm *vm, const struct kvm_pit_state2 *state, bool flags)
{
	struct okvm_pit *pit = okvm_vm_pit(vm);
	unsigned int n;

	if (!pit)
		return -ENXIO;
	if (flags && (state->flags & ~(KVM_PIT_FLAGS_HPET_LEGACY |
				       KVM_PIT_FLAGS_SPEAKER_DATA_ON)))
		return -EINVAL;
	for (n = 0; n < OKVM_PIT_NR_COUNTERS; n++)
		if (!okvm_pit_channel_valid(&state->channels[n]))
			return -EINVAL;
	mutex_lock(&pit->lock);
	memcpy(pit->state.channels, state->channels, sizeof(state->channels));
	if (flags)
		pit->state.flags = state->flags;
	for (n = 0; n < OKVM_PIT_NR_COUNTERS; n++) {
		pit->state.channels[n].mode = okvm_pit_fold_mode(pit->state.channels[n].mode);
		okvm_pit_load(pit, n, pit->state.channels[n].count);
	}
	mutex_unlock(&pit->lock);
	return 0;
}
