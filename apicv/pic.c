// SPDX-License-Identifier: GPL-2.0
/*
 * The two cascaded 8259A PICs of KVM_CREATE_IRQCHIP: the master at ports
 * 0x20-0x21 (ISA IRQs 0-7), the slave at 0xa0-0xa1 (IRQs 8-15) on the
 * master's pin 2, and the edge/level control registers (ELCR) at
 * 0x4d0-0x4d1, as the PC puts them. The master's output is the INTR input
 * of every vCPU whose local APIC passes it on (cpu_irq.c): a vCPU takes
 * the interrupt with an acknowledge cycle, okvm_pic_read_irq().
 *
 * The state is KVM's struct kvm_pic_state per chip (KVM_GET/SET_IRQCHIP
 * copy it) under one spinlock. last_irr holds each input line's level:
 * an edge-triggered pin requests on a rising edge and its request is
 * taken by the acknowledge, a level-triggered one (its ELCR bit set)
 * requests while the line is high. The slave's pending request is the
 * master's pin 2. Semantics follow Intel's 8259A data sheet; where KVM
 * differs, Documentation/api.rst says so.
 */
#include <linux/bits.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <uapi/linux/kvm.h>

#include <okvm/lapic.h>
#include <okvm/pic.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

#define OKVM_PIC_CASCADE_PIN	2
#define OKVM_PIC_SPURIOUS_PIN	7
/* Pins whose ELCR bit exists: not the timer, keyboard, cascade, RTC or FPU. */
#define OKVM_PIC_MASTER_ELCR_MASK	0xf8
#define OKVM_PIC_SLAVE_ELCR_MASK	0xde

/* Command words on the first port: ICW1 has bit 4, OCW3 bit 3, else OCW2. */
#define OKVM_PIC_ICW1		BIT(4)
#define OKVM_PIC_ICW1_IC4	BIT(0)
#define OKVM_PIC_OCW3		BIT(3)
#define OKVM_PIC_OCW3_POLL	BIT(2)
#define OKVM_PIC_OCW3_RR	BIT(1)
#define OKVM_PIC_OCW3_RIS	BIT(0)
#define OKVM_PIC_OCW3_ESMM	BIT(6)
#define OKVM_PIC_OCW3_SMM	BIT(5)
#define OKVM_PIC_ICW4_AEOI	BIT(1)
#define OKVM_PIC_ICW4_SFNM	BIT(4)
#define OKVM_PIC_POLL_REQUEST	BIT(7)

/* OCW2's command, bits 7:5. */
enum okvm_pic_ocw2 {
	OKVM_PIC_ROTATE_AEOI_CLEAR = 0,
	OKVM_PIC_EOI = 1,
	OKVM_PIC_NOP = 2,
	OKVM_PIC_SPECIFIC_EOI = 3,
	OKVM_PIC_ROTATE_AEOI_SET = 4,
	OKVM_PIC_ROTATE_EOI = 5,
	OKVM_PIC_SET_PRIORITY = 6,
	OKVM_PIC_ROTATE_SPECIFIC_EOI = 7,
};

/**
 * struct okvm_pic - a VM's two 8259A PICs
 * @vm: its VM
 * @lock: guards @chip and @output
 * @chip: the master (KVM_IRQCHIP_PIC_MASTER) and the slave, in KVM's layout
 * @output: the master's INTR output; read without @lock by vCPUs
 */
struct okvm_pic {
	struct okvm_vm *vm;
	spinlock_t lock;	/* guards chip, output */
	struct kvm_pic_state chip[2];
	bool output;
};

/* Priority levels are pin numbers rotated by priority_add: 0 is the highest. */
static unsigned int okvm_pic_level(const struct kvm_pic_state *s, unsigned int pin)
{
	return (pin - s->priority_add) & 7;
}

/* The pin of the highest priority set in @bits, or -1. */
static int okvm_pic_highest(const struct kvm_pic_state *s, u8 bits)
{
	unsigned int level;

	for (level = 0; level < 8; level++) {
		unsigned int pin = (level + s->priority_add) & 7;

		if (bits & BIT(pin))
			return pin;
	}
	return -1;
}

/*
 * The pin a chip would ask the CPU (or the master) to serve: the highest
 * unmasked request above every interrupt in service. In special mask mode
 * a masked pin in service holds nothing back; in special fully nested
 * mode the master's cascade pin in service does not hold back the slave.
 */
