// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC of KVM_CREATE_IRQCHIP: 24 pins, each with a redirection entry
 * that turns the pin's line into an interrupt message for the local APICs;
 * its registers behind IOREGSEL and IOWIN at 0xfec00000, reached through
 * MMIO emulation as the xAPIC page is.
 *
 * The state is KVM's struct kvm_ioapic_state itself (KVM_GET/SET_IRQCHIP
 * copy it), under a spinlock: lines change from KVM_IRQ_LINE, registers
 * from any vCPU, EOIs from the vCPU that ends a level-triggered interrupt.
 * Messages go out under the lock; sending takes no lock of its own.
 *
 * Edge-triggered pins send on a rising edge. Level-triggered pins send
 * while the line is high and Remote IRR is clear; Remote IRR is set until
 * a local APIC's EOI of the vector, after which a line still high sends
 * again.
 */
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <asm/apicdef.h>
#include <uapi/linux/kvm.h>

#include <okvm/ioapic.h>
#include <okvm/lapic.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

#define OKVM_IOAPIC_BASE	0xfec00000ULL
/* The registers decoded from the base, as KVM's IOAPIC_MEM_LENGTH. */
#define OKVM_IOAPIC_MMIO_SIZE	0x100
#define OKVM_IOAPIC_IOREGSEL	0x00
#define OKVM_IOAPIC_IOWIN	0x10
#define OKVM_IOAPIC_REG_ID	0x00
#define OKVM_IOAPIC_REG_VERSION	0x01
#define OKVM_IOAPIC_REG_ARB	0x02
#define OKVM_IOAPIC_REG_TABLE	0x10
/* Version 0x11, the 82093AA's, with entries 0 to 23. */
#define OKVM_IOAPIC_VERSION	(0x11 | ((KVM_IOAPIC_NUM_PINS - 1) << 16))
/* Redirection-entry bits the guest may not write: delivery status, Remote IRR. */
#define OKVM_IOAPIC_RO_BITS	(BIT_ULL(12) | BIT_ULL(14))

/**
 * struct okvm_ioapic - a VM's IOAPIC
 * @vm: its VM
 * @lock: guards @state
 * @state: the registers, pin levels (irr) and base, in KVM's layout
 */
struct okvm_ioapic {
	struct okvm_vm *vm;
	spinlock_t lock;	/* guards state */
	struct kvm_ioapic_state state;
};

/* The message a pin's entry describes; sent with the lock held. */
static int okvm_ioapic_send(struct okvm_ioapic *ioapic, unsigned int pin)
{
	const typeof(ioapic->state.redirtbl[0]) *e = &ioapic->state.redirtbl[pin];
	struct okvm_apic_irq irq = {
		.vector = e->fields.vector,
		.delivery_mode = e->fields.delivery_mode << 8,
		.dest_logical = e->fields.dest_mode,
		.level_trigger = e->fields.trig_mode,
		.assert = true,
		.dest_id = e->fields.dest_id,
	};
	int taken;

	lockdep_assert_held(&ioapic->lock);
	taken = okvm_apic_send(ioapic->vm, NULL, &irq);
	if (irq.level_trigger && taken)
		ioapic->state.redirtbl[pin].fields.remote_irr = 1;
	trace_okvm_ioapic_send(pin, e->bits, taken);
	return taken;
}

/* A level-triggered pin that can send now: line high, unmasked, no Remote IRR. */
static bool okvm_ioapic_level_due(const struct okvm_ioapic *ioapic, unsigned int pin)
{
	const typeof(ioapic->state.redirtbl[0]) *e = &ioapic->state.redirtbl[pin];

	return e->fields.trig_mode && !e->fields.mask && !e->fields.remote_irr &&
	       (ioapic->state.irr & BIT(pin));
}

/**
 * okvm_ioapic_set_irq() - a pin's line goes high or low
 * @vm: the VM, with an IOAPIC
 * @pin: the pin, below KVM_IOAPIC_NUM_PINS
 * @level: the line's new level
 *
 * Return: as KVM_IRQ_LINE_STATUS reports it, KVM's values: 1 for a line
 * going low; 0 for an edge-triggered line already high (no edge); -1 for
 * a masked pin or a level-triggered one whose Remote IRR is set; else how
 * many APICs took the interrupt.
 */
