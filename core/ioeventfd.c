// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: a guest write to an MMIO address or a port that signals
 * an eventfd instead of exiting, so a VMM's device thread (a virtio queue
 * notify) learns of it without the vCPU leaving the kernel. A write
 * matches an ioeventfd at the same address and of its length (any length
 * for one of length 0), with its value if the ioeventfd has a datamatch;
 * reads always go on to the VMM.
 *
 * vCPUs look the list up under RCU on each write no in-kernel device took;
 * KVM_IOEVENTFD changes it under the VM's ioeventfd mutex and frees a
 * removed entry after a grace period.
 */
#include <linux/eventfd.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <uapi/linux/kvm.h>

#include <okvm/ioeventfd.h>
#include <okvm/vm.h>

/* Entries a VM may have: the room KVM's I/O buses give their devices. */
#define OKVM_MAX_IOEVENTFDS	1000

#define OKVM_IOEVENTFD_FLAGS	(KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO | \
				 KVM_IOEVENTFD_FLAG_DEASSIGN)

/**
 * struct okvm_ioeventfd - an address whose writes signal an eventfd
 * @link: on okvm_vm::ioeventfds
 * @eventfd: the eventfd, referenced
 * @addr: the guest physical address, or the port
 * @len: the write's length: 1, 2, 4 or 8, or 0 for any
 * @pio: a port, not an MMIO address
 * @datamatch: only a write of @value signals
 * @value: with @datamatch, the value, as given: bits above @len bytes
 *	make it match no write, as in KVM
 */
struct okvm_ioeventfd {
	struct list_head link;
	struct eventfd_ctx *eventfd;
	u64 addr;
	u32 len;
	bool pio;
	bool datamatch;
	u64 value;
};

/**
 * okvm_ioeventfd_write() - a guest write that an ioeventfd may take
 * @vm: the VM
 * @addr: the guest physical address, or the port
 * @len: 1 to 8 bytes
 * @pio: a port write
 * @data: the bytes written
 *
 * Return: true if an ioeventfd matched: its eventfd was signalled and the
 * write goes no further.
 */
bool okvm_ioeventfd_write(struct okvm_vm *vm, u64 addr, u32 len, bool pio, const void *data)
{
	struct okvm_ioeventfd *p;
	bool taken = false;
	u64 value = 0;

	if (len > sizeof(value))
		return false;
	memcpy(&value, data, len);
	rcu_read_lock();
	list_for_each_entry_rcu(p, &vm->ioeventfds, link) {
		if (p->pio != pio || p->addr != addr || (p->len && p->len != len) ||
		    (p->datamatch && p->value != value))
			continue;
		eventfd_signal(p->eventfd);
		taken = true;
		break;
	}
	rcu_read_unlock();
	return taken;
}

/* Two entries a write could match both of: KVM's collision rule. */
static bool okvm_ioeventfd_collide(const struct okvm_ioeventfd *a,
				   const struct okvm_ioeventfd *b)
{
	return a->pio == b->pio && a->addr == b->addr &&
	       (!a->len || !b->len ||
		(a->len == b->len &&
		 (!a->datamatch || !b->datamatch || a->value == b->value)));
}

static int okvm_ioeventfd_assign(struct okvm_vm *vm, struct okvm_ioeventfd *new)
{
	struct okvm_ioeventfd *p;

	lockdep_assert_held(&vm->ioeventfds_mutex);
	if (vm->nr_ioeventfds >= OKVM_MAX_IOEVENTFDS)
		return -ENOSPC;
	list_for_each_entry(p, &vm->ioeventfds, link)
		if (okvm_ioeventfd_collide(p, new))
			return -EEXIST;
	list_add_tail_rcu(&new->link, &vm->ioeventfds);
	vm->nr_ioeventfds++;
	return 0;
}

static int okvm_ioeventfd_deassign(struct okvm_vm *vm, const struct okvm_ioeventfd *key)
{
	struct okvm_ioeventfd *p;

	lockdep_assert_held(&vm->ioeventfds_mutex);
	list_for_each_entry(p, &vm->ioeventfds, link) {
		if (p->eventfd != key->eventfd || p->pio != key->pio || p->addr != key->addr ||
		    p->len != key->len || p->datamatch != key->datamatch ||
		    (p->datamatch && p->value != key->value))
			continue;
		list_del_rcu(&p->link);
		vm->nr_ioeventfds--;
		/* A vCPU may be signalling it: free it once none can be. */
		synchronize_rcu();
		eventfd_ctx_put(p->eventfd);
		kfree(p);
		return 0;
	}
	return -ENOENT;
}

/**
 * okvm_ioeventfd() - KVM_IOEVENTFD
 * @vm: the VM
 * @args: the eventfd, the address or port, the length, the flags and the
 *	value to match
 *
 * Return: 0; -EINVAL for a length other than 0, 1, 2, 4 or 8, a range that
 * wraps, an unknown flag (KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, s390's, is
 * one here), a datamatch without a length, or an fd that is no eventfd;
 * -EBADF for a closed fd; -EEXIST for an entry a write could match along
 * with one the VM has; -ENOSPC past 1000 entries; -ENOENT to deassign one
 * that is not there (all of it must match: the eventfd, address, length
 * and datamatch); -ENOMEM.
 */
int okvm_ioeventfd(struct okvm_vm *vm, const struct kvm_ioeventfd *args)
{
	bool deassign = args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN;
	struct okvm_ioeventfd *p;
	int r;

	switch (args->len) {
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args->addr + args->len < args->addr || (args->flags & ~OKVM_IOEVENTFD_FLAGS) ||
	    (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH)))
		return -EINVAL;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p->eventfd)) {
		r = PTR_ERR(p->eventfd);
		kfree(p);
		return r;
	}
	p->addr = args->addr;
	p->len = args->len;
	p->pio = args->flags & KVM_IOEVENTFD_FLAG_PIO;
	p->datamatch = args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH;
	if (p->datamatch)
		p->value = args->datamatch;

	mutex_lock(&vm->ioeventfds_mutex);
	r = deassign ? okvm_ioeventfd_deassign(vm, p) : okvm_ioeventfd_assign(vm, p);
	mutex_unlock(&vm->ioeventfds_mutex);
	if (r || deassign) {
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
	return r;
}

/**
 * okvm_ioeventfd_vm_init() - a new VM's empty ioeventfd list
 * @vm: the VM
 */
void okvm_ioeventfd_vm_init(struct okvm_vm *vm)
{
	INIT_LIST_HEAD(&vm->ioeventfds);
	mutex_init(&vm->ioeventfds_mutex);
}

/**
 * okvm_ioeventfd_vm_destroy() - free a VM's ioeventfds
 * @vm: the VM, at teardown: no vCPU runs
 */
void okvm_ioeventfd_vm_destroy(struct okvm_vm *vm)
{
	struct okvm_ioeventfd *p, *next;

	list_for_each_entry_safe(p, next, &vm->ioeventfds, link) {
		list_del(&p->link);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
}
