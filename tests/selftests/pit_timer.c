// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8254 PIT of KVM_CREATE_PIT2: it needs the in-kernel PIC
 * (ENOENT without one, or with a split irqchip) and comes once (EEXIST);
 * okvm takes no flag but KVM_PIT_SPEAKER_DUMMY; KVM_GET/SET_PIT2 start at
 * KVM's reset state (no counter programmed, counter 2's gate low) and
 * round-trip a programmed counter, reloading its count; counter 0 in
 * rate-generator mode interrupts the guest through the PIC's pin 0 at the
 * rate its count gives, and not faster, and is quiet with HPET_LEGACY; a
 * latched count holds while the counter runs on (counter 0 the clock); a
 * count of 0 is 65536; the read-back command latches the status (access
 * and mode as programmed); with KVM_CREATE_PIT's speaker port,
 * port 0x61 gates counter 2 and bit 5 follows its OUT, low until a mode 0
 * count runs out, as Linux's TSC calibration polls it.
 *
 * Plain KVM ABI: the same on kvm_amd, but for the flags and register
 * values only okvm refuses.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define PIT_HZ		1193182
#define MASTER_BASE	GUEST_PIC_MASTER_BASE
/* Counter 0's rate: 100 Hz, and the interrupts the guest waits for. */
#define TICK_COUNT	(PIT_HZ / 100)
#define TICKS		5
#define MODE_NONE	0xff

u64 guest_ticks;

/* Control word: counter @n, LSB then MSB, @mode. */
static void guest_pit_program(unsigned int n, unsigned int mode, u16 count)
{
	guest_outb(0x43, n << 6 | 3 << 4 | mode << 1);
	guest_outb(0x40 + n, count);
	guest_outb(0x40 + n, count >> 8);
}

static u16 guest_pit_latched(unsigned int n)
{
	u16 lo;

	guest_outb(0x43, n << 6);
	lo = guest_inb(0x40 + n);
	return lo | guest_inb(0x40 + n) << 8;
}

static __naked void guest_tick_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_ticks(%rip)\n\t"
	    "mov $0x20, %al\n\t"
	    "out %al, $0x20\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

static void guest_counts_ticks(void)
{
	guest_pic_init(0xfe);
	GUEST_SYNC(0);
	guest_pit_program(0, 2, TICK_COUNT);
	guest_spin_until(&guest_ticks, TICKS);
	GUEST_SYNC(guest_ticks);
}

static double seconds_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int create_pit(struct okvm_vm *vm, u32 flags)
{
	struct kvm_pit_config config = { .flags = flags };

	return ioctl(vm->fd, KVM_CREATE_PIT2, &config);
}

TEST(counter_0_interrupts_at_its_rate)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	double start, seconds;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_counts_ticks, &vcpu);
	okvm_guest_set_handler(vm, MASTER_BASE, guest_tick_handler);
	ASSERT_EQ(0, create_pit(vm, 0));
	okvm_vcpu_expect_sync(vcpu, 0);
	start = seconds_now();
	okvm_vcpu_expect_sync(vcpu, TICKS);
	seconds = seconds_now() - start;
	/* The first tick comes a period after the load: TICKS periods in all. */
	EXPECT_LE(TICKS * 0.010 * 0.9, seconds);
	/* Generous: ticks lost or a timer stuck would take far longer. */
	EXPECT_GE(10.0, seconds);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* Counter 0 as a clock (its interrupt masked): ticks since @since. */
static u16 guest_ticks_since(u16 since)
{
	/* It counts down, and wraps at 0x10000: the difference mod 2^16. */
	return since - guest_pit_latched(0);
}

#define HELD_TICKS	1000

static void guest_latches_and_reads_back(void)
{
	u16 clock, held, now;

	guest_outb(0x21, 0xff);
	guest_pit_program(0, 2, 0);
	guest_pit_program(1, 2, 0);
	/* A latch holds while the counter runs on, a second latch command too. */
	guest_outb(0x43, 1 << 6);
	clock = guest_pit_latched(0);
	while (guest_ticks_since(clock) < HELD_TICKS)
		;
	guest_outb(0x43, 1 << 6);
	held = guest_inb(0x41);
	held |= guest_inb(0x41) << 8;
	now = guest_pit_latched(1);
	GUEST_ASSERT((u16)(held - now) >= HELD_TICKS);
	/* Read-back of counter 1's status: LSB then MSB (3), mode 2. */
	guest_outb(0x43, 0xc0 | 1 << 5 | 1 << 2);
	GUEST_ASSERT_EQ(guest_inb(0x41) & 0x3f, 3 << 4 | 2 << 1);
	GUEST_SYNC(1);
}

