// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging: KVM_MEM_LOG_DIRTY_PAGES and KVM_GET_DIRTY_LOG, and with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_CLEAR_DIRTY_LOG.
 *
 * The guest writes an exact set of pages per round and reads the others;
 * KVM_GET_DIRTY_LOG must return exactly the pages written since the last
 * call, which also proves that the call protects them again (a page written
 * in two rounds is reported in both). While logging, THP-backed memory is
 * mapped at 4K; once logging is off, okvm maps it at 2M again.
 *
 * KVM reports a page as dirty when the first access after logging starts
 * is a read that it maps writable (the host has the page writable); okvm
 * maps reads read-only and never does. Rounds therefore begin with every
 * page mapped (a round that writes them all), and the check that a first
 * read is not dirty runs on okvm only (Documentation/api.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/host_mm.h"
#include "lib/okvm_dev.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define SLOT		1
#define PAGE		0x1000ULL
#define SIZE_2M		0x200000ULL
#define REGION_GPA	0x40000000ULL
#define NR_PAGES	200		/* not a multiple of 64: the tail stays clear */
#define BITMAP_LONGS	((NR_PAGES + 63) / 64)
#define THP_SIZE	(4 * SIZE_2M)

/*
 * This round's plan, set by the host before each run: the guest writes
 * page p if write_mod != 0 and p % write_mod == write_rem, and reads every
 * other page.
 */
static u64 write_mod, write_rem;

/*
 * SYNC(0) once started (only the program's own memory is touched by
 * then); then each round: write the planned pages (with the round
 * number), read the others, SYNC(round).
 */
static void guest_rounds(u64 gpa, u64 nr_pages)
{
	u64 round, page, sum = 0;

	GUEST_SYNC(0);
	for (round = 1;; round++) {
		for (page = 0; page < nr_pages; page++) {
			u64 *p = (u64 *)(gpa + page * PAGE);

			if (write_mod && page % write_mod == write_rem)
				WRITE_ONCE(*p, round);
			else
				sum += READ_ONCE(*p);
		}
		GUEST_SYNC(round);
	}
}

/* Run one round of the guest with the plan (@mod, @rem). */
static void run_round(struct okvm_vm *vm, struct okvm_vcpu *vcpu, u64 round,
		      u64 mod, u64 rem)
{
	write_mod = mod;
	write_rem = rem;
	okvm_sync_global_to_guest(vm, write_mod);
	okvm_sync_global_to_guest(vm, write_rem);
	okvm_vcpu_expect_sync(vcpu, round);
}

static int get_dirty_log(struct okvm_vm *vm, u32 slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

/*
 * KVM_GET_DIRTY_LOG of SLOT must succeed and name exactly the pages of the
 * plan (@mod, @rem) among @nr_pages (none if @mod is 0) outside
 * [@clean_start, @clean_end), and no bit past @nr_pages. Returns the number
 * of wrong bits (each one is logged).
 */
static int check_dirty_except(struct okvm_vm *vm, u64 nr_pages, u64 mod, u64 rem,
			      u64 clean_start, u64 clean_end)
{
	u64 bitmap[(THP_SIZE / PAGE + 63) / 64];
	u64 page, nr_longs = (nr_pages + 63) / 64;
	int wrong = 0;

	memset(bitmap, 0xa5, sizeof(bitmap));
	OKVM_REQUIRE(get_dirty_log(vm, SLOT, bitmap) == 0, "KVM_GET_DIRTY_LOG: %s",
		     strerror(errno));
	for (page = 0; page < nr_longs * 64; page++) {
		bool dirty = bitmap[page / 64] & (1ULL << (page % 64));
		bool want = page < nr_pages && mod && page % mod == rem &&
			    (page < clean_start || page >= clean_end);

		if (dirty != want && wrong++ < 8)
			fprintf(stderr, "# page %llu: dirty %d, expected %d\n",
				(unsigned long long)page, dirty, want);
	}
	return wrong;
}

static int check_dirty(struct okvm_vm *vm, u64 nr_pages, u64 mod, u64 rem)
{
	return check_dirty_except(vm, nr_pages, mod, rem, 0, 0);
}

/*
 * @nr_pages of anonymous memory the host has written first, so its pages
 * are present and writable, as a VMM's are.
 */
static char *host_written_pages(u64 nr_pages)
{
	char *mem = mmap(NULL, nr_pages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	OKVM_REQUIRE(mem != MAP_FAILED, "mmap of %llu pages failed",
		     (unsigned long long)nr_pages);
	memset(mem, 0, nr_pages * PAGE);
	return mem;
}

/* 2M-aligned anonymous memory of @size bytes, with its mapping to unmap. */
static char *aligned_anon(u64 size, void **map, u64 *map_size)
{
	*map_size = size + SIZE_2M;
	*map = mmap(NULL, *map_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	OKVM_REQUIRE(*map != MAP_FAILED, "mmap of %llu bytes failed",
		     (unsigned long long)*map_size);
	return (char *)(((unsigned long)*map + SIZE_2M - 1) & ~(SIZE_2M - 1));
}

static int enable_manual(struct okvm_vm *vm, u64 flags, u32 cap_flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.flags = cap_flags,
		.args = { flags },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/*
 * A long-mode VM running guest_rounds() over SLOT at REGION_GPA, returned
 * with the guest waiting in its first SYNC. @manual: the flags of
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 to enable first, if not 0.
 */
static struct okvm_vm *start_vm_manual(void *mem, u64 nr_pages, u32 flags, u64 manual,
				       struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_rounds, vcpu);

	OKVM_REQUIRE(!manual || enable_manual(vm, manual, 0) == 0,
		     "enabling KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: %s", strerror(errno));
	OKVM_REQUIRE(okvm_vm_set_region_raw(vm, SLOT, flags, REGION_GPA,
					    nr_pages * PAGE, mem) == 0,
		     "adding the slot: %s", strerror(errno));
	okvm_guest_identity_map(vm, REGION_GPA, nr_pages * PAGE);
	okvm_vcpu_set_args(*vcpu, 2, REGION_GPA, (u64)nr_pages);
	okvm_vcpu_expect_sync(*vcpu, 0);
	return vm;
}

static struct okvm_vm *start_vm(void *mem, u64 nr_pages, u32 flags,
				struct okvm_vcpu **vcpu)
{
	return start_vm_manual(mem, nr_pages, flags, 0, vcpu);
}

TEST(dirty_log_reports_exactly_the_pages_written)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 page, round = 0;
	int wrong;
	char *mem;

	mem = host_written_pages(NR_PAGES);
	vm = start_vm(mem, NR_PAGES, KVM_MEM_LOG_DIRTY_PAGES, &vcpu);

	/* First touch by reads only: never dirty on okvm (see the top). */
	run_round(vm, vcpu, ++round, 0, 0);
	wrong = check_dirty(vm, NR_PAGES, 0, 0);
	TH_LOG("pages dirty after reads only: %d", wrong);
	EXPECT_EQ(0, okvm_dev_is_okvm(vm->dev_fd) ? wrong : 0);

	/* Every page written: every bit, and none past the slot's end. */
	run_round(vm, vcpu, ++round, 1, 0);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));

	/* Every third page; the others only read. */
	run_round(vm, vcpu, ++round, 3, 0);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 3, 0));
	for (page = 0; page < NR_PAGES; page += 3)
		EXPECT_EQ(round, *(u64 *)(mem + page * PAGE));

	/*
	 * Another set, overlapping the last one (pages 6, 21, ...): those were
	 * protected again by the last call, so they are reported again.
	 */
	run_round(vm, vcpu, ++round, 5, 1);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 5, 1));
	EXPECT_EQ(round, *(u64 *)(mem + 6 * PAGE));

	/* Reads only, then no run at all: nothing is dirty. */
	run_round(vm, vcpu, ++round, 0, 0);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 0, 0));
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 0, 0));

	okvm_vm_free(vm);
	munmap(mem, NR_PAGES * PAGE);
}

