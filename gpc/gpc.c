// SPDX-License-Identifier: GPL-2.0
/*
 * The gfn-to-pfn cache (include/okvm/gpc.h, Documentation/gpc.rst).
 *
 * A refresh translates the area's gpa to host pages the way a page fault
 * does (rule 4 of ../shared/ARCHITECTURE.md, with a count and sequence of
 * the caches' own): it reads the sequence, translates and pins (may
 * sleep), maps, and publishes only if no invalidation of the VM's mm
 * started or ended meanwhile; else it drops what it made and retries. The
 * notifier's invalidate_range_start marks every cache over its range
 * invalid, under the cache's lock held for write, before the host changes
 * a page: readers then see "invalid" and refresh, and nothing is written
 * to the old page once the notifier returns.
 *
 * As a TDP leaf does, the cache keeps no reference on its pages once they
 * are published: the notifier makes it invalid before the host can free
 * or move one, so the host migrates them as any other page. Only the
 * kernel mapping stays, unused, until the next refresh or deactivation
 * unmaps it (vunmap() may sleep, the notifier may not).
 */
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/srcu.h>
#include <linux/vmalloc.h>

#include <okvm/gpc.h>
#include <okvm/memslot.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

/**
 * okvm_gpc_vm_init() - a new VM has no cache
 * @vm: the VM, not yet visible
 */
void okvm_gpc_vm_init(struct okvm_vm *vm)
{
	struct okvm_gpc_vm *gv = &vm->gpc;

	spin_lock_init(&gv->lock);
	INIT_LIST_HEAD(&gv->list);
	init_waitqueue_head(&gv->done);
}

/**
 * okvm_gpc_vm_destroy() - a dying VM
 * @vm: the VM; every user deactivated its caches with its vCPU
 */
void okvm_gpc_vm_destroy(struct okvm_vm *vm)
{
	WARN_ON_ONCE(!list_empty(&vm->gpc.list));
}

/* The host pages of @gpc overlap [start, end). */
static bool okvm_gpc_in_range(const struct okvm_gpc *gpc, unsigned long start,
			      unsigned long end)
{
	unsigned int i;

	for (i = 0; i < gpc->held.nr; i++)
		if (gpc->held.hva[i] < end && start < gpc->held.hva[i] + PAGE_SIZE)
			return true;
	return false;
}

/**
 * okvm_gpc_invalidate_start() - the host is about to change [start, end)
 * @vm: the VM
 * @start: first host virtual address
 * @end: one past the last
 *
 * The first thing the notifier's invalidate_range_start does: nothing it
 * could wait for comes before (a refresh may be waiting for the host's
 * fault that this invalidation belongs to). Every valid cache over the
 * range becomes invalid; a refresh that translated before retries.
 */
void okvm_gpc_invalidate_start(struct okvm_vm *vm, unsigned long start, unsigned long end)
{
	struct okvm_gpc_vm *gv = &vm->gpc;
	struct okvm_gpc *gpc;

	spin_lock(&gv->lock);
	WRITE_ONCE(gv->in_progress, gv->in_progress + 1);
	list_for_each_entry(gpc, &gv->list, node) {
		write_lock_irq(&gpc->lock);
		if (gpc->valid && okvm_gpc_in_range(gpc, start, end)) {
			gpc->valid = false;
			okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_GPC_INVALIDATIONS, 1);
			trace_okvm_gpc(gpc->gpa, gpc->len, OKVM_TRACE_GPC_INVALIDATE, 0);
		}
		write_unlock_irq(&gpc->lock);
	}
	spin_unlock(&gv->lock);
}

/**
 * okvm_gpc_invalidate_end() - the host changed the range
 * @vm: the VM
 */
