// SPDX-License-Identifier: GPL-2.0
/*
 * The CR4 bits a vCPU may hold are those whose CPUID feature the
 * hypervisor offers (KVM_GET_SUPPORTED_CPUID) and, once KVM_SET_CPUID2 gave
 * it a table, that table has: KVM_SET_SREGS refuses the others and changes
 * nothing, and a guest's MOV to CR4 raises #GP for them, as it does for
 * clearing PAE in long mode and for bits 63:32. The host's own CPUID does
 * not decide.
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

/* A CR4 bit and the CPUID feature (leaf, subleaf 0) it needs. */
struct cr4_feature {
	u64 cr4;
	u32 leaf;
	int reg;	/* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
	int bit;
};

static const struct cr4_feature features[] = {
	{ X86_CR4_VMXE,		1, 2, 5 },
	{ X86_CR4_SMXE,		1, 2, 6 },
	{ X86_CR4_PCIDE,	1, 2, 17 },
	{ X86_CR4_OSXSAVE,	1, 2, 26 },
	{ X86_CR4_FSGSBASE,	7, 1, 0 },
	{ X86_CR4_SMEP,		7, 1, 7 },
	{ X86_CR4_SMAP,		7, 1, 20 },
	{ X86_CR4_UMIP,		7, 2, 2 },
	{ X86_CR4_PKE,		7, 2, 3 },
	{ X86_CR4_LA57,		7, 2, 16 },
};

#define CR4_OSXSAVE_FEATURE	3	/* features[] index */

static struct kvm_cpuid_entry2 *find_leaf(struct kvm_cpuid2 *cpuid, u32 leaf)
{
	unsigned int i;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == leaf && cpuid->entries[i].index == 0)
			return &cpuid->entries[i];
	return NULL;
}

static u32 *feature_reg(struct kvm_cpuid2 *cpuid, const struct cr4_feature *f)
{
	struct kvm_cpuid_entry2 *e = find_leaf(cpuid, f->leaf);

	if (!e)
		return NULL;
	switch (f->reg) {
	case 0:
		return &e->eax;
	case 1:
		return &e->ebx;
	case 2:
		return &e->ecx;
	default:
		return &e->edx;
	}
}

static bool has_feature(struct kvm_cpuid2 *cpuid, const struct cr4_feature *f)
{
	u32 *reg = feature_reg(cpuid, f);

	return reg && (*reg & BIT_ULL(f->bit));
}

/* The feature bits of CR4 that @cpuid allows. */
static u64 cr4_allowed_by(struct kvm_cpuid2 *cpuid)
{
	u64 cr4 = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(features); i++)
		if (has_feature(cpuid, &features[i]))
			cr4 |= features[i].cr4;
	return cr4;
}

static void set_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid)
{
	okvm_vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid);
}

/* Every bit @allowed has is taken at once; every other feature bit fails. */
static void check_sregs(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
			u64 allowed)
{
	struct kvm_sregs sregs, bad, now;
	unsigned int i;

	okvm_vcpu_get_sregs(vcpu, &sregs);
	sregs.cr4 |= allowed;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_SREGS, &sregs))
		TH_LOG("CR4 0x%llx: %s", sregs.cr4, strerror(errno));
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(allowed, sregs.cr4 & allowed);

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		if (allowed & features[i].cr4)
			continue;
		bad = sregs;
		bad.cr4 |= features[i].cr4;
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_SREGS, &bad))
			TH_LOG("CR4 bit 0x%llx taken", features[i].cr4);
		EXPECT_EQ(EINVAL, errno);
		okvm_vcpu_get_sregs(vcpu, &now);
		EXPECT_EQ(0, memcmp(&now, &sregs, sizeof(now)))
			TH_LOG("CR4 bit 0x%llx: the refused call changed sregs", features[i].cr4);
	}
}

TEST(sregs_before_set_cpuid_follow_supported)
{
	struct okvm_vm *vm = okvm_vm_create();
	struct okvm_vcpu *vcpu = okvm_vcpu_create(vm, 0);
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vm->dev_fd);

	check_sregs(_metadata, vcpu, cr4_allowed_by(cpuid));
	free(cpuid);
	okvm_vm_free(vm);
}

TEST(sregs_after_set_cpuid_follow_the_guests)
{
	struct okvm_vm *vm = okvm_vm_create();
	struct okvm_vcpu *vcpu = okvm_vcpu_create(vm, 0);
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vm->dev_fd);
	unsigned int i;

	/* Every other feature the host offers, starting with the first. */
	for (i = 0; i < ARRAY_SIZE(features); i += 2) {
		u32 *reg = feature_reg(cpuid, &features[i]);

		if (reg)
			*reg &= ~BIT_ULL(features[i].bit);
	}
	set_cpuid(vcpu, cpuid);
	check_sregs(_metadata, vcpu, cr4_allowed_by(cpuid));
	free(cpuid);
	okvm_vm_free(vm);
}