/* The vCPU's pf_fast: write faults fixed without the full fault path. */
static u64 read_pf_fast(struct okvm_vcpu *vcpu)
{
	struct okvm_stats st;
	u64 n;

	okvm_stats_open(&st, vcpu->fd);
	n = okvm_stats_get(&st, "pf_fast");
	okvm_stats_close(&st);
	return n;
}

/*
 * A write after KVM_GET_DIRTY_LOG only needs write access back: both okvm
 * and KVM give it without the full fault path and count it in pf_fast. A
 * host change to the memory in between (here mprotect) removes the guest's
 * mapping instead, so the next write takes the full path, and must fail
 * while the host keeps the memory read-only: the lockless path never
 * outlives the host's permission.
 */
TEST(writes_after_a_harvest_take_the_fast_path)
{
	u64 round = 0, fast;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int r, run_errno;
	char *mem;

	mem = host_written_pages(NR_PAGES);
	vm = start_vm(mem, NR_PAGES, KVM_MEM_LOG_DIRTY_PAGES, &vcpu);
	run_round(vm, vcpu, ++round, 1, 0);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));

	/* Every page again: each write fault is a fast one, and logged. */
	fast = read_pf_fast(vcpu);
	run_round(vm, vcpu, ++round, 1, 0);
	TH_LOG("pf_fast +%llu for %d pages", (unsigned long long)(read_pf_fast(vcpu) - fast),
	       NR_PAGES);
	EXPECT_GE(read_pf_fast(vcpu) - fast, NR_PAGES);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));

	/* The host takes write access away and gives it back: full path. */
	ASSERT_EQ(0, mprotect(mem, NR_PAGES * PAGE, PROT_READ));
	ASSERT_EQ(0, mprotect(mem, NR_PAGES * PAGE, PROT_READ | PROT_WRITE));
	fast = read_pf_fast(vcpu);
	run_round(vm, vcpu, ++round, 1, 0);
	EXPECT_EQ(fast, read_pf_fast(vcpu));
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));
	EXPECT_EQ(round, *(u64 *)(mem + 2 * PAGE));

	/* Read-only in the host: the write fails, and nothing is written. */
	ASSERT_EQ(0, mprotect(mem, NR_PAGES * PAGE, PROT_READ));
	write_mod = 1;
	write_rem = 0;
	okvm_sync_global_to_guest(vm, write_mod);
	okvm_sync_global_to_guest(vm, write_rem);
	r = okvm_vcpu_run_raw(vcpu);
	run_errno = r ? errno : 0;
	TH_LOG("write to host read-only memory: KVM_RUN %d (%s)", r, strerror(run_errno));
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EFAULT, run_errno);
	EXPECT_EQ(round, *(u64 *)(mem + 0 * PAGE));

	okvm_vm_free(vm);
	munmap(mem, NR_PAGES * PAGE);
}

