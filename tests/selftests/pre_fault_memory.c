// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_PRE_FAULT_MEMORY maps guest memory before the guest touches it: the
 * leaves appear in the stats fd's pages_4k and pages_2m at once, the guest
 * then reads the host's data without a new leaf, and a pre-faulted page
 * still follows the host (dropping it drops the leaf). The range comes
 * back with what was left: a memslot's end stops it with progress (0) and
 * then with ENOENT; a huge leaf counts to its end. Bad ranges are EINVAL.
 *
 * The counts are VM-wide: every check is a difference between snapshots
 * taken while the guest waits in a SYNC.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/host_mm.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define SLOT		1
#define PAGE		0x1000ULL
#define SIZE_2M		0x200000ULL
#define REGION_GPA	0x40000000ULL	/* below the 4G identity map */
#define REGION_PAGES	64
#define MAGIC		0x7066000000000000ULL

/* SYNC(0) once started, then for ever: SYNC the sum of each page's first word. */
static void guest_sum_pages(u64 gpa, u64 nr_pages)
{
	u64 page, sum;

	GUEST_SYNC(0);
	for (;;) {
		sum = 0;
		for (page = 0; page < nr_pages; page++)
			sum += READ_ONCE(*(u64 *)(gpa + page * PAGE));
		GUEST_SYNC(sum);
	}
}

static u64 run_to_sync(struct okvm_vcpu *vcpu)
{
	struct okvm_ucall uc;

	if (okvm_vcpu_run_to_ucall(vcpu, &uc) != UCALL_SYNC)
		okvm_fail("the guest stopped for something else than a SYNC");
	return uc.args[0];
}

/* KVM_PRE_FAULT_MEMORY of [@gpa, @gpa + @size): the ioctl's result, errno set. */
static int pre_fault(struct okvm_vcpu *vcpu, struct kvm_pre_fault_memory *range,
		     u64 gpa, u64 size)
{
	*range = (struct kvm_pre_fault_memory){ .gpa = gpa, .size = size };
	return ioctl(vcpu->fd, KVM_PRE_FAULT_MEMORY, range);
}

/*
 * Anonymous memory of @size bytes, 2M-aligned, on huge pages or not as
 * @huge says, every page's first word written; @sum is what the guest
 * should read. The mapping to unmap is returned in @map and @map_size.
 */
static char *filled_anon(u64 size, bool huge, u64 *sum, void **map, u64 *map_size)
{
	u64 page;
	char *mem;

	*map_size = size + SIZE_2M;
	*map = mmap(NULL, *map_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	OKVM_REQUIRE(*map != MAP_FAILED, "mmap failed");
	mem = (char *)(((unsigned long)*map + SIZE_2M - 1) & ~(SIZE_2M - 1));
	OKVM_REQUIRE(!madvise(mem, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE),
		     "madvise failed");
	*sum = 0;
	for (page = 0; page < size / PAGE; page++) {
		*(u64 *)(mem + page * PAGE) = MAGIC | page;
		*sum += MAGIC | page;
	}
	return mem;
}

/* A VM whose guest sums @nr_pages at REGION_GPA, waiting in its first SYNC. */
static struct okvm_vm *start_vm(void *mem, u64 nr_pages, struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_sum_pages, vcpu);

	okvm_vm_add_region(vm, SLOT, REGION_GPA, nr_pages * PAGE, mem);
	okvm_guest_identity_map(vm, REGION_GPA, nr_pages * PAGE);
	okvm_vcpu_set_args(*vcpu, 2, REGION_GPA, nr_pages);
	OKVM_REQUIRE(run_to_sync(*vcpu) == 0, "the guest did not start");
	return vm;
}

static void expect_einval(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
			  u64 gpa, u64 size, u64 flags)
{
	struct kvm_pre_fault_memory range = { .gpa = gpa, .size = size, .flags = flags };

	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_PRE_FAULT_MEMORY, &range));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(gpa, range.gpa);
	EXPECT_EQ(size, range.size);
}

/* REGION_PAGES of 4K-backed memory in slot SLOT, the guest in its first SYNC. */
FIXTURE(region_4k) {
	struct okvm_leaf_counts before;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 sum, map_size;
	void *map;
	char *mem;
};

FIXTURE_SETUP(region_4k)
{
	self->mem = filled_anon(REGION_PAGES * PAGE, false, &self->sum, &self->map,
				&self->map_size);
	ASSERT_EQ(0, okvm_anon_huge_kb(self->mem));
	self->vm = start_vm(self->mem, REGION_PAGES, &self->vcpu);
	self->before = okvm_stats_leaf_counts(self->vm->fd);
}