static int okvm_pic_pending_pin(const struct kvm_pic_state *s, bool master)
{
	u8 in_service = s->isr;
	int pin = okvm_pic_highest(s, s->irr & ~s->imr);
	int busy;

	if (pin < 0)
		return -1;
	if (s->special_mask)
		in_service &= ~s->imr;
	if (master && s->special_fully_nested_mode)
		in_service &= ~BIT(OKVM_PIC_CASCADE_PIN);
	busy = okvm_pic_highest(s, in_service);
	if (busy >= 0 && okvm_pic_level(s, busy) <= okvm_pic_level(s, pin))
		return -1;
	return pin;
}

/*
 * Recompute what flows downstream: the slave's request into the master's
 * pin 2, the master's into the vCPUs. Return: the output rose.
 */
static bool okvm_pic_update(struct okvm_pic *pic)
{
	struct kvm_pic_state *master = &pic->chip[0];
	bool was = pic->output;

	lockdep_assert_held(&pic->lock);
	if (okvm_pic_pending_pin(&pic->chip[1], false) >= 0)
		master->irr |= BIT(OKVM_PIC_CASCADE_PIN);
	else
		master->irr &= ~BIT(OKVM_PIC_CASCADE_PIN);
	WRITE_ONCE(pic->output, okvm_pic_pending_pin(master, true) >= 0);
	return pic->output && !was;
}

/* The output rose: the vCPUs that listen to it have news. */
static void okvm_pic_wake(struct okvm_pic *pic)
{
	struct okvm_vm *vm = pic->vm;
	/* Pairs with the release in okvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, nr = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < nr; i++) {
		struct okvm_vcpu *vcpu = vm->vcpus[i];

		if (vcpu->apic && okvm_lapic_accepts_extint(vcpu->apic))
			okvm_vcpu_wake(vcpu);
	}
}

/* The CPU (or the poll command) takes @pin: in service, its edge consumed. */
static void okvm_pic_ack(struct kvm_pic_state *s, unsigned int pin)
{
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (pin + 1) & 7;
	} else {
		s->isr |= BIT(pin);
	}
	if (!(s->elcr & BIT(pin)))
		s->irr &= ~BIT(pin);
}

/**
 * okvm_pic_set_irq() - an ISA interrupt line goes high or low
 * @vm: the VM, with PICs
 * @pin: 0 to 15: the master's pins, then the slave's
 * @level: the line's new level
 *
 * Return: as KVM_IRQ_LINE_STATUS reports it (KVM's values): -1 for a
 * masked pin; 0 for a rising edge (or a level line raised) onto a request
 * the CPU has not taken yet (coalesced); else 1.
 */
int okvm_pic_set_irq(struct okvm_vm *vm, unsigned int pin, bool level)
{
	struct okvm_pic *pic = vm->pic;
	struct kvm_pic_state *s = &pic->chip[(pin >> 3) & 1];
	u8 bit = BIT(pin & 7);
	bool rose;
	int ret = 1;

	spin_lock(&pic->lock);
	if (!level) {
		s->last_irr &= ~bit;
		if (s->elcr & bit)
			s->irr &= ~bit;
	} else {
		/* A request onto one not yet taken is coalesced: 0, as KVM says. */
		if ((s->elcr & bit) || !(s->last_irr & bit)) {
			if (s->irr & bit)
				ret = 0;
			s->irr |= bit;
		}
		s->last_irr |= bit;
	}
	if (s->imr & bit)
		ret = -1;
	rose = okvm_pic_update(pic);
	spin_unlock(&pic->lock);
	trace_okvm_pic_set_irq(pin & 15, level, ret);
	if (rose)
		okvm_pic_wake(pic);
	return ret;
}

/**
 * okvm_pic_output() - the master PIC asks for an interrupt
 * @vm: the VM
 *
 * Return: the master's INTR output; false without PICs.
 */
bool okvm_pic_output(struct okvm_vm *vm)
{
	return vm->pic && READ_ONCE(vm->pic->output);
}

/**
 * okvm_pic_read_irq() - the interrupt acknowledge cycle
 * @vm: the VM, with PICs
 *
 * The highest request goes into service (through the cascade for the
 * slave's); with none (it went away since the output rose) the answer is
 * the chip's pin 7 without anything in service, the 8259A's spurious
 * interrupt.
 *
 * Return: the vector.
 */
