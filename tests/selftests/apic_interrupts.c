// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC interrupts guests: its timer in one-shot,
 * periodic and TSC-deadline mode fires at the programmed time, an IPI from
 * one vCPU wakes another out of HLT, INIT and SIPI start a processor at the
 * SIPI's vector (an AP starts waiting for them), an interrupt CR8 holds
 * back goes in once CR8 drops, KVM_SIGNAL_MSI reaches the APIC it names,
 * an IOAPIC pin driven by KVM_IRQ_LINE interrupts and waits for its EOI,
 * KVM_CAP_X2APIC_API sets the x2APIC ID format of KVM_GET/SET_LAPIC,
 * a HLT with interrupts masked sleeps without burning CPU until a signal,
 * and KVM_GET/SET_LAPIC round-trip the registers.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define TIMER_VECTOR		0xec
#define IPI_VECTOR		0xed
/* KVM's APIC bus runs at 1 GHz: one count per nanosecond at divide 1. */
#define ONE_SHOT_COUNT		2000000		/* 2 ms */
#define PERIOD_COUNT		1000000		/* 1 ms */
#define NR_PERIODS		5
#define DEADLINE_NS		3000000ULL	/* 3 ms */
#define SIPI_VECTOR		0x30		/* starts at 0x30000 */
#define SIPI_PORT		0x80
#define SIPI_MARK		0x5a
#define IOAPIC_GPA		0xfec00000ULL
/* Pins 16-23 are the IOAPIC's alone: KVM routes GSIs 0-15 to its PICs too. */
#define IOAPIC_PIN		17
#define IOAPIC_VECTOR		0x5b
#define IOAPIC_REDIR(pin)	(0x10 + 2 * (pin))
#define IOAPIC_REMOTE_IRR	BIT_ULL(14)
#define IOAPIC_LEVEL		BIT_ULL(15)

/* Guest globals the interrupt handler updates. */
u64 guest_irqs;
u64 guest_irq_tsc;
/* The TSC rate, handed to the guest by the host. */
u64 guest_tsc_khz;
/* The periodic test's bound: periods from its start to its stop, plus one. */
u64 guest_max_irqs;
/* Set by vCPU 1 once it is about to halt, for vCPU 0's IPI. */
u64 guest_ready;

/*
 * A fixed interrupt's handler: count it, note the TSC, and EOI through the
 * xAPIC page (a MOV of an immediate, which MMIO emulation takes).
 */
