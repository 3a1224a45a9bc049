// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD: an eventfd that, when signalled, sends an edge on a GSI, so
 * a device thread (a VMM's virtio backend, vhost) interrupts the guest
 * without an ioctl. The eventfd's wakeup runs under its wait queue's lock
 * with interrupts off, where the irqchips' locks cannot be taken: it
 * consumes the count and queues the edge on a work item, which raises the
 * GSI through the VM's routing as KVM_IRQ_LINE would, high then low.
 *
 * An irqfd is on its VM's list while it is assigned. Whoever takes it off
 * (KVM_IRQFD with DEASSIGN, the eventfd's last close, which wakes with
 * EPOLLHUP, or the VM's teardown) queues its shutdown on one workqueue:
 * the wait entry comes off the eventfd, the last edge is flushed, and the
 * irqfd is freed. Deassign and teardown wait for that workqueue, so no
 * edge comes after they return.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/linux/kvm.h>

#include <okvm/irq_routing.h>
#include <okvm/irqchip.h>
#include <okvm/irqfd.h>
#include <okvm/vm.h>

/**
 * struct okvm_irqfd - an eventfd assigned to a GSI
 * @vm: its VM
 * @eventfd: the eventfd, referenced
 * @gsi: the GSI it raises
 * @wait: its entry on the eventfd's wait queue
 * @pt: the poll table that adds @wait
 * @inject: sends the edge
 * @shutdown: takes it off the eventfd and frees it
 * @link: on the VM's list while assigned, under okvm_vm::irqfds_lock
 */
struct okvm_irqfd {
	struct okvm_vm *vm;
	struct eventfd_ctx *eventfd;
	u32 gsi;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;
	struct list_head link;
};

static struct workqueue_struct *okvm_irqfd_cleanup_wq;

static void okvm_irqfd_inject(struct work_struct *work)
{
	struct okvm_irqfd *irqfd = container_of(work, struct okvm_irqfd, inject);

	okvm_irq_routing_raise(irqfd->vm, irqfd->gsi, true);
	okvm_irq_routing_raise(irqfd->vm, irqfd->gsi, false);
}

static void okvm_irqfd_shutdown(struct work_struct *work)
{
	struct okvm_irqfd *irqfd = container_of(work, struct okvm_irqfd, shutdown);
	u64 count;

	/* Off the wait queue no wakeup can queue an edge: flush the last one. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &count);
	flush_work(&irqfd->inject);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/* Off the list and its shutdown queued; okvm_vm::irqfds_lock held. */
static void okvm_irqfd_deactivate(struct okvm_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->vm->irqfds_lock);
	list_del_init(&irqfd->link);
	queue_work(okvm_irqfd_cleanup_wq, &irqfd->shutdown);
}

/* The eventfd's wakeup: its wait queue's lock held, interrupts off. */
static int okvm_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct okvm_irqfd *irqfd = container_of(wait, struct okvm_irqfd, wait);
	__poll_t flags = key_to_poll(key);
	struct okvm_vm *vm = irqfd->vm;
	unsigned long irq_flags;
	u64 count;

	if (flags & EPOLLIN) {
		/* Signals before the edge is sent make one edge, as in KVM. */
		eventfd_ctx_do_read(irqfd->eventfd, &count);
		queue_work(system_highpri_wq, &irqfd->inject);
	}
	if (flags & EPOLLHUP) {
		/* The eventfd's last close: unless deassign or teardown took it first. */
		spin_lock_irqsave(&vm->irqfds_lock, irq_flags);
		if (!list_empty(&irqfd->link))
			okvm_irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&vm->irqfds_lock, irq_flags);
	}
	return 0;
}

static void okvm_irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct okvm_irqfd *irqfd = container_of(pt, struct okvm_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/*
 * Under okvm_vm::irqfds_mutex, and with the file held, so that neither a
 * deassign nor the eventfd's last close comes between the list and the
 * wait queue.
 */
static int okvm_irqfd_assign(struct okvm_vm *vm, struct file *file, u32 gsi)
{
	struct eventfd_ctx *eventfd;
	struct okvm_irqfd *irqfd, *other;
	__poll_t events;

	eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd) {
		eventfd_ctx_put(eventfd);
		return -ENOMEM;
	}
	irqfd->vm = vm;
	irqfd->eventfd = eventfd;
	irqfd->gsi = gsi;
	INIT_WORK(&irqfd->inject, okvm_irqfd_inject);
	INIT_WORK(&irqfd->shutdown, okvm_irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, okvm_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, okvm_irqfd_queue_proc);

	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry(other, &vm->irqfds, link) {
		if (other->eventfd == eventfd) {
			spin_unlock_irq(&vm->irqfds_lock);
			eventfd_ctx_put(eventfd);
			kfree(irqfd);
			return -EBUSY;
		}
	}
	list_add_tail(&irqfd->link, &vm->irqfds);
	spin_unlock_irq(&vm->irqfds_lock);

	/* A signal that came before the wait entry is an edge too. */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		queue_work(system_highpri_wq, &irqfd->inject);
	return 0;
}

