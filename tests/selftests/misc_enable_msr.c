// SPDX-License-Identifier: GPL-2.0
/*
 * IA32_MISC_ENABLE as KVM keeps it: a vCPU starts with PEBS and BTS
 * unavailable and nothing else; a guest cannot change those two bits (#GP)
 * and its writes to EMON are dropped, while other bits it writes stay; the
 * VMM may set any bit. (ENABLE_MONITOR and CPUID: monitor_mwait.)
 *
 * Plain KVM ABI: the same on kvm_amd.
 */
#include "kselftest_harness.h"
#include "lib/guest_msr_gp.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MSR_MISC_ENABLE		0x1a0
#define MISC_ENABLE_FAST_STRING	BIT_ULL(0)
#define MISC_ENABLE_EMON	BIT_ULL(7)
#define MISC_ENABLE_BTS_UNAVAIL	BIT_ULL(11)
#define MISC_ENABLE_PEBS_UNAVAIL BIT_ULL(12)
#define MISC_ENABLE_AT_RESET	(MISC_ENABLE_PEBS_UNAVAIL | MISC_ENABLE_BTS_UNAVAIL)

static void guest_writes(void)
{
	u64 start = guest_rdmsr(MSR_MISC_ENABLE);

	GUEST_ASSERT_EQ(start, MISC_ENABLE_AT_RESET);
	guest_wrmsr(MSR_MISC_ENABLE, start & ~MISC_ENABLE_PEBS_UNAVAIL);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 1);
	guest_wrmsr(MSR_MISC_ENABLE, start & ~MISC_ENABLE_BTS_UNAVAIL);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 2);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MISC_ENABLE), start);
	/* EMON: taken without a fault, and dropped. */
	guest_wrmsr(MSR_MISC_ENABLE, start | MISC_ENABLE_EMON);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 2);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MISC_ENABLE), start);
	guest_wrmsr(MSR_MISC_ENABLE, start | MISC_ENABLE_FAST_STRING);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 2);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MISC_ENABLE), start | MISC_ENABLE_FAST_STRING);
	GUEST_SYNC(1);
}

TEST(starts_with_no_pebs_and_no_bts)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value = 0;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MISC_ENABLE, &value));
	EXPECT_EQ(MISC_ENABLE_AT_RESET, value);
	okvm_vm_free(vm);
}

TEST(guest_keeps_pebs_bts_and_emon)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_writes, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(vmm_sets_any_bit)
{
	static const u64 values[] = {
		0, MISC_ENABLE_EMON, MISC_ENABLE_AT_RESET | MISC_ENABLE_EMON,
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int i;
	u64 value;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MISC_ENABLE, values[i]));
		value = ~0ULL;
		ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MISC_ENABLE, &value));
		EXPECT_EQ(values[i], value);
	}
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
