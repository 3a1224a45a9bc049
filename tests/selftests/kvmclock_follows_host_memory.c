// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock, written by the hypervisor through its gfn-to-pfn cache, follows
 * the host's memory: the guest enables its clock, then the host drops the
 * page behind the record (MADV_DONTNEED), replaces it (mmap MAP_FIXED over
 * a memfd that stays mapped elsewhere), or moves the memslot away and puts
 * another one at the record's gpa. After each, KVM_SET_CLOCK asks for a
 * new record, and it must land in the page the guest sees now: the guest
 * reads a clock within the KVM_GET_CLOCK values around its run, and the
 * old page, still visible to the test, is never written again.
 *
 * Plain KVM ABI: the same on kvm_amd. The record across a page boundary
 * works on okvm only (KVM refuses to cache it and writes no record), so
 * that test skips elsewhere.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/pvclock.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define PAGE		0x1000ULL
#define SLOT		1
#define GPA		0x10000000ULL
#define SIZE		(2 * PAGE)
#define OTHER_SLOT	2
#define OTHER_GPA	0x20000000ULL
#define REC_OFFSET	0x100ULL

/* Enable the clock at @gpa, then report it, forever. */
static void guest_report_clock(u64 gpa)
{
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, gpa | KVM_MSR_ENABLED);
	for (;;)
		GUEST_SYNC(pvclock_read((struct pvclock_record *)gpa));
}

static struct kvm_clock_data get_clock(struct okvm_vm *vm)
{
	struct kvm_clock_data data = {};

	OKVM_REQUIRE(!ioctl(vm->fd, KVM_GET_CLOCK, &data), "KVM_GET_CLOCK");
	return data;
}

/* The clock where it is: only a request for a new record in every vCPU. */
static void ask_for_new_records(struct okvm_vm *vm)
{
	struct kvm_clock_data data = { .clock = get_clock(vm).clock };

	OKVM_REQUIRE(!ioctl(vm->fd, KVM_SET_CLOCK, &data), "KVM_SET_CLOCK");
}

/* One report of the guest's clock, which must lie between the VM's clock before and after. */
static void expect_clock(struct __test_metadata *_metadata, struct okvm_vm *vm,
			 struct okvm_vcpu *vcpu)
{
	u64 before = get_clock(vm).clock, seen, after;

	seen = okvm_vcpu_next_sync(vcpu);
	after = get_clock(vm).clock;
	EXPECT_NE(0, seen) TH_LOG("the guest found no record");
	EXPECT_LE(before, seen);
	EXPECT_LE(seen, after);
}

/* The record as the host sees it at @rec: written, and not being written. */
static void expect_record(struct __test_metadata *_metadata, const void *rec)
{
	const struct pvclock_record *r = rec;

	EXPECT_NE(0, r->version);
	EXPECT_EQ(0, r->version & 1);
	EXPECT_NE(0, r->tsc_to_system_mul);
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return false;
	return true;
}

static struct okvm_vm *start(struct okvm_vcpu **vcpu, u64 rec_gpa)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_report_clock, vcpu);

	okvm_vcpu_set_args(*vcpu, 1, rec_gpa);
	return vm;
}

TEST(a_dropped_page_gets_the_next_record)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;

	vm = start(&vcpu, GPA + REC_OFFSET);
	mem = okvm_vm_add_anon_region(vm, SLOT, GPA, SIZE);
	okvm_guest_identity_map(vm, GPA, SIZE);
	expect_clock(_metadata, vm, vcpu);
	expect_record(_metadata, mem + REC_OFFSET);

	ASSERT_EQ(0, madvise(mem, PAGE, MADV_DONTNEED));
	ASSERT_TRUE(all_zero(mem, PAGE));
	ask_for_new_records(vm);
	expect_clock(_metadata, vm, vcpu);
	expect_record(_metadata, mem + REC_OFFSET);
	okvm_vm_free(vm);
}

TEST(a_replaced_page_gets_the_next_record_and_the_old_one_none)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem, *old;
	int memfd;

	vm = start(&vcpu, GPA + REC_OFFSET);
	mem = okvm_vm_add_memfd_region(vm, SLOT, GPA, SIZE, &memfd);
	okvm_guest_identity_map(vm, GPA, SIZE);
	/* The same pages, seen at a second address that the test keeps. */
	old = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, old);
	expect_clock(_metadata, vm, vcpu);
	expect_record(_metadata, old + REC_OFFSET);

	/* A fresh anonymous page where the record's page was. */
	ASSERT_EQ(mem, mmap(mem, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	memset(old, 0, PAGE);
	ask_for_new_records(vm);
	expect_clock(_metadata, vm, vcpu);
	expect_record(_metadata, mem + REC_OFFSET);
	EXPECT_TRUE(all_zero(old, PAGE)) TH_LOG("a record went into the replaced page");
	munmap(old, SIZE);
	okvm_vm_free(vm);
}

TEST(a_moved_memslot_leaves_the_record_to_the_new_one)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem, *other;

	vm = start(&vcpu, GPA + REC_OFFSET);
	mem = okvm_vm_add_anon_region(vm, SLOT, GPA, SIZE);
	okvm_guest_identity_map(vm, GPA, SIZE);
	expect_clock(_metadata, vm, vcpu);
	expect_record(_metadata, mem + REC_OFFSET);

	okvm_vm_move_region(vm, SLOT, OTHER_GPA);
	other = okvm_vm_add_anon_region(vm, OTHER_SLOT, GPA, SIZE);
	memset(mem, 0, PAGE);
	ask_for_new_records(vm);
	expect_clock(_metadata, vm, vcpu);
	expect_record(_metadata, other + REC_OFFSET);
	EXPECT_TRUE(all_zero(mem, PAGE)) TH_LOG("a record went into the moved slot");
	okvm_vm_free(vm);
}

/*
 * A record that starts 16 bytes before a page boundary: okvm maps both
 * pages in one cache; KVM refuses such an area and writes no record.
 */
TEST(a_record_across_a_page_boundary_is_read_whole)
{
	u64 rec = GPA + PAGE - 16;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;

	vm = start(&vcpu, rec);
	if (!okvm_dev_is_okvm(vm->dev_fd)) {
		okvm_vm_free(vm);
		SKIP(return, "KVM does not cache an area across a page boundary");
	}
	mem = okvm_vm_add_anon_region(vm, SLOT, GPA, SIZE);
	okvm_guest_identity_map(vm, GPA, SIZE);
	expect_clock(_metadata, vm, vcpu);
	expect_record(_metadata, mem + PAGE - 16);
	/* The second half, in the second page: the scale is there. */
	EXPECT_NE(0, *(u32 *)(mem + PAGE + 8));
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
