// SPDX-License-Identifier: GPL-2.0
/*
 * NMIs: KVM_NMI reaches the guest's vector 2 once, whatever RFLAGS.IF says
 * and with or without an in-kernel irqchip (nmi_injections counts it);
 * three NMIs sent while the vCPU is stopped arrive as two, as the CPU
 * latches one beside the one in service; a second NMI waits until the
 * handler's IRET, though the handler exits many times; an NMI IPI wakes a
 * halted vCPU whose interrupts are off.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define NMI_VECTOR	2
#define APIC_ICR_NMI	0x400

/* Guest globals the handler updates. */
u64 guest_nmis;
/* What guest_nmis was at the end of the first handler, after its exits. */
u64 guest_nmis_in_handler;
/* Set by vCPU 1 once it is about to halt. */
u64 guest_ready;

/*
 * Count; the first NMI's handler then exits 100 times (CPUID) before it
 * notes the count and IRETs: a second NMI must not come in meanwhile.
 */
static __naked void guest_nmi_handler(void)
{
	asm("push %rax\n\t"
	    "push %rbx\n\t"
	    "push %rcx\n\t"
	    "push %rdx\n\t"
	    "push %r8\n\t"
	    "incq guest_nmis(%rip)\n\t"
	    "cmpq $1, guest_nmis(%rip)\n\t"
	    "jne 2f\n\t"
	    "mov $100, %r8d\n\t"
	    "1:\n\t"
	    "xor %eax, %eax\n\t"
	    "xor %ecx, %ecx\n\t"
	    "cpuid\n\t"
	    "dec %r8d\n\t"
	    "jnz 1b\n\t"
	    "mov guest_nmis(%rip), %rax\n\t"
	    "mov %rax, guest_nmis_in_handler(%rip)\n\t"
	    "2:\n\t"
	    "pop %r8\n\t"
	    "pop %rdx\n\t"
	    "pop %rcx\n\t"
	    "pop %rbx\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

/* Interrupts off throughout: an NMI does not care. */
static void guest_wait_nmis(void)
{
	u64 i;

	GUEST_SYNC(0);
	while (READ_ONCE(guest_nmis) < 1)
		asm volatile("pause" : : : "memory");
	/* Time for more than was sent to come in, if any would. */
	for (i = 0; i < 100; i++)
		guest_cpuid(0, 0, &(u32){0}, &(u32){0}, &(u32){0}, &(u32){0});
	GUEST_SYNC(READ_ONCE(guest_nmis));
	GUEST_SYNC(READ_ONCE(guest_nmis_in_handler));
}

static u64 nmi_injections(struct okvm_vcpu *vcpu)
{
	struct okvm_stats st;
	u64 n;

	okvm_stats_open(&st, vcpu->fd);
	n = okvm_stats_get(&st, "nmi_injections");
	okvm_stats_close(&st);
	return n;
}

/*
 * okvm counts the NMIs it injects: @exact. KVM counts each injection, also
 * the one again after an exit interrupted a delivery (an NPF on the
 * guest's stack or IDT), which kvm_amd on the stock kernel showed once.
 */
static void expect_nmi_injections(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
				  bool exact, u64 expected)
{
	u64 n = nmi_injections(vcpu);

	EXPECT_LE(expected, n);
	if (!exact)
		return;
	EXPECT_EQ(expected, n);
}

static void send_nmis(struct __test_metadata *_metadata, bool irqchip, int n,
		      u64 expected_nmis)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int i;

	vm = irqchip ? okvm_vm_create_long_mode_irqchip(1, guest_wait_nmis, &vcpu) :
		       okvm_vm_create_long_mode(1, guest_wait_nmis, &vcpu);
	okvm_guest_set_handler(vm, NMI_VECTOR, guest_nmi_handler);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_NMI));
	okvm_vcpu_expect_sync(vcpu, 0);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	okvm_vcpu_expect_sync(vcpu, expected_nmis);
	/* The first handler's exits let nothing in before its IRET. */
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	expect_nmi_injections(_metadata, vcpu, okvm_dev_is_okvm(vm->dev_fd), expected_nmis);
	okvm_vm_free(vm);
}

TEST(kvm_nmi_reaches_the_guest_once)
{
	send_nmis(_metadata, false, 1, 1);
}

TEST(kvm_nmi_with_an_irqchip)
{
	send_nmis(_metadata, true, 1, 1);
}

/* Three while stopped: one goes in, one waits for its IRET, one is lost. */
TEST(nmis_collapse_to_one_beside_the_one_in_service)
{
	send_nmis(_metadata, false, 3, 2);
}

/* vCPU 1 halts with interrupts off; vCPU 0 sends it an NMI IPI. */
static void guest_nmi_ipi(void)
{
	u32 id = guest_xapic_read(APIC_REG_ID) >> 24;
	int i;

	guest_xapic_write(APIC_REG_SVR, APIC_SVR_ENABLE | 0xff);
	if (id == 1) {
		WRITE_ONCE(guest_ready, 1);
		while (READ_ONCE(guest_nmis) < 1)
			guest_halt();
		return;
	}
	while (!READ_ONCE(guest_ready))
		asm volatile("pause" : : : "memory");
	/* Time for vCPU 1 to reach its HLT. */
	for (i = 0; i < 100; i++)
		guest_cpuid(0, 0, &(u32){0}, &(u32){0}, &(u32){0}, &(u32){0});
	guest_xapic_write(APIC_REG_ICR2, 1 << 24);
	guest_xapic_write(APIC_REG_ICR, APIC_ICR_NMI);
}

static void *run_to_done(void *arg)
{
	okvm_vcpu_expect_done(arg);
	return NULL;
}

TEST(nmi_ipi_wakes_a_halted_vcpu)
{
	struct okvm_vcpu *vcpus[2];
	pthread_t ids[2];
	struct okvm_vm *vm;
	int i;

	vm = okvm_vm_create_long_mode_irqchip(2, guest_nmi_ipi, vcpus);
	okvm_guest_set_handler(vm, NMI_VECTOR, guest_nmi_handler);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&ids[i], NULL, run_to_done, vcpus[i]));
	for (i = 0; i < 2; i++)
		pthread_join(ids[i], NULL);
	okvm_sync_global_from_guest(vm, guest_nmis);
	EXPECT_EQ(1, guest_nmis);
	EXPECT_EQ(1, nmi_injections(vcpus[1]));
	EXPECT_EQ(0, nmi_injections(vcpus[0]));
	/* It halted in the kernel and the NMI ended that (KVM may have polled). */
	if (okvm_dev_is_okvm(vm->dev_fd)) {
		struct okvm_stats st;

		okvm_stats_open(&st, vcpus[1]->fd);
		EXPECT_GE(okvm_stats_get(&st, "halt_wakeup"), 1);
		okvm_stats_close(&st);
	}
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
