// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and port I/O (KVM_REGISTER_COALESCED_MMIO): a guest write
 * that falls wholly inside a zone the VMM registered does not exit; it is
 * appended to the VM's ring, a page each vCPU's mmap shows at
 * KVM_COALESCED_MMIO_PAGE_OFFSET, and the VMM replays it when it next
 * looks. The kernel writes entries and ring->last; the VMM advances
 * ring->first. One entry always stays free, so a write that would fill
 * the last one exits as usual instead, as in KVM. Reads always exit.
 *
 * The zones and the ring's producer side are under one spinlock: vCPUs
 * append from their threads, the ioctls add and remove zones.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <uapi/linux/kvm.h>

#include <okvm/coalesced_io.h>
#include <okvm/vm.h>

/* Zones a VM may register; the same room KVM's I/O bus leaves them, about. */
#define OKVM_COALESCED_ZONES	100

/**
 * struct okvm_coalesced_io - a VM's coalesced I/O state
 * @lock: protects @zones, @nr_zones and the kernel's side of @ring
 * @ring: the page the VMM maps; its first and last are shared with it
 * @nr_zones: zones in use in @zones
 * @zones: the registered zones, in registration order
 */
struct okvm_coalesced_io {
	spinlock_t lock;		/* see @lock above */
	struct kvm_coalesced_mmio_ring *ring;
	unsigned int nr_zones;
	struct kvm_coalesced_mmio_zone zones[OKVM_COALESCED_ZONES];
};

/**
 * okvm_coalesced_io_init() - give a new VM its ring page, with no zones
 * @vm: the VM being created
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_coalesced_io_init(struct okvm_vm *vm)
{
	struct okvm_coalesced_io *cio = kzalloc(sizeof(*cio), GFP_KERNEL_ACCOUNT);

	if (!cio)
		return -ENOMEM;
	cio->ring = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!cio->ring) {
		kfree(cio);
		return -ENOMEM;
	}
	spin_lock_init(&cio->lock);
	vm->coalesced_io = cio;
	return 0;
}

/**
 * okvm_coalesced_io_free() - drop the VM's ring and zones at teardown
 * @vm: the VM
 *
 * A VMM mapping of the ring holds its own reference on the page.
 */
void okvm_coalesced_io_free(struct okvm_vm *vm)
{
	struct okvm_coalesced_io *cio = vm->coalesced_io;

	if (!cio)
		return;
	free_page((unsigned long)cio->ring);
	kfree(cio);
	vm->coalesced_io = NULL;
}

/**
 * okvm_coalesced_io_ring() - the ring page, for the vCPU mmap
 * @vm: the VM
 *
 * Return: its kernel address.
 */
void *okvm_coalesced_io_ring(struct okvm_vm *vm)
{
	return vm->coalesced_io->ring;
}

/* Whether [addr, addr + len) lies wholly inside @zone, of the same kind. */
static bool okvm_zone_covers(const struct kvm_coalesced_mmio_zone *zone, u64 addr,
			     u64 len, bool pio)
{
	return !!zone->pio == pio && addr >= zone->addr && len <= zone->size &&
	       addr - zone->addr <= zone->size - len;
}

/**
 * okvm_coalesced_io_register() - KVM_REGISTER_COALESCED_MMIO
 * @vm: the VM
 * @zone: the zone: guest physical addresses or, with pio 1, ports
 *
 * Return: 0; -EINVAL for a pio other than 0 or 1, -ENOSPC when
 * OKVM_COALESCED_ZONES are registered.
 */
int okvm_coalesced_io_register(struct okvm_vm *vm, const struct kvm_coalesced_mmio_zone *zone)
{
	struct okvm_coalesced_io *cio = vm->coalesced_io;
	int r = -ENOSPC;

	if (zone->pio > 1)
		return -EINVAL;
	spin_lock(&cio->lock);
	if (cio->nr_zones < OKVM_COALESCED_ZONES) {
		cio->zones[cio->nr_zones++] = *zone;
		r = 0;
	}
	spin_unlock(&cio->lock);
	return r;
}

/**
 * okvm_coalesced_io_unregister() - KVM_UNREGISTER_COALESCED_MMIO
 * @vm: the VM
 * @zone: the range: every zone of its kind that contains it goes, as in KVM
 *
 * Return: 0, whether or not a zone went; -EINVAL for a pio other than 0 or 1.
 */
int okvm_coalesced_io_unregister(struct okvm_vm *vm, const struct kvm_coalesced_mmio_zone *zone)
{
	struct okvm_coalesced_io *cio = vm->coalesced_io;
	unsigned int i = 0;

	if (zone->pio > 1)
		return -EINVAL;
	spin_lock(&cio->lock);
	while (i < cio->nr_zones) {
		if (okvm_zone_covers(&cio->zones[i], zone->addr, zone->size, zone->pio))
			cio->zones[i] = cio->zones[--cio->nr_zones];
		else
			i++;
	}
	spin_unlock(&cio->lock);
	return 0;
}

/**
 * okvm_coalesced_io_write() - queue a guest write instead of exiting
 * @vm: the VM
 * @addr: the guest physical address, or the port
 * @len: 1 to 8 bytes
 * @pio: a port write
 * @data: the bytes written
 *
 * The VMM may write anything into ring->first and ring->last: okvm takes
 * a last out of range as no room, and whatever first is only decides when
 * the ring counts as full.
 *
 * Return: true if it was queued, so the guest goes on; false to exit.
 */
bool okvm_coalesced_io_write(struct okvm_vm *vm, u64 addr, u32 len, bool pio, const void *data)
{
	struct okvm_coalesced_io *cio = vm->coalesced_io;
	struct kvm_coalesced_mmio_ring *ring = cio->ring;
	struct kvm_coalesced_mmio *entry;
	bool queued = false;
	unsigned int i;
	u32 last;

	if (len > sizeof(entry->data))
		return false;
	spin_lock(&cio->lock);
	for (i = 0; i < cio->nr_zones; i++)
		if (okvm_zone_covers(&cio->zones[i], addr, len, pio))
			break;
	last = READ_ONCE(ring->last);
	if (i == cio->nr_zones || last >= KVM_COALESCED_MMIO_MAX ||
	    (last + 1) % KVM_COALESCED_MMIO_MAX == READ_ONCE(ring->first))
		goto out;
	entry = &ring->coalesced_mmio[last];
	entry->phys_addr = addr;
	entry->len = len;
	entry->pio = pio;
	memset(entry->data, 0, sizeof(entry->data));
	memcpy(entry->data, data, len);
	/* The VMM reads the entry once it sees last move past it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
	queued = true;
out:
	spin_unlock(&cio->lock);
	return queued;
}