static __naked void guest_irq_handler(void)
{
	asm("push %rax\n\t"
	    "push %rdx\n\t"
	    "incq guest_irqs(%rip)\n\t"
	    "rdtsc\n\t"
	    "shl $32, %rdx\n\t"
	    "or %rdx, %rax\n\t"
	    "mov %rax, guest_irq_tsc(%rip)\n\t"
	    "mov $0xfee000b0, %eax\n\t"
	    "movl $0, (%rax)\n\t"
	    "pop %rdx\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

static u64 ns_to_tsc(u64 ns)
{
	return ns * guest_tsc_khz / 1000000;
}

static void guest_apic_enable(void)
{
	guest_xapic_write(APIC_REG_SVR, APIC_SVR_ENABLE | 0xff);
	guest_xapic_write(APIC_REG_TDCR, APIC_TDCR_DIV_1);
}

/* Halt with interrupts on until the handler ran @n times in all. */
static void guest_wait_irqs(u64 n)
{
	while (READ_ONCE(guest_irqs) < n)
		guest_safe_halt();
	guest_cli();
}

static void guest_one_shot(void)
{
	u64 start, end;

	guest_apic_enable();
	guest_xapic_write(APIC_REG_LVTT, TIMER_VECTOR);
	start = guest_rdtsc();
	guest_xapic_write(APIC_REG_TMICT, ONE_SHOT_COUNT);
	GUEST_ASSERT(guest_xapic_read(APIC_REG_TMCCT) <= ONE_SHOT_COUNT);
	guest_wait_irqs(1);
	GUEST_ASSERT_GE(guest_irq_tsc - start, ns_to_tsc(ONE_SHOT_COUNT));
	GUEST_ASSERT_EQ(guest_xapic_read(APIC_REG_TMCCT), 0);
	/* One shot: nothing more during twice the count. */
	end = guest_rdtsc() + 2 * ns_to_tsc(ONE_SHOT_COUNT);
	asm volatile("sti");
	while (guest_rdtsc() < end)
		;
	guest_cli();
	GUEST_ASSERT_EQ(READ_ONCE(guest_irqs), 1);
}

static void guest_periodic(void)
{
	u64 start, end, irqs;

	guest_apic_enable();
	guest_xapic_write(APIC_REG_LVTT, TIMER_VECTOR | APIC_LVTT_PERIODIC);
	start = guest_rdtsc();
	guest_xapic_write(APIC_REG_TMICT, PERIOD_COUNT);
	guest_wait_irqs(NR_PERIODS);
	/* The n-th interrupt came n periods after the start at the earliest. */
	irqs = READ_ONCE(guest_irqs);
	GUEST_ASSERT_GE(guest_irq_tsc - start, irqs * ns_to_tsc(PERIOD_COUNT));
	/* Still counting: the current count is within the period. */
	GUEST_ASSERT_LE(guest_xapic_read(APIC_REG_TMCCT), PERIOD_COUNT);
	/*
	 * A count of 0 stops it: after an expiry that came before the write
	 * (in the IRR already, taken during one period), no interrupt during
	 * three periods.
	 */
	guest_xapic_write(APIC_REG_TMICT, 0);
	/* No more expiries than whole periods since the start, and one of slack. */
	guest_max_irqs = (guest_rdtsc() - start) / ns_to_tsc(PERIOD_COUNT) + 1;
	GUEST_ASSERT_EQ(guest_xapic_read(APIC_REG_TMCCT), 0);
	end = guest_rdtsc() + ns_to_tsc(PERIOD_COUNT);
	asm volatile("sti");
	while (guest_rdtsc() < end)
		;
	guest_cli();
	GUEST_ASSERT(READ_ONCE(guest_irqs) <= irqs + 1);
	irqs = READ_ONCE(guest_irqs);
	end = guest_rdtsc() + 3 * ns_to_tsc(PERIOD_COUNT);
	asm volatile("sti");
	while (guest_rdtsc() < end)
		;
	guest_cli();
	GUEST_ASSERT_EQ(READ_ONCE(guest_irqs), irqs);
}

static void guest_tsc_deadline(void)
{
	u64 deadline, armed;

	guest_apic_enable();
	guest_xapic_write(APIC_REG_LVTT, TIMER_VECTOR | APIC_LVTT_TSC_DEADLINE);
	deadline = guest_rdtsc() + ns_to_tsc(DEADLINE_NS);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	/* The deadline, or 0 if it fired already (emulated CPUs can be that slow). */
	armed = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	GUEST_ASSERT(armed == deadline || (!armed && guest_rdtsc() >= deadline));
	guest_wait_irqs(1);
	GUEST_ASSERT_GE(guest_irq_tsc, deadline);
	/* The MSR reads 0 once the deadline fired. */
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_IA32_TSC_DEADLINE), 0);
}

/* The guest's CPUID with TSC-deadline mode: KVM offers it only if asked. */
static void set_cpuid_tsc_deadline(struct okvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vcpu->vm->dev_fd);
	unsigned int i;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= BIT_ULL(24);
	okvm_vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid);
	free(cpuid);
}

static struct okvm_vm *create_timer_vm(void *guest_code, struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode_irqchip(1, guest_code, vcpu);

	okvm_guest_set_handler(vm, TIMER_VECTOR, guest_irq_handler);
	guest_tsc_khz = okvm_vm_ioctl(vm, KVM_GET_TSC_KHZ, 0);
	okvm_sync_global_to_guest(vm, guest_tsc_khz);
	return vm;
}

TEST(one_shot_timer_fires_once_after_its_count)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_timer_vm(guest_one_shot, &vcpu);

	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	okvm_vm_free(vm);
}

