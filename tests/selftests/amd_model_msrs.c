// SPDX-License-Identifier: GPL-2.0
/*
 * The model-specific MSRs that guests use without a check, as if every
 * AMD CPU had them (Linux's MTRR code reads SYSCFG with a plain RDMSR, and
 * an "unchecked MSR access error" follows a #GP): the guest and the VMM
 * read 0 from each, K7's CLK_CTL reads its ramp-up count, the errata
 * workarounds' writes are taken and dropped, and SYSCFG stays read-only.
 *
 * Plain KVM ABI: the same on kvm_amd.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/guest_msr_gp.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MSR_EBL_CR_POWERON	0x2a
#define MSR_PERF_CTL		0x199
#define MSR_K7_CLK_CTL		0xc001001b
#define MSR_NB_CFG		0xc001001f
#define MSR_PATCH_LOADER	0xc0010020
#define MSR_SYSCFG		0xc0010010
#define MSR_INT_PENDING_MSG	0xc0010055
#define MSR_MMIO_CONF_BASE	0xc0010058
#define MSR_TSEG_ADDR		0xc0010112
#define MSR_TSEG_MASK		0xc0010113
#define MSR_VM_HSAVE_PA		0xc0010117
#define MSR_DC_CFG		0xc0011022
#define MSR_TW_CFG		0xc0011023
#define MSR_BU_CFG2		0xc001102a
#define MSR_EX_CFG		0xc001102c
#define CLK_CTL_RAMP		0x20000000ULL

static const u32 zero_msrs[] = {
	MSR_EBL_CR_POWERON, MSR_PERF_CTL, MSR_SYSCFG, MSR_TSEG_ADDR, MSR_TSEG_MASK,
	MSR_INT_PENDING_MSG, MSR_VM_HSAVE_PA, MSR_NB_CFG, MSR_MMIO_CONF_BASE,
	MSR_BU_CFG2, MSR_DC_CFG, MSR_TW_CFG, MSR_EX_CFG,
};

static const u32 dropped_writes[] = {
	MSR_NB_CFG, MSR_PATCH_LOADER, MSR_BU_CFG2, MSR_DC_CFG, MSR_TW_CFG, MSR_EX_CFG,
	MSR_K7_CLK_CTL,
};

static void guest_reads_and_writes(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(zero_msrs); i++)
		GUEST_ASSERT_EQ(guest_rdmsr(zero_msrs[i]), 0);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_K7_CLK_CTL), CLK_CTL_RAMP);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
	for (i = 0; i < ARRAY_SIZE(dropped_writes); i++)
		guest_wrmsr(dropped_writes[i], BIT_ULL(24) | 1);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_NB_CFG), 0);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_BU_CFG2), 0);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_K7_CLK_CTL), CLK_CTL_RAMP);
	/* Read-only: a write is refused. */
	guest_wrmsr(MSR_SYSCFG, 0);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 1);
	GUEST_SYNC(1);
}

TEST(guest_reads_zero_and_its_workarounds_are_dropped)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_reads_and_writes, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(vmm_reads_zero)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int i;
	u64 value;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	for (i = 0; i < ARRAY_SIZE(zero_msrs); i++) {
		value = 0xdead;
		EXPECT_EQ(1, okvm_vcpu_get_msr(vcpu, zero_msrs[i], &value))
			TH_LOG("MSR 0x%x", zero_msrs[i]);
		EXPECT_EQ(0, value) TH_LOG("MSR 0x%x", zero_msrs[i]);
	}
	EXPECT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_K7_CLK_CTL, &value));
	EXPECT_EQ(CLK_CTL_RAMP, value);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
