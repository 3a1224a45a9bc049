// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer counts in the VM's bus clock: 1 ns a cycle unless
 * the VMM chose another with KVM_CAP_X86_APIC_BUS_CYCLES_NS, which it may
 * only do on a VM with an in-kernel irqchip and no vCPU yet, with a period
 * that is not 0 and for which the longest count fits 64 bits of ns. With a
 * bus cycle twice as long, TMCCT falls half as fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/* How long the guest lets the timer count, in TSC time. */
#define MEASURE_MS		50
/* TDCR values and their dividers. */
#define TDCR_DIV_2		0x0
#define TDCR_DIV_16		0x3

/*
 * Start a one-shot count of 2^32 - 1 (masked: it never fires in the time
 * measured), let MEASURE_MS of TSC time pass, and report the counts gone
 * per millisecond of TSC time.
 */
static void guest_measure(u64 tsc_khz, u64 tdcr)
{
	u64 tsc0, tsc1, end;
	u32 tmcct;

	guest_xapic_write(APIC_REG_SVR, APIC_SVR_ENABLE | 0xff);
	guest_xapic_write(APIC_REG_LVTT, APIC_LVT_MASKED);
	guest_xapic_write(APIC_REG_TDCR, tdcr);
	guest_xapic_write(APIC_REG_TMICT, ~0U);
	tsc0 = guest_rdtsc();
	end = tsc0 + MEASURE_MS * tsc_khz;
	while (guest_rdtsc() < end)
		;
	tmcct = guest_xapic_read(APIC_REG_TMCCT);
	tsc1 = guest_rdtsc();
	guest_xapic_write(APIC_REG_TMICT, 0);
	GUEST_SYNC((u64)(~0U - tmcct) * tsc_khz / (tsc1 - tsc0));
}

static int enable_bus_cycles(struct okvm_vm *vm, u64 ns, u64 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS, .flags = flags, .args = { ns },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/* Counts per millisecond the timer made with this bus cycle and divider. */
static u64 measure(u64 bus_cycle_ns, u64 tdcr)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 tsc_khz, rate;

	vm = okvm_vm_create_long_mode_irqchip(0, NULL, NULL);
	if (bus_cycle_ns && enable_bus_cycles(vm, bus_cycle_ns, 0))
		okvm_fail("KVM_CAP_X86_APIC_BUS_CYCLES_NS %llu: %s",
			  (unsigned long long)bus_cycle_ns, strerror(errno));
	vcpu = okvm_vcpu_add_long_mode(vm, 0, guest_measure);
	tsc_khz = okvm_vm_ioctl(vm, KVM_GET_TSC_KHZ, 0);
	okvm_vcpu_set_args(vcpu, 2, tsc_khz, tdcr);
	rate = okvm_vcpu_next_sync(vcpu);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
	return rate;
}

/* @rate within 10% of @expected. */
static void expect_rate(struct __test_metadata *_metadata, u64 expected, u64 rate)
{
	EXPECT_TRUE(rate * 10 >= expected * 9 && rate * 10 <= expected * 11)
		TH_LOG("%llu counts/ms, expected %llu", (unsigned long long)rate,
		       (unsigned long long)expected);
}

TEST(default_bus_cycle_is_one_ns)
{
	int fd = okvm_dev_open(O_RDWR);
	struct okvm_vm *vm;

	ASSERT_GE(fd, 0) TH_LOG("open %s: %s", okvm_dev_path(), strerror(errno));
	EXPECT_EQ(1, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_APIC_BUS_CYCLES_NS));
	close(fd);
	vm = okvm_vm_create();
	EXPECT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_APIC_BUS_CYCLES_NS));
	okvm_vm_free(vm);
	/* 1 GHz over a divider of 2: 500000 counts a millisecond. */
	expect_rate(_metadata, 500000ULL, measure(0, TDCR_DIV_2));
}

TEST(twice_the_bus_cycle_counts_half_as_fast)
{
	u64 fast = measure(1, TDCR_DIV_2);
	u64 slow = measure(2, TDCR_DIV_2);

	expect_rate(_metadata, 500000ULL, fast);
	expect_rate(_metadata, 250000ULL, slow);
	expect_rate(_metadata, fast / 2, slow);
}

TEST(bus_cycle_and_divider_multiply)
{
	/* 25 MHz (40 ns) over 16. */
	expect_rate(_metadata, 25000ULL / 16, measure(40, TDCR_DIV_16));
}

TEST(enable_cap_rules)
{
	/* The longest count, 2^32 - 1 at a divider of 128, must fit 64 bits of ns. */
	u64 largest = UINT64_MAX / (0xffffffffULL * 128);
	struct okvm_vm *vm;

	vm = okvm_vm_create();
	errno = 0;
	EXPECT_EQ(-1, enable_bus_cycles(vm, 1, 0));
	EXPECT_EQ(ENXIO, errno) TH_LOG("without an irqchip");
	okvm_vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	EXPECT_EQ(-1, enable_bus_cycles(vm, 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("a period of 0");
	EXPECT_EQ(-1, enable_bus_cycles(vm, largest + 1, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("a period that overflows");
	EXPECT_EQ(-1, enable_bus_cycles(vm, 2, 1));
	EXPECT_EQ(EINVAL, errno) TH_LOG("flags");
	EXPECT_EQ(0, enable_bus_cycles(vm, largest, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, enable_bus_cycles(vm, 3, 0)) TH_LOG("again, before a vCPU");
	okvm_vcpu_create(vm, 0);
	EXPECT_EQ(-1, enable_bus_cycles(vm, 2, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("after a vCPU");
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