TEST(periodic_timer_fires_every_period)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_timer_vm(guest_periodic, &vcpu);

	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_GE(guest_irqs, NR_PERIODS);
	/*
	 * More may come between the wakeup and the stop, as many periods as an
	 * emulated machine stalls the vCPU for, never more than one a period.
	 */
	okvm_sync_global_from_guest(vm, guest_max_irqs);
	EXPECT_LE(guest_irqs, guest_max_irqs);
	okvm_vm_free(vm);
}

TEST(tsc_deadline_timer_fires_at_the_deadline)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_timer_vm(guest_tsc_deadline, &vcpu);

	set_cpuid_tsc_deadline(vcpu);
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	okvm_vm_free(vm);
}

/*
 * A self-IPI that CR8 holds back goes in as soon as a MOV to CR8 lowers
 * the priority below its class: before the next instruction.
 */
static void guest_tpr_holds_back(void)
{
	u64 irqs;

	guest_apic_enable();
	asm volatile("mov %0, %%cr8" : : "r"(15UL));
	guest_xapic_write(APIC_REG_ICR, APIC_ICR_SELF | IPI_VECTOR);
	asm volatile("sti; nop; nop");
	GUEST_ASSERT_EQ(READ_ONCE(guest_irqs), 0);
	asm volatile("mov %0, %%cr8" : : "r"((u64)(IPI_VECTOR >> 4) - 1) : "memory");
	irqs = READ_ONCE(guest_irqs);
	guest_cli();
	GUEST_ASSERT_EQ(irqs, 1);
}

TEST(lowering_cr8_lets_a_held_interrupt_in)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = okvm_vm_create_long_mode_irqchip(1, guest_tpr_holds_back, &vcpu);

	okvm_guest_set_handler(vm, IPI_VECTOR, guest_irq_handler);
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	okvm_vm_free(vm);
}

/* vCPU 1 halts with interrupts on; vCPU 0 sends it a fixed IPI. */
static void guest_ipi(void)
{
	u32 id = guest_xapic_read(APIC_REG_ID) >> 24;

	guest_apic_enable();
	if (id == 1) {
		WRITE_ONCE(guest_ready, 1);
		guest_wait_irqs(1);
		return;
	}
	while (!READ_ONCE(guest_ready))
		;
	guest_xapic_write(APIC_REG_ICR2, 1 << 24);
	guest_xapic_write(APIC_REG_ICR, IPI_VECTOR);
}

struct vcpu_thread {
	struct okvm_vcpu *vcpu;
	struct kvm_run run;	/* the exit that ended it */
	int ret;
	int err;
	double cpu_seconds;	/* the thread's CPU time in KVM_RUN */
};

static double thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run until the guest's ucall of GUEST_DONE; any failure is reported. */
static void *run_to_done(void *arg)
{
	struct vcpu_thread *t = arg;

	okvm_vcpu_expect_done(t->vcpu);
	return NULL;
}