TEST(logging_maps_thp_at_4k_until_it_stops)
{
	u64 nr_pages = THP_SIZE / PAGE, map_size, thps, round = 0;
	u64 bitmap[THP_SIZE / PAGE / 64];
	struct okvm_leaf_counts before, l;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	bool huge_again;
	void *map;
	char *mem;
	long kb;

	mem = aligned_anon(THP_SIZE, &map, &map_size);
	if (madvise(mem, THP_SIZE, MADV_HUGEPAGE))
		SKIP(return, "no transparent hugepages: %s", strerror(errno));
	memset(mem, 1, THP_SIZE);
	kb = okvm_anon_huge_kb(mem);
	if (kb < (long)(SIZE_2M >> 10))
		SKIP(return, "the host gave no transparent hugepage (%ld kB)", kb);
	thps = kb / (SIZE_2M >> 10);

	/* Without logging the guest's reads map the THPs at 2M. */
	vm = start_vm(mem, nr_pages, 0, &vcpu);
	before = okvm_stats_leaf_counts(vm->fd);
	run_round(vm, vcpu, ++round, 0, 0);
	l = okvm_stats_leaf_counts(vm->fd);
	TH_LOG("%llu THPs: pages_2m +%lld", (unsigned long long)thps,
	       (long long)(l.pages_2m - before.pages_2m));
	ASSERT_EQ(thps, l.pages_2m - before.pages_2m);

	/* Logging on: the guest writes everything, all of it at 4K. */
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES,
					    REGION_GPA, THP_SIZE, mem));
	run_round(vm, vcpu, ++round, 1, 0);
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(before.pages_2m, l.pages_2m);
	EXPECT_GE(l.pages_4k - before.pages_4k, nr_pages);
	EXPECT_EQ(0, check_dirty(vm, nr_pages, 1, 0));
	run_round(vm, vcpu, ++round, 2, 1);
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(before.pages_2m, l.pages_2m);
	EXPECT_EQ(0, check_dirty(vm, nr_pages, 2, 1));

	/* Logging off: no log any more; okvm maps the THPs at 2M again. */
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, 0, REGION_GPA, THP_SIZE, mem));
	EXPECT_EQ(-1, get_dirty_log(vm, SLOT, bitmap));
	EXPECT_EQ(ENOENT, errno);
	run_round(vm, vcpu, ++round, 0, 0);
	l = okvm_stats_leaf_counts(vm->fd);
	TH_LOG("logging off: pages_2m +%lld",
	       (long long)(l.pages_2m - before.pages_2m));
	huge_again = okvm_dev_is_okvm(vm->dev_fd) &&
		     okvm_anon_huge_kb(mem) >= (long)(thps * (SIZE_2M >> 10));
	EXPECT_EQ(thps, huge_again ? l.pages_2m - before.pages_2m : thps);

	okvm_vm_free(vm);
	munmap(map, map_size);
}

