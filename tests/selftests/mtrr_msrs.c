// SPDX-License-Identifier: GPL-2.0
/*
 * The MTRRs, as a VMM restores them (QEMU writes IA32_MTRR_DEF_TYPE and
 * every range at each reset, whatever its guest's CPUID) and as a guest
 * programs them: IA32_MTRRCAP says 8 variable ranges, fixed ranges and
 * write combining, and is read-only; each MTRR keeps what the architecture
 * lets it hold and refuses a reserved memory type (2, 3, 7 and above) or a
 * reserved bit, from the VMM (KVM_SET_MSRS stops at it) and the guest
 * (#GP) alike; the numbers between the fixed ranges are no MSRs;
 * KVM_GET_SUPPORTED_CPUID has the MTRR bit.
 *
 * Plain KVM ABI: the same on kvm_amd.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/guest_msr_gp.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MSR_MTRRCAP		0xfe
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_MTRR_FIX64K_00000	0x250
#define MSR_MTRR_FIX16K_80000	0x258
#define MSR_MTRR_FIX16K_A0000	0x259
#define MSR_MTRR_FIX4K_C0000	0x268
#define MSR_MTRR_FIX4K_F8000	0x26f
#define MSR_MTRR_PHYSBASE(n)	(0x200 + 2 * (n))
#define MSR_MTRR_PHYSMASK(n)	(0x201 + 2 * (n))
#define MTRRCAP_VALUE		0x508ULL
#define TYPE_WB			6ULL
#define DEF_TYPE_E_FE		(BIT_ULL(11) | BIT_ULL(10))
#define PHYSMASK_V		BIT_ULL(11)
#define ALL_WB			0x0606060606060606ULL
/* Without KVM_SET_CPUID2 the physical address width is 36 bits. */
#define PHYS_BITS_DEFAULT	36

static const u32 fixed_mtrrs[] = {
	MSR_MTRR_FIX64K_00000, MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000,
	0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, MSR_MTRR_FIX4K_F8000,
};

struct mtrr_write {
	u32 index;
	u64 value;
	bool legal;
};

static const struct mtrr_write writes[] = {
	{ MSR_MTRR_DEF_TYPE, DEF_TYPE_E_FE | TYPE_WB, true },
	{ MSR_MTRR_DEF_TYPE, 0, true },
	{ MSR_MTRR_DEF_TYPE, 2, false },		/* reserved type */
	{ MSR_MTRR_DEF_TYPE, 7, false },
	{ MSR_MTRR_DEF_TYPE, TYPE_WB | BIT_ULL(9), false },
	{ MSR_MTRR_DEF_TYPE, TYPE_WB | BIT_ULL(12), false },
	{ MSR_MTRR_FIX64K_00000, ALL_WB, true },
	{ MSR_MTRR_FIX4K_F8000, 0x0001040506000104ULL, true },
	{ MSR_MTRR_FIX16K_A0000, ALL_WB | (3ULL << 56), false },
	{ MSR_MTRR_FIX4K_C0000, 0x08, false },
	{ MSR_MTRR_PHYSBASE(0), 0x80000000ULL | TYPE_WB, true },
	{ MSR_MTRR_PHYSBASE(7), (BIT_ULL(PHYS_BITS_DEFAULT) - 0x1000) | 1, true },
	{ MSR_MTRR_PHYSBASE(1), 0x80000000ULL | 3, false },
	{ MSR_MTRR_PHYSBASE(1), 0x80000000ULL | TYPE_WB | BIT_ULL(8), false },
	{ MSR_MTRR_PHYSBASE(1), BIT_ULL(PHYS_BITS_DEFAULT) | TYPE_WB, false },
	{ MSR_MTRR_PHYSMASK(0), (BIT_ULL(PHYS_BITS_DEFAULT) - 0x80000000ULL) | PHYSMASK_V, true },
	{ MSR_MTRR_PHYSMASK(1), 0xfffff000ULL, true },
	{ MSR_MTRR_PHYSMASK(1), PHYSMASK_V | BIT_ULL(0), false },
	{ MSR_MTRR_PHYSMASK(1), PHYSMASK_V | BIT_ULL(63), false },
	{ MSR_MTRRCAP, MTRRCAP_VALUE, false },	/* read-only */
};

