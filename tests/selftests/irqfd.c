// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD: a write to an assigned eventfd sends an edge on its GSI (here
 * through KVM's default route to the PIC's pin 3): one interrupt per write
 * the guest has taken, none once the irqfd is deassigned, and a write that
 * came before the assign counts. The rules: an in-kernel irqchip first
 * (EINVAL), known flags only (EINVAL), an fd that is an eventfd (EBADF for
 * a closed one, EINVAL for a pipe), one irqfd per eventfd (EBUSY), a
 * deassign of nothing is 0. An eventfd closed while assigned, or a VM
 * closed with irqfds assigned, takes them away (KASAN and lockdep watch).
 *
 * Plain KVM ABI: the same on kvm_amd, but for KVM_IRQFD_FLAG_RESAMPLE,
 * which okvm refuses (KVM_CAP_IRQFD_RESAMPLE is 0).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MASTER_BASE	GUEST_PIC_MASTER_BASE
#define LINE		3

u64 guest_irqs;

static __naked void guest_irq_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_irqs(%rip)\n\t"
	    "mov $0x20, %al\n\t"
	    "out %al, $0x20\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

/* Report each interrupt; at the host's word, spin a while and report again. */
static void guest_counts(void)
{
	unsigned long i;

	guest_pic_init((u8)~BIT_ULL(LINE));
	GUEST_SYNC(0);
	guest_spin_until(&guest_irqs, 1);
	GUEST_SYNC(guest_irqs);
	guest_spin_until(&guest_irqs, 2);
	GUEST_SYNC(guest_irqs);
	/* Deassigned: a write sends nothing, however long the guest waits. */
	for (i = 0; i < 2000000; i++)
		asm volatile("sti; nop; cli" : : : "memory");
	GUEST_SYNC(guest_irqs);
}

static int irqfd(struct okvm_vm *vm, int fd, u32 gsi, u32 flags)
{
	struct kvm_irqfd args = { .fd = fd, .gsi = gsi, .flags = flags };

	return ioctl(vm->fd, KVM_IRQFD, &args);
}

static void signal_eventfd(struct __test_metadata *_metadata, int efd)
{
	ASSERT_EQ(0, eventfd_write(efd, 1));
}

TEST(each_write_interrupts_once)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int efd;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_counts, &vcpu);
	okvm_guest_set_handler(vm, MASTER_BASE + LINE, guest_irq_handler);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	okvm_vcpu_expect_sync(vcpu, 0);
	/* Written before the assign: the assign finds it and sends it. */
	signal_eventfd(_metadata, efd);
	ASSERT_EQ(0, irqfd(vm, efd, LINE, 0));
	okvm_vcpu_expect_sync(vcpu, 1);
	signal_eventfd(_metadata, efd);
	okvm_vcpu_expect_sync(vcpu, 2);
	ASSERT_EQ(0, irqfd(vm, efd, LINE, KVM_IRQFD_FLAG_DEASSIGN));
	signal_eventfd(_metadata, efd);
	okvm_vcpu_expect_sync(vcpu, 2);
	okvm_vcpu_expect_done(vcpu);
	close(efd);
	okvm_vm_free(vm);
}

TEST(rules)
{
	struct okvm_vm *vm;
	int efd, pipefd[2];

	vm = okvm_vm_create();
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, pipe(pipefd));
	EXPECT_EQ(-1, irqfd(vm, efd, LINE, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(-1, irqfd(vm, efd, LINE, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irqfd(vm, pipefd[0], LINE, 0));
	EXPECT_EQ(EINVAL, errno);
	close(pipefd[0]);
	EXPECT_EQ(-1, irqfd(vm, pipefd[0], LINE, 0));
	EXPECT_EQ(EBADF, errno);
	close(pipefd[1]);
	/* Nothing assigned yet: deassign is a no-op. */
	EXPECT_EQ(0, irqfd(vm, efd, LINE, KVM_IRQFD_FLAG_DEASSIGN));
	ASSERT_EQ(0, irqfd(vm, efd, LINE, 0));
	EXPECT_EQ(-1, irqfd(vm, efd, LINE + 1, 0));
	EXPECT_EQ(EBUSY, errno);
	/* Another GSI's deassign leaves it; its own frees the eventfd for another. */
	EXPECT_EQ(0, irqfd(vm, efd, LINE + 1, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(-1, irqfd(vm, efd, LINE, 0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, irqfd(vm, efd, LINE, KVM_IRQFD_FLAG_DEASSIGN));
	EXPECT_EQ(0, irqfd(vm, efd, LINE + 1, 0));
	if (okvm_dev_is_okvm(vm->dev_fd)) {
		EXPECT_EQ(0, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE));
		EXPECT_EQ(-1, irqfd(vm, efd, LINE, KVM_IRQFD_FLAG_RESAMPLE));
		EXPECT_EQ(EINVAL, errno);
	}
	close(efd);
	okvm_vm_free(vm);
}

/*
 * The eventfd's last close, and the VM's, each while assigned: the VM goes
 * for good (the module's references are back where they were), and the
 * eventfd lives on without it.
 */
TEST(closes_while_assigned)
{
	long refs_before = okvm_dev_module_refs();
	struct okvm_vm *vm;
	int efd, i, ms;

	ASSERT_LE(0, refs_before);
	vm = okvm_vm_create();
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	for (i = 0; i < 16; i++) {
		efd = eventfd(0, EFD_CLOEXEC);
		ASSERT_LE(0, efd);
		ASSERT_EQ(0, irqfd(vm, efd, i, 0));
		signal_eventfd(_metadata, efd);
		close(efd);
	}
	/* The number is reused by a new eventfd, which assigns afresh. */
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(0, irqfd(vm, efd, 0, 0));
	EXPECT_LT(refs_before, okvm_dev_module_refs());
	okvm_vm_free(vm);
	/* KVM drops its module reference a moment after the VM's last file. */
	for (ms = 0; ms < 2000 && okvm_dev_module_refs() != refs_before; ms += 10)
		usleep(10000);
	EXPECT_EQ(refs_before, okvm_dev_module_refs());
	/* The VM is gone: the eventfd still works and interrupts nothing. */
	signal_eventfd(_metadata, efd);
	close(efd);
}

TEST_HARNESS_MAIN
