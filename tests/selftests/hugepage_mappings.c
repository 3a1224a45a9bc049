// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory the host backs with huge pages is mapped with huge leaves,
 * as the stats fd counts them (pages_4k, pages_2m, pages_1g, the names KVM
 * uses too): transparent hugepages, hugetlbfs 2M and 1G. Dropping one 4K
 * page of a 2M THP takes the whole 2M leaf away, and the guest still reads
 * every other page right; 4K pages the host collapses into a THP are
 * mapped 2M again. okvm's max_huge_level caps the size.
 *
 * The counts are VM-wide, and the program image the guest runs from may be
 * huge-mapped too: every check is a difference between two snapshots taken
 * while the guest waits in a SYNC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/mman.h>

#include "kselftest_harness.h"
#include "lib/host_mm.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define SLOT		1
#define PAGE		0x1000ULL
#define SIZE_2M		0x200000ULL
#define SIZE_1G		0x40000000ULL
#define REGION_GPA	0x40000000ULL	/* 1G-aligned, below the 4G identity map */
#define THP_SIZE	(4 * SIZE_2M)
#define MAGIC		0x6b70000000000000ULL
#define LEVEL_PARAM	"/sys/module/okvm/parameters/max_huge_level"

/*
 * SYNC(0) once started, then for ever: read the first word of every
 * @stride-th page and SYNC their sum.
 */
static void guest_sum_pages(u64 gpa, u64 nr_pages, u64 stride)
{
	u64 page, sum;

	GUEST_SYNC(0);
	for (;;) {
		sum = 0;
		for (page = 0; page < nr_pages; page += stride)
			sum += READ_ONCE(*(u64 *)(gpa + page * PAGE));
		GUEST_SYNC(sum);
	}
}

static u64 token(u64 page)
{
	return MAGIC | page;
}

/* Write each @stride-th page's token; return the sum the guest should see. */
static u64 fill_pages(char *mem, u64 nr_pages, u64 stride)
{
	u64 page, sum = 0;

	for (page = 0; page < nr_pages; page += stride) {
		*(u64 *)(mem + page * PAGE) = token(page);
		sum += token(page);
	}
	return sum;
}

static u64 run_to_sync(struct okvm_vcpu *vcpu)
{
	struct okvm_ucall uc;

	if (okvm_vcpu_run_to_ucall(vcpu, &uc) != UCALL_SYNC)
		okvm_fail("the guest stopped for something else than a SYNC");
	return uc.args[0];
}

/*
 * A VM whose guest sums @nr_pages pages at @mem every @stride, mapped at
 * REGION_GPA; returns with the guest waiting in its first SYNC and the
 * levels of that moment in @before.
 */
static struct okvm_vm *start_vm(void *mem, u64 nr_pages, u64 stride,
				struct okvm_vcpu **vcpu, struct okvm_leaf_counts *before)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_sum_pages, vcpu);

	okvm_vm_add_region(vm, SLOT, REGION_GPA, nr_pages * PAGE, mem);
	okvm_guest_identity_map(vm, REGION_GPA, nr_pages * PAGE);
	okvm_vcpu_set_args(*vcpu, 3, REGION_GPA, nr_pages, stride);
	OKVM_REQUIRE(run_to_sync(*vcpu) == 0, "the guest did not start");
	*before = okvm_stats_leaf_counts(vm->fd);
	return vm;
}