int okvm_ioapic_set_irq(struct okvm_vm *vm, unsigned int pin, bool level)
{
	struct okvm_ioapic *ioapic = vm->ioapic;
	const typeof(ioapic->state.redirtbl[0]) *e;
	u32 bit;
	int ret;

	pin = array_index_nospec(pin, KVM_IOAPIC_NUM_PINS);
	e = &ioapic->state.redirtbl[pin];
	bit = BIT(pin);

	spin_lock(&ioapic->lock);
	if (!level) {
		ioapic->state.irr &= ~bit;
		ret = 1;
	} else if (!e->fields.trig_mode && (ioapic->state.irr & bit)) {
		ret = 0;
	} else {
		ioapic->state.irr |= bit;
		ret = e->fields.mask || (e->fields.trig_mode && e->fields.remote_irr) ? -1 :
		      okvm_ioapic_send(ioapic, pin);
	}
	spin_unlock(&ioapic->lock);
	return ret;
}

/**
 * okvm_ioapic_eoi() - a local APIC ended a level-triggered @vector
 * @vm: the VM
 * @vector: the vector
 *
 * Clears Remote IRR of the pins that sent @vector; a line still high
 * sends again.
 */
void okvm_ioapic_eoi(struct okvm_vm *vm, u8 vector)
{
	struct okvm_ioapic *ioapic = vm->ioapic;
	unsigned int pin;

	if (!ioapic)
		return;
	spin_lock(&ioapic->lock);
	for (pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++) {
		typeof(ioapic->state.redirtbl[0]) *e = &ioapic->state.redirtbl[pin];

		if (e->fields.vector != vector || !e->fields.remote_irr)
			continue;
		e->fields.remote_irr = 0;
		if (okvm_ioapic_level_due(ioapic, pin))
			okvm_ioapic_send(ioapic, pin);
	}
	spin_unlock(&ioapic->lock);
}

/* Registers that are not there read all ones, as KVM's. */
static u32 okvm_ioapic_read_reg(struct okvm_ioapic *ioapic, u32 index)
{
	struct kvm_ioapic_state *s = &ioapic->state;
	u32 pin = (index - OKVM_IOAPIC_REG_TABLE) / 2;

	switch (index) {
	case OKVM_IOAPIC_REG_ID:
	case OKVM_IOAPIC_REG_ARB:
		return (s->id & 0xf) << 24;
	case OKVM_IOAPIC_REG_VERSION:
		return OKVM_IOAPIC_VERSION;
	}
	if (index < OKVM_IOAPIC_REG_TABLE || pin >= KVM_IOAPIC_NUM_PINS)
		return ~0U;
	/* IOREGSEL is the guest's (and KVM_SET_IRQCHIP's): no speculation past the table. */
	pin = array_index_nospec(pin, KVM_IOAPIC_NUM_PINS);
	return index & 1 ? upper_32_bits(s->redirtbl[pin].bits) :
			   lower_32_bits(s->redirtbl[pin].bits);
}

static void okvm_ioapic_write_reg(struct okvm_ioapic *ioapic, u32 index, u32 value)
{
	struct kvm_ioapic_state *s = &ioapic->state;
	u32 pin = (index - OKVM_IOAPIC_REG_TABLE) / 2;
	u64 old, bits;

	if (index == OKVM_IOAPIC_REG_ID) {
		s->id = (value >> 24) & 0xf;
		return;
	}
	if (index < OKVM_IOAPIC_REG_TABLE || pin >= KVM_IOAPIC_NUM_PINS)
		return;
	pin = array_index_nospec(pin, KVM_IOAPIC_NUM_PINS);
	old = s->redirtbl[pin].bits;
	if (index & 1)
		bits = (old & 0xffffffffULL) | (u64)value << 32;
	else
		bits = (old & ~0xffffffffULL) | value;
	s->redirtbl[pin].bits = (bits & ~OKVM_IOAPIC_RO_BITS) | (old & OKVM_IOAPIC_RO_BITS);
	/* An edge-triggered pin has no Remote IRR. */
	if (!s->redirtbl[pin].fields.trig_mode)
		s->redirtbl[pin].fields.remote_irr = 0;
	/* Unmasking a level-triggered pin whose line is high sends at once. */
	if (okvm_ioapic_level_due(ioapic, pin))
		okvm_ioapic_send(ioapic, pin);
}

