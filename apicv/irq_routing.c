// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_GSI_ROUTING: a table of routes, each taking one GSI to an
 * irqchip pin (a PIC's or the IOAPIC's) or to an MSI. KVM_IRQ_LINE drives
 * every route of its GSI and reports the sum of what they said, as KVM.
 * KVM_CREATE_IRQCHIP installs KVM's default table: GSIs 0-15 to the ISA
 * line of their number on the PICs and to the IOAPIC pin of their number,
 * 16-23 to IOAPIC pins alone.
 *
 * With a split irqchip (KVM_CAP_SPLIT_IRQCHIP) there are only MSI routes,
 * and those of the GSIs the VMM's IOAPIC owns tell which EOIs it must
 * hear of (KVM_EXIT_IOAPIC_EOI): the level-triggered ones.
 *
 * The table is read under RCU (KVM_IRQ_LINE takes no lock of the VM's)
 * and replaced whole under the VM's lock; routes are sorted by GSI, so
 * those of one GSI are neighbours found by a binary search.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <uapi/linux/kvm.h>

#include <okvm/ioapic.h>
#include <okvm/irq_routing.h>
#include <okvm/irqchip.h>
#include <okvm/lapic.h>
#include <okvm/pic.h>
#include <okvm/vm.h>

/**
 * struct okvm_irq_route - one route of a GSI
 * @gsi: the GSI
 * @type: KVM_IRQ_ROUTING_IRQCHIP or KVM_IRQ_ROUTING_MSI
 * @irqchip: KVM_IRQCHIP_*, and the pin: 0-15 for the PICs (the slave's
 *	are 8-15), 0-23 for the IOAPIC
 * @pin: see @irqchip
 * @msi: the message, for KVM_IRQ_ROUTING_MSI
 */
struct okvm_irq_route {
	u32 gsi;
	u32 type;
	union {
		struct {
			u32 irqchip;
			u32 pin;
		};
		struct kvm_msi msi;
	};
};

/**
 * struct okvm_irq_routing - a VM's routing table
 * @rcu: frees it after the readers of a replaced table are gone
 * @eoi_exit_vectors: with a split irqchip, the vectors of level-triggered
 *	MSI routes of the VMM IOAPIC's GSIs: an EOI of another vector never
 *	needs a look at the routes
 * @nr: routes in @routes
 * @routes: sorted by GSI
 */
struct okvm_irq_routing {
	struct rcu_head rcu;
	DECLARE_BITMAP(eoi_exit_vectors, 256);
	u32 nr;
	struct okvm_irq_route routes[] __counted_by(nr);
};

static int okvm_irq_route_cmp(const void *a, const void *b)
{
	const struct okvm_irq_route *ra = a, *rb = b;

	return ra->gsi < rb->gsi ? -1 : ra->gsi > rb->gsi;
}

/* One userspace entry, checked as KVM checks it. */
static int okvm_irq_route_from_user(struct okvm_vm *vm, struct okvm_irq_route *r,
				    const struct kvm_irq_routing_entry *ue)
{
	if (ue->gsi >= OKVM_MAX_IRQ_ROUTES)
		return -EINVAL;
	r->gsi = ue->gsi;
	r->type = ue->type;
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (ue->flags)
			return -EINVAL;
		r->irqchip = ue->u.irqchip.irqchip;
		r->pin = ue->u.irqchip.pin;
		switch (r->irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			if (r->pin >= OKVM_PIC_NUM_PINS / 2)
				return -EINVAL;
			if (r->irqchip == KVM_IRQCHIP_PIC_SLAVE)
				r->pin += OKVM_PIC_NUM_PINS / 2;
			return 0;
		case KVM_IRQCHIP_IOAPIC:
			return r->pin < KVM_IOAPIC_NUM_PINS ? 0 : -EINVAL;
		default:
			return -EINVAL;
		}
	case KVM_IRQ_ROUTING_MSI:
		/* The device ID is ignored on x86, as KVM_SIGNAL_MSI ignores it. */
		if (ue->flags & ~KVM_MSI_VALID_DEVID)
			return -EINVAL;
		r->msi = (struct kvm_msi){
			.address_lo = ue->u.msi.address_lo,
			.address_hi = ue->u.msi.address_hi,
			.data = ue->u.msi.data,
		};
		/* With 32-bit IDs, address_hi bits 7:0 must be 0, as for KVM_SIGNAL_MSI. */
		if (READ_ONCE(vm->x2apic_format) && (r->msi.address_hi & 0xff))
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* A split irqchip's level-triggered MSI route of a GSI the VMM's IOAPIC owns. */
static bool okvm_irq_route_eoi_exits(struct okvm_vm *vm, const struct okvm_irq_route *route)
{
	return vm->irqchip_split && route->type == KVM_IRQ_ROUTING_MSI &&
	       route->gsi < vm->nr_reserved_ioapic_pins && (route->msi.data & BIT(15));
}

/*
 * A GSI may have one route to each irqchip, or a single route of another
 * type, as in KVM. Routes of one GSI are neighbours once sorted: walk each
 * group with the chips it has seen.
 */
static bool okvm_irq_routes_conflict(const struct okvm_irq_route *routes, u32 nr)
{
	u32 i, chips = 0;

	for (i = 0; i < nr; i++) {
		bool first = !i || routes[i].gsi != routes[i - 1].gsi;
		bool alone = first && (i + 1 == nr || routes[i + 1].gsi != routes[i].gsi);

		if (first)
			chips = 0;
		if (routes[i].type != KVM_IRQ_ROUTING_IRQCHIP) {
			if (!alone)
				return true;
			continue;
		}
		if (chips & BIT(routes[i].irqchip))
			return true;
		chips |= BIT(routes[i].irqchip);
	}
	return false;
}

/**
 * okvm_irq_routing_set() - KVM_SET_GSI_ROUTING
 * @vm: the VM
 * @ue: the entries
 * @nr: how many, at most OKVM_MAX_IRQ_ROUTES
 *
 * The new table replaces the old whole; KVM_IRQ_LINE calls that began on
 * the old one finish on it.
 *
 * Return: 0; -EINVAL without an in-kernel irqchip, for an entry KVM would
 * refuse (an irqchip route with a split irqchip among them), or for two
 * routes of one GSI that KVM would refuse; -ENOMEM.
 */
int okvm_irq_routing_set(struct okvm_vm *vm, const struct kvm_irq_routing_entry *ue, u32 nr)
{
	struct okvm_irq_routing *table, *old;
	u32 i;
	int r;

	if (nr > OKVM_MAX_IRQ_ROUTES)
		return -EINVAL;
	table = kvmalloc(struct_size(table, routes, nr), GFP_KERNEL_ACCOUNT);
	if (!table)
		return -ENOMEM;
	table->nr = nr;
	for (i = 0; i < nr; i++) {
		r = okvm_irq_route_from_user(vm, &table->routes[i], &ue[i]);
		if (r)
			goto fail;
	}
	sort(table->routes, nr, sizeof(table->routes[0]), okvm_irq_route_cmp, NULL);
	r = -EINVAL;
	if (okvm_irq_routes_conflict(table->routes, nr))
		goto fail;

	mutex_lock(&vm->lock);
	if (!vm->irqchip_kernel) {
		mutex_unlock(&vm->lock);
		goto fail;
	}
	bitmap_zero(table->eoi_exit_vectors, 256);
	for (i = 0; i < nr; i++) {
		const struct okvm_irq_route *route = &table->routes[i];

		/* A split irqchip's pins are the VMM's: only messages come in. */
		if (vm->irqchip_split && route->type == KVM_IRQ_ROUTING_IRQCHIP) {
			mutex_unlock(&vm->lock);
			goto fail;
		}
		if (okvm_irq_route_eoi_exits(vm, route))
			__set_bit(route->msi.data & 0xff, table->eoi_exit_vectors);
	}
	old = rcu_replace_pointer(vm->irq_routing, table, lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	if (old)
		kvfree_rcu(old, rcu);
	return 0;
fail:
	kvfree(table);
	return r;
}

/**
 * okvm_irq_routing_set_default() - KVM's default table, for KVM_CREATE_IRQCHIP
 * @vm: the VM, its lock held, before its irqchip is seen
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_irq_routing_set_default(struct okvm_vm *vm)
{
	struct okvm_irq_routing *table;
	u32 gsi, n = 0;

	lockdep_assert_held(&vm->lock);
	table = kvmalloc(struct_size(table, routes, KVM_IOAPIC_NUM_PINS + OKVM_PIC_NUM_PINS),
			 GFP_KERNEL_ACCOUNT);
	if (!table)
		return -ENOMEM;
	table->nr = KVM_IOAPIC_NUM_PINS + OKVM_PIC_NUM_PINS;
	for (gsi = 0; gsi < KVM_IOAPIC_NUM_PINS; gsi++) {
		if (gsi < OKVM_PIC_NUM_PINS)
			table->routes[n++] = (struct okvm_irq_route){
				.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				.pin = gsi,
			};
		table->routes[n++] = (struct okvm_irq_route){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi,
		};
	}
	rcu_assign_pointer(vm->irq_routing, table);
	return 0;
}

/**
 * okvm_irq_routing_free() - free a VM's table
 * @vm: the VM, at teardown (no reader is left)
 */
void okvm_irq_routing_free(struct okvm_vm *vm)
{
	kvfree(rcu_dereference_protected(vm->irq_routing, true));
	RCU_INIT_POINTER(vm->irq_routing, NULL);
}

/*
 * KVM's sum of what the routes of one GSI reported: a route that did not
 * deliver (-1: masked, or a message with the level low) adds nothing; -1
 * if none did.
 */
static int okvm_irq_status_add(int status, int route_status)
{
	if (route_status < 0)
		return status;
	return status < 0 ? route_status : status + route_status;
}

static int okvm_irq_route_raise(struct okvm_vm *vm, const struct okvm_irq_route *r, bool level)
{
	if (r->type == KVM_IRQ_ROUTING_MSI)
		return level ? okvm_msi_deliver(vm, &r->msi) : -1;
	if (r->irqchip == KVM_IRQCHIP_IOAPIC)
		return okvm_ioapic_set_irq(vm, r->pin, level);
	return okvm_pic_set_irq(vm, r->pin, level);
}

/**
 * okvm_irq_routing_raise() - set a GSI's level on every route it has
 * @vm: the VM, with an in-kernel irqchip
 * @gsi: the GSI
 * @level: the line's new level (a message is sent when it is high)
 *
 * Return: what KVM_IRQ_LINE_STATUS reports: the sum of what the routes
 * said, -1 if none delivered or the GSI has no route.
 */
int okvm_irq_routing_raise(struct okvm_vm *vm, u32 gsi, bool level)
{
	const struct okvm_irq_routing *table;
	u32 lo = 0, hi;
	int status = -1;

	rcu_read_lock();
	table = rcu_dereference(vm->irq_routing);
	hi = table ? table->nr : 0;
	/* The first route whose GSI is not below @gsi. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (table->routes[mid].gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; table && lo < table->nr && table->routes[lo].gsi == gsi; lo++)
		status = okvm_irq_status_add(status,
					     okvm_irq_route_raise(vm, &table->routes[lo], level));
	rcu_read_unlock();
	return status;
}

/**
 * okvm_irq_routing_eoi_exits() - the VMM's IOAPIC must hear of this EOI
 * @vcpu: the vCPU whose APIC ended @vector, with a split irqchip
 * @vector: the vector
 * @level: the APIC took @vector level-triggered (its TMR bit)
 *
 * As KVM decides it: a level-triggered MSI route of a GSI the VMM's
 * IOAPIC owns sends @vector to this vCPU's APIC, or sends @vector and
 * this APIC holds it level-triggered: the route moved to another vCPU
 * while this one served it, and the VMM still waits for its EOI.
 *
 * Return: true if the EOI exits to userspace (KVM_EXIT_IOAPIC_EOI).
 */
bool okvm_irq_routing_eoi_exits(struct okvm_vcpu *vcpu, u8 vector, bool level)
{
	struct okvm_vm *vm = vcpu->vm;
	const struct okvm_irq_routing *table;
	bool exits = false;
	u32 i;

	rcu_read_lock();
	table = rcu_dereference(vm->irq_routing);
	if (!table || !test_bit(vector, table->eoi_exit_vectors))
		goto out;
	exits = level;
	for (i = 0; i < table->nr && !exits; i++) {
		const struct okvm_irq_route *route = &table->routes[i];
		struct okvm_apic_irq irq;

		if (!okvm_irq_route_eoi_exits(vm, route) || (route->msi.data & 0xff) != vector)
			continue;
		okvm_msi_to_apic_irq(vm, &route->msi, &irq);
		exits = okvm_apic_match(vcpu->apic, NULL, &irq);
	}
out:
	rcu_read_unlock();
	return exits;
}
