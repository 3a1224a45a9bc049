// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION follows KVM's rules: slots may touch but not
 * overlap (EEXIST); addresses and sizes are page aligned, slot ids below
 * KVM_CAP_NR_MEMSLOTS, flags known (EINVAL otherwise); size 0 deletes; an
 * existing slot can move but not change size or memory.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/vm.h"

#define SLOT_GPA	0x10000000ULL
#define SLOT_SIZE	0x200000ULL

FIXTURE(memslot) {
	struct okvm_vm *vm;
	char *mem;		/* two slots' worth of memory */
};

FIXTURE_SETUP(memslot)
{
	self->vm = okvm_vm_create();
	self->mem = mmap(NULL, 2 * SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(memslot)
{
	okvm_vm_free(self->vm);
	munmap(self->mem, 2 * SLOT_SIZE);
}

/* okvm_vm_set_region_raw(), expecting @expected_errno (0: success). */
static void expect_region(struct __test_metadata *_metadata, struct okvm_vm *vm,
			  u32 slot, u32 flags, u64 gpa, u64 size, void *hva,
			  int expected_errno)
{
	int r = okvm_vm_set_region_raw(vm, slot, flags, gpa, size, hva);

	if (!expected_errno) {
		EXPECT_EQ(0, r) TH_LOG("slot %u flags 0x%x gpa 0x%llx size 0x%llx: %s",
				       slot, flags, gpa, size, strerror(errno));
		return;
	}
	EXPECT_EQ(-1, r) TH_LOG("slot %u flags 0x%x gpa 0x%llx size 0x%llx was accepted",
				slot, flags, gpa, size);
	EXPECT_EQ(expected_errno, errno) TH_LOG("slot %u gpa 0x%llx size 0x%llx: %s",
						slot, gpa, size, strerror(errno));
}

TEST_F(memslot, add_and_add_adjacent)
{
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
	/* Touching at either end is fine. */
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA + SLOT_SIZE, SLOT_SIZE,
		      self->mem + SLOT_SIZE, 0);
	expect_region(_metadata, self->vm, 2, 0, SLOT_GPA - 0x1000, 0x1000,
		      self->mem, 0);
	/* Setting a slot again as it is changes nothing and succeeds. */
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
}

TEST_F(memslot, overlap_fails_eexist)
{
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
	/* Same range, a range inside, and ranges across either end. */
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA, SLOT_SIZE,
		      self->mem + SLOT_SIZE, EEXIST);
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA + 0x1000, 0x1000,
		      self->mem + SLOT_SIZE, EEXIST);
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA + SLOT_SIZE - 0x1000, 0x2000,
		      self->mem + SLOT_SIZE, EEXIST);
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA - 0x1000, 0x2000,
		      self->mem + SLOT_SIZE, EEXIST);
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA - 0x1000, SLOT_SIZE + 0x2000,
		      self->mem, EEXIST);
}

TEST_F(memslot, unaligned_fails_einval)
{
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA + 0x800, SLOT_SIZE, self->mem,
		      EINVAL);
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, 0x1800, self->mem, EINVAL);
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, 0x1000, self->mem + 0x800,
		      EINVAL);
	/* A range that wraps around the top of the address space. */
	expect_region(_metadata, self->vm, 0, 0, 0xfffffffffffff000ULL, 0x2000,
		      self->mem, EINVAL);
	/* None of them left a slot behind. */
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
}

TEST_F(memslot, slot_id_limit)
{
	int nr_slots = ioctl(self->vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);

	ASSERT_GT(nr_slots, 0);
	expect_region(_metadata, self->vm, nr_slots - 1, 0, SLOT_GPA, SLOT_SIZE,
		      self->mem, 0);
	expect_region(_metadata, self->vm, nr_slots, 0, SLOT_GPA + SLOT_SIZE, SLOT_SIZE,
		      self->mem + SLOT_SIZE, EINVAL);
	expect_region(_metadata, self->vm, 0xffff, 0, SLOT_GPA + SLOT_SIZE, SLOT_SIZE,
		      self->mem + SLOT_SIZE, EINVAL);
}

TEST_F(memslot, unknown_flag_fails_einval)
{
	expect_region(_metadata, self->vm, 0, 1U << 20, SLOT_GPA, SLOT_SIZE, self->mem,
		      EINVAL);
	expect_region(_metadata, self->vm, 0, 1U << 31, SLOT_GPA, SLOT_SIZE, self->mem,
		      EINVAL);
}

TEST_F(memslot, delete_frees_the_range)
{
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, 0, self->mem, 0);
	/* The range and the slot id are both free again. */
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA + SLOT_SIZE, SLOT_SIZE,
		      self->mem + SLOT_SIZE, 0);
}

TEST_F(memslot, delete_of_empty_slot_fails_einval)
{
	expect_region(_metadata, self->vm, 3, 0, SLOT_GPA, 0, self->mem, EINVAL);
}

TEST_F(memslot, existing_slot_keeps_size_and_memory)
{
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE / 2, self->mem, EINVAL);
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem + SLOT_SIZE,
		      EINVAL);
}

TEST_F(memslot, move_must_not_overlap)
{
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA, SLOT_SIZE, self->mem, 0);
	expect_region(_metadata, self->vm, 1, 0, SLOT_GPA + 4 * SLOT_SIZE, SLOT_SIZE,
		      self->mem + SLOT_SIZE, 0);
	/* Onto the other slot: refused. Somewhere free: fine. */
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA + 4 * SLOT_SIZE + 0x1000,
		      SLOT_SIZE, self->mem, EEXIST);
	expect_region(_metadata, self->vm, 0, 0, SLOT_GPA + 2 * SLOT_SIZE, SLOT_SIZE,
		      self->mem, 0);
	/* The old range is free now. */
	expect_region(_metadata, self->vm, 2, 0, SLOT_GPA, SLOT_SIZE,
		      self->mem + SLOT_SIZE, 0);
}

TEST_HARNESS_MAIN
