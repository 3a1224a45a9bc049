// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the gfn-to-pfn cache's state machine (gpc/gpc.c) on kernel pages
 * that stand in for guest memory: inactive, active and invalid, valid,
 * invalidated; a refresh whose translation raced an invalidation does not
 * publish; a memslot change makes the cache stale; an area across a page
 * boundary maps both pages, in order, at one kernel address.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include <okvm/gpc.h>
#include <okvm/vm.h>

/* Made-up host addresses of the two pages the tests translate to. */
#define HVA0	0x7f0000000000UL
#define HVA1	0x7f0000200000UL

struct gpc_test {
	struct okvm_vm *vm;
	struct okvm_gpc gpc;
	struct page *pages[OKVM_GPC_MAX_PAGES];
};

static int gpc_test_init(struct kunit *test)
{
	struct gpc_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->vm = kunit_kzalloc(test, sizeof(*t->vm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->vm);
	okvm_gpc_vm_init(t->vm);
	okvm_gpc_init(&t->gpc, t->vm);
	for (i = 0; i < OKVM_GPC_MAX_PAGES; i++) {
		t->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, t->pages[i]);
	}
	test->priv = t;
	return 0;
}

static void gpc_test_exit(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	unsigned int i;

	okvm_gpc_deactivate(&t->gpc);
	okvm_gpc_vm_destroy(t->vm);
	for (i = 0; i < OKVM_GPC_MAX_PAGES; i++) {
		/* Only ours: the cache keeps no reference. */
		KUNIT_EXPECT_EQ(test, page_count(t->pages[i]), 1);
		__free_page(t->pages[i]);
	}
}

static s64 gpc_stat(struct gpc_test *t, enum okvm_vm_stat stat)
{
	return atomic64_read(&t->vm->stats.v[stat]);
}

/*
 * What a refresh's translation would make of the cache's area: the test
 * pages, referenced as get_user_pages() would, and mapped. Then publish it
 * with @seq, and let go of the references, as a refresh does.
 */
static bool gpc_test_publish(struct kunit *test, unsigned long seq)
{
	struct gpc_test *t = test->priv;
	struct okvm_gpc *gpc = &t->gpc;
	struct okvm_gpc_pages p = {};
	unsigned int i, nr;
	bool published;

	nr = offset_in_page(gpc->gpa) + gpc->len > PAGE_SIZE ? 2 : 1;
	p.nr = nr;
	for (i = 0; i < nr; i++) {
		get_page(t->pages[i]);
		p.hva[i] = i ? HVA1 : HVA0;
	}
	KUNIT_ASSERT_EQ(test, okvm_gpc_map_pages(&p, t->pages), 0);
	mutex_lock(&gpc->refresh_lock);
	published = okvm_gpc_publish(gpc, &p, seq, READ_ONCE(t->vm->memslots_generation));
	mutex_unlock(&gpc->refresh_lock);
	for (i = 0; i < nr; i++)
		put_page(t->pages[i]);
	/* The translation that lost, or what the cache mapped before. */
	okvm_gpc_unmap(&p);
	return published;
}

/* The kernel address okvm_gpc_lock_atomic() gives, or its error. */
static void *gpc_test_peek(struct okvm_gpc *gpc)
{
	unsigned long flags;
	void *khva;

	local_irq_save(flags);
	khva = okvm_gpc_lock_atomic(gpc);
	if (!IS_ERR(khva))
		okvm_gpc_unlock_atomic(gpc);
	local_irq_restore(flags);
	return khva;
}

static void okvm_gpc_activate_checks_the_area(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	struct okvm_gpc *gpc = &t->gpc;

	KUNIT_EXPECT_EQ(test, okvm_gpc_activate(gpc, 0x1000, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gpc_activate(gpc, 0x1000, PAGE_SIZE + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gpc_activate(gpc, ~0ULL - 3, 8), -EINVAL);
	KUNIT_EXPECT_FALSE(test, gpc->active);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->vm->gpc.list));

	/* Active, and nothing translated yet: an atomic lock must say so. */
	KUNIT_EXPECT_EQ(test, okvm_gpc_activate(gpc, 0x1000, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, gpc->active);
	KUNIT_EXPECT_FALSE(test, list_empty(&t->vm->gpc.list));
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), ERR_PTR(-EWOULDBLOCK));
	KUNIT_EXPECT_EQ(test, gpc_stat(t, OKVM_VM_STAT_GPC_LOCK_FAILURES), 1);
}