FIXTURE_TEARDOWN(region_4k)
{
	if (self->vm)
		okvm_vm_free(self->vm);
	if (self->map)
		munmap(self->map, self->map_size);
}

TEST_F(region_4k, the_cap_is_there_and_bad_ranges_are_einval)
{
	struct okvm_vcpu *vcpu = self->vcpu;

	EXPECT_EQ(1, ioctl(self->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_PRE_FAULT_MEMORY));
	expect_einval(_metadata, vcpu, REGION_GPA, PAGE, 1);
	expect_einval(_metadata, vcpu, REGION_GPA + 8, PAGE, 0);
	expect_einval(_metadata, vcpu, REGION_GPA, PAGE + 8, 0);
	expect_einval(_metadata, vcpu, REGION_GPA, 0, 0);
	expect_einval(_metadata, vcpu, -PAGE, 2 * PAGE, 0);
}

TEST_F(region_4k, leaves_appear_and_the_guest_reads_through_them)
{
	struct okvm_leaf_counts before = self->before, l;
	struct kvm_pre_fault_memory range;

	ASSERT_EQ(0, pre_fault(self->vcpu, &range, REGION_GPA, REGION_PAGES * PAGE));
	EXPECT_EQ(REGION_GPA + REGION_PAGES * PAGE, range.gpa);
	EXPECT_EQ(0, range.size);
	l = okvm_stats_leaf_counts(self->vm->fd);
	EXPECT_EQ(REGION_PAGES, l.pages_4k - before.pages_4k);
	EXPECT_EQ(before.pages_2m, l.pages_2m);

	/* The guest's pass needs no leaf of its own. */
	before = l;
	EXPECT_EQ(self->sum, run_to_sync(self->vcpu));
	l = okvm_stats_leaf_counts(self->vm->fd);
	EXPECT_EQ(before.pages_4k, l.pages_4k);

	/* A pre-faulted page follows the host like any other. */
	ASSERT_EQ(0, madvise(self->mem + 5 * PAGE, PAGE, MADV_DONTNEED));
	l = okvm_stats_leaf_counts(self->vm->fd);
	EXPECT_EQ(before.pages_4k - 1, l.pages_4k);
	EXPECT_EQ(self->sum - (MAGIC | 5), run_to_sync(self->vcpu));
}

TEST_F(region_4k, the_memslot_end_stops_it_then_enoent)
{
	u64 end = REGION_GPA + REGION_PAGES * PAGE;
	struct kvm_pre_fault_memory range;
	struct okvm_leaf_counts l;

	/* The last two pages of the slot and two beyond: progress, so 0. */
	ASSERT_EQ(0, pre_fault(self->vcpu, &range, end - 2 * PAGE, 4 * PAGE));
	EXPECT_EQ(end, range.gpa);
	EXPECT_EQ(2 * PAGE, range.size);
	l = okvm_stats_leaf_counts(self->vm->fd);
	EXPECT_EQ(2, l.pages_4k - self->before.pages_4k);

	/* Where no memslot is, nothing moves. */
	EXPECT_EQ(-1, pre_fault(self->vcpu, &range, end, 2 * PAGE));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(end, range.gpa);
	EXPECT_EQ(2 * PAGE, range.size);
	EXPECT_EQ(self->sum, run_to_sync(self->vcpu));
}

TEST(a_huge_leaf_counts_to_its_end)
{
	u64 nr_pages = 2 * SIZE_2M / PAGE, sum, map_size;
	struct okvm_leaf_counts before, l;
	struct kvm_pre_fault_memory range;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	void *map;
	char *mem;

	if (!okvm_thp_possible())
		SKIP(return, "transparent hugepages are off");
	mem = filled_anon(2 * SIZE_2M, true, &sum, &map, &map_size);
	if (okvm_anon_huge_kb(mem) < (long)(2 * SIZE_2M >> 10))
		SKIP(goto out, "the host gave no two transparent hugepages");
	vm = start_vm(mem, nr_pages, &vcpu);
	before = okvm_stats_leaf_counts(vm->fd);

	/* From the second page of the first 2M to the middle of the second. */
	ASSERT_EQ(0, pre_fault(vcpu, &range, REGION_GPA + PAGE, SIZE_2M));
	EXPECT_EQ(REGION_GPA + SIZE_2M + PAGE, range.gpa);
	EXPECT_EQ(0, range.size);
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(2, l.pages_2m - before.pages_2m);
	EXPECT_EQ(before.pages_4k, l.pages_4k);
	EXPECT_EQ(sum, run_to_sync(vcpu));
	okvm_vm_free(vm);
out:
	munmap(map, map_size);
}

TEST_HARNESS_MAIN
