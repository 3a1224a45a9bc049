// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: a guest write that matches an ioeventfd (its address, its
 * length or any length for 0, its value with a datamatch) signals the
 * eventfd and does not exit; a write of another length or value, and any
 * write once the ioeventfd is deassigned, exits as before, and signals
 * nothing. An OUTS element matches as an OUT does. The rules: lengths 0,
 * 1, 2, 4 and 8, no wrap, no datamatch without a length, known flags, an
 * eventfd (EINVAL, EBADF), no two entries a write could match (EEXIST,
 * even across lengths when one is 0; a port and an address are apart),
 * and a deassign names its entry whole (ENOENT otherwise).
 *
 * Plain KVM ABI: the same on kvm_amd.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/mmio.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MMIO_GPA	0x40000000ULL
#define PORT		0x510
#define MATCH		0x1234
#define OTHER		0x4321

static void guest_store32(u64 gpa, u32 value)
{
	asm volatile("movl %0, (%1)" : : "r"(value), "r"(gpa) : "memory");
}

static void guest_store16(u64 gpa, u16 value)
{
	asm volatile("movw %0, (%1)" : : "r"(value), "r"(gpa) : "memory");
}

static void guest_store8(u64 gpa, u8 value)
{
	asm volatile("movb %0, (%1)" : : "q"(value), "r"(gpa) : "memory");
}

static void guest_out16(u16 port, u16 value)
{
	asm volatile("outw %0, %1" : : "a"(value), "d"(port));
}

static u16 guest_outs_buffer[2] = { MATCH, MATCH };

static void guest_writes(void)
{
	const u16 *rsi = guest_outs_buffer;
	u64 rcx = 2;

	guest_store32(MMIO_GPA, 1);		/* matches: no exit */
	guest_store16(MMIO_GPA, 2);		/* another length: exits */
	guest_out16(PORT, MATCH);		/* matches */
	guest_out16(PORT, OTHER);		/* another value: exits */
	/* rep outsw: two elements, each a match. */
	asm volatile("rep outsw" : "+S"(rsi), "+c"(rcx) : "d"(PORT) : "memory");
	GUEST_SYNC(1);
	guest_store32(MMIO_GPA, 3);		/* deassigned: exits */
	GUEST_SYNC(2);
	guest_store8(MMIO_GPA, 4);		/* length 0: any write matches */
	GUEST_SYNC(3);
}

static int ioeventfd(struct okvm_vm *vm, int fd, u64 addr, u32 len, u32 flags, u64 datamatch)
{
	struct kvm_ioeventfd args = {
		.fd = fd, .addr = addr, .len = len, .flags = flags, .datamatch = datamatch,
	};

	return ioctl(vm->fd, KVM_IOEVENTFD, &args);
}

/* The eventfd's count, 0 if it was not signalled; it is cleared. */
static u64 signals(int efd)
{
	eventfd_t count = 0;

	return eventfd_read(efd, &count) ? 0 : count;
}