TEST(vmm_writes_what_the_architecture_allows)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value, before;
	size_t i;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MTRRCAP, &value));
	EXPECT_EQ(MTRRCAP_VALUE, value);
	for (i = 0; i < ARRAY_SIZE(writes); i++) {
		const struct mtrr_write *w = &writes[i];

		ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, w->index, &before));
		EXPECT_EQ(w->legal ? 1 : 0, okvm_vcpu_set_msr(vcpu, w->index, w->value))
			TH_LOG("MSR 0x%x <- 0x%llx", w->index, w->value);
		ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, w->index, &value));
		EXPECT_EQ(w->legal ? w->value : before, value)
			TH_LOG("MSR 0x%x after writing 0x%llx", w->index, w->value);
	}
	okvm_vm_free(vm);
}

/* As QEMU restores them: one KVM_SET_MSRS with all of them, all taken. */
TEST(a_vmm_restores_them_in_one_call)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entries[1 + ARRAY_SIZE(fixed_mtrrs) + 16];
	} buf = {};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int n = 0, i;
	u64 value;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	buf.entries[n++] = (struct kvm_msr_entry){ .index = MSR_MTRR_DEF_TYPE,
						   .data = DEF_TYPE_E_FE | TYPE_WB };
	for (i = 0; i < ARRAY_SIZE(fixed_mtrrs); i++)
		buf.entries[n++] = (struct kvm_msr_entry){ .index = fixed_mtrrs[i],
							   .data = ALL_WB };
	for (i = 0; i < 8; i++) {
		buf.entries[n++] = (struct kvm_msr_entry){ .index = MSR_MTRR_PHYSBASE(i),
							   .data = (u64)i << 28 | TYPE_WB };
		buf.entries[n++] = (struct kvm_msr_entry){ .index = MSR_MTRR_PHYSMASK(i),
							   .data = 0xff0000000ULL | PHYSMASK_V };
	}
	buf.header.nmsrs = n;
	EXPECT_EQ(n, ioctl(vcpu->fd, KVM_SET_MSRS, &buf));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, buf.entries[i].index, &value));
		EXPECT_EQ(buf.entries[i].data, value) TH_LOG("MSR 0x%x", buf.entries[i].index);
	}
	okvm_vm_free(vm);
}

/* Between and past the ranges: no MSR to the VMM (KVM_GET_MSRS reads none). */
TEST(the_gaps_are_no_mtrrs)
{
	static const u32 gaps[] = { 0x251, 0x257, 0x25a, 0x267, 0x270, MSR_MTRR_PHYSMASK(9) };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value;
	size_t i;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	for (i = 0; i < ARRAY_SIZE(gaps); i++) {
		EXPECT_EQ(0, okvm_vcpu_get_msr(vcpu, gaps[i], &value)) TH_LOG("MSR 0x%x", gaps[i]);
		EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, gaps[i], 0)) TH_LOG("MSR 0x%x", gaps[i]);
	}
	okvm_vm_free(vm);
}

TEST(supported_cpuid_has_mtrr)
{
	int fd = okvm_dev_open(O_RDWR);
	struct kvm_cpuid_entry2 e;

	ASSERT_LE(0, fd);
	ASSERT_TRUE(okvm_supported_cpuid_entry(fd, 1, 0, &e));
	EXPECT_TRUE(e.edx & BIT_ULL(12));
	close(fd);
}

static void guest_programs_mtrrs(void)
{
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MTRRCAP), MTRRCAP_VALUE);
	guest_wrmsr(MSR_MTRR_PHYSBASE(0), TYPE_WB);
	guest_wrmsr(MSR_MTRR_PHYSMASK(0), 0xf80000000ULL | PHYSMASK_V);
	guest_wrmsr(MSR_MTRR_FIX64K_00000, ALL_WB);
	guest_wrmsr(MSR_MTRR_DEF_TYPE, DEF_TYPE_E_FE);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MTRR_DEF_TYPE), DEF_TYPE_E_FE);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MTRR_PHYSBASE(0)), TYPE_WB);
	/* A reserved type, a reserved bit, the read-only capabilities: #GP each. */
	guest_wrmsr(MSR_MTRR_DEF_TYPE, 2);
	guest_wrmsr(MSR_MTRR_PHYSMASK(0), PHYSMASK_V | 1);
	guest_wrmsr(MSR_MTRRCAP, 0);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 3);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MTRR_DEF_TYPE), DEF_TYPE_E_FE);
	GUEST_SYNC(1);
}

TEST(guest_programs_them)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value;

	vm = okvm_vm_create_msr_guest(guest_programs_mtrrs, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MTRR_FIX64K_00000, &value));
	EXPECT_EQ(ALL_WB, value);
	ASSERT_EQ(1, okvm_vcpu_get_msr(vcpu, MSR_MTRR_PHYSMASK(0), &value));
	EXPECT_EQ(0xf80000000ULL | PHYSMASK_V, value);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