u64 guest_gp_count;
static u64 guest_cr4_allowed;

/*
 * Whether a MOV to CR4 with bits 63:32 set must raise #GP. It must, and
 * does on okvm; KVM's instruction emulator, which kvm_amd uses on a CPU
 * without decode assists (QEMU's), keeps only bits 31:0 of the source, as
 * for CR0 (Documentation/api.rst).
 */
static bool check_cr4_high_bits;

/* #GP handler for the 3-byte "mov %rax, %cr4" (0f 22 e0): count, skip it. */
static __naked void guest_gp_skip_mov_cr4(void)
{
	asm("incq guest_gp_count(%rip)\n\t"
	    "addq $3, 8(%rsp)\n\t"
	    "add $8, %rsp\n\t"
	    "iretq");
}

static u64 guest_read_cr4(void)
{
	u64 cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	return cr4;
}

static void guest_write_cr4_rax(u64 cr4)
{
	asm volatile("mov %0, %%cr4" : : "a"(cr4) : "memory");
}

/* A write that must raise #GP and leave CR4 as it was. */
static void guest_cr4_write_fails(u64 bad)
{
	u64 before = READ_ONCE(guest_gp_count), cr4 = guest_read_cr4();

	guest_write_cr4_rax(bad);
	barrier();
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), before + 1);
	GUEST_ASSERT_EQ(guest_read_cr4(), cr4);
}

static void guest_code(void)
{
	u64 allowed = READ_ONCE(guest_cr4_allowed), cr4 = guest_read_cr4();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(features); i++) {
		u64 bit = features[i].cr4;

		/* PCIDE, LA57 and SMAP have conditions of their own. */
		if (bit & (X86_CR4_PCIDE | X86_CR4_LA57 | X86_CR4_SMAP))
			continue;
		if (allowed & bit) {
			guest_write_cr4_rax(cr4 | bit);
			GUEST_ASSERT_EQ(guest_read_cr4(), cr4 | bit);
			guest_write_cr4_rax(cr4);
			GUEST_ASSERT_EQ(guest_read_cr4(), cr4);
		} else {
			guest_cr4_write_fails(cr4 | bit);
		}
	}
	/* Long mode keeps PAE; bits 63:32 are reserved. */
	guest_cr4_write_fails(cr4 & ~X86_CR4_PAE);
	if (READ_ONCE(check_cr4_high_bits))
		guest_cr4_write_fails(cr4 | BIT_ULL(32));
	/* A base bit changes freely. */
	guest_write_cr4_rax(cr4 | X86_CR4_PGE);
	GUEST_ASSERT_EQ(guest_read_cr4(), cr4 | X86_CR4_PGE);
	GUEST_SYNC(guest_read_cr4());
}

/* @drop_xsave: the guest's CPUID has no XSAVE, whatever the host offers. */
static void run_guest(struct __test_metadata *_metadata, bool drop_xsave)
{
	struct okvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_cpuid2 *cpuid;
	struct okvm_vm *vm;
	u32 *xsave;

	vm = okvm_vm_create_long_mode(1, guest_code, &vcpu);
	okvm_guest_set_handler(vm, X86_VEC_GP, guest_gp_skip_mov_cr4);
	cpuid = okvm_get_supported_cpuid(vm->dev_fd);
	xsave = feature_reg(cpuid, &features[CR4_OSXSAVE_FEATURE]);
	if (drop_xsave && xsave)
		*xsave &= ~BIT_ULL(features[CR4_OSXSAVE_FEATURE].bit);
	set_cpuid(vcpu, cpuid);
	guest_cr4_allowed = cr4_allowed_by(cpuid);
	okvm_sync_global_to_guest(vm, guest_cr4_allowed);
	check_cr4_high_bits = okvm_dev_is_okvm(vm->dev_fd);
	okvm_sync_global_to_guest(vm, check_cr4_high_bits);
	free(cpuid);

	okvm_vcpu_get_sregs(vcpu, &sregs);
	okvm_vcpu_expect_sync(vcpu, sregs.cr4 | X86_CR4_PGE);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_TRUE(sregs.cr4 & X86_CR4_PGE);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(guest_mov_cr4_follows_supported_cpuid)
{
	run_guest(_metadata, false);
}

TEST(guest_mov_cr4_follows_reduced_cpuid)
{
	run_guest(_metadata, true);
}

TEST_HARNESS_MAIN
