// SPDX-License-Identifier: GPL-2.0
/*
 * Read-only guest memory, two ways.
 *
 * A KVM_MEM_READONLY slot (where KVM_CAP_READONLY_MEM says it exists) reads
 * like RAM, and a guest write to it exits with KVM_EXIT_MMIO, carrying the
 * write, and leaves the memory as it was: the slot is a ROM and the VMM
 * decides what a write means. The next KVM_RUN completes the write and the
 * guest goes on.
 *
 * A normal slot over a host mapping without PROT_WRITE reads like RAM too,
 * but a guest write there is an error of the VMM's making: KVM_RUN fails
 * with EFAULT, as it does on kvm_amd.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/mmio.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define SLOT		1
#define SLOT_GPA	0x10000000ULL
#define SLOT_SIZE	PAGE_SIZE_2M
#define LAST_PAGE	(SLOT_SIZE - PAGE_SIZE_4K)

static bool readonly_mem_offered(void)
{
	int dev_fd = okvm_dev_open(O_RDWR);
	int r;

	OKVM_REQUIRE(dev_fd >= 0, "open %s: %s", okvm_dev_path(), strerror(errno));
	r = ioctl(dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM);
	close(dev_fd);
	return r > 0;
}

/* Add slot SLOT at SLOT_GPA over @hva with @flags, and map it in the guest. */
static void add_slot(struct okvm_vm *vm, u32 flags, void *hva)
{
	OKVM_REQUIRE(okvm_vm_set_region_raw(vm, SLOT, flags, SLOT_GPA, SLOT_SIZE, hva) == 0,
		     "KVM_SET_USER_MEMORY_REGION flags 0x%x: %s", flags, strerror(errno));
	okvm_guest_identity_map(vm, SLOT_GPA, SLOT_SIZE);
}

static void *map_anon(void)
{
	void *hva = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	OKVM_REQUIRE(hva != MAP_FAILED, "mmap: %s", strerror(errno));
	return hva;
}

static void guest_read_first_and_last_page(u64 gpa)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
	GUEST_SYNC(READ_ONCE(*(u64 *)(gpa + LAST_PAGE)));
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
}

TEST(guest_reads_readonly_slot)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *mem;

	if (!readonly_mem_offered())
		SKIP(return, "KVM_CAP_READONLY_MEM is 0");
	vm = okvm_vm_create_long_mode(1, guest_read_first_and_last_page, &vcpu);
	mem = map_anon();
	mem[0] = 0x1111222233334444ULL;
	mem[LAST_PAGE / 8] = 0x5555666677778888ULL;
	add_slot(vm, KVM_MEM_READONLY, mem);
	okvm_vcpu_set_args(vcpu, 1, SLOT_GPA);

	okvm_vcpu_expect_sync(vcpu, 0x1111222233334444ULL);
	okvm_vcpu_expect_sync(vcpu, 0x5555666677778888ULL);
	/* The host's own writes still reach the guest. */
	mem[0] = 0x9999aaaabbbbccccULL;
	okvm_vcpu_expect_sync(vcpu, 0x9999aaaabbbbccccULL);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

/* Read, write each size, read again: the reads must see the old data. */
static void guest_write_readonly_slot(u64 gpa)
{
	u64 before = READ_ONCE(*(u64 *)gpa);

	asm volatile("movb $0x5a, (%%rbx)\n\t"			/* c6 03 5a */
		     "mov %%ax, 2(%%rbx)\n\t"			/* 66 89 43 02 */
		     "movl $0xdeadbeef, 0x1004(%%rbx)\n\t"	/* c7 83 04 10 00 00 ef be ad de */
		     "mov %%rax, 8(%%rbx)"			/* 48 89 43 08 */
		     : : "a"(0xfedcba9876543210ULL), "b"(gpa) : "memory");
	GUEST_ASSERT_EQ(READ_ONCE(*(u64 *)gpa), before);
	GUEST_SYNC(READ_ONCE(*(u64 *)(gpa + 8)));
	GUEST_SYNC(READ_ONCE(*(u32 *)(gpa + 0x1004)));
}

