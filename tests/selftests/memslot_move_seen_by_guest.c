// SPDX-License-Identifier: GPL-2.0
/*
 * A guest sees memslot changes made while it is stopped: after a move, the
 * slot's data (including what the guest wrote) is at the new guest-physical
 * address and the old one is backed by nothing; after a delete, the range is
 * backed by nothing.
 *
 * An access to guest-physical memory that no slot backs is KVM_EXIT_MMIO on
 * KVM. okvm does not emulate MMIO yet and reports KVM_EXIT_INTERNAL_ERROR;
 * both are accepted, because the point here is that the stale mapping is
 * gone, not how an unbacked access is handled.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define SLOT		1
#define OLD_GPA		0x10000000ULL
#define NEW_GPA		0x20000000ULL
#define SLOT_SIZE	0x200000ULL
#define HOST_MAGIC	0x1122334455667788ULL
#define MMIO_VALUE	0x0badc0de0badc0deULL

/*
 * Report the value at @first_gpa and write it + 1 just after; once the host
 * has moved the slot, report both from @second_gpa, then read @first_gpa.
 */
static void guest_read_then_write(u64 first_gpa, u64 second_gpa)
{
	u64 *first = (u64 *)first_gpa, *second = (u64 *)second_gpa;

	GUEST_SYNC(READ_ONCE(first[0]));
	WRITE_ONCE(first[1], READ_ONCE(first[0]) + 1);
	GUEST_SYNC(1);
	/* The host moved the slot: the same data, at the new address. */
	GUEST_SYNC(READ_ONCE(second[0]));
	GUEST_SYNC(READ_ONCE(second[1]));
	/* Nothing at the old address any more. */
	GUEST_SYNC(READ_ONCE(first[0]));
}

/*
 * Run once: the guest must touch @gpa with no slot behind it. On an MMIO
 * read exit, answer @value and return true; on okvm's internal error,
 * return false (the guest cannot go on).
 */
static bool expect_unbacked_read(struct __test_metadata *_metadata,
				 struct okvm_vcpu *vcpu, u64 gpa, u64 value)
{
	struct kvm_run *run = vcpu->run;

	EXPECT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		TH_LOG("unbacked gpa 0x%llx: internal error, suberror %u (no MMIO emulation)",
		       gpa, run->internal.suberror);
		return false;
	}
	if (run->exit_reason != KVM_EXIT_MMIO)
		okvm_vcpu_fail_unexpected_exit(vcpu, "expected an unbacked access");
	EXPECT_EQ(gpa, run->mmio.phys_addr);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(8, run->mmio.len);
	memcpy(run->mmio.data, &value, sizeof(value));
	return true;
}

TEST(move_shows_data_at_new_gpa_only)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_then_write, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, OLD_GPA, SLOT_SIZE);
	okvm_guest_identity_map(vm, OLD_GPA, SLOT_SIZE);
	okvm_guest_identity_map(vm, NEW_GPA, SLOT_SIZE);
	mem[0] = HOST_MAGIC;
	okvm_vcpu_set_args(vcpu, 2, OLD_GPA, NEW_GPA);

	okvm_vcpu_expect_sync(vcpu, HOST_MAGIC);
	okvm_vcpu_expect_sync(vcpu, 1);
	EXPECT_EQ(HOST_MAGIC + 1, mem[1]);

	okvm_vm_move_region(vm, SLOT, NEW_GPA);
	okvm_vcpu_expect_sync(vcpu, HOST_MAGIC);
	okvm_vcpu_expect_sync(vcpu, HOST_MAGIC + 1);

	if (expect_unbacked_read(_metadata, vcpu, OLD_GPA, MMIO_VALUE)) {
		/* The guest got what the host answered, not stale memory. */
		okvm_vcpu_expect_sync(vcpu, MMIO_VALUE);
		okvm_vcpu_expect_done(vcpu);
	}
	okvm_vm_free(vm);
}

/* Moving back and forth: each time the guest sees the current layout. */
static void guest_read_each_round(u64 gpa_a, u64 gpa_b, u64 rounds)
{
	u64 i;

	for (i = 0; i < rounds; i++)
		GUEST_SYNC(READ_ONCE(*(u64 *)(i % 2 ? gpa_b : gpa_a)));
}

TEST(move_back_and_forth)
{
	const u64 rounds = 6;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *mem, i;

	vm = okvm_vm_create_long_mode(1, guest_read_each_round, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, OLD_GPA, SLOT_SIZE);
	okvm_guest_identity_map(vm, OLD_GPA, SLOT_SIZE);
	okvm_guest_identity_map(vm, NEW_GPA, SLOT_SIZE);
	okvm_vcpu_set_args(vcpu, 3, OLD_GPA, NEW_GPA, rounds);

	for (i = 0; i < rounds; i++) {
		mem[0] = HOST_MAGIC + i;
		okvm_vcpu_expect_sync(vcpu, HOST_MAGIC + i);
		okvm_vm_move_region(vm, SLOT, i % 2 ? OLD_GPA : NEW_GPA);
	}
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_read_twice(u64 gpa)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
}

TEST(delete_leaves_nothing_behind)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_twice, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, OLD_GPA, SLOT_SIZE);
	okvm_guest_identity_map(vm, OLD_GPA, SLOT_SIZE);
	mem[0] = HOST_MAGIC;
	okvm_vcpu_set_args(vcpu, 1, OLD_GPA);

	okvm_vcpu_expect_sync(vcpu, HOST_MAGIC);
	okvm_vm_delete_region(vm, SLOT);
	if (expect_unbacked_read(_metadata, vcpu, OLD_GPA, MMIO_VALUE)) {
		okvm_vcpu_expect_sync(vcpu, MMIO_VALUE);
		okvm_vcpu_expect_done(vcpu);
	}
	okvm_vm_free(vm);
}

/* A slot deleted and added again at the same place, with other memory. */
TEST(delete_then_add_shows_new_memory)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_twice, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, OLD_GPA, SLOT_SIZE);
	okvm_guest_identity_map(vm, OLD_GPA, SLOT_SIZE);
	mem[0] = HOST_MAGIC;
	okvm_vcpu_set_args(vcpu, 1, OLD_GPA);

	okvm_vcpu_expect_sync(vcpu, HOST_MAGIC);
	okvm_vm_delete_region(vm, SLOT);
	mem = okvm_vm_add_anon_region(vm, SLOT, OLD_GPA, SLOT_SIZE);
	mem[0] = ~HOST_MAGIC;
	okvm_vcpu_expect_sync(vcpu, ~HOST_MAGIC);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