void okvm_gpc_invalidate_end(struct okvm_vm *vm)
{
	struct okvm_gpc_vm *gv = &vm->gpc;
	bool done;

	spin_lock(&gv->lock);
	WRITE_ONCE(gv->seq, gv->seq + 1);
	/*
	 * The sequence first: a refresh that sees the count down must see
	 * the sequence moved. Pairs with the smp_rmb() of okvm_gpc_publish().
	 */
	smp_wmb();
	/* A notifier registered mid-invalidation may see an end without a start. */
	if (gv->in_progress)
		WRITE_ONCE(gv->in_progress, gv->in_progress - 1);
	done = !gv->in_progress;
	spin_unlock(&gv->lock);
	if (done)
		wake_up_all(&gv->done);
}

/**
 * okvm_gpc_init() - a cache that caches nothing yet
 * @gpc: the cache
 * @vm: the VM whose memory it will cache
 */
void okvm_gpc_init(struct okvm_gpc *gpc, struct okvm_vm *vm)
{
	*gpc = (struct okvm_gpc){ .vm = vm };
	rwlock_init(&gpc->lock);
	mutex_init(&gpc->refresh_lock);
	INIT_LIST_HEAD(&gpc->node);
}

/**
 * okvm_gpc_map_pages() - map a translation's pages contiguously in the kernel
 * @p: nr set; map is set here
 * @pages: the @p->nr pages, referenced by the caller
 *
 * Return: 0, or -ENOMEM.
 */
int okvm_gpc_map_pages(struct okvm_gpc_pages *p, struct page **pages)
{
	if (p->nr == 1) {
		p->map = page_address(pages[0]);
		return 0;
	}
	p->map = vmap(pages, p->nr, VM_MAP, PAGE_KERNEL);
	return p->map ? 0 : -ENOMEM;
}

/**
 * okvm_gpc_unmap() - undo okvm_gpc_map_pages()
 * @p: the mapping, empty afterwards; may be empty already
 *
 * May sleep.
 */
void okvm_gpc_unmap(struct okvm_gpc_pages *p)
{
	if (p->nr > 1)
		vunmap(p->map);
	*p = (struct okvm_gpc_pages){};
}

/*
 * Let go of the references a translation took. A published one is about
 * to be written through the kernel mapping, which the host's page tables
 * do not see: its pages are marked dirty now, or the host could drop one
 * for a clean copy in swap (a later clean goes through the notifier, and
 * the next refresh marks the page again).
 */
static void okvm_gpc_put_pages(struct page **pages, unsigned int nr, bool published)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (published)
			set_page_dirty_lock(pages[i]);
		put_page(pages[i]);
	}
}

/*
 * The host pages of @gpc's area, referenced in @pages and mapped in @p; 0,
 * -EFAULT where a page lies outside every memslot (or in a read-only one,
 * or one on its way out) or the host cannot fault it in for a write, or
 * -ENOMEM.
 */
static int okvm_gpc_translate(struct okvm_gpc *gpc, struct okvm_gpc_pages *p,
			      struct page **pages)
{
	struct okvm_vm *vm = gpc->vm;
	unsigned int i;
	int idx, r = 0;

	/* get_user_pages() works on current->mm: only the VM's own. */
	if (current->mm != vm->mm)
		return -EFAULT;
	p->nr = offset_in_page(gpc->gpa) + gpc->len > PAGE_SIZE ? 2 : 1;
	idx = srcu_read_lock(&vm->srcu);
	for (i = 0; i < p->nr; i++) {
		gfn_t gfn = (gpc->gpa >> PAGE_SHIFT) + i;
		const struct okvm_memslot *slot;

		slot = okvm_memslot_find(srcu_dereference(vm->memslots, &vm->srcu), gfn);
		if (!slot || (slot->flags & (KVM_MEM_READONLY | OKVM_MEMSLOT_INVALID))) {
			r = -EFAULT;
			break;
		}
		p->hva[i] = okvm_memslot_hva(slot, gfn);
	}
	srcu_read_unlock(&vm->srcu, idx);
	if (r)
		goto fail;

