// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the retry predicate and the invalidation state (mmu/invalidate.c).
 *
 * A fault that passes okvm_mmu_invalidate_retry() installs a mapping; each
 * case here is a race the predicate must catch or must let through.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <okvm/mmu.h>
#include <okvm/vm.h>

#define R(s, e) ((struct okvm_gfn_range){ .start = (s), .end = (e) })

static struct okvm_vm *okvm_test_vm(struct kunit *test)
{
	struct okvm_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	rwlock_init(&vm->mmu_lock);
	init_waitqueue_head(&vm->invalidate_done);
	return vm;
}

static void begin(struct okvm_vm *vm, struct okvm_gfn_range range)
{
	write_lock(&vm->mmu_lock);
	okvm_mmu_invalidate_begin(vm, range);
	write_unlock(&vm->mmu_lock);
}

static void end(struct okvm_vm *vm)
{
	write_lock(&vm->mmu_lock);
	okvm_mmu_invalidate_end(vm);
	write_unlock(&vm->mmu_lock);
}

static void okvm_invalidate_quiet_state_maps(struct kunit *test)
{
	struct okvm_mmu_invalidate inv = { .seq = 7 };

	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&inv, 7, 0x1000), OKVM_FAULT_NO_RETRY);
}

static void okvm_invalidate_sequence_moved(struct kunit *test)
{
	struct okvm_mmu_invalidate inv = { .seq = 8 };

	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&inv, 7, 0x1000),
			OKVM_FAULT_RETRY_SEQ_CHANGED);
}

static void okvm_invalidate_in_progress_overlap(struct kunit *test)
{
	struct okvm_mmu_invalidate inv = {
		.in_progress = 1, .seq = 3, .range = R(0x100, 0x200),
	};

	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&inv, 3, 0x100),
			OKVM_FAULT_RETRY_INVALIDATING);
	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&inv, 3, 0x1ff),
			OKVM_FAULT_RETRY_INVALIDATING);
	/* Outside the half-open range the fault may go on. */
	KUNIT_EXPECT_FALSE(test, okvm_mmu_invalidate_retry(&inv, 3, 0x200));
	KUNIT_EXPECT_FALSE(test, okvm_mmu_invalidate_retry(&inv, 3, 0xff));
	/* But not if an invalidation also ended meanwhile. */
	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&inv, 2, 0x200),
			OKVM_FAULT_RETRY_SEQ_CHANGED);
	/* Both at once: the invalidation in progress is the reason given. */
	KUNIT_EXPECT_EQ(test, okvm_mmu_invalidate_retry(&inv, 2, 0x100),
			OKVM_FAULT_RETRY_INVALIDATING);
}

/* begin/end: the range while in progress, the sequence after. */
static void okvm_invalidate_begin_end(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	unsigned long seq = vm->mmu_invalidate.seq;

	begin(vm, R(0x10, 0x20));
	KUNIT_EXPECT_TRUE(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq, 0x10));
	KUNIT_EXPECT_FALSE(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq, 0x20));
	end(vm);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.in_progress, 0UL);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.seq, seq + 1);
	/* A fault that read the old sequence retries even outside the range. */
	KUNIT_EXPECT_TRUE(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq, 0x20));
	KUNIT_EXPECT_FALSE(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate, seq + 1, 0x10));
}

/* Two overlapping invalidations: the hull covers both until both end. */
static void okvm_invalidate_nested(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);
	unsigned long seq = vm->mmu_invalidate.seq;

	begin(vm, R(0x10, 0x20));
	begin(vm, R(0x80, 0x90));
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.range.start, 0x10ULL);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.range.end, 0x90ULL);
	end(vm);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.in_progress, 1UL);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate,
							  seq + 1, 0x85));
	end(vm);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_invalidate_retry(&vm->mmu_invalidate,
							   seq + 2, 0x85));
}

/* An invalidation of no memslot gfns leaves the hull alone. */
static void okvm_invalidate_empty_range(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);

	begin(vm, R(0x10, 0x20));
	begin(vm, R(0, 0));
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.range.start, 0x10ULL);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.range.end, 0x20ULL);
	end(vm);
	end(vm);
	KUNIT_EXPECT_TRUE(test, okvm_gfn_range_empty(vm->mmu_invalidate.range));
}

/* An end without a begin (notifier registered mid-invalidation) is harmless. */
static void okvm_invalidate_unpaired_end(struct kunit *test)
{
	struct okvm_vm *vm = okvm_test_vm(test);

	end(vm);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.in_progress, 0UL);
	KUNIT_EXPECT_EQ(test, vm->mmu_invalidate.seq, 1UL);
}

static struct kunit_case okvm_invalidate_cases[] = {
	KUNIT_CASE(okvm_invalidate_quiet_state_maps),
	KUNIT_CASE(okvm_invalidate_sequence_moved),
	KUNIT_CASE(okvm_invalidate_in_progress_overlap),
	KUNIT_CASE(okvm_invalidate_begin_end),
	KUNIT_CASE(okvm_invalidate_nested),
	KUNIT_CASE(okvm_invalidate_empty_range),
	KUNIT_CASE(okvm_invalidate_unpaired_end),
	{}
};

static struct kunit_suite okvm_invalidate_suite = {
	.name = "okvm_mmu_invalidate",
	.test_cases = okvm_invalidate_cases,
};

kunit_test_suite(okvm_invalidate_suite);
