// SPDX-License-Identifier: GPL-2.0
/*
 * MSR_K7_HWCR keeps McStatusWrEn (18) and TscFreqSel (24); a write of the
 * TLB cache, flush filter or IGNNE emulation disable bits (3, 6, 8)
 * succeeds and drops them; any other bit fails the write and changes
 * nothing: KVM_SET_MSRS processes no entry, a guest WRMSR raises #GP. The
 * VMM finds the MSR in KVM_GET_MSR_INDEX_LIST.
 */
#include <errno.h>
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

#define MSR_K7_HWCR		0xc0010015
#define HWCR_VALID		(BIT_ULL(18) | BIT_ULL(24))
#define HWCR_IGNORED		(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8))

static int set_hwcr(struct okvm_vcpu *vcpu, u64 value)
{
	return okvm_vcpu_set_msr(vcpu, MSR_K7_HWCR, value);
}

static u64 get_hwcr(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry = { .index = MSR_K7_HWCR, .data = ~0ULL } };

	EXPECT_EQ(1, ioctl(vcpu->fd, KVM_GET_MSRS, &buf)) TH_LOG("%s", strerror(errno));
	return buf.entry.data;
}

TEST(listed_for_save_and_restore)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;
	bool found = false;
	unsigned int i;
	int fd = okvm_dev_open(O_RDWR);

	ASSERT_GE(fd, 0) TH_LOG("open %s: %s", okvm_dev_path(), strerror(errno));
	ioctl(fd, KVM_GET_MSR_INDEX_LIST, &probe);
	ASSERT_GT(probe.nmsrs, 0);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	ASSERT_NE(NULL, list);
	list->nmsrs = probe.nmsrs;
	ASSERT_EQ(0, ioctl(fd, KVM_GET_MSR_INDEX_LIST, list)) TH_LOG("%s", strerror(errno));
	for (i = 0; i < list->nmsrs; i++)
		found |= list->indices[i] == MSR_K7_HWCR;
	EXPECT_TRUE(found);
	free(list);
	close(fd);
}

/* Each bit alone from the VMM: kept, dropped, or refused with nothing changed. */
TEST(vmm_writes_each_bit)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int bit;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	EXPECT_EQ(0, get_hwcr(_metadata, vcpu));
	for (bit = 0; bit < 64; bit++) {
		u64 val = BIT_ULL(bit);
		bool legal = val & (HWCR_VALID | HWCR_IGNORED);

		ASSERT_EQ(1, set_hwcr(vcpu, BIT_ULL(24)));
		EXPECT_EQ(legal ? 1 : 0, set_hwcr(vcpu, val)) TH_LOG("bit %u", bit);
		EXPECT_EQ(legal ? val & HWCR_VALID : BIT_ULL(24), get_hwcr(_metadata, vcpu))
			TH_LOG("bit %u", bit);
	}
	EXPECT_EQ(1, set_hwcr(vcpu, HWCR_VALID | HWCR_IGNORED));
	EXPECT_EQ(HWCR_VALID, get_hwcr(_metadata, vcpu));
	okvm_vm_free(vm);
}

static void guest_writes_hwcr(void)
{
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_K7_HWCR), 0);
	guest_wrmsr(MSR_K7_HWCR, BIT_ULL(18) | BIT_ULL(3));
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_K7_HWCR), BIT_ULL(18));
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
	/* SMMLOCK (0) and a reserved bit: #GP, HWCR unchanged. */
	guest_wrmsr(MSR_K7_HWCR, BIT_ULL(0));
	guest_wrmsr(MSR_K7_HWCR, BIT_ULL(18) | BIT_ULL(40));
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 2);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_K7_HWCR), BIT_ULL(18));
	guest_wrmsr(MSR_K7_HWCR, HWCR_VALID);
	GUEST_SYNC(1);
}

TEST(guest_writes_valid_bits_only)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_writes_hwcr, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	EXPECT_EQ(HWCR_VALID, get_hwcr(_metadata, vcpu));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
