// SPDX-License-Identifier: GPL-2.0
/*
 * The machine-check registers as a VMM sets them up and restores them and
 * a guest programs them: KVM_CAP_MCE says 32 banks, which a new vCPU has;
 * KVM_X86_SETUP_MCE takes 1 to 32 banks with supported bits only and sets
 * MCG_CTL and every MCi_CTL to all ones; MCG_CAP is read-only; MCG_CTL and
 * MCi_CTL hold 0 or all ones (MCi_CTL's bits 10 and 0 may be clear); a
 * bank past the count is no register; a guest writes MCi_STATUS other than
 * 0 only with HWCR.McStatusWrEn (#GP otherwise); QEMU's restore (MCG_STATUS,
 * MCG_CTL and the banks in one KVM_SET_MSRS) is taken whole; the supported
 * CPUID has MCE and MCA; MCi_CTL2 (CMCI's, which AMD lacks) reads 0 for the
 * VMM, takes 0 from it and #GPs in the guest; the Pentium's P5_MC_ADDR and
 * P5_MC_TYPE read 0 and are read-only; a second setup without MCG_CTL_P
 * leaves MCG_CTL as it was.
 *
 * Plain KVM ABI: the same on kvm_amd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/guest_msr_gp.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC_CTL(i)		(0x400 + 4 * (i))
#define MSR_MC_STATUS(i)	(0x401 + 4 * (i))
#define MSR_MC_ADDR(i)		(0x402 + 4 * (i))
#define MSR_MC_MISC(i)		(0x403 + 4 * (i))
#define MSR_MC_CTL2(i)		(0x280 + (i))
#define MSR_P5_MC_ADDR		0
#define MSR_P5_MC_TYPE		1
#define MSR_K7_HWCR		0xc0010015
#define HWCR_MCSTATUSWREN	BIT_ULL(18)
#define MCG_CTL_P		BIT_ULL(8)
#define MCG_CMCI_P		BIT_ULL(10)
#define MCG_SER_P		BIT_ULL(24)
#define MAX_BANKS		32
#define BANKS			10

static int setup_mce(struct okvm_vcpu *vcpu, u64 mcg_cap)
{
	return ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &mcg_cap);
}

static u64 get(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu, u32 index)
{
	u64 value = 0xdead;

	EXPECT_EQ(1, okvm_vcpu_get_msr(vcpu, index, &value)) TH_LOG("MSR 0x%x", index);
	return value;
}

TEST(a_new_vcpu_has_every_bank)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value;

	vm = okvm_vm_create();
	EXPECT_EQ(MAX_BANKS, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE));
	vcpu = okvm_vcpu_create(vm, 0);
	EXPECT_EQ(MAX_BANKS, get(_metadata, vcpu, MSR_MCG_CAP));
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MC_MISC(MAX_BANKS - 1), 0x1234));
	EXPECT_EQ(0x1234, get(_metadata, vcpu, MSR_MC_MISC(MAX_BANKS - 1)));
	EXPECT_EQ(0, okvm_vcpu_get_msr(vcpu, MSR_MC_CTL(MAX_BANKS), &value));
	/* No MCG_CTL_P: the VMM may write 0 there, nothing else. */
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MCG_CTL, 0));
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MCG_CTL, ~0ULL));
	okvm_vm_free(vm);
}

TEST(setup_takes_what_kvm_takes)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value;
	int i;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	EXPECT_EQ(-1, setup_mce(vcpu, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setup_mce(vcpu, MAX_BANKS + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setup_mce(vcpu, BANKS | MCG_CMCI_P));
	EXPECT_EQ(EINVAL, errno);
	/* Taken, and kept as AMD has it: bits 8:0 (MCG_SER_P is Intel's). */
	ASSERT_EQ(0, setup_mce(vcpu, BANKS | MCG_CTL_P | MCG_SER_P));
	EXPECT_EQ(BANKS | MCG_CTL_P, get(_metadata, vcpu, MSR_MCG_CAP));
	EXPECT_EQ(~0ULL, get(_metadata, vcpu, MSR_MCG_CTL));
	for (i = 0; i < BANKS; i++)
		EXPECT_EQ(~0ULL, get(_metadata, vcpu, MSR_MC_CTL(i))) TH_LOG("bank %d", i);
	EXPECT_EQ(0, okvm_vcpu_get_msr(vcpu, MSR_MC_CTL(BANKS), &value));
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MC_STATUS(BANKS), 0));
	/* Read-only, and only the two values. */
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MCG_CAP, BANKS));
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MCG_CTL, 1));
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MCG_CTL, 0));
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MC_CTL(2), 0xff));
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MC_CTL(4), ~0ULL & ~BIT_ULL(10)));
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MC_CTL(1), ~0ULL & ~BIT_ULL(0)));
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MC_CTL(3), 0));
	EXPECT_EQ(0, get(_metadata, vcpu, MSR_MC_CTL(3)));
	/* The VMM restores a status as it was. */
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MC_STATUS(5), 0xb200000000000000ULL));
	EXPECT_EQ(0xb200000000000000ULL, get(_metadata, vcpu, MSR_MC_STATUS(5)));
	okvm_vm_free(vm);
}