	for (i = 0; i < p->nr; i++) {
		if (get_user_pages_unlocked(p->hva[i], 1, &pages[i], FOLL_WRITE) != 1) {
			r = -EFAULT;
			break;
		}
	}
	if (!r)
		r = okvm_gpc_map_pages(p, pages);
	if (r)
		okvm_gpc_put_pages(pages, i, false);
fail:
	if (r)
		*p = (struct okvm_gpc_pages){};
	return r;
}

/*
 * Take what the cache holds, leaving it holding nothing and invalid; the
 * caller unmaps it once it may sleep.
 */
static struct okvm_gpc_pages okvm_gpc_take_locked(struct okvm_gpc *gpc)
{
	struct okvm_gpc_pages old = gpc->held;

	lockdep_assert_held_write(&gpc->lock);
	gpc->held = (struct okvm_gpc_pages){};
	gpc->khva = NULL;
	gpc->valid = false;
	return old;
}

/**
 * okvm_gpc_publish() - make a translation the cache's, unless it raced
 * @gpc: the cache, its refresh_lock held
 * @p: the translation's mapping; on success it holds the mapping the
 *	cache held before, for the caller to unmap
 * @seq: the VM's gpc sequence, read before the translation began
 * @generation: the memslot generation, read before it too
 *
 * Return: true if published; false if an invalidation is in progress or
 * ended since @seq was read, and the translation must be dropped and made
 * again.
 */
bool okvm_gpc_publish(struct okvm_gpc *gpc, struct okvm_gpc_pages *p, unsigned long seq,
		      u64 generation)
{
	struct okvm_gpc_vm *gv = &gpc->vm->gpc;
	bool raced;

	lockdep_assert_held(&gpc->refresh_lock);
	write_lock_irq(&gpc->lock);
	/*
	 * An invalidation that started before this lock was taken either
	 * passed the cache already, and left its count raised or the
	 * sequence moved, or has yet to reach it and will find it valid:
	 * either way these pages are not used after it.
	 */
	raced = READ_ONCE(gv->in_progress);
	/* The count before the sequence: pairs with okvm_gpc_invalidate_end(). */
	smp_rmb();
	raced |= READ_ONCE(gv->seq) != seq;
	if (!raced) {
		struct okvm_gpc_pages old = okvm_gpc_take_locked(gpc);

		gpc->held = *p;
		gpc->khva = p->map + offset_in_page(gpc->gpa);
		gpc->generation = generation;
		gpc->valid = true;
		*p = old;
	}
	write_unlock_irq(&gpc->lock);
	return !raced;
}

/**
 * __okvm_gpc_refresh() - translate the area again
 * @gpc: an active cache, its lock not held
 *
 * For users that check by hand (__okvm_gpc_check()) where okvm_gpc_lock()
 * does not fit, such as a notifier that may not sleep and refreshes later.
 * May sleep.
 *
 * Return: 0 with the cache valid (until the next invalidation), -EINVAL if
 * it is not active, -EFAULT or -ENOMEM as the translation failed, -EINTR
 * if the task was killed while it waited for an invalidation to end.
 */
int __okvm_gpc_refresh(struct okvm_gpc *gpc)
{
	struct okvm_vm *vm = gpc->vm;
	struct okvm_gpc_vm *gv = &vm->gpc;
	struct page *pages[OKVM_GPC_MAX_PAGES];
	struct okvm_gpc_pages p = {};
	unsigned int nr;
	unsigned long seq;
	u64 generation;
	int r;

	might_sleep();
	mutex_lock(&gpc->refresh_lock);
	for (;;) {
		r = -EINVAL;
		if (!gpc->active)
			break;
		/* Do not translate what an invalidation is taking away. */
		r = wait_event_killable(gv->done, !READ_ONCE(gv->in_progress));
		if (r)
			break;
		seq = READ_ONCE(gv->seq);
		generation = READ_ONCE(vm->memslots_generation);
		/* Both before the memslots and the host page tables. */
		smp_rmb();
		r = okvm_gpc_translate(gpc, &p, pages);
		if (r)
			break;
		nr = p.nr;
		if (okvm_gpc_publish(gpc, &p, seq, generation)) {
			okvm_gpc_put_pages(pages, nr, true);
			break;
		}
		okvm_gpc_put_pages(pages, nr, false);
		okvm_gpc_unmap(&p);
	}
	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_GPC_REFRESHES, 1);
	trace_okvm_gpc(gpc->gpa, gpc->len, OKVM_TRACE_GPC_REFRESH, r);
	mutex_unlock(&gpc->refresh_lock);
	/* The mapping the cache held before, after the mutex: less to wait behind. */
	okvm_gpc_unmap(&p);
	return r;
}