TEST(guest_write_exits_as_mmio_and_memory_stays)
{
	static const struct okvm_mmio_access writes[] = {
		MMIO_WRITE(SLOT_GPA + 0, 1, 0x5a),
		MMIO_WRITE(SLOT_GPA + 2, 2, 0x3210),
		MMIO_WRITE(SLOT_GPA + 0x1004, 4, 0xdeadbeef),
		MMIO_WRITE(SLOT_GPA + 8, 8, 0xfedcba9876543210ULL),
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *mem;

	if (!readonly_mem_offered())
		SKIP(return, "KVM_CAP_READONLY_MEM is 0");
	vm = okvm_vm_create_long_mode(1, guest_write_readonly_slot, &vcpu);
	mem = map_anon();
	mem[0] = 0x0706050403020100ULL;
	mem[1] = 0x0f0e0d0c0b0a0908ULL;
	mem[0x1000 / 8] = 0x1716151413121110ULL;
	add_slot(vm, KVM_MEM_READONLY, mem);
	okvm_vcpu_set_args(vcpu, 1, SLOT_GPA);

	okvm_vcpu_expect_mmio_list(vcpu, writes, ARRAY_SIZE(writes));
	okvm_vcpu_expect_sync(vcpu, 0x0f0e0d0c0b0a0908ULL);
	okvm_vcpu_expect_sync(vcpu, 0x17161514);
	okvm_vcpu_expect_done(vcpu);
	EXPECT_EQ(0x0706050403020100ULL, mem[0]);
	EXPECT_EQ(0x0f0e0d0c0b0a0908ULL, mem[1]);
	EXPECT_EQ(0x1716151413121110ULL, mem[0x1000 / 8]);
	okvm_vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

static void guest_read_then_write(u64 gpa)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
	asm volatile("mov %%rax, (%%rbx)"			/* 48 89 03 */
		     : : "a"(0x1234ULL), "b"(gpa) : "memory");
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
}

/* A memfd filled through one mapping, given to the slot as another. */
static void *map_memfd_read_only(u64 first_value)
{
	int memfd = memfd_create("okvm-rom", MFD_CLOEXEC);
	void *hva;

	OKVM_REQUIRE(memfd >= 0, "memfd_create: %s", strerror(errno));
	OKVM_REQUIRE(ftruncate(memfd, SLOT_SIZE) == 0, "ftruncate: %s", strerror(errno));
	OKVM_REQUIRE(pwrite(memfd, &first_value, sizeof(first_value), 0) ==
		     sizeof(first_value), "pwrite: %s", strerror(errno));
	hva = mmap(NULL, SLOT_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	OKVM_REQUIRE(hva != MAP_FAILED, "mmap: %s", strerror(errno));
	close(memfd);
	return hva;
}

/* A ROM image as a VMM maps it: a file mapped PROT_READ, in a read-only slot. */
TEST(readonly_slot_over_read_only_mapping)
{
	static const struct okvm_mmio_access write = MMIO_WRITE(SLOT_GPA, 8, 0x1234);
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *rom;

	if (!readonly_mem_offered())
		SKIP(return, "KVM_CAP_READONLY_MEM is 0");
	vm = okvm_vm_create_long_mode(1, guest_read_then_write, &vcpu);
	rom = map_memfd_read_only(0xc0dec0dec0dec0deULL);
	add_slot(vm, KVM_MEM_READONLY, rom);
	okvm_vcpu_set_args(vcpu, 1, SLOT_GPA);

	okvm_vcpu_expect_sync(vcpu, 0xc0dec0dec0dec0deULL);
	okvm_vcpu_expect_mmio(vcpu, &write);
	okvm_vcpu_expect_sync(vcpu, 0xc0dec0dec0dec0deULL);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
	munmap(rom, SLOT_SIZE);
}

/*
 * A normal slot whose host memory cannot be written: kvm_amd answers the
 * guest's write with KVM_RUN failing with EFAULT (its exit reason then says
 * nothing; it is logged).
 */
TEST(write_to_slot_over_read_only_mapping_is_efault)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int r, run_errno;
	u64 *mem;

	vm = okvm_vm_create_long_mode(1, guest_read_then_write, &vcpu);
	mem = map_memfd_read_only(0xfacefacefacefaceULL);
	add_slot(vm, 0, mem);
	okvm_vcpu_set_args(vcpu, 1, SLOT_GPA);

	okvm_vcpu_expect_sync(vcpu, 0xfacefacefacefaceULL);
	r = okvm_vcpu_run_raw(vcpu);
	run_errno = r ? errno : 0;
	TH_LOG("guest write: KVM_RUN %d (%s), exit reason %u (%s)", r,
	       strerror(run_errno), vcpu->run->exit_reason,
	       okvm_exit_reason_name(vcpu->run->exit_reason));
	ASSERT_EQ(-1, r);
	EXPECT_EQ(EFAULT, run_errno);
	EXPECT_EQ(0xfacefacefacefaceULL, mem[0]);
	okvm_vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

TEST_HARNESS_MAIN