/*
 * For the error cases, with no vCPU: slot 0 without logging, and SLOT with
 * it over the memory returned.
 */
static char *add_slots(struct okvm_vm *vm)
{
	char *logged = host_written_pages(NR_PAGES);

	okvm_vm_add_anon_region(vm, 0, 0, NR_PAGES * PAGE);
	OKVM_REQUIRE(okvm_vm_set_region_raw(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, REGION_GPA,
					    NR_PAGES * PAGE, logged) == 0,
		     "adding the logged slot: %s", strerror(errno));
	return logged;
}

static int clear_dirty_log(struct okvm_vm *vm, u32 slot, u64 first_page, u32 num_pages,
			   void *bitmap)
{
	struct kvm_clear_dirty_log log = {
		.slot = slot,
		.num_pages = num_pages,
		.first_page = first_page,
		.dirty_bitmap = bitmap,
	};

	return ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &log);
}

/* KVM_CLEAR_DIRTY_LOG of every page of SLOT. */
static void clean_all(struct __test_metadata *_metadata, struct okvm_vm *vm)
{
	u64 ones[BITMAP_LONGS];

	memset(ones, 0xff, sizeof(ones));
	ASSERT_EQ(0, clear_dirty_log(vm, SLOT, 0, NR_PAGES, ones));
}

/*
 * With KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, KVM_GET_DIRTY_LOG only reads:
 * bits stay, and pages stay writable, until KVM_CLEAR_DIRTY_LOG cleans and
 * protects exactly the pages it names.
 */
TEST(manual_protect_cleans_only_what_is_cleared)
{
	u64 round = 0, ones[BITMAP_LONGS];
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;
	int dev;

	dev = okvm_dev_open(O_RDWR);
	ASSERT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET,
		  ioctl(dev, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	close(dev);
	mem = host_written_pages(NR_PAGES);
	vm = start_vm_manual(mem, NR_PAGES, KVM_MEM_LOG_DIRTY_PAGES,
			     KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, &vcpu);

	/* Everything written; reading the log twice leaves it as it was. */
	run_round(vm, vcpu, ++round, 1, 0);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));

	/* Cleaned: nothing, then exactly what the guest writes next. */
	clean_all(_metadata, vm);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 0, 0));
	run_round(vm, vcpu, ++round, 5, 1);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 5, 1));

	/*
	 * Clean pages 64-127 only: their bits go and they are protected
	 * again, the others keep their bits. The same writes again must then
	 * log 64-127 again (they faulted), and the rest are still dirty.
	 */
	memset(ones, 0xff, sizeof(ones));
	ASSERT_EQ(0, clear_dirty_log(vm, SLOT, 64, 64, ones));
	EXPECT_EQ(0, check_dirty_except(vm, NR_PAGES, 5, 1, 64, 128));
	run_round(vm, vcpu, ++round, 5, 1);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 5, 1));
	EXPECT_EQ(round, *(u64 *)(mem + 66 * PAGE));

	okvm_vm_free(vm);
	munmap(mem, NR_PAGES * PAGE);
}

/*
 * With KVM_DIRTY_LOG_INITIALLY_SET a slot that starts logging reports
 * every page until it is cleaned, and the first KVM_CLEAR_DIRTY_LOG is
 * what protects the pages the guest had mapped writable.
 */
TEST(initially_set_reports_all_until_cleared)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 round = 0;
	char *mem;

	mem = host_written_pages(NR_PAGES);
	vm = start_vm_manual(mem, NR_PAGES, 0,
			     KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET,
			     &vcpu);
	run_round(vm, vcpu, ++round, 1, 0);

	/* Logging on: all set, none past the end, without any write. */
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES,
					    REGION_GPA, NR_PAGES * PAGE, mem));
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));
	run_round(vm, vcpu, ++round, 0, 0);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 1, 0));

	clean_all(_metadata, vm);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 0, 0));
	run_round(vm, vcpu, ++round, 3, 2);
	EXPECT_EQ(0, check_dirty(vm, NR_PAGES, 3, 2));

	okvm_vm_free(vm);
	munmap(mem, NR_PAGES * PAGE);
}

