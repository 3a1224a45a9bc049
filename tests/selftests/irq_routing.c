// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_GSI_ROUTING: a table is refused for what KVM refuses (no
 * in-kernel irqchip, bad flags, sizes, GSIs, chips, pins and types, two
 * routes of one GSI KVM does not allow); an MSI route sends its message
 * when KVM_IRQ_LINE raises the GSI; a new table replaces the default whole,
 * so a GSI it lacks reports -1 and one it routes to an IOAPIC pin
 * interrupts through that pin.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MSI_GSI			40
#define MSI_VECTOR		0x61
#define IOAPIC_GPA		0xfec00000ULL
#define REROUTED_GSI		41
#define REROUTED_PIN		18
#define REROUTED_VECTOR		0x62
#define IOAPIC_REDIR(pin)	(0x10 + 2 * (pin))

u64 guest_irqs;

/* Count, then EOI through the xAPIC page. */
static __naked void guest_irq_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_irqs(%rip)\n\t"
	    "mov $0xfee000b0, %eax\n\t"
	    "movl $0, (%rax)\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

TEST(routing_refuses_what_kvm_refuses)
{
	struct okvm_vm *vm = okvm_vm_create();
	struct okvm_routing *r = calloc(1, sizeof(*r));

	ASSERT_NE(NULL, r);
	EXPECT_EQ(4096, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	EXPECT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_INJECT_STATUS));
	r->entries[0] = okvm_irqchip_route(5, KVM_IRQCHIP_IOAPIC, 5);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(0, okvm_set_gsi_routing(vm, r, 1));
	EXPECT_EQ(0, okvm_set_gsi_routing(vm, r, 0));

	r->head.flags = 1;
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->head.flags = 0;
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 4097));
	r->entries[0] = okvm_irqchip_route(4096, KVM_IRQCHIP_IOAPIC, 5);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_irqchip_route(5, KVM_IRQCHIP_PIC_MASTER, 8);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_irqchip_route(5, KVM_IRQCHIP_PIC_SLAVE, 8);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_irqchip_route(5, KVM_IRQCHIP_IOAPIC, 24);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_irqchip_route(5, 3, 0);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_irqchip_route(5, KVM_IRQCHIP_IOAPIC, 5);
	r->entries[0].flags = KVM_MSI_VALID_DEVID;
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_msi_route(5, 0, MSI_VECTOR);
	r->entries[0].flags = 2;
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0].flags = KVM_MSI_VALID_DEVID;
	EXPECT_EQ(0, okvm_set_gsi_routing(vm, r, 1));
	r->entries[0] = okvm_irqchip_route(5, KVM_IRQCHIP_IOAPIC, 5);
	r->entries[0].type = 99;
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 1));

	/* One route to each chip per GSI; a message route stands alone. */
	r->entries[0] = okvm_irqchip_route(7, KVM_IRQCHIP_IOAPIC, 5);
	r->entries[1] = okvm_irqchip_route(6, KVM_IRQCHIP_IOAPIC, 6);
	r->entries[2] = okvm_irqchip_route(7, KVM_IRQCHIP_IOAPIC, 9);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 3));
	r->entries[2] = okvm_msi_route(7, 0, MSI_VECTOR);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 3));
	r->entries[0] = okvm_msi_route(7, 1, MSI_VECTOR);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 3));
	r->entries[0] = okvm_irqchip_route(7, KVM_IRQCHIP_PIC_MASTER, 7);
	r->entries[2] = okvm_irqchip_route(7, KVM_IRQCHIP_IOAPIC, 7);
	r->entries[3] = okvm_irqchip_route(7, KVM_IRQCHIP_PIC_SLAVE, 7);
	EXPECT_EQ(0, okvm_set_gsi_routing(vm, r, 4));
	/* A fourth route of GSI 7 repeats a chip, wherever it sorts. */
	r->entries[1] = okvm_irqchip_route(7, KVM_IRQCHIP_PIC_MASTER, 3);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 4));
	r->entries[1] = okvm_irqchip_route(7, KVM_IRQCHIP_IOAPIC, 3);
	EXPECT_EQ(EINVAL, okvm_set_gsi_routing(vm, r, 4));
	free(r);
	okvm_vm_free(vm);
}

static void guest_wait_irq(void)
{
	guest_xapic_write(APIC_REG_SVR, APIC_SVR_ENABLE | 0xff);
	GUEST_SYNC(0);
	guest_spin_until(&guest_irqs, 1);
}

TEST(msi_route_sends_its_message)
{
	struct okvm_routing *r = calloc(1, sizeof(*r));
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	ASSERT_NE(NULL, r);
	vm = okvm_vm_create_long_mode_irqchip(1, guest_wait_irq, &vcpu);
	okvm_guest_set_handler(vm, MSI_VECTOR, guest_irq_handler);
	okvm_vcpu_expect_sync(vcpu, 0);
	r->entries[0] = okvm_msi_route(MSI_GSI, 0, MSI_VECTOR);
	ASSERT_EQ(0, okvm_set_gsi_routing(vm, r, 1));
	/* A low level sends nothing (-1); a high one reaches one APIC. */
	EXPECT_EQ(-1, okvm_irq_line_status(vm, MSI_GSI, 0));
	EXPECT_EQ(1, okvm_irq_line_status(vm, MSI_GSI, 1));
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	free(r);
	okvm_vm_free(vm);
}

static void guest_rerouted(void)
{
	WRITE_ONCE(*(u32 *)IOAPIC_GPA, IOAPIC_REDIR(REROUTED_PIN) + 1);
	WRITE_ONCE(*(u32 *)(IOAPIC_GPA + 0x10), 0);
	WRITE_ONCE(*(u32 *)IOAPIC_GPA, IOAPIC_REDIR(REROUTED_PIN));
	WRITE_ONCE(*(u32 *)(IOAPIC_GPA + 0x10), REROUTED_VECTOR);
	guest_wait_irq();
}

TEST(new_table_replaces_the_default)
{
	struct okvm_routing *r = calloc(1, sizeof(*r));
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	ASSERT_NE(NULL, r);
	vm = okvm_vm_create_long_mode_irqchip(1, guest_rerouted, &vcpu);
	okvm_guest_identity_map(vm, IOAPIC_GPA, PAGE_SIZE_2M);
	okvm_guest_set_handler(vm, REROUTED_VECTOR, guest_irq_handler);
	okvm_vcpu_expect_sync(vcpu, 0);
	/* The default: GSI 41 has no route. */
	EXPECT_EQ(-1, okvm_irq_line_status(vm, REROUTED_GSI, 1));
	EXPECT_EQ(-1, okvm_irq_line_status(vm, REROUTED_GSI, 0));
	r->entries[0] = okvm_irqchip_route(REROUTED_GSI, KVM_IRQCHIP_IOAPIC, REROUTED_PIN);
	ASSERT_EQ(0, okvm_set_gsi_routing(vm, r, 1));
	/* GSI 18 is gone with the default table. */
	EXPECT_EQ(-1, okvm_irq_line_status(vm, REROUTED_PIN, 1));
	EXPECT_EQ(-1, okvm_irq_line_status(vm, 3, 1));
	EXPECT_EQ(1, okvm_irq_line_status(vm, REROUTED_GSI, 1));
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	free(r);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