TEST(matching_writes_signal_instead_of_exiting)
{
	struct okvm_mmio_access other_len = MMIO_WRITE(MMIO_GPA, 2, 2);
	struct okvm_mmio_access after = MMIO_WRITE(MMIO_GPA, 4, 3);
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	struct kvm_run *run;
	int mmio_fd, pio_fd;

	vm = okvm_vm_create_long_mode(1, guest_writes, &vcpu);
	okvm_guest_identity_map(vm, MMIO_GPA, 0x200000);
	run = vcpu->run;
	mmio_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pio_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, mmio_fd);
	ASSERT_LE(0, pio_fd);
	ASSERT_EQ(0, ioeventfd(vm, mmio_fd, MMIO_GPA, 4, 0, 0));
	ASSERT_EQ(0, ioeventfd(vm, pio_fd, PORT, 2,
			       KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH, MATCH));

	okvm_vcpu_expect_mmio(vcpu, &other_len);
	EXPECT_EQ(1, signals(mmio_fd));
	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason)
		TH_LOG("exit %s", okvm_exit_reason_name(run->exit_reason));
	EXPECT_EQ(PORT, run->io.port);
	EXPECT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	EXPECT_EQ(OTHER, *(u16 *)((char *)run + run->io.data_offset));
	EXPECT_EQ(1, signals(pio_fd));
	okvm_vcpu_expect_sync(vcpu, 1);
	EXPECT_EQ(2, signals(pio_fd));

	ASSERT_EQ(0, ioeventfd(vm, mmio_fd, MMIO_GPA, 4, KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	okvm_vcpu_expect_mmio(vcpu, &after);
	okvm_vcpu_expect_sync(vcpu, 2);
	EXPECT_EQ(0, signals(mmio_fd));

	ASSERT_EQ(0, ioeventfd(vm, mmio_fd, MMIO_GPA, 0, 0, 0));
	okvm_vcpu_expect_sync(vcpu, 3);
	EXPECT_EQ(1, signals(mmio_fd));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
	close(mmio_fd);
	close(pio_fd);
}

TEST(rules)
{
	struct okvm_vm *vm;
	int efd, other, pipefd[2];

	vm = okvm_vm_create();
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD_ANY_LENGTH));
	efd = eventfd(0, EFD_CLOEXEC);
	other = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, pipe(pipefd));

	EXPECT_EQ(-1, ioeventfd(vm, efd, MMIO_GPA, 3, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, efd, ~0ULL - 1, 4, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, efd, MMIO_GPA, 0, KVM_IOEVENTFD_FLAG_DATAMATCH, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, efd, MMIO_GPA, 4, 1 << 5, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(vm, pipefd[0], MMIO_GPA, 4, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	close(pipefd[0]);
	close(pipefd[1]);
	EXPECT_EQ(-1, ioeventfd(vm, pipefd[0], MMIO_GPA, 4, 0, 0));
	EXPECT_EQ(EBADF, errno);

	ASSERT_EQ(0, ioeventfd(vm, efd, MMIO_GPA, 4, KVM_IOEVENTFD_FLAG_DATAMATCH, 7));
	/* Another value at the same place is another entry; the same one is not. */
	EXPECT_EQ(0, ioeventfd(vm, other, MMIO_GPA, 4, KVM_IOEVENTFD_FLAG_DATAMATCH, 8));
	EXPECT_EQ(-1, ioeventfd(vm, other, MMIO_GPA, 4, KVM_IOEVENTFD_FLAG_DATAMATCH, 7));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(vm, other, MMIO_GPA, 4, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(vm, other, MMIO_GPA, 0, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	/* Another length does not collide; a port is not an address. */
	EXPECT_EQ(0, ioeventfd(vm, other, MMIO_GPA, 2, 0, 0));
	EXPECT_EQ(0, ioeventfd(vm, other, MMIO_GPA, 4, KVM_IOEVENTFD_FLAG_PIO, 0));

	/* A deassign must name the entry whole. */
	EXPECT_EQ(-1, ioeventfd(vm, efd, MMIO_GPA, 4, KVM_IOEVENTFD_FLAG_DEASSIGN, 7));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioeventfd(vm, efd, MMIO_GPA, 2,
				KVM_IOEVENTFD_FLAG_DEASSIGN | KVM_IOEVENTFD_FLAG_DATAMATCH, 7));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, ioeventfd(vm, efd, MMIO_GPA, 4,
			       KVM_IOEVENTFD_FLAG_DEASSIGN | KVM_IOEVENTFD_FLAG_DATAMATCH, 7));
	EXPECT_EQ(-1, ioeventfd(vm, efd, MMIO_GPA, 4,
				KVM_IOEVENTFD_FLAG_DEASSIGN | KVM_IOEVENTFD_FLAG_DATAMATCH, 7));
	EXPECT_EQ(ENOENT, errno);
	/* The VM goes with entries left: they go too. */
	okvm_vm_free(vm);
	close(efd);
	close(other);
}

TEST_HARNESS_MAIN