TEST(ipi_wakes_a_halted_vcpu)
{
	struct vcpu_thread threads[2] = {};
	struct okvm_vcpu *vcpus[2];
	struct okvm_stats st;
	pthread_t ids[2];
	struct okvm_vm *vm;
	int i;

	vm = okvm_vm_create_long_mode_irqchip(2, guest_ipi, vcpus);
	okvm_guest_set_handler(vm, IPI_VECTOR, guest_irq_handler);
	for (i = 0; i < 2; i++) {
		threads[i].vcpu = vcpus[i];
		ASSERT_EQ(0, pthread_create(&ids[i], NULL, run_to_done, &threads[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(ids[i], NULL);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	/*
	 * vCPU 1 halted in the kernel and the IPI ended it. KVM counts a
	 * wakeup only if its halt polling had given up by then.
	 */
	okvm_stats_open(&st, vcpus[1]->fd);
	EXPECT_GE(okvm_stats_get(&st, "halt_exits"), 1);
	if (okvm_dev_is_okvm(vm->dev_fd))
		EXPECT_GE(okvm_stats_get(&st, "halt_wakeup"), 1);
	okvm_stats_close(&st);
	okvm_vm_free(vm);
}

/* vCPU 1 enables its APIC, says so, and halts until one interrupt came. */
static void guest_wait_for_msi(void)
{
	guest_apic_enable();
	WRITE_ONCE(guest_ready, 1);
	guest_wait_irqs(1);
}

static int signal_msi(struct okvm_vm *vm, u32 dest_id, u32 data, u32 flags)
{
	struct kvm_msi msi = {
		.address_lo = APIC_DEFAULT_GPA | dest_id << 12,
		.data = data,
		.flags = flags,
	};

	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
}

/*
 * KVM_SIGNAL_MSI reaches the APIC its address names and says how many
 * took it: none for an APIC ID no vCPU has.
 */
TEST(signal_msi_interrupts_the_apic_it_names)
{
	struct okvm_vm *plain = okvm_vm_create();
	struct vcpu_thread t = {};
	struct okvm_vcpu *vcpus[2];
	struct okvm_vm *vm;
	pthread_t id;
	int i;

	EXPECT_EQ(-1, signal_msi(plain, 0, IPI_VECTOR, 0));
	EXPECT_EQ(EINVAL, errno);
	okvm_vm_free(plain);

	vm = okvm_vm_create_long_mode_irqchip(2, guest_wait_for_msi, vcpus);
	okvm_guest_set_handler(vm, IPI_VECTOR, guest_irq_handler);
	EXPECT_EQ(-1, signal_msi(vm, 1, IPI_VECTOR, 0x80));
	EXPECT_EQ(EINVAL, errno);
	t.vcpu = vcpus[1];
	ASSERT_EQ(0, pthread_create(&id, NULL, run_to_done, &t));
	for (i = 0; i < 1000 && !guest_ready; i++) {
		usleep(10 * 1000);
		okvm_sync_global_from_guest(vm, guest_ready);
	}
	ASSERT_EQ(1, guest_ready);
	EXPECT_EQ(0, signal_msi(vm, 5, IPI_VECTOR, 0));
	EXPECT_EQ(1, signal_msi(vm, 1, IPI_VECTOR, 0));
	pthread_join(id, NULL);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	okvm_vm_free(vm);
}

static u32 guest_ioapic_read(u32 index)
{
	WRITE_ONCE(*(u32 *)IOAPIC_GPA, index);
	return READ_ONCE(*(u32 *)(IOAPIC_GPA + 0x10));
}

static void guest_ioapic_write(u32 index, u32 value)
{
	WRITE_ONCE(*(u32 *)IOAPIC_GPA, index);
	WRITE_ONCE(*(u32 *)(IOAPIC_GPA + 0x10), value);
}

/*
 * A level-triggered IOAPIC pin routed to this APIC: the host raises the
 * line while interrupts are off (Remote IRR goes up), lowers it, and the
 * interrupt's EOI clears Remote IRR without sending again.
 */
static void guest_ioapic_level(void)
{
	u32 entry = IOAPIC_REDIR(IOAPIC_PIN);

	guest_apic_enable();
	guest_ioapic_write(entry + 1, 0);
	guest_ioapic_write(entry, IOAPIC_LEVEL | IOAPIC_VECTOR);
	GUEST_SYNC(guest_ioapic_read(entry));
	GUEST_SYNC(guest_ioapic_read(entry) & IOAPIC_REMOTE_IRR);
	guest_wait_irqs(1);
	GUEST_SYNC(guest_ioapic_read(entry) & IOAPIC_REMOTE_IRR);
	GUEST_ASSERT_EQ(READ_ONCE(guest_irqs), 1);
}

TEST(ioapic_level_pin_holds_remote_irr_until_eoi)
{
	struct kvm_irq_level line = { .irq = IOAPIC_PIN, .level = 1 };
	struct kvm_irqchip *chip = calloc(1, sizeof(*chip));
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	ASSERT_NE(NULL, chip);
	vm = okvm_vm_create_long_mode_irqchip(1, guest_ioapic_level, &vcpu);
	okvm_guest_identity_map(vm, IOAPIC_GPA, PAGE_SIZE_2M);
	okvm_guest_set_handler(vm, IOAPIC_VECTOR, guest_irq_handler);
	okvm_vcpu_expect_sync(vcpu, IOAPIC_LEVEL | IOAPIC_VECTOR);

	/* One APIC took it; the state says so. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_EQ(1, line.status);
	chip->chip_id = KVM_IRQCHIP_IOAPIC;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(IOAPIC_VECTOR | IOAPIC_LEVEL | IOAPIC_REMOTE_IRR,
		  chip->chip.ioapic.redirtbl[IOAPIC_PIN].bits);
	EXPECT_EQ(BIT_ULL(IOAPIC_PIN), chip->chip.ioapic.irr);
	/* Remote IRR set: another assertion sends nothing (KVM says -1). */
	line.irq = IOAPIC_PIN;	/* status shares the union with irq */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_EQ(-1, line.status);

	okvm_vcpu_expect_sync(vcpu, IOAPIC_REMOTE_IRR);
	line.irq = IOAPIC_PIN;
	line.level = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line));
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_irqs);
	EXPECT_EQ(1, guest_irqs);
	free(chip);
	okvm_vm_free(vm);
}

/*
 * vCPU 1 sleeps with interrupts masked, for ever; vCPU 0 sends it INIT and
 * SIPI, which start it in real mode at SIPI_VECTOR * 4096, where it says
 * so on a port.
 */
static void guest_init_sipi(void)
{
	u32 id = guest_xapic_read(APIC_REG_ID) >> 24;

	guest_apic_enable();
	if (id == 1) {
		for (;;)
			guest_halt();
	}
	guest_xapic_write(APIC_REG_ICR2, 1 << 24);
	guest_xapic_write(APIC_REG_ICR, APIC_ICR_INIT | APIC_ICR_ASSERT);
	guest_xapic_write(APIC_REG_ICR2, 1 << 24);
	guest_xapic_write(APIC_REG_ICR, APIC_ICR_STARTUP | SIPI_VECTOR);
}

static void on_signal(int sig)
{
}

static void *run_once(void *arg)
{
	struct vcpu_thread *t = arg;
	double before = thread_cpu_seconds();

	t->ret = okvm_vcpu_run_raw(t->vcpu);
	t->err = errno;
	t->cpu_seconds = thread_cpu_seconds() - before;
	t->run = *t->vcpu->run;
	return NULL;
}

/*
 * One KVM_RUN of @vcpu in a thread of its own, ended by a signal after
 * @ms milliseconds; what it returned, and its CPU time, land in @t.
 */
static int run_until_signal(struct vcpu_thread *t, struct okvm_vcpu *vcpu, unsigned int ms)
{
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t id;

	t->vcpu = vcpu;
	if (sigaction(SIGUSR1, &sa, NULL) || pthread_create(&id, NULL, run_once, t))
		return -1;
	usleep(ms * 1000);
	pthread_kill(id, SIGUSR1);
	return pthread_join(id, NULL);
}

/*
 * vCPU 0 sends INIT and SIPI to vCPU 1, halted with interrupts masked or
 * (@fresh_ap) never run since its creation, when it waits for INIT: its
 * KVM_RUN then returns EAGAIN once INIT came, as KVM's does, and the VMM
 * runs it again.
 */
static void init_and_sipi(struct __test_metadata *_metadata, bool fresh_ap)
{
	/* mov al, SIPI_MARK; out SIPI_PORT, al; hlt; jmp to the hlt */
	static const u8 code[] = { 0xb0, SIPI_MARK, 0xe6, SIPI_PORT, 0xf4, 0xeb, 0xfd };
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_UNINITIALIZED };
	struct okvm_vcpu *vcpus[2];
	struct vcpu_thread t = {};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct okvm_vm *vm;
	int r, eagain = 0;
	pthread_t id;

	vm = okvm_vm_create_long_mode_irqchip(2, guest_init_sipi, vcpus);
	okvm_write_guest(vm, SIPI_VECTOR << 12, code, sizeof(code));
	if (fresh_ap)
		okvm_vcpu_ioctl(vcpus[1], KVM_SET_MP_STATE, &mp);
	t.vcpu = vcpus[0];
	ASSERT_EQ(0, pthread_create(&id, NULL, run_to_done, &t));
	while ((r = okvm_vcpu_run_raw(vcpus[1])) < 0 && errno == EAGAIN)
		eagain++;
	pthread_join(id, NULL);
	ASSERT_EQ(0, r) TH_LOG("KVM_RUN: %s", strerror(errno));
	/* An AP that never ran comes back once INIT came; a halted one does not. */
	EXPECT_EQ(fresh_ap, eagain >= 1) TH_LOG("%d EAGAIN returns", eagain);
	ASSERT_EQ(KVM_EXIT_IO, vcpus[1]->run->exit_reason)
		TH_LOG("exit %s", okvm_exit_reason_name(vcpus[1]->run->exit_reason));
	EXPECT_EQ(SIPI_PORT, vcpus[1]->run->io.port);
	EXPECT_EQ(SIPI_MARK, *((u8 *)vcpus[1]->run + vcpus[1]->run->io.data_offset));
	okvm_vcpu_get_sregs(vcpus[1], &sregs);
	EXPECT_EQ(SIPI_VECTOR << 8, sregs.cs.selector);
	EXPECT_EQ(SIPI_VECTOR << 12, sregs.cs.base);
	/*
	 * At the exit okvm's RIP is past the OUT already; KVM's stays at it
	 * until the next KVM_RUN (Documentation/api.rst).
	 */
	okvm_vcpu_get_regs(vcpus[1], &regs);
	EXPECT_EQ(okvm_dev_is_okvm(vm->dev_fd) ? 4 : 2, regs.rip);
	okvm_vm_free(vm);
}