/**
 * okvm_gpc_activate() - cache [gpa, gpa + len)
 * @gpc: the cache, active or not
 * @gpa: the first byte
 * @len: bytes, 1 to PAGE_SIZE; the area may cross one page boundary
 *
 * Nothing is translated yet: the first okvm_gpc_lock() does it, and tells
 * what it found. A cache active elsewhere moves. May sleep.
 *
 * Return: 0, or -EINVAL for a length out of bounds or an area that wraps.
 */
int okvm_gpc_activate(struct okvm_gpc *gpc, gpa_t gpa, unsigned int len)
{
	struct okvm_gpc_vm *gv = &gpc->vm->gpc;
	struct okvm_gpc_pages old;

	if (!len || len > PAGE_SIZE || gpa + len - 1 < gpa)
		return -EINVAL;
	mutex_lock(&gpc->refresh_lock);
	write_lock_irq(&gpc->lock);
	old = okvm_gpc_take_locked(gpc);
	gpc->gpa = gpa;
	gpc->len = len;
	write_unlock_irq(&gpc->lock);
	if (!gpc->active) {
		spin_lock(&gv->lock);
		list_add(&gpc->node, &gv->list);
		spin_unlock(&gv->lock);
		gpc->active = true;
	}
	mutex_unlock(&gpc->refresh_lock);
	okvm_gpc_unmap(&old);
	return 0;
}

/**
 * okvm_gpc_deactivate() - cache nothing any more
 * @gpc: the cache, active or not
 *
 * Waits for a reader that holds the lock; from then on the pages are the
 * host's alone. May sleep.
 */
void okvm_gpc_deactivate(struct okvm_gpc *gpc)
{
	struct okvm_gpc_vm *gv = &gpc->vm->gpc;
	struct okvm_gpc_pages old;

	mutex_lock(&gpc->refresh_lock);
	if (!gpc->active) {
		mutex_unlock(&gpc->refresh_lock);
		return;
	}
	write_lock_irq(&gpc->lock);
	old = okvm_gpc_take_locked(gpc);
	gpc->active = false;
	write_unlock_irq(&gpc->lock);
	spin_lock(&gv->lock);
	list_del_init(&gpc->node);
	spin_unlock(&gv->lock);
	mutex_unlock(&gpc->refresh_lock);
	okvm_gpc_unmap(&old);
}

/**
 * okvm_gpc_mark_dirty() - log the area as written
 * @gpc: the cache, after a write through it (its lock need not be held)
 *
 * For a memslot with dirty logging, marks the area's gfns, so that
 * KVM_GET_DIRTY_LOG reports what okvm wrote as it reports the guest's
 * writes. A gfn whose slot went meanwhile is skipped: there is no log to
 * tell.
 */
void okvm_gpc_mark_dirty(struct okvm_gpc *gpc)
{
	struct okvm_vm *vm = gpc->vm;
	gfn_t gfn = gpc->gpa >> PAGE_SHIFT, last = (gpc->gpa + gpc->len - 1) >> PAGE_SHIFT;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	for (; gfn <= last; gfn++) {
		const struct okvm_memslot *slot;

		slot = okvm_memslot_find(srcu_dereference(vm->memslots, &vm->srcu), gfn);
		if (slot && slot->dirty_bitmap)
			okvm_memslot_mark_dirty(slot, gfn);
	}
	srcu_read_unlock(&vm->srcu, idx);
}