TEST(latch_and_read_back)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_latches_and_reads_back, &vcpu);
	ASSERT_EQ(0, create_pit(vm, 0));
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_polls_out2(void)
{
	unsigned int polls = 0;

	/* Gate high, speaker off; counter 2 in mode 0: OUT low until it runs out. */
	guest_outb(0x61, (guest_inb(0x61) & ~0x02) | 0x01);
	/* 65536 ticks, 55 ms: longer than an exit takes, as Linux's calibration. */
	guest_pit_program(2, 0, 0);
	GUEST_ASSERT_EQ(guest_inb(0x61) & 0x21, 0x01);
	while (!(guest_inb(0x61) & 0x20))
		polls++;
	GUEST_ASSERT(polls > 0);
	GUEST_SYNC(1);
}

TEST(speaker_port_gates_counter_2)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_polls_out2, &vcpu);
	/* KVM_CREATE_PIT is KVM_CREATE_PIT2 with KVM_PIT_SPEAKER_DUMMY. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT, 0));
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* Counter 0 runs at 100 Hz with its interrupt open for 30 ms of counter 1's. */
static void guest_waits_30ms(void)
{
	u16 start;

	guest_pic_init(0xfe);
	guest_pit_program(1, 2, 0);
	start = guest_pit_latched(1);
	guest_pit_program(0, 2, TICK_COUNT);
	while ((u16)(start - guest_pit_latched(1)) < 3 * TICK_COUNT)
		asm volatile("sti; nop; cli" : : : "memory");
	GUEST_SYNC(guest_ticks);
}

TEST(hpet_legacy_keeps_counter_0_quiet)
{
	struct kvm_pit_state2 state;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_waits_30ms, &vcpu);
	okvm_guest_set_handler(vm, MASTER_BASE, guest_tick_handler);
	ASSERT_EQ(0, create_pit(vm, 0));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &state));
	state.flags |= KVM_PIT_FLAGS_HPET_LEGACY;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &state));
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(create_rules)
{
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
	struct kvm_pit_state2 state;
	struct okvm_vm *vm;

	vm = okvm_vm_create();
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2));
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT_STATE2));
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_PIT2, &state));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, create_pit(vm, 0));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	if (okvm_dev_is_okvm(vm->dev_fd)) {
		/* okvm refuses a flag it does not know; KVM takes any. */
		EXPECT_EQ(-1, create_pit(vm, 2));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(0, create_pit(vm, KVM_PIT_SPEAKER_DUMMY));
	EXPECT_EQ(-1, create_pit(vm, 0));
	EXPECT_EQ(EEXIST, errno);
	okvm_vm_free(vm);

	vm = okvm_vm_create();
	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &split));
	EXPECT_EQ(-1, create_pit(vm, 0));
	EXPECT_EQ(ENOENT, errno);
	okvm_vm_free(vm);
}

TEST(get_set_pit2)
{
	struct kvm_pit_state2 state, back;
	struct kvm_pit_channel_state *c;
	struct okvm_vm *vm;
	struct timespec now;
	long long before;
	int i;

	vm = okvm_vm_create();
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, create_pit(vm, 0));
	memset(&state, 0xcc, sizeof(state));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &state));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(MODE_NONE, state.channels[i].mode) TH_LOG("counter %d", i);
		EXPECT_EQ(i != 2, state.channels[i].gate) TH_LOG("counter %d", i);
		EXPECT_EQ(0x10000, state.channels[i].count) TH_LOG("counter %d", i);
	}
	EXPECT_EQ(0, state.flags);

	/* Counter 1: KVM keeps count_load_time for counters 1 and 2 only. */
	c = &state.channels[1];
	c->count = 1000;
	c->mode = 2;
	c->rw_mode = 3;
	c->read_state = 3;
	c->write_state = 3;
	c->count_load_time = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	before = now.tv_sec * 1000000000LL + now.tv_nsec;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &state));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &back));
	EXPECT_EQ(1000, back.channels[1].count);
	EXPECT_EQ(2, back.channels[1].mode);
	EXPECT_EQ(3, back.channels[1].rw_mode);
	/* Counting restarted at the set, on the host's monotonic clock. */
	EXPECT_LE(before, back.channels[1].count_load_time);
	EXPECT_EQ(MODE_NONE, back.channels[0].mode);

	/* KVM_GET_PIT is the same without the flags. */
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT, &back));
	EXPECT_EQ(1000, back.channels[1].count);
	/* A count of 0 is 65536. */
	back = state;
	back.channels[2].count = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &back));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &back));
	EXPECT_EQ(0x10000, back.channels[2].count);

	if (okvm_dev_is_okvm(vm->dev_fd)) {
		/* Mode 6 is mode 2 (QEMU's own PIT saves it so); KVM keeps the 6. */
		back = state;
		back.channels[0].mode = 6;
		ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &back));
		ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &back));
		EXPECT_EQ(2, back.channels[0].mode);
		/* okvm refuses what no 8254 holds; KVM takes it. */
		back = state;
		back.channels[0].mode = 8;
		EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT2, &back));
		EXPECT_EQ(EINVAL, errno);
		back = state;
		back.channels[2].count = 0x10001;
		EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT2, &back));
		EXPECT_EQ(EINVAL, errno);
		back = state;
		back.flags = 4;
		EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_PIT2, &back));
		EXPECT_EQ(EINVAL, errno);
	}
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
