// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory stays coherent with the host's mapping of it: when the host
 * replaces or rewrites the memory behind a slot's host address, the guest's
 * next read sees the new contents, never the page it read before. Each case
 * has the guest read first, so the hypervisor holds a mapping to replace.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define SLOT		1
#define REGION_GPA	0x10000000ULL
#define REGION_SIZE	0x10000ULL	/* 16 pages */
#define PAGE		0x1000ULL
#define ROUNDS		4

/* Report the first word of every page, @rounds times over. */
static void guest_read_pages(u64 gpa, u64 nr_pages, u64 rounds)
{
	u64 round, page;

	for (round = 0; round < rounds; round++)
		for (page = 0; page < nr_pages; page++)
			GUEST_SYNC(READ_ONCE(*(u64 *)(gpa + page * PAGE)));
}

static u64 token(u64 round, u64 page)
{
	return 0x70c0000000000000ULL | round << 16 | page;
}

/* How the host swaps the contents of one page, at @page, for @value. */
typedef void (*replace_fn)(struct __test_metadata *_metadata, char *page, u64 value,
			   void *ctx);

static void run_rounds(struct __test_metadata *_metadata, struct okvm_vm *vm,
		       struct okvm_vcpu *vcpu, char *mem, replace_fn replace, void *ctx)
{
	u64 round, page;

	okvm_guest_identity_map(vm, REGION_GPA, REGION_SIZE);
	okvm_vcpu_set_args(vcpu, 3, REGION_GPA, REGION_SIZE / PAGE, (u64)ROUNDS);
	for (page = 0; page < REGION_SIZE / PAGE; page++)
		*(u64 *)(mem + page * PAGE) = token(0, page);

	for (round = 0; round < ROUNDS; round++) {
		for (page = 0; page < REGION_SIZE / PAGE; page++)
			okvm_vcpu_expect_sync(vcpu, token(round, page));
		for (page = 0; page < REGION_SIZE / PAGE; page++)
			replace(_metadata, mem + page * PAGE, token(round + 1, page), ctx);
	}
	okvm_vcpu_expect_done(vcpu);
}

static void replace_by_new_mapping(struct __test_metadata *_metadata, char *page,
				   u64 value, void *ctx)
{
	ASSERT_EQ(0, munmap(page, PAGE));
	ASSERT_EQ(page, mmap(page, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	*(u64 *)page = value;
}

TEST(munmap_and_fixed_mmap)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_pages, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, REGION_SIZE);
	run_rounds(_metadata, vm, vcpu, mem, replace_by_new_mapping, NULL);
	okvm_vm_free(vm);
}

/* Replace the mapping in one go, without a window where nothing is mapped. */
static void replace_by_fixed_mmap_over(struct __test_metadata *_metadata, char *page,
				       u64 value, void *ctx)
{
	ASSERT_EQ(page, mmap(page, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	*(u64 *)page = value;
}

TEST(fixed_mmap_over_live_mapping)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_pages, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, REGION_SIZE);
	run_rounds(_metadata, vm, vcpu, mem, replace_by_fixed_mmap_over, NULL);
	okvm_vm_free(vm);
}

static void replace_by_dontneed(struct __test_metadata *_metadata, char *page,
				u64 value, void *ctx)
{
	ASSERT_EQ(0, madvise(page, PAGE, MADV_DONTNEED));
	/* A private anonymous page reads as zero after MADV_DONTNEED. */
	ASSERT_EQ(0, *(u64 *)page);
	*(u64 *)page = value;
}

TEST(madv_dontneed_then_rewrite)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_pages, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, REGION_SIZE);
	run_rounds(_metadata, vm, vcpu, mem, replace_by_dontneed, NULL);
	okvm_vm_free(vm);
}

static void guest_read_once(u64 gpa)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
}

/* After MADV_DONTNEED and no rewrite, the guest reads the fresh zero page. */
TEST(madv_dontneed_reads_zero)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_once, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, REGION_SIZE);
	okvm_guest_identity_map(vm, REGION_GPA, REGION_SIZE);
	okvm_vcpu_set_args(vcpu, 1, REGION_GPA);
	mem[0] = 0xabcdef;
	okvm_vcpu_expect_sync(vcpu, 0xabcdef);
	ASSERT_EQ(0, madvise(mem, REGION_SIZE, MADV_DONTNEED));
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* A memfd mapped twice: the slot is backed by one mapping. */
struct memfd_views {
	int fd;
	char *slot_view;
	char *other_view;
};

static void memfd_views_create(struct __test_metadata *_metadata, struct okvm_vm *vm,
			       struct memfd_views *views)
{
	views->slot_view = okvm_vm_add_memfd_region(vm, SLOT, REGION_GPA, REGION_SIZE,
						    &views->fd);
	views->other_view = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 views->fd, 0);
	ASSERT_NE(MAP_FAILED, views->other_view);
}

/* @page is in the slot's view; write through the other one. */
static void rewrite_through_other_view(struct __test_metadata *_metadata, char *page,
				       u64 value, void *ctx)
{
	struct memfd_views *views = ctx;

	*(u64 *)(views->other_view + (page - views->slot_view)) = value;
}

TEST(memfd_write_through_second_mapping)
{
	struct memfd_views views;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_read_pages, &vcpu);
	memfd_views_create(_metadata, vm, &views);
	run_rounds(_metadata, vm, vcpu, views.slot_view, rewrite_through_other_view, &views);
	okvm_vm_free(vm);
}

/* Free the file's page under both mappings, then write a new one. */
static void punch_hole_then_rewrite(struct __test_metadata *_metadata, char *page,
				    u64 value, void *ctx)
{
	struct memfd_views *views = ctx;
	off_t offset = page - views->slot_view;

	ASSERT_EQ(0, fallocate(views->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       offset, PAGE));
	ASSERT_EQ(0, *(u64 *)(views->other_view + offset));
	*(u64 *)(views->other_view + offset) = value;
}

TEST(memfd_punch_hole_then_rewrite)
{
	struct memfd_views views;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_read_pages, &vcpu);
	memfd_views_create(_metadata, vm, &views);
	run_rounds(_metadata, vm, vcpu, views.slot_view, punch_hole_then_rewrite, &views);
	okvm_vm_free(vm);
}

/* The other direction: what the guest writes, the host's other view shows. */
static void guest_write_pages(u64 gpa, u64 nr_pages)
{
	u64 page;

	for (page = 0; page < nr_pages; page++)
		WRITE_ONCE(*(u64 *)(gpa + page * PAGE), token(9, page));
}

TEST(guest_write_seen_through_second_mapping)
{
	struct memfd_views views;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 page;

	vm = okvm_vm_create_long_mode(1, guest_write_pages, &vcpu);
	memfd_views_create(_metadata, vm, &views);
	okvm_guest_identity_map(vm, REGION_GPA, REGION_SIZE);
	okvm_vcpu_set_args(vcpu, 2, REGION_GPA, REGION_SIZE / PAGE);
	okvm_vcpu_expect_done(vcpu);
	for (page = 0; page < REGION_SIZE / PAGE; page++)
		EXPECT_EQ(token(9, page), *(u64 *)(views.other_view + page * PAGE));
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
