// SPDX-License-Identifier: GPL-2.0
/*
 * Without an in-kernel irqchip the VMM injects interrupts: with
 * request_interrupt_window set, KVM_RUN exits with KVM_EXIT_IRQ_WINDOW_OPEN
 * as soon as the guest can take one (ready_for_interrupt_injection and
 * if_flag set), and the vector of KVM_INTERRUPT then reaches the guest's
 * handler once.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define VMM_VECTOR	0x40

u64 guest_irqs;

static __naked void guest_irq_handler(void)
{
	asm("incq guest_irqs(%rip)\n\t"
	    "iretq");
}

static void guest_code(void)
{
	GUEST_SYNC(0);
	/* The window opens after STI's shadow, before the CLI. */
	asm volatile("sti; nop; nop; cli" : : : "memory");
	GUEST_SYNC(READ_ONCE(guest_irqs));
}

TEST(interrupt_window_exit_then_injection)
{
	struct kvm_interrupt irq = { .irq = VMM_VECTOR };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_code, &vcpu);
	okvm_guest_set_handler(vm, VMM_VECTOR, guest_irq_handler);
	okvm_vcpu_expect_sync(vcpu, 0);
	/* Interrupts are off: nothing may be injected yet. */
	EXPECT_EQ(0, vcpu->run->if_flag);
	EXPECT_EQ(0, vcpu->run->ready_for_interrupt_injection);

	okvm_vcpu_run_to_irq_window(vcpu);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vm_free(vm);
}

TEST(kvm_interrupt_refuses_bad_vectors_and_in_kernel_irqchip)
{
	struct kvm_interrupt irq = { .irq = 256 };
	struct okvm_vm *vm = okvm_vm_create();
	struct okvm_vcpu *vcpu = okvm_vcpu_create(vm, 0);

	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EINVAL, errno);
	okvm_vm_free(vm);

	vm = okvm_vm_create();
	okvm_vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	vcpu = okvm_vcpu_create(vm, 0);
	irq.irq = VMM_VECTOR;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(ENXIO, errno);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
