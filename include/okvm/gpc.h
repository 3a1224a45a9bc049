/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gfn-to-pfn cache (gpc): guest memory that okvm itself writes, outside
 * any guest access (the kvmclock record, steal time), kept mapped in the
 * kernel so that it can be written from contexts that cannot sleep, and
 * invalidated by the VM's mmu_notifier and by memslot changes so that it is
 * never written once the host took the page away. Documentation/gpc.rst.
 *
 * A user:
 *
 *	okvm_gpc_init(&gpc, vm);
 *	okvm_gpc_activate(&gpc, gpa, len);	(may sleep)
 *	...
 *	khva = okvm_gpc_lock(&gpc);		(may sleep to refresh)
 *	if (IS_ERR(khva))
 *		return PTR_ERR(khva);
 *	... write up to len bytes at khva ...
 *	okvm_gpc_unlock(&gpc);
 *	...
 *	okvm_gpc_deactivate(&gpc);		(before the VM goes)
 *
 * and where it cannot sleep, with interrupts off, okvm_gpc_lock_atomic()
 * and okvm_gpc_unlock_atomic(): it answers -EWOULDBLOCK rather than
 * refresh.
 */
#ifndef _OKVM_GPC_H
#define _OKVM_GPC_H

#include <linux/kvm_types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct okvm_vm;
struct page;

/* An area may cross one page boundary: at most two pages. */
#define OKVM_GPC_MAX_PAGES	2

/**
 * struct okvm_gpc_pages - what a translation leaves mapped
 * @nr: pages the area touches, 1 or 2; 0 when nothing is mapped
 * @hva: the host virtual address of each
 * @map: their kernel mapping, contiguous: the direct map for one page, a
 *	vmap() for two. No reference is kept on the pages (gpc/gpc.c)
 */
struct okvm_gpc_pages {
	unsigned int nr;
	unsigned long hva[OKVM_GPC_MAX_PAGES];
	void *map;
};

/**
 * struct okvm_gpc - one cached area of guest memory
 * @lock: readers (okvm_gpc_lock() to okvm_gpc_unlock()) hold it for read,
 *	whoever makes the cache valid or invalid holds it for write; always
 *	with interrupts off
 * @refresh_lock: serializes activate, refresh and deactivate
 * @vm: the VM whose memory it caches
 * @node: in the VM's list of active caches (struct okvm_gpc_vm), which the
 *	notifier walks
 * @gpa: the area's first byte
 * @len: its length, fixed at activation
 * @active: between activate and deactivate (under @lock and @refresh_lock)
 * @valid: @khva maps the pages behind @gpa now (under @lock)
 * @generation: the memslot generation the translation was made in
 * @held: the mapping of the last translation, kept until the next refresh
 *	or deactivation even once invalid (the notifier may not unmap)
 * @khva: the kernel address of @gpa in @held.map
 */
struct okvm_gpc {
	rwlock_t lock;			/* see @lock above */
	struct mutex refresh_lock;	/* see @refresh_lock above */
	struct okvm_vm *vm;
	struct list_head node;
	gpa_t gpa;
	unsigned int len;
	bool active;
	bool valid;
	u64 generation;
	struct okvm_gpc_pages held;
	void *khva;
};

/**
 * struct okvm_gpc_vm - a VM's side of its caches
 * @lock: protects @list, @in_progress and @seq; taken in the notifier
 * @list: the active caches
 * @in_progress: invalidations of the VM's mm started and not ended
 * @seq: bumped at the end of each, so that a refresh that translated
 *	before it retries
 * @done: woken when @in_progress drops to zero
 */
struct okvm_gpc_vm {
	spinlock_t lock;		/* see @lock above */
	struct list_head list;
	unsigned long in_progress;
	unsigned long seq;
	wait_queue_head_t done;
};

void okvm_gpc_vm_init(struct okvm_vm *vm);
void okvm_gpc_vm_destroy(struct okvm_vm *vm);
void okvm_gpc_invalidate_start(struct okvm_vm *vm, unsigned long start, unsigned long end);
void okvm_gpc_invalidate_end(struct okvm_vm *vm);

void okvm_gpc_init(struct okvm_gpc *gpc, struct okvm_vm *vm);
int okvm_gpc_activate(struct okvm_gpc *gpc, gpa_t gpa, unsigned int len);
void okvm_gpc_deactivate(struct okvm_gpc *gpc);
void *okvm_gpc_lock(struct okvm_gpc *gpc);
void *okvm_gpc_lock_atomic(struct okvm_gpc *gpc);
void okvm_gpc_unlock(struct okvm_gpc *gpc);
void okvm_gpc_unlock_atomic(struct okvm_gpc *gpc);

void okvm_gpc_mark_dirty(struct okvm_gpc *gpc);

bool __okvm_gpc_check(struct okvm_gpc *gpc);
int __okvm_gpc_refresh(struct okvm_gpc *gpc);

/* The steps of a refresh, for the KUnit suite: gpc/gpc.c. */
int okvm_gpc_map_pages(struct okvm_gpc_pages *p, struct page **pages);
void okvm_gpc_unmap(struct okvm_gpc_pages *p);
bool okvm_gpc_publish(struct okvm_gpc *gpc, struct okvm_gpc_pages *p, unsigned long seq,
		      u64 generation);

#endif /* _OKVM_GPC_H */