TEST(clear_dirty_log_and_enable_cap_errors)
{
	u64 bitmap[BITMAP_LONGS * 2] = {};
	struct okvm_vm *vm = okvm_vm_create();
	char *logged;

	/* Unknown flags, INITIALLY_SET alone, non-zero cap flags. */
	EXPECT_EQ(-1, enable_manual(vm, 4, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, enable_manual(vm, KVM_DIRTY_LOG_INITIALLY_SET, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, enable_manual(vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, enable_manual(vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, 0));
	EXPECT_EQ(0, enable_manual(vm, 0, 0));

	logged = add_slots(vm);

	/* Page ranges: 64-aligned start, 64-multiple length unless to the end. */
	EXPECT_EQ(0, clear_dirty_log(vm, SLOT, 0, NR_PAGES, bitmap));
	EXPECT_EQ(0, clear_dirty_log(vm, SLOT, 192, NR_PAGES - 192, bitmap));
	EXPECT_EQ(0, clear_dirty_log(vm, SLOT, 64, 64, bitmap));
	EXPECT_EQ(0, clear_dirty_log(vm, SLOT, 64, 0, bitmap));
	EXPECT_EQ(-1, clear_dirty_log(vm, SLOT, 1, 64, bitmap));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_dirty_log(vm, SLOT, 0, 10, bitmap));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_dirty_log(vm, SLOT, 256, 0, bitmap));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_dirty_log(vm, SLOT, 128, 128, bitmap));
	EXPECT_EQ(EINVAL, errno);
	/* Slots: not logging, absent, another address space. */
	EXPECT_EQ(-1, clear_dirty_log(vm, 0, 0, 64, bitmap));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, clear_dirty_log(vm, 7, 0, 64, bitmap));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, clear_dirty_log(vm, (5 << 16) | SLOT, 0, 64, bitmap));
	EXPECT_EQ(EINVAL, errno);
	/* Bitmaps that cannot be read. */
	EXPECT_EQ(-1, clear_dirty_log(vm, SLOT, 0, NR_PAGES, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, NULL));
	EXPECT_EQ(EFAULT, errno);

	okvm_vm_free(vm);
	munmap(logged, NR_PAGES * PAGE);
}

TEST(get_dirty_log_errors)
{
	u64 bitmap[BITMAP_LONGS];
	struct okvm_vm *vm = okvm_vm_create();
	char *logged;

	logged = add_slots(vm);

	/* A slot without logging, and one that does not exist. */
	EXPECT_EQ(-1, get_dirty_log(vm, 0, bitmap));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, get_dirty_log(vm, 7, bitmap));
	EXPECT_EQ(ENOENT, errno);
	/* An address space that does not exist. */
	EXPECT_EQ(-1, get_dirty_log(vm, (5 << 16) | SLOT, bitmap));
	EXPECT_EQ(EINVAL, errno);

	/* Bitmap pointers userspace cannot write. */
	EXPECT_EQ(-1, get_dirty_log(vm, SLOT, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, get_dirty_log(vm, SLOT, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_DIRTY_LOG, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, get_dirty_log(vm, SLOT, bitmap));

	/* KVM_MEM_READONLY still cannot change along with logging. */
	EXPECT_EQ(-1, okvm_vm_set_region_raw(vm, SLOT,
					     KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY,
					     REGION_GPA, NR_PAGES * PAGE, logged));
	EXPECT_EQ(EINVAL, errno);

	/* Logging off, on again, and the slot deleted: no log after that. */
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, 0, REGION_GPA,
					    NR_PAGES * PAGE, logged));
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES,
					    REGION_GPA, NR_PAGES * PAGE, logged));
	EXPECT_EQ(0, get_dirty_log(vm, SLOT, bitmap));
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, 0, REGION_GPA, 0, logged));
	EXPECT_EQ(-1, get_dirty_log(vm, SLOT, bitmap));
	EXPECT_EQ(ENOENT, errno);

	okvm_vm_free(vm);
	munmap(logged, NR_PAGES * PAGE);
}

TEST_HARNESS_MAIN