int okvm_pic_read_irq(struct okvm_vm *vm)
{
	struct okvm_pic *pic = vm->pic;
	struct kvm_pic_state *master = &pic->chip[0], *slave = &pic->chip[1];
	struct kvm_pic_state *s = master;
	int pin, vector;
	bool rose;

	spin_lock(&pic->lock);
	pin = okvm_pic_pending_pin(master, true);
	if (pin == OKVM_PIC_CASCADE_PIN) {
		okvm_pic_ack(master, pin);
		s = slave;
		pin = okvm_pic_pending_pin(slave, false);
	}
	if (pin >= 0)
		okvm_pic_ack(s, pin);
	else
		pin = OKVM_PIC_SPURIOUS_PIN;
	vector = (u8)(s->irq_base + pin);
	rose = okvm_pic_update(pic);
	spin_unlock(&pic->lock);
	if (rose)
		okvm_pic_wake(pic);
	return vector;
}

/* ICW1: initialization starts; ICW2 (the vector base) and more follow. */
static void okvm_pic_init(struct kvm_pic_state *s, u8 value)
{
	/* The edge latches are cleared; a level-triggered line high still requests. */
	s->irr = s->last_irr & s->elcr;
	s->imr = 0;
	s->isr = 0;
	s->priority_add = 0;
	s->read_reg_select = 0;
	s->poll = 0;
	s->special_mask = 0;
	s->auto_eoi = 0;
	s->rotate_on_auto_eoi = 0;
	s->special_fully_nested_mode = 0;
	s->init4 = value & OKVM_PIC_ICW1_IC4;
	s->init_state = 1;
}

static void okvm_pic_ocw2(struct kvm_pic_state *s, u8 value)
{
	int pin;

	switch (value >> 5) {
	case OKVM_PIC_ROTATE_AEOI_CLEAR:
	case OKVM_PIC_ROTATE_AEOI_SET:
		s->rotate_on_auto_eoi = value >> 7;
		break;
	case OKVM_PIC_EOI:
	case OKVM_PIC_ROTATE_EOI:
		pin = okvm_pic_highest(s, s->isr);
		if (pin < 0)
			break;
		s->isr &= ~BIT(pin);
		if (value >> 5 == OKVM_PIC_ROTATE_EOI)
			s->priority_add = (pin + 1) & 7;
		break;
	case OKVM_PIC_SPECIFIC_EOI:
		s->isr &= ~BIT(value & 7);
		break;
	case OKVM_PIC_ROTATE_SPECIFIC_EOI:
		s->isr &= ~BIT(value & 7);
		fallthrough;
	case OKVM_PIC_SET_PRIORITY:
		s->priority_add = ((value & 7) + 1) & 7;
		break;
	}
}

static void okvm_pic_write(struct kvm_pic_state *s, bool data_port, u8 value)
{
	if (!data_port) {
		if (value & OKVM_PIC_ICW1) {
			okvm_pic_init(s, value);
		} else if (value & OKVM_PIC_OCW3) {
			if (value & OKVM_PIC_OCW3_POLL)
				s->poll = 1;
			if (value & OKVM_PIC_OCW3_RR)
				s->read_reg_select = value & OKVM_PIC_OCW3_RIS;
			if (value & OKVM_PIC_OCW3_ESMM)
				s->special_mask = !!(value & OKVM_PIC_OCW3_SMM);
		} else {
			okvm_pic_ocw2(s, value);
		}
		return;
	}
	switch (s->init_state) {
	case 1:
		/* ICW2; ICW3 always follows: the PC's pair is cascaded. */
		s->irq_base = value & 0xf8;
		s->init_state = 2;
		break;
	case 2:
		/* ICW3: the cascade wiring, fixed here. */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:
		s->auto_eoi = !!(value & OKVM_PIC_ICW4_AEOI);
		s->special_fully_nested_mode = !!(value & OKVM_PIC_ICW4_SFNM);
		s->init_state = 0;
		break;
	default:
		/* OCW1 */
		s->imr = value;
	}
}

/*
 * The poll command's read: an acknowledge that returns the pin. With no
 * request bit 7 is clear and the rest undefined: 7, as KVM reads.
 */
static u8 okvm_pic_poll(struct kvm_pic_state *s, bool master)
{
	int pin = okvm_pic_pending_pin(s, master);

	s->poll = 0;
	if (pin < 0)
		return OKVM_PIC_SPURIOUS_PIN;
	okvm_pic_ack(s, pin);
	return OKVM_PIC_POLL_REQUEST | pin;
}

