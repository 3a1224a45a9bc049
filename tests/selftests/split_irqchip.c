// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_SPLIT_IRQCHIP: local APICs in the kernel, the IOAPIC and the PIC
 * in the VMM. It is taken once, before any vCPU, instead of
 * KVM_CREATE_IRQCHIP; the in-kernel chips' ioctls answer ENXIO and GSI
 * routes may only be messages. The EOI of a level-triggered message routed
 * from one of the VMM IOAPIC's GSIs exits with KVM_EXIT_IOAPIC_EOI, others
 * do not; the VMM's PIC interrupts through KVM_INTERRUPT (ExtINT through
 * the BSP's LINT0), one vector at a time, after an interrupt-window exit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define RESERVED_GSI	5	/* below the 24 pins of the VMM's IOAPIC */
#define OTHER_GSI	30
#define LEVEL_VECTOR	0x55
#define OTHER_VECTOR	0x56
#define EXTINT_VECTOR	0x40
#define MSI_LEVEL	BIT_ULL(15)
#define MSI_ASSERT	BIT_ULL(14)

u64 guest_irqs;

/* Count, then EOI through the xAPIC page. */
static __naked void guest_apic_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_irqs(%rip)\n\t"
	    "mov $0xfee000b0, %eax\n\t"
	    "movl $0, (%rax)\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

/* An ExtINT is the PIC's to end: no APIC EOI. */
static __naked void guest_extint_handler(void)
{
	asm("incq guest_irqs(%rip)\n\t"
	    "iretq");
}

static int enable_split(int vm_fd, u64 pins)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { pins } };

	return ioctl(vm_fd, KVM_ENABLE_CAP, &cap) ? errno : 0;
}

TEST(split_irqchip_once_before_vcpus_and_alone)
{
	struct kvm_irqchip *chip = calloc(1, sizeof(*chip));
	struct okvm_routing *r = calloc(1, sizeof(*r));
	struct okvm_vm *vm = okvm_vm_create();

	ASSERT_NE(NULL, chip);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP));
	EXPECT_EQ(EINVAL, enable_split(vm->fd, 4097));
	EXPECT_EQ(0, enable_split(vm->fd, 24));
	EXPECT_EQ(EEXIST, enable_split(vm->fd, 24));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EEXIST, errno);
	chip->chip_id = KVM_IRQCHIP_IOAPIC;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(ENXIO, errno);
	/* No route yet: a GSI reaches nothing. */
	EXPECT_EQ(-1, okvm_irq_line_status(vm, RESERVED_GSI, 1));

	r->entries[0] = okvm_irqchip_route(3, KVM_IRQCHIP_IOAPIC, 3);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_msi_route(3, 0, 0x30);
	EXPECT_EQ(0, okvm_set_gsi_routing(vm, r, 1));
	okvm_vm_free(vm);

	/* After a vCPU: too late (EEXIST, as KVM answers). */
	vm = okvm_vm_create();
	okvm_vcpu_create(vm, 0);
	EXPECT_EQ(EEXIST, enable_split(vm->fd, 24));
	okvm_vm_free(vm);
	free(r);
	free(chip);
}

static void guest_level_msis(void)
{
	guest_xapic_write(APIC_REG_SVR, APIC_SVR_ENABLE | 0xff);
	GUEST_SYNC(0);
	guest_spin_until(&guest_irqs, 1);
	GUEST_SYNC(1);
	guest_spin_until(&guest_irqs, 2);
}

TEST(eoi_of_a_reserved_level_route_exits_to_the_vmm)
{
	struct okvm_routing *r = calloc(1, sizeof(*r));
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	ASSERT_NE(NULL, r);
	vm = okvm_vm_create_long_mode_split_irqchip(1, guest_level_msis, &vcpu);
	okvm_guest_set_handler(vm, LEVEL_VECTOR, guest_apic_handler);
	okvm_guest_set_handler(vm, OTHER_VECTOR, guest_apic_handler);
	r->entries[0] = okvm_msi_route(RESERVED_GSI, 0, MSI_LEVEL | MSI_ASSERT | LEVEL_VECTOR);
	r->entries[1] = okvm_msi_route(OTHER_GSI, 0, MSI_LEVEL | MSI_ASSERT | OTHER_VECTOR);
	ASSERT_EQ(0, okvm_set_gsi_routing(vm, r, 2));
	okvm_vcpu_expect_sync(vcpu, 0);

	EXPECT_EQ(1, okvm_irq_line_status(vm, RESERVED_GSI, 1));
	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu));
	ASSERT_EQ(KVM_EXIT_IOAPIC_EOI, vcpu->run->exit_reason)
		TH_LOG("exit %s", okvm_exit_reason_name(vcpu->run->exit_reason));
	EXPECT_EQ(LEVEL_VECTOR, vcpu->run->eoi.vector);
	okvm_vcpu_expect_sync(vcpu, 1);

	/* GSI 30 is not the VMM IOAPIC's: its EOI stays in the kernel. */
	EXPECT_EQ(1, okvm_irq_line_status(vm, OTHER_GSI, 1));
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(2, guest_irqs);
	free(r);
	okvm_vm_free(vm);
}

static void guest_extint(void)
{
	GUEST_SYNC(0);
	/* The window opens after STI's shadow; the ExtINT comes in then. */
	asm volatile("sti; nop; nop; cli" : : : "memory");
	GUEST_SYNC(READ_ONCE(guest_irqs));
}

TEST(kvm_interrupt_is_the_vmm_pics_extint)
{
	struct kvm_interrupt irq = { .irq = EXTINT_VECTOR };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_split_irqchip(1, guest_extint, &vcpu);
	okvm_guest_set_handler(vm, EXTINT_VECTOR, guest_extint_handler);
	okvm_vcpu_expect_sync(vcpu, 0);
	EXPECT_EQ(0, vcpu->run->ready_for_interrupt_injection);

	okvm_vcpu_run_to_irq_window(vcpu);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	/* One at a time: the first has not gone in yet. */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EEXIST, errno);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