/**
 * __okvm_gpc_check() - the cache maps its area now
 * @gpc: the cache, its lock held for read
 *
 * For users that check by hand; see __okvm_gpc_refresh().
 *
 * Return: true if the kernel address may be used until the lock goes.
 */
bool __okvm_gpc_check(struct okvm_gpc *gpc)
{
	lockdep_assert_held_read(&gpc->lock);
	return gpc->valid && gpc->generation == READ_ONCE(gpc->vm->memslots_generation);
}

/**
 * okvm_gpc_lock() - map the area and hold it mapped
 * @gpc: an active cache
 *
 * Refreshes the cache first if it is invalid, so it may sleep. On success
 * the cache's lock is held for read, with interrupts off, until
 * okvm_gpc_unlock(). Interrupts off everywhere the lock is taken: the
 * scheduler takes it as a reader under its runqueue lock (steal time's
 * preempted byte), which interrupts take too.
 *
 * Return: the kernel address of the area's first byte, or an ERR_PTR of
 * __okvm_gpc_refresh()'s error.
 */
void *okvm_gpc_lock(struct okvm_gpc *gpc)
{
	int r;

	might_sleep();
	for (;;) {
		read_lock_irq(&gpc->lock);
		if (__okvm_gpc_check(gpc)) {
			/*
			 * Held for the caller, which sparse cannot follow (held
			 * only if the pointer is no error): lockdep checks it.
			 */
			__release(&gpc->lock);
			return gpc->khva;
		}
		read_unlock_irq(&gpc->lock);
		r = __okvm_gpc_refresh(gpc);
		if (r) {
			okvm_vm_stat_add(&gpc->vm->stats, OKVM_VM_STAT_GPC_LOCK_FAILURES, 1);
			return ERR_PTR(r);
		}
	}
}

/**
 * okvm_gpc_lock_atomic() - okvm_gpc_lock() for a caller that cannot sleep
 * @gpc: a cache
 *
 * The caller has interrupts off (the scheduler's notifiers, say), and
 * lets go with okvm_gpc_unlock_atomic().
 *
 * Return: the kernel address, with the lock held for read; or
 * ERR_PTR(-EWOULDBLOCK) if the cache needs a refresh, which the caller
 * then has done from where it may sleep (okvm_gpc_lock()).
 */
void *okvm_gpc_lock_atomic(struct okvm_gpc *gpc)
{
	lockdep_assert_irqs_disabled();
	read_lock(&gpc->lock);
	if (__okvm_gpc_check(gpc)) {
		__release(&gpc->lock);
		return gpc->khva;
	}
	read_unlock(&gpc->lock);
	okvm_vm_stat_add(&gpc->vm->stats, OKVM_VM_STAT_GPC_LOCK_FAILURES, 1);
	trace_okvm_gpc(gpc->gpa, gpc->len, OKVM_TRACE_GPC_LOCK_FAIL, -EWOULDBLOCK);
	return ERR_PTR(-EWOULDBLOCK);
}

/**
 * okvm_gpc_unlock() - done with the kernel address okvm_gpc_lock() gave
 * @gpc: the cache
 */
void okvm_gpc_unlock(struct okvm_gpc *gpc)
{
	/* Taken by okvm_gpc_lock() for the caller: see there. */
	__acquire(&gpc->lock);
	read_unlock_irq(&gpc->lock);
}

/**
 * okvm_gpc_unlock_atomic() - done with what okvm_gpc_lock_atomic() gave
 * @gpc: the cache
 */
void okvm_gpc_unlock_atomic(struct okvm_gpc *gpc)
{
	__acquire(&gpc->lock);
	read_unlock(&gpc->lock);
}
