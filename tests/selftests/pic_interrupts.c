// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8259A PICs of KVM_CREATE_IRQCHIP interrupt guests through
 * the BSP's LINT0 (ExtINT from reset): an edge line that KVM_IRQ_LINE
 * raises while the vCPU halts wakes it with the vector the guest's ICW2
 * chose, and KVM_IRQ_LINE_STATUS sums what the PIC and the IOAPIC said; a
 * level line interrupts again after each EOI until the guest masks it;
 * KVM_GET/SET_IRQCHIP round-trip both chips.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MASTER_BASE	GUEST_PIC_MASTER_BASE
#define EDGE_LINE	3
#define LEVEL_LINE	5
#define LEVEL_IRQS	3

/* Guest globals the handlers update. */
u64 guest_edge_irqs;
u64 guest_level_irqs;

/* Count, then a non-specific EOI to the master. */
static __naked void guest_edge_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_edge_irqs(%rip)\n\t"
	    "mov $0x20, %al\n\t"
	    "out %al, $0x20\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

/* Count; at LEVEL_IRQS mask every master pin, or the high line never stops. */
static __naked void guest_level_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_level_irqs(%rip)\n\t"
	    "cmpq $" __stringify(LEVEL_IRQS) ", guest_level_irqs(%rip)\n\t"
	    "jb 1f\n\t"
	    "mov $0xff, %al\n\t"
	    "out %al, $0x21\n\t"
	    "1:\n\t"
	    "mov $0x20, %al\n\t"
	    "out %al, $0x20\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

static void guest_edge(void)
{
	guest_pic_init((u8)~BIT_ULL(EDGE_LINE));
	GUEST_SYNC(0);
	/* The host raises the line while this halts, from another thread. */
	while (READ_ONCE(guest_edge_irqs) < 1)
		guest_safe_halt();
	guest_cli();
	GUEST_SYNC(guest_edge_irqs);
	/* Raised again without going low: no edge, nothing more. */
	asm volatile("sti; nop; nop; nop; cli" : : : "memory");
	GUEST_SYNC(guest_edge_irqs);
}

struct raise_args {
	struct okvm_vm *vm;
	struct kvm_irq_level line;
	int status;
};

/* Raise the line once the vCPU has had time to halt. */
static void *raise_later(void *arg)
{
	struct raise_args *a = arg;
	struct timespec pause = { .tv_nsec = 50 * 1000 * 1000 };

	nanosleep(&pause, NULL);
	a->status = ioctl(a->vm->fd, KVM_IRQ_LINE_STATUS, &a->line) ? -1000 : a->line.status;
	return NULL;
}

TEST(edge_line_wakes_a_halted_vcpu_through_the_pic)
{
	struct raise_args args = { .line = { .irq = EDGE_LINE, .level = 1 } };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	pthread_t id;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_edge, &vcpu);
	okvm_guest_set_handler(vm, MASTER_BASE + EDGE_LINE, guest_edge_handler);
	okvm_vcpu_expect_sync(vcpu, 0);
	args.vm = vm;
	ASSERT_EQ(0, pthread_create(&id, NULL, raise_later, &args));
	okvm_vcpu_expect_sync(vcpu, 1);
	pthread_join(id, NULL);
	/* The PIC delivered (1); the IOAPIC's pin is masked (-1, not counted). */
	EXPECT_EQ(1, args.status);
	/* Still high: the PIC sees no edge (1); the IOAPIC's pin stays masked. */
	EXPECT_EQ(1, okvm_irq_line_status(vm, EDGE_LINE, 1));
	okvm_vcpu_expect_sync(vcpu, 1);
	/* Lowering answers 1 from each chip. */
	EXPECT_EQ(2, okvm_irq_line_status(vm, EDGE_LINE, 0));
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_edge_irqs);
	EXPECT_EQ(1, guest_edge_irqs);
	okvm_vm_free(vm);
}

static void guest_level(void)
{
	/* ELCR: the line is level-triggered. */
	guest_outb(0x4d0, BIT_ULL(LEVEL_LINE));
	guest_pic_init((u8)~BIT_ULL(LEVEL_LINE));
	GUEST_SYNC(0);
	while (READ_ONCE(guest_level_irqs) < LEVEL_IRQS)
		guest_safe_halt();
	guest_cli();
	GUEST_SYNC(guest_level_irqs);
	/* The line is low now: unmasked again, it asks for nothing. */
	guest_outb(0x21, (u8)~BIT_ULL(LEVEL_LINE));
	asm volatile("sti; nop; nop; nop; cli" : : : "memory");
	GUEST_ASSERT_EQ(READ_ONCE(guest_level_irqs), LEVEL_IRQS);
}

TEST(level_line_interrupts_until_masked)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_level, &vcpu);
	okvm_guest_set_handler(vm, MASTER_BASE + LEVEL_LINE, guest_level_handler);
	okvm_vcpu_expect_sync(vcpu, 0);
	EXPECT_EQ(1, okvm_irq_line_status(vm, LEVEL_LINE, 1));
	okvm_vcpu_expect_sync(vcpu, LEVEL_IRQS);
	/* The PIC's pin is masked now (-1); the IOAPIC answers 1. */
	EXPECT_EQ(1, okvm_irq_line_status(vm, LEVEL_LINE, 0));
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_level_irqs);
	EXPECT_EQ(LEVEL_IRQS, guest_level_irqs);
	okvm_vm_free(vm);
}

TEST(get_set_irqchip_round_trip_the_pics)
{
	struct kvm_irqchip *chip = calloc(1, sizeof(*chip));
	struct okvm_vm *vm = okvm_vm_create();

	ASSERT_NE(NULL, chip);
	chip->chip_id = KVM_IRQCHIP_PIC_MASTER;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(ENXIO, errno);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));

	/* After creation: nothing masked, the ELCR bits each chip has. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(0, chip->chip.pic.imr);
	EXPECT_EQ(0xf8, chip->chip.pic.elcr_mask);
	chip->chip_id = KVM_IRQCHIP_PIC_SLAVE;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(0xde, chip->chip.pic.elcr_mask);

	memset(&chip->chip, 0, sizeof(chip->chip));
	chip->chip.pic.irq_base = 0x70;
	chip->chip.pic.imr = 0x5a;
	chip->chip.pic.elcr = 0x10;
	chip->chip.pic.elcr_mask = 0xde;
	chip->chip.pic.auto_eoi = 1;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IRQCHIP, chip));
	memset(&chip->chip, 0xcc, sizeof(chip->chip));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(0x70, chip->chip.pic.irq_base);
	EXPECT_EQ(0x5a, chip->chip.pic.imr);
	EXPECT_EQ(0x10, chip->chip.pic.elcr);
	EXPECT_EQ(1, chip->chip.pic.auto_eoi);
	EXPECT_EQ(0, chip->chip.pic.isr);
	/* The master is untouched. */
	chip->chip_id = KVM_IRQCHIP_PIC_MASTER;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(0, chip->chip.pic.irq_base);

	chip->chip_id = 3;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(EINVAL, errno);
	free(chip);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