/* Valid once published; invalid once an invalidation covers its page only. */
static void okvm_gpc_invalidation_covers_its_page_only(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	struct okvm_gpc *gpc = &t->gpc;
	u8 *khva;

	KUNIT_ASSERT_EQ(test, okvm_gpc_activate(gpc, 0x5010, 16), 0);
	KUNIT_ASSERT_TRUE(test, gpc_test_publish(test, t->vm->gpc.seq));
	khva = gpc_test_peek(gpc);
	KUNIT_ASSERT_FALSE(test, IS_ERR(khva));
	KUNIT_EXPECT_PTR_EQ(test, khva, (u8 *)page_address(t->pages[0]) + 0x10);

	/* Next to the page, on both sides: still valid. */
	okvm_gpc_invalidate_start(t->vm, HVA0 - PAGE_SIZE, HVA0);
	okvm_gpc_invalidate_end(t->vm);
	okvm_gpc_invalidate_start(t->vm, HVA0 + PAGE_SIZE, HVA0 + 2 * PAGE_SIZE);
	okvm_gpc_invalidate_end(t->vm);
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), (void *)khva);
	KUNIT_EXPECT_EQ(test, gpc_stat(t, OKVM_VM_STAT_GPC_INVALIDATIONS), 0);

	/* One byte of it: invalid from the start, not the end. */
	okvm_gpc_invalidate_start(t->vm, HVA0 + PAGE_SIZE - 1, HVA0 + PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), ERR_PTR(-EWOULDBLOCK));
	okvm_gpc_invalidate_end(t->vm);
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), ERR_PTR(-EWOULDBLOCK));
	KUNIT_EXPECT_EQ(test, gpc_stat(t, OKVM_VM_STAT_GPC_INVALIDATIONS), 1);

	/* A new translation makes it valid again. */
	KUNIT_EXPECT_TRUE(test, gpc_test_publish(test, t->vm->gpc.seq));
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), (void *)khva);
}

/*
 * The race of the seed threads, for the cache: a refresh pinned the old
 * page, then an invalidation ran (or is still running) before it could
 * publish. It must not publish; it translates again.
 */
static void okvm_gpc_refresh_that_raced_an_invalidation_retries(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	struct okvm_gpc *gpc = &t->gpc;
	unsigned long seq;

	KUNIT_ASSERT_EQ(test, okvm_gpc_activate(gpc, 0x5000, 8), 0);

	/* Began and ended between the pin and the publish. */
	seq = t->vm->gpc.seq;
	okvm_gpc_invalidate_start(t->vm, HVA0, HVA0 + PAGE_SIZE);
	okvm_gpc_invalidate_end(t->vm);
	KUNIT_EXPECT_FALSE(test, gpc_test_publish(test, seq));
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), ERR_PTR(-EWOULDBLOCK));

	/* Still in progress, even over another range. */
	seq = t->vm->gpc.seq;
	okvm_gpc_invalidate_start(t->vm, 0x1000, 0x2000);
	KUNIT_EXPECT_FALSE(test, gpc_test_publish(test, seq));
	okvm_gpc_invalidate_end(t->vm);

	/* The retry, with the sequence read after the invalidation ended. */
	KUNIT_EXPECT_TRUE(test, gpc_test_publish(test, t->vm->gpc.seq));
	KUNIT_EXPECT_FALSE(test, IS_ERR(gpc_test_peek(gpc)));
}

/* A new memslot array: a translation made in the old one is stale. */
static void okvm_gpc_memslot_change_makes_it_stale(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	struct okvm_gpc *gpc = &t->gpc;

	KUNIT_ASSERT_EQ(test, okvm_gpc_activate(gpc, 0x5000, 8), 0);
	KUNIT_ASSERT_TRUE(test, gpc_test_publish(test, t->vm->gpc.seq));
	KUNIT_EXPECT_FALSE(test, IS_ERR(gpc_test_peek(gpc)));
	WRITE_ONCE(t->vm->memslots_generation, t->vm->memslots_generation + 1);
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), ERR_PTR(-EWOULDBLOCK));
}

/*
 * An area across a page boundary: one kernel address, the end of the first
 * page then the start of the second; a store through it reaches both, and
 * an invalidation of either page invalidates it.
 */
static void okvm_gpc_cross_page_area_maps_both_pages_in_order(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	struct okvm_gpc *gpc = &t->gpc;
	u8 *page0 = page_address(t->pages[0]), *page1 = page_address(t->pages[1]);
	u8 *khva;
	int i;

	for (i = 0; i < 4; i++) {
		page0[PAGE_SIZE - 4 + i] = 0xa0 + i;
		page1[i] = 0xb0 + i;
	}
	KUNIT_ASSERT_EQ(test, okvm_gpc_activate(gpc, 0x5ffc, 8), 0);
	KUNIT_ASSERT_TRUE(test, gpc_test_publish(test, t->vm->gpc.seq));
	KUNIT_EXPECT_EQ(test, gpc->held.nr, 2);
	khva = okvm_gpc_lock(gpc);
	if (IS_ERR(khva)) {
		KUNIT_FAIL(test, "the cache is not valid: %ld", PTR_ERR(khva));
		return;
	}
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, khva[i], 0xa0 + i);
		KUNIT_EXPECT_EQ(test, khva[4 + i], 0xb0 + i);
	}
	memset(khva, 0x5a, 8);
	okvm_gpc_unlock(gpc);
	KUNIT_EXPECT_EQ(test, page0[PAGE_SIZE - 1], 0x5a);
	KUNIT_EXPECT_EQ(test, page1[0], 0x5a);
	KUNIT_EXPECT_EQ(test, page1[4], 0);

	/* The second page alone is enough. */
	okvm_gpc_invalidate_start(t->vm, HVA1, HVA1 + PAGE_SIZE);
	okvm_gpc_invalidate_end(t->vm);
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), ERR_PTR(-EWOULDBLOCK));
}