TEST(ctl2_and_p5_registers_as_on_amd)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	ASSERT_EQ(0, setup_mce(vcpu, BANKS | MCG_CTL_P));
	EXPECT_EQ(0, get(_metadata, vcpu, MSR_MC_CTL2(0)));
	EXPECT_EQ(0, get(_metadata, vcpu, MSR_MC_CTL2(BANKS - 1)));
	EXPECT_EQ(0, okvm_vcpu_get_msr(vcpu, MSR_MC_CTL2(BANKS), &value));
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_MC_CTL2(0), 0));
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MC_CTL2(0), 1));
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_MC_CTL2(BANKS), 0));
	EXPECT_EQ(0, get(_metadata, vcpu, MSR_P5_MC_ADDR));
	EXPECT_EQ(0, get(_metadata, vcpu, MSR_P5_MC_TYPE));
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_P5_MC_ADDR, 0));
	/* MCG_CTL keeps its all ones through a setup that has no MCG_CTL_P. */
	ASSERT_EQ(0, setup_mce(vcpu, BANKS));
	EXPECT_EQ(BANKS, get(_metadata, vcpu, MSR_MCG_CAP));
	EXPECT_EQ(~0ULL, get(_metadata, vcpu, MSR_MCG_CTL));
	okvm_vm_free(vm);
}

/* As QEMU restores them: one KVM_SET_MSRS with all of them, all taken. */
TEST(a_vmm_restores_them_in_one_call)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entries[2 + 4 * BANKS];
	} buf = {};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int n = 0, i;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	ASSERT_EQ(0, setup_mce(vcpu, BANKS | MCG_CTL_P | MCG_SER_P));
	buf.entries[n++] = (struct kvm_msr_entry){ .index = MSR_MCG_STATUS, .data = 0 };
	buf.entries[n++] = (struct kvm_msr_entry){ .index = MSR_MCG_CTL, .data = ~0ULL };
	for (i = 0; i < 4 * BANKS; i++)
		buf.entries[n++] = (struct kvm_msr_entry){ .index = MSR_MC_CTL(0) + i,
							   .data = i % 4 ? i : ~0ULL };
	buf.header.nmsrs = n;
	EXPECT_EQ(n, ioctl(vcpu->fd, KVM_SET_MSRS, &buf));
	for (i = 0; i < n; i++)
		EXPECT_EQ(buf.entries[i].data, get(_metadata, vcpu, buf.entries[i].index));
	okvm_vm_free(vm);
}

TEST(supported_cpuid_has_mce_and_mca)
{
	int fd = okvm_dev_open(O_RDWR);
	struct kvm_cpuid_entry2 e;

	ASSERT_LE(0, fd);
	ASSERT_TRUE(okvm_supported_cpuid_entry(fd, 1, 0, &e));
	EXPECT_EQ(BIT_ULL(7) | BIT_ULL(14), e.edx & (BIT_ULL(7) | BIT_ULL(14)));
	close(fd);
}

static void guest_programs_banks(void)
{
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MCG_CAP), BANKS | MCG_CTL_P);
	guest_wrmsr(MSR_MC_CTL(0), ~0ULL);
	guest_wrmsr(MSR_MC_STATUS(0), 0);
	guest_wrmsr(MSR_MCG_CTL, ~0ULL);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
	/* A status other than 0 without McStatusWrEn; the read-only MCG_CAP; no bank 10. */
	guest_wrmsr(MSR_MC_STATUS(1), 1);
	guest_wrmsr(MSR_MCG_CAP, 0);
	guest_wrmsr(MSR_MC_CTL(BANKS), 0);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 3);
	guest_wrmsr(MSR_K7_HWCR, HWCR_MCSTATUSWREN);
	guest_wrmsr(MSR_MC_STATUS(1), 1);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 3);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MC_STATUS(1)), 1);
	/* The P5 registers read 0; CMCI's MCi_CTL2 is no register for the guest. */
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_P5_MC_ADDR), 0);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_P5_MC_TYPE), 0);
	guest_rdmsr(MSR_MC_CTL2(0));
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 4);
	GUEST_SYNC(1);
}

TEST(guest_programs_them)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_programs_banks, &vcpu);
	ASSERT_EQ(0, setup_mce(vcpu, BANKS | MCG_CTL_P));
	okvm_vcpu_expect_sync(vcpu, 1);
	EXPECT_EQ(1, get(_metadata, vcpu, MSR_MC_STATUS(1)));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
