// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID table the host sets with KVM_SET_CPUID2 is what the guest's
 * CPUID instruction returns, and what KVM_GET_CPUID2 gives back.
 *
 * The distinctive values go in the hypervisor leaves 0x40000000-1, which no
 * hypervisor logic needs for a guest that never looks for paravirtual
 * features; changing leaf 0's vendor string instead would switch KVM
 * between its AMD and Intel emulation quirks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define LEAF_HYPERVISOR_BASE	0x40000000
#define LEAF_HYPERVISOR_NEXT	0x40000001

/* Registers of leaf 0x40000000: the highest leaf, then "okvmtestcpid". */
static const u32 base_leaf[4] = { LEAF_HYPERVISOR_NEXT, 0x6d766b6f, 0x74736574, 0x64697063 };
static const u32 next_leaf[4] = { 0x13579bdf, 0x2468ace0, 0xfedcba98, 0x01234567 };

static void guest_report_hypervisor_leaves(void)
{
	u32 regs[4];

	guest_cpuid(LEAF_HYPERVISOR_BASE, 0, &regs[0], &regs[1], &regs[2], &regs[3]);
	GUEST_SYNC(regs[0]);
	GUEST_SYNC(regs[1]);
	GUEST_SYNC(regs[2]);
	GUEST_SYNC(regs[3]);
	guest_cpuid(LEAF_HYPERVISOR_NEXT, 0, &regs[0], &regs[1], &regs[2], &regs[3]);
	GUEST_SYNC(regs[0]);
	GUEST_SYNC(regs[1]);
	GUEST_SYNC(regs[2]);
	GUEST_SYNC(regs[3]);
	/* Leaf 0 is the host's supported table, untouched. */
	guest_cpuid(0, 0, &regs[0], &regs[1], &regs[2], &regs[3]);
	GUEST_SYNC(regs[1]);
}

/* Set @leaf's registers, adding the entry if the table has none. */
static void set_leaf(struct kvm_cpuid2 **cpuid, u32 leaf, const u32 regs[4])
{
	struct kvm_cpuid_entry2 *entry = NULL;
	unsigned int i;

	for (i = 0; i < (*cpuid)->nent; i++)
		if ((*cpuid)->entries[i].function == leaf)
			entry = &(*cpuid)->entries[i];
	if (!entry) {
		*cpuid = realloc(*cpuid, sizeof(**cpuid) +
				 ((*cpuid)->nent + 1) * sizeof((*cpuid)->entries[0]));
		OKVM_REQUIRE(*cpuid, "out of memory");
		entry = &(*cpuid)->entries[(*cpuid)->nent++];
		memset(entry, 0, sizeof(*entry));
		entry->function = leaf;
	}
	entry->index = 0;
	entry->flags = 0;
	entry->eax = regs[0];
	entry->ebx = regs[1];
	entry->ecx = regs[2];
	entry->edx = regs[3];
}

static struct kvm_cpuid_entry2 *find_leaf(struct kvm_cpuid2 *cpuid, u32 leaf, u32 index)
{
	unsigned int i;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == leaf && cpuid->entries[i].index == index)
			return &cpuid->entries[i];
	return NULL;
}

/* A long-mode VM whose vCPU has the supported table with our two leaves. */
static struct okvm_vm *create_vm_with_leaves(struct okvm_vcpu **vcpu,
					     struct kvm_cpuid2 **cpuid)
{
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_report_hypervisor_leaves, vcpu);
	*cpuid = okvm_get_supported_cpuid(vm->dev_fd);
	set_leaf(cpuid, LEAF_HYPERVISOR_BASE, base_leaf);
	set_leaf(cpuid, LEAF_HYPERVISOR_NEXT, next_leaf);
	okvm_vcpu_ioctl(*vcpu, KVM_SET_CPUID2, *cpuid);
	return vm;
}

TEST(guest_cpuid_returns_what_host_set)
{
	struct kvm_cpuid_entry2 *leaf0;
	struct kvm_cpuid2 *cpuid;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int i;

	vm = create_vm_with_leaves(&vcpu, &cpuid);
	for (i = 0; i < 4; i++)
		okvm_vcpu_expect_sync(vcpu, base_leaf[i]);
	for (i = 0; i < 4; i++)
		okvm_vcpu_expect_sync(vcpu, next_leaf[i]);
	leaf0 = find_leaf(cpuid, 0, 0);
	ASSERT_NE(NULL, leaf0);
	okvm_vcpu_expect_sync(vcpu, leaf0->ebx);
	okvm_vcpu_expect_done(vcpu);
	free(cpuid);
	okvm_vm_free(vm);
}

TEST(get_cpuid2_returns_what_host_set)
{
	struct kvm_cpuid2 *cpuid, *back;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int i;

	vm = create_vm_with_leaves(&vcpu, &cpuid);
	back = calloc(1, sizeof(*back) + 512 * sizeof(back->entries[0]));
	ASSERT_NE(NULL, back);
	back->nent = 512;
	okvm_vcpu_ioctl(vcpu, KVM_GET_CPUID2, back);
	EXPECT_EQ(cpuid->nent, back->nent);

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *set = &cpuid->entries[i];
		struct kvm_cpuid_entry2 *got = find_leaf(back, set->function, set->index);

		EXPECT_NE(NULL, got) TH_LOG("leaf 0x%x.%u is missing", set->function, set->index);
		if (!got)
			continue;
		/*
		 * KVM keeps some bits in sync with vCPU state (OSXSAVE,
		 * APIC, XSAVE sizes); the leaves the host chose are exact.
		 */
		if (set->function != LEAF_HYPERVISOR_BASE &&
		    set->function != LEAF_HYPERVISOR_NEXT && set->function != 0)
			continue;
		EXPECT_EQ(set->eax, got->eax) TH_LOG("leaf 0x%x eax", set->function);
		EXPECT_EQ(set->ebx, got->ebx) TH_LOG("leaf 0x%x ebx", set->function);
		EXPECT_EQ(set->ecx, got->ecx) TH_LOG("leaf 0x%x ecx", set->function);
		EXPECT_EQ(set->edx, got->edx) TH_LOG("leaf 0x%x edx", set->function);
	}
	free(back);
	free(cpuid);
	okvm_vm_free(vm);
}

TEST(get_cpuid2_too_small_fails_e2big)
{
	struct kvm_cpuid2 *cpuid, *small;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = create_vm_with_leaves(&vcpu, &cpuid);
	small = calloc(1, sizeof(*small) + sizeof(small->entries[0]));
	ASSERT_NE(NULL, small);
	small->nent = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_CPUID2, small));
	EXPECT_EQ(E2BIG, errno) TH_LOG("%s", strerror(errno));
	free(small);
	free(cpuid);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