/* Every irqfd of @eventfd and @gsi off, and gone on return. */
static int okvm_irqfd_deassign(struct okvm_vm *vm, struct file *file, u32 gsi)
{
	struct eventfd_ctx *eventfd = eventfd_ctx_fileget(file);
	struct okvm_irqfd *irqfd, *next;

	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry_safe(irqfd, next, &vm->irqfds, link) {
		if (irqfd->eventfd == eventfd && irqfd->gsi == gsi)
			okvm_irqfd_deactivate(irqfd);
	}
	spin_unlock_irq(&vm->irqfds_lock);
	eventfd_ctx_put(eventfd);
	flush_workqueue(okvm_irqfd_cleanup_wq);
	return 0;
}

/**
 * okvm_irqfd() - KVM_IRQFD
 * @vm: the VM
 * @args: the eventfd, the GSI and the flags
 *
 * Assign: @args->fd's signals send edges on @args->gsi, through the
 * routing in force when each is sent. Deassign (KVM_IRQFD_FLAG_DEASSIGN):
 * the eventfd's irqfd on that GSI stops, if there is one, before this
 * returns.
 *
 * Return: 0; -EINVAL for an unknown flag or KVM_IRQFD_FLAG_RESAMPLE (okvm
 * has no resampling irqfd: KVM_CAP_IRQFD_RESAMPLE is 0), or, to assign,
 * without an in-kernel irqchip; -EBADF for a closed fd, -EINVAL for one
 * that is no eventfd; -EBUSY for an eventfd the VM has assigned already,
 * as in KVM; -ENOMEM.
 */
int okvm_irqfd(struct okvm_vm *vm, const struct kvm_irqfd *args)
{
	bool deassign = args->flags & KVM_IRQFD_FLAG_DEASSIGN;
	struct fd f;
	int r;

	if (args->flags & ~KVM_IRQFD_FLAG_DEASSIGN)
		return -EINVAL;
	if (!deassign && !okvm_has_irqchip(vm))
		return -EINVAL;
	f = fdget(args->fd);
	if (!fd_file(f))
		return -EBADF;
	mutex_lock(&vm->irqfds_mutex);
	if (deassign)
		r = okvm_irqfd_deassign(vm, fd_file(f), args->gsi);
	else
		r = okvm_irqfd_assign(vm, fd_file(f), args->gsi);
	mutex_unlock(&vm->irqfds_mutex);
	fdput(f);
	return r;
}

/**
 * okvm_irqfd_vm_destroy() - stop every irqfd of a VM
 * @vm: the VM, at teardown, its irqchip and routing still there
 */
void okvm_irqfd_vm_destroy(struct okvm_vm *vm)
{
	struct okvm_irqfd *irqfd, *next;

	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry_safe(irqfd, next, &vm->irqfds, link)
		okvm_irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfds_lock);
	/* And those the eventfds' last closes took off before. */
	flush_workqueue(okvm_irqfd_cleanup_wq);
}

/**
 * okvm_irqfd_vm_init() - a new VM's empty irqfd list
 * @vm: the VM
 */
void okvm_irqfd_vm_init(struct okvm_vm *vm)
{
	INIT_LIST_HEAD(&vm->irqfds);
	spin_lock_init(&vm->irqfds_lock);
	mutex_init(&vm->irqfds_mutex);
}

/**
 * okvm_irqfd_init() - the workqueue irqfds shut down on, at module load
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_irqfd_init(void)
{
	okvm_irqfd_cleanup_wq = alloc_workqueue("okvm-irqfd-cleanup", 0, 0);
	return okvm_irqfd_cleanup_wq ? 0 : -ENOMEM;
}

/**
 * okvm_irqfd_exit() - free the workqueue, at module unload (no VM is left)
 */
void okvm_irqfd_exit(void)
{
	destroy_workqueue(okvm_irqfd_cleanup_wq);
}