/**
 * okvm_ioapic_mmio() - a guest access to the IOAPIC's registers
 * @vm: the VM
 * @gpa: the address
 * @write: a store
 * @data: the value stored, or where the value read goes
 * @size: bytes, 1 to 8
 *
 * The IOAPIC decodes 256 bytes from its base, as KVM's does: IOREGSEL and
 * IOWIN are 32-bit registers, narrower accesses see their low bytes, other
 * offsets read 0 and ignore writes.
 *
 * Return: 0 if the IOAPIC took the access, -ENODEV if @gpa is not its or
 * the VM has none.
 */
int okvm_ioapic_mmio(struct okvm_vm *vm, gpa_t gpa, bool write, u64 *data, unsigned int size)
{
	struct okvm_ioapic *ioapic = vm->ioapic;
	u64 offset;

	if (!ioapic)
		return -ENODEV;
	/* A first look without the lock: most MMIO is some other device's. */
	offset = gpa - READ_ONCE(ioapic->state.base_address);
	if (offset >= OKVM_IOAPIC_MMIO_SIZE)
		return -ENODEV;
	spin_lock(&ioapic->lock);
	offset = gpa - ioapic->state.base_address;
	if (offset >= OKVM_IOAPIC_MMIO_SIZE) {
		spin_unlock(&ioapic->lock);
		return -ENODEV;
	}
	if (offset == OKVM_IOAPIC_IOREGSEL) {
		if (write)
			ioapic->state.ioregsel = *data & 0xff;
		else
			*data = ioapic->state.ioregsel;
	} else if (offset == OKVM_IOAPIC_IOWIN) {
		if (write)
			okvm_ioapic_write_reg(ioapic, ioapic->state.ioregsel, *data);
		else
			*data = okvm_ioapic_read_reg(ioapic, ioapic->state.ioregsel);
	} else if (!write) {
		*data = 0;
	}
	spin_unlock(&ioapic->lock);
	if (!write && size < 8)
		*data &= BIT_ULL(size * 8) - 1;
	return 0;
}

/**
 * okvm_ioapic_get_state() - KVM_GET_IRQCHIP of KVM_IRQCHIP_IOAPIC
 * @vm: the VM, with an IOAPIC
 * @s: the state
 */
void okvm_ioapic_get_state(struct okvm_vm *vm, struct kvm_ioapic_state *s)
{
	spin_lock(&vm->ioapic->lock);
	*s = vm->ioapic->state;
	spin_unlock(&vm->ioapic->lock);
}

/**
 * okvm_ioapic_set_state() - KVM_SET_IRQCHIP of KVM_IRQCHIP_IOAPIC
 * @vm: the VM, with an IOAPIC
 * @s: the state, taken as it is (the base too, as KVM takes it)
 *
 * Level-triggered pins that are due (line high, unmasked, no Remote IRR)
 * send, as after a register write.
 */
void okvm_ioapic_set_state(struct okvm_vm *vm, const struct kvm_ioapic_state *s)
{
	struct okvm_ioapic *ioapic = vm->ioapic;
	unsigned int pin;

	spin_lock(&ioapic->lock);
	ioapic->state = *s;
	ioapic->state.pad = 0;
	ioapic->state.irr &= BIT(KVM_IOAPIC_NUM_PINS) - 1;
	for (pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++)
		if (okvm_ioapic_level_due(ioapic, pin))
			okvm_ioapic_send(ioapic, pin);
	spin_unlock(&ioapic->lock);
}

/**
 * okvm_ioapic_create() - the IOAPIC of KVM_CREATE_IRQCHIP, at its reset state
 * @vm: the VM (its lock held, no vCPU yet)
 *
 * Every entry masked, edge-triggered, at 0xfec00000.
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_ioapic_create(struct okvm_vm *vm)
{
	struct okvm_ioapic *ioapic = kzalloc(sizeof(*ioapic), GFP_KERNEL_ACCOUNT);
	unsigned int pin;

	if (!ioapic)
		return -ENOMEM;
	ioapic->vm = vm;
	spin_lock_init(&ioapic->lock);
	ioapic->state.base_address = OKVM_IOAPIC_BASE;
	for (pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++)
		ioapic->state.redirtbl[pin].fields.mask = 1;
	vm->ioapic = ioapic;
	return 0;
}

/**
 * okvm_ioapic_free() - free a VM's IOAPIC
 * @vm: the VM, at teardown
 */
void okvm_ioapic_free(struct okvm_vm *vm)
{
	kfree(vm->ioapic);
	vm->ioapic = NULL;
}