/* 2M-aligned anonymous memory of @size bytes, with its mapping to unmap. */
static char *aligned_anon(u64 size, void **map, u64 *map_size)
{
	char *p;

	*map_size = size + SIZE_2M;
	*map = mmap(NULL, *map_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	OKVM_REQUIRE(*map != MAP_FAILED, "mmap of %llu bytes failed",
		     (unsigned long long)*map_size);
	p = (char *)(((unsigned long)*map + SIZE_2M - 1) & ~(SIZE_2M - 1));
	return p;
}

TEST(thp_is_mapped_2m_and_split_by_a_4k_drop)
{
	u64 nr_pages = THP_SIZE / PAGE, sum, thps, dropped = 100;
	struct okvm_leaf_counts before, l;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 map_size;
	void *map;
	char *mem;
	long kb;

	if (!okvm_thp_possible())
		SKIP(return, "transparent hugepages are off");
	mem = aligned_anon(THP_SIZE, &map, &map_size);
	ASSERT_EQ(0, madvise(mem, THP_SIZE, MADV_HUGEPAGE));
	sum = fill_pages(mem, nr_pages, 1);
	kb = okvm_anon_huge_kb(mem);
	if (kb < (long)(SIZE_2M >> 10))
		SKIP(return, "the host gave no transparent hugepage (%ld kB)", kb);
	thps = kb / (SIZE_2M >> 10);

	vm = start_vm(mem, nr_pages, 1, &vcpu, &before);
	ASSERT_EQ(sum, run_to_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	TH_LOG("%llu THPs: pages_2m +%llu, pages_4k +%llu", thps,
	       l.pages_2m - before.pages_2m, l.pages_4k - before.pages_4k);
	EXPECT_EQ(thps, l.pages_2m - before.pages_2m);

	/* One 4K page out of the first 2M: its whole 2M leaf goes at once. */
	ASSERT_EQ(0, madvise(mem + dropped * PAGE, PAGE, MADV_DONTNEED));
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(thps - 1, l.pages_2m - before.pages_2m);

	/* The guest reads every page: the dropped one is zero, the rest intact. */
	EXPECT_EQ(sum - token(dropped), run_to_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	if (okvm_anon_huge_kb(mem) == kb) {
		/*
		 * khugepaged collapsed the range again meanwhile (one empty
		 * PTE is within its max_ptes_none), and okvm followed the host.
		 */
		TH_LOG("the host collapsed the split THP again: pages_2m +%llu",
		       l.pages_2m - before.pages_2m);
		EXPECT_GE(l.pages_2m - before.pages_2m, thps - 1);
	} else {
		EXPECT_EQ(thps - 1, l.pages_2m - before.pages_2m);
		EXPECT_GE(l.pages_4k - before.pages_4k, SIZE_2M / PAGE - 1);
	}
	okvm_vm_free(vm);
	munmap(map, map_size);
}

/*
 * Memory the guest mapped at 4K, that the host then collapses into
 * transparent hugepages (MADV_COLLAPSE, as khugepaged would), is mapped
 * 2M again: the huge fault replaces the table the 4K leaves were in.
 */
TEST(thp_collapsed_by_the_host_is_mapped_2m_again)
{
	u64 nr_pages = THP_SIZE / PAGE, sum, thps;
	struct okvm_leaf_counts before, l;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 map_size;
	void *map;
	char *mem;
	long kb;

	if (!okvm_thp_possible())
		SKIP(return, "transparent hugepages are off");
	mem = aligned_anon(THP_SIZE, &map, &map_size);
	ASSERT_EQ(0, madvise(mem, THP_SIZE, MADV_NOHUGEPAGE));
	sum = fill_pages(mem, nr_pages, 1);
	ASSERT_EQ(0, okvm_anon_huge_kb(mem));

	vm = start_vm(mem, nr_pages, 1, &vcpu, &before);
	ASSERT_EQ(sum, run_to_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(before.pages_2m, l.pages_2m);
	EXPECT_GE(l.pages_4k - before.pages_4k, nr_pages);

	ASSERT_EQ(0, madvise(mem, THP_SIZE, MADV_HUGEPAGE));
	if (madvise(mem, THP_SIZE, MADV_COLLAPSE))
		SKIP(goto out, "MADV_COLLAPSE: %s", strerror(errno));
	kb = okvm_anon_huge_kb(mem);
	if (kb < (long)(SIZE_2M >> 10))
		SKIP(goto out, "the host collapsed nothing (%ld kB)", kb);
	thps = kb / (SIZE_2M >> 10);

	EXPECT_EQ(sum, run_to_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	TH_LOG("%llu THPs collapsed: pages_2m +%llu, pages_4k +%lld", thps,
	       l.pages_2m - before.pages_2m, (long long)(l.pages_4k - before.pages_4k));
	EXPECT_EQ(thps, l.pages_2m - before.pages_2m);
	EXPECT_LT((long long)(l.pages_4k - before.pages_4k), (long long)nr_pages);
out:
	okvm_vm_free(vm);
	munmap(map, map_size);
}

TEST(max_huge_level_1_maps_4k_only)
{
	u64 nr_pages = THP_SIZE / PAGE, sum;
	struct okvm_leaf_counts before, l;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	long old_level;
	u64 map_size;
	void *map;
	char *mem;

	old_level = okvm_read_number(LEVEL_PARAM);
	if (old_level < 0 || !okvm_write_number(LEVEL_PARAM, 1))
		SKIP(return, "no okvm max_huge_level parameter to set");
	if (!okvm_thp_possible()) {
		okvm_write_number(LEVEL_PARAM, old_level);
		SKIP(return, "transparent hugepages are off");
	}
	mem = aligned_anon(THP_SIZE, &map, &map_size);
	ASSERT_EQ(0, madvise(mem, THP_SIZE, MADV_HUGEPAGE));
	sum = fill_pages(mem, nr_pages, 1);

	vm = start_vm(mem, nr_pages, 1, &vcpu, &before);
	EXPECT_EQ(sum, run_to_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	/* The guest's stack may take a fresh 4K page of its own as well. */
	EXPECT_EQ(before.pages_2m, l.pages_2m);
	EXPECT_GE(l.pages_4k - before.pages_4k, nr_pages);
	okvm_vm_free(vm);
	munmap(map, map_size);
	EXPECT_TRUE(okvm_write_number(LEVEL_PARAM, old_level));
}

TEST(hugetlbfs_2m_is_mapped_2m)
{
	const char *pool = "hugepages-2048kB";
	u64 nr_pages = 2 * SIZE_2M / PAGE, sum;
	struct okvm_leaf_counts before, l;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	long grown;
	char *mem;

	mem = okvm_hugetlb_map(2 * SIZE_2M, MAP_HUGE_2MB, pool, 2, &grown);
	if (!mem)
		SKIP(return, "no 2M hugetlbfs pages on this machine");
	sum = fill_pages(mem, nr_pages, 1);

	vm = start_vm(mem, nr_pages, 1, &vcpu, &before);
	EXPECT_EQ(sum, run_to_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(2, l.pages_2m - before.pages_2m);
	EXPECT_EQ(before.pages_4k, l.pages_4k);
	okvm_vm_free(vm);
	okvm_hugetlb_unmap(mem, 2 * SIZE_2M, pool, grown);
}

TEST(hugetlbfs_1g_is_mapped_1g)
{
	const char *pool = "hugepages-1048576kB";
	u64 nr_pages = SIZE_1G / PAGE, stride = 4096, sum;
	struct okvm_leaf_counts before, l;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	long grown;
	char *mem;

	mem = okvm_hugetlb_map(SIZE_1G, MAP_HUGE_1GB, pool, 1, &grown);
	if (!mem)
		SKIP(return, "no 1G hugetlbfs page on this machine");
	sum = fill_pages(mem, nr_pages, stride);

	vm = start_vm(mem, nr_pages, stride, &vcpu, &before);
	EXPECT_EQ(sum, run_to_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(1, l.pages_1g - before.pages_1g);
	EXPECT_EQ(before.pages_2m, l.pages_2m);
	okvm_vm_free(vm);
	okvm_hugetlb_unmap(mem, SIZE_1G, pool, grown);
}

TEST_HARNESS_MAIN