TEST(init_and_sipi_start_a_processor_at_the_vector)
{
	init_and_sipi(_metadata, false);
}

TEST(init_and_sipi_start_an_ap_that_never_ran)
{
	init_and_sipi(_metadata, true);
}

/*
 * With an in-kernel irqchip the BSP (vCPU 0) starts runnable and every
 * other vCPU waits for INIT: its KVM_RUN sleeps until a signal.
 */
TEST(an_ap_starts_waiting_for_init)
{
	struct okvm_vm *vm = okvm_vm_create();
	struct vcpu_thread t = {};
	struct okvm_vcpu *vcpus[2];
	struct kvm_mp_state mp;

	okvm_vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	vcpus[0] = okvm_vcpu_create(vm, 0);
	vcpus[1] = okvm_vcpu_create(vm, 1);
	okvm_vcpu_ioctl(vcpus[0], KVM_GET_MP_STATE, &mp);
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	okvm_vcpu_ioctl(vcpus[1], KVM_GET_MP_STATE, &mp);
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp.mp_state);

	ASSERT_EQ(0, run_until_signal(&t, vcpus[1], 200));
	EXPECT_EQ(-1, t.ret);
	EXPECT_EQ(EINTR, t.err);
	EXPECT_EQ(KVM_EXIT_INTR, t.run.exit_reason);
	EXPECT_LT(t.cpu_seconds, 0.05) TH_LOG("%.3f s of CPU while waiting", t.cpu_seconds);
	okvm_vcpu_ioctl(vcpus[1], KVM_GET_MP_STATE, &mp);
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
	okvm_vm_free(vm);
}