/* Deactivated: off the VM's list, nothing held, nothing to lock. */
static void okvm_gpc_deactivate_lets_go(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	struct okvm_gpc *gpc = &t->gpc;

	KUNIT_ASSERT_EQ(test, okvm_gpc_activate(gpc, 0x5ffc, 8), 0);
	KUNIT_ASSERT_TRUE(test, gpc_test_publish(test, t->vm->gpc.seq));
	/* Valid, mapped, and holding no reference: the notifier guards it. */
	KUNIT_EXPECT_FALSE(test, IS_ERR(gpc_test_peek(gpc)));
	KUNIT_EXPECT_EQ(test, page_count(t->pages[1]), 1);
	okvm_gpc_deactivate(gpc);
	KUNIT_EXPECT_FALSE(test, gpc->active);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->vm->gpc.list));
	KUNIT_EXPECT_EQ(test, gpc->held.nr, 0);
	KUNIT_EXPECT_PTR_EQ(test, gpc->khva, NULL);
	KUNIT_EXPECT_PTR_EQ(test, gpc_test_peek(gpc), ERR_PTR(-EWOULDBLOCK));
	/* Twice is harmless. */
	okvm_gpc_deactivate(gpc);
}

/* A reader on one CPU, a deactivation on the other. */
struct gpc_race {
	struct okvm_gpc *gpc;
	void *khva;
	bool holding;
	ktime_t released;
	struct completion reader_done;
};

/*
 * Hold the lock for 30 ms, waiting for nothing: interrupts are off
 * meanwhile, so nothing may need this CPU to go on.
 */
static int gpc_race_reader(void *arg)
{
	struct gpc_race *r = arg;
	ktime_t until;

	r->khva = okvm_gpc_lock(r->gpc);
	if (!IS_ERR(r->khva)) {
		WRITE_ONCE(r->holding, true);
		until = ktime_add_ms(ktime_get(), 30);
		while (ktime_before(ktime_get(), until))
			cpu_relax();
		/* Still mapped: a deactivation waits for this reader. */
		WRITE_ONCE(*(u32 *)r->khva, 0x600d);
		r->released = ktime_get();
		okvm_gpc_unlock(r->gpc);
	}
	WRITE_ONCE(r->holding, true);
	complete(&r->reader_done);
	return 0;
}

/*
 * Deactivation waits for a reader that holds the lock, and no longer. The
 * test deactivates as soon as the reader holds the lock; if it got to run
 * only once the reader was done, it tries again.
 */
static void okvm_gpc_deactivate_waits_for_the_reader(struct kunit *test)
{
	struct gpc_test *t = test->priv;
	struct task_struct *reader;
	ktime_t began, ended;
	struct gpc_race r;
	int tries;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs: the reader spins with interrupts off");
	for (tries = 0; tries < 5; tries++) {
		KUNIT_ASSERT_EQ(test, okvm_gpc_activate(&t->gpc, 0x5000, 8), 0);
		KUNIT_ASSERT_TRUE(test, gpc_test_publish(test, t->vm->gpc.seq));
		r = (struct gpc_race){ .gpc = &t->gpc };
		init_completion(&r.reader_done);
		reader = kthread_run(gpc_race_reader, &r, "okvm-gpc-reader");
		KUNIT_ASSERT_FALSE(test, IS_ERR(reader));
		while (!READ_ONCE(r.holding))
			cpu_relax();
		began = ktime_get();
		okvm_gpc_deactivate(&t->gpc);
		ended = ktime_get();
		wait_for_completion(&r.reader_done);
		KUNIT_ASSERT_FALSE(test, IS_ERR(r.khva));
		if (ktime_before(began, r.released))
			break;
	}
	if (tries == 5)
		kunit_skip(test, "the deactivation never ran while the reader held the lock");
	KUNIT_EXPECT_TRUE(test, ktime_after(ended, r.released));
	KUNIT_EXPECT_FALSE(test, t->gpc.active);
	KUNIT_EXPECT_EQ(test, *(u32 *)page_address(t->pages[0]), 0x600d);
}

static struct kunit_case okvm_gpc_cases[] = {
	KUNIT_CASE(okvm_gpc_activate_checks_the_area),
	KUNIT_CASE(okvm_gpc_invalidation_covers_its_page_only),
	KUNIT_CASE(okvm_gpc_refresh_that_raced_an_invalidation_retries),
	KUNIT_CASE(okvm_gpc_memslot_change_makes_it_stale),
	KUNIT_CASE(okvm_gpc_cross_page_area_maps_both_pages_in_order),
	KUNIT_CASE(okvm_gpc_deactivate_lets_go),
	KUNIT_CASE(okvm_gpc_deactivate_waits_for_the_reader),
	{}
};

static struct kunit_suite okvm_gpc_suite = {
	.name = "okvm_gpc",
	.init = gpc_test_init,
	.exit = gpc_test_exit,
	.test_cases = okvm_gpc_cases,
};

kunit_test_suite(okvm_gpc_suite);