static u8 okvm_pic_read(struct kvm_pic_state *s, bool master, bool data_port)
{
	if (s->poll)
		return okvm_pic_poll(s, master);
	if (data_port)
		return s->imr;
	return s->read_reg_select ? s->isr : s->irr;
}

/**
 * okvm_pic_pio() - a guest IN or OUT to a PIC or ELCR port
 * @vm: the VM
 * @port: the port, one of the PICs' (the port bus, core/pio.c, sees to it)
 * @in: an IN
 * @size: bytes, 1, 2 or 4
 * @data: the value written, or where the value read goes
 *
 * The registers are bytes: a wider access is taken and does nothing (reads
 * 0), as KVM's.
 *
 * Return: 0, or -ENODEV if the VM has no PICs.
 */
int okvm_pic_pio(struct okvm_vm *vm, u16 port, bool in, unsigned int size, u32 *data)
{
	struct okvm_pic *pic = vm->pic;
	struct kvm_pic_state *s;
	bool data_port = port & 1, rose;
	u8 value = *data;

	if (!pic)
		return -ENODEV;
	if (in)
		*data = 0;
	if (size != 1)
		return 0;
	s = &pic->chip[port == OKVM_PIC_SLAVE_PORT || port == OKVM_PIC_SLAVE_PORT + 1 ||
		       port == OKVM_PIC_ELCR_PORT + 1];

	spin_lock(&pic->lock);
	if ((port & ~1) == OKVM_PIC_ELCR_PORT) {
		if (in)
			*data = s->elcr;
		else
			s->elcr = value & s->elcr_mask;
	} else if (in) {
		*data = okvm_pic_read(s, s == &pic->chip[0], data_port);
	} else {
		okvm_pic_write(s, data_port, value);
	}
	rose = okvm_pic_update(pic);
	spin_unlock(&pic->lock);
	trace_okvm_pic_pio(port, in, in ? *data : value);
	if (rose)
		okvm_pic_wake(pic);
	return 0;
}

/**
 * okvm_pic_get_state() - KVM_GET_IRQCHIP of a PIC
 * @vm: the VM, with PICs
 * @slave: the slave (KVM_IRQCHIP_PIC_SLAVE), else the master
 * @s: the state
 */
void okvm_pic_get_state(struct okvm_vm *vm, bool slave, struct kvm_pic_state *s)
{
	spin_lock(&vm->pic->lock);
	*s = vm->pic->chip[slave];
	spin_unlock(&vm->pic->lock);
}

/**
 * okvm_pic_set_state() - KVM_SET_IRQCHIP of a PIC
 * @vm: the VM, with PICs
 * @slave: the slave, else the master
 * @s: the state, taken as it is, as KVM takes it (its ELCR mask too)
 */
void okvm_pic_set_state(struct okvm_vm *vm, bool slave, const struct kvm_pic_state *s)
{
	struct okvm_pic *pic = vm->pic;
	struct kvm_pic_state *chip = &pic->chip[slave];
	bool rose;

	spin_lock(&pic->lock);
	*chip = *s;
	rose = okvm_pic_update(pic);
	spin_unlock(&pic->lock);
	if (rose)
		okvm_pic_wake(pic);
}

/**
 * okvm_pic_create() - the PICs of KVM_CREATE_IRQCHIP, at their reset state
 * @vm: the VM (its lock held, no vCPU yet)
 *
 * Every pin unmasked and edge-triggered, no vector base: the guest
 * initializes them before use.
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_pic_create(struct okvm_vm *vm)
{
	struct okvm_pic *pic = kzalloc(sizeof(*pic), GFP_KERNEL_ACCOUNT);

	if (!pic)
		return -ENOMEM;
	pic->vm = vm;
	spin_lock_init(&pic->lock);
	pic->chip[0].elcr_mask = OKVM_PIC_MASTER_ELCR_MASK;
	pic->chip[1].elcr_mask = OKVM_PIC_SLAVE_ELCR_MASK;
	vm->pic = pic;
	return 0;
}

/**
 * okvm_pic_free() - free a VM's PICs
 * @vm: the VM, at teardown
 */
void okvm_pic_free(struct okvm_vm *vm)
{
	kfree(vm->pic);
	vm->pic = NULL;
}