static void guest_halt_masked(void)
{
	/* The first run's faults and setup are not the halt's: sync first. */
	GUEST_SYNC(1);
	guest_cli();
	guest_halt();
	/* Only a signal ends KVM_RUN; nothing may get here. */
	GUEST_ASSERT(0);
}

TEST(masked_hlt_sleeps_until_a_signal)
{
	struct kvm_mp_state mp;
	struct vcpu_thread t = {};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_halt_masked, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	ASSERT_EQ(0, run_until_signal(&t, vcpu, 500));
	EXPECT_EQ(-1, t.ret);
	EXPECT_EQ(EINTR, t.err);
	EXPECT_EQ(KVM_EXIT_INTR, t.run.exit_reason);
	/* Half a second halted; a HLT that spun would take all of it. */
	EXPECT_LT(t.cpu_seconds, 0.1) TH_LOG("%.3f s of CPU while halted", t.cpu_seconds);
	okvm_vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &mp);
	EXPECT_EQ(KVM_MP_STATE_HALTED, mp.mp_state);
	okvm_vm_free(vm);
}

static void guest_read_tpr(void)
{
	GUEST_SYNC(guest_xapic_read(APIC_REG_TPR));
	GUEST_SYNC(guest_xapic_read(APIC_REG_LVTT));
}

TEST(lapic_state_round_trips)
{
	struct kvm_lapic_state state, again;
	struct okvm_vcpu *vcpus[2];
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(2, guest_read_tpr, vcpus);
	okvm_vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &state);
	EXPECT_EQ(1U << 24, *(u32 *)&state.regs[APIC_REG_ID]);
	*(u32 *)&state.regs[APIC_REG_TPR] = 0x20;
	*(u32 *)&state.regs[APIC_REG_LVTT] = TIMER_VECTOR | APIC_LVT_MASKED;
	okvm_vcpu_ioctl(vcpus[1], KVM_SET_LAPIC, &state);
	okvm_vcpu_ioctl(vcpus[1], KVM_GET_LAPIC, &again);
	EXPECT_EQ(0x20, *(u32 *)&again.regs[APIC_REG_TPR]);
	EXPECT_EQ(TIMER_VECTOR | APIC_LVT_MASKED, *(u32 *)&again.regs[APIC_REG_LVTT]);
	/* The guest reads what the host wrote; the other vCPU's is its own. */
	okvm_vcpu_expect_sync(vcpus[1], 0x20);
	okvm_vcpu_expect_sync(vcpus[1], TIMER_VECTOR | APIC_LVT_MASKED);
	okvm_vcpu_expect_sync(vcpus[0], 0);
	okvm_vm_free(vm);
}

static void set_apic_base(struct okvm_vcpu *vcpu, u64 value)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} one = { .header.nmsrs = 1, .entry = { .index = 0x1b, .data = value } };

	OKVM_REQUIRE(ioctl(vcpu->fd, KVM_SET_MSRS, &one) == 1, "KVM_SET_MSRS APIC_BASE: %s",
		     strerror(errno));
}

static u32 lapic_id(struct okvm_vcpu *vcpu)
{
	struct kvm_lapic_state state;

	okvm_vcpu_ioctl(vcpu, KVM_GET_LAPIC, &state);
	return *(u32 *)&state.regs[APIC_REG_ID];
}

static int set_lapic_id(struct okvm_vcpu *vcpu, u32 id)
{
	struct kvm_lapic_state state;

	okvm_vcpu_ioctl(vcpu, KVM_GET_LAPIC, &state);
	*(u32 *)&state.regs[APIC_REG_ID] = id;
	return ioctl(vcpu->fd, KVM_SET_LAPIC, &state);
}

/*
 * KVM_CAP_X2APIC_API: two flags. An x2APIC's ID in KVM_GET/SET_LAPIC is in
 * the xAPIC position and a different one is ignored; with 32-bit IDs it is
 * whole, and a different one is refused.
 */
TEST(x2apic_api_ids_in_lapic_state)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X2APIC_API, .args[0] = 4 };
	struct okvm_vm *vm = okvm_vm_create();
	struct okvm_vcpu *vcpu;

	EXPECT_EQ(3, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	okvm_vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	okvm_vcpu_create(vm, 0);
	vcpu = okvm_vcpu_create(vm, 1);
	okvm_vcpu_set_supported_cpuid(vcpu);
	set_apic_base(vcpu, APIC_DEFAULT_GPA | (1 << 11) | (1 << 10));

	EXPECT_EQ(1U << 24, lapic_id(vcpu));
	EXPECT_EQ(0, set_lapic_id(vcpu, 5 << 24));
	EXPECT_EQ(1U << 24, lapic_id(vcpu));

	cap.args[0] = KVM_X2APIC_API_USE_32BIT_IDS;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(1, lapic_id(vcpu));
	EXPECT_EQ(-1, set_lapic_id(vcpu, 5));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_lapic_id(vcpu, 1));
	okvm_vm_free(vm);
}

TEST(irqchip_only_before_vcpus_and_once)
{
	struct okvm_vm *vm = okvm_vm_create();

	EXPECT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EEXIST, errno);
	okvm_vm_free(vm);

	vm = okvm_vm_create();
	okvm_vcpu_create(vm, 0);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EINVAL, errno);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
