// SPDX-License-Identifier: GPL-2.0
/*
 * The device fd names the feature MSRs (KVM_CAP_GET_MSR_FEATURES,
 * KVM_GET_MSR_FEATURE_INDEX_LIST) and reads them (KVM_GET_MSRS on the device
 * fd), and a vCPU takes what they offer: MSR_AMD64_DE_CFG and
 * MSR_IA32_UCODE_REV, which KVM on AMD lists too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "lib/dev_fixture.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MSR_IA32_UCODE_REV			0x0000008b
#define MSR_AMD64_DE_CFG			0xc0011029
#define MSR_AMD64_DE_CFG_LFENCE_SERIALIZE	BIT_ULL(1)
/* No MSR of any x86 CPU, and no feature MSR of KVM's. */
#define MSR_NONE				0x4f4b0000

/* A new vCPU's microcode revision, on kvm_amd and okvm. */
#define UCODE_REV_DEFAULT			0x01000065ULL

struct msr_buf {
	struct kvm_msrs header;
	struct kvm_msr_entry entries[4];
};

/* KVM_GET_MSR_FEATURE_INDEX_LIST into a new allocation; free() it. */
static struct kvm_msr_list *feature_list(struct __test_metadata *_metadata, int fd)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;

	EXPECT_EQ(-1, ioctl(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe));
	EXPECT_EQ(E2BIG, errno) TH_LOG("%s", strerror(errno));
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (!list)
		return NULL;
	list->nmsrs = probe.nmsrs;
	EXPECT_EQ(0, ioctl(fd, KVM_GET_MSR_FEATURE_INDEX_LIST, list))
		TH_LOG("KVM_GET_MSR_FEATURE_INDEX_LIST(%u): %s", probe.nmsrs, strerror(errno));
	EXPECT_EQ(probe.nmsrs, list->nmsrs);
	return list;
}

static bool listed(const struct kvm_msr_list *list, u32 msr)
{
	unsigned int i;

	for (i = 0; i < list->nmsrs; i++)
		if (list->indices[i] == msr)
			return true;
	return false;
}

TEST_F(dev, capability_announces_feature_msrs)
{
	EXPECT_GT(ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES), 0);
}

TEST_F(dev, list_names_de_cfg_and_ucode_rev)
{
	struct kvm_msr_list *list = feature_list(_metadata, self->fd);

	ASSERT_NE(NULL, list);
	EXPECT_TRUE(listed(list, MSR_AMD64_DE_CFG));
	EXPECT_TRUE(listed(list, MSR_IA32_UCODE_REV));
	free(list);
}

/* Every listed MSR reads; DE_CFG offers at most LFENCE_SERIALIZE. */
TEST_F(dev, every_listed_msr_reads)
{
	struct kvm_msr_list *list = feature_list(_metadata, self->fd);
	struct msr_buf buf = {};
	unsigned int i;

	ASSERT_NE(NULL, list);
	for (i = 0; i < list->nmsrs; i++) {
		buf.header.nmsrs = 1;
		buf.entries[0].index = list->indices[i];
		buf.entries[0].data = ~0ULL;
		EXPECT_EQ(1, ioctl(self->fd, KVM_GET_MSRS, &buf))
			TH_LOG("MSR 0x%x: %s", list->indices[i], strerror(errno));
		if (list->indices[i] == MSR_AMD64_DE_CFG)
			EXPECT_EQ(0, buf.entries[0].data & ~MSR_AMD64_DE_CFG_LFENCE_SERIALIZE)
				TH_LOG("DE_CFG 0x%llx", buf.entries[0].data);
	}
	free(list);
}

/* The read stops at the first MSR that is not a feature MSR. */
TEST_F(dev, read_stops_at_unknown_msr)
{
	struct msr_buf buf = {
		.header.nmsrs = 3,
		.entries = {
			{ .index = MSR_AMD64_DE_CFG },
			{ .index = MSR_NONE },
			{ .index = MSR_IA32_UCODE_REV },
		},
	};

	EXPECT_EQ(1, ioctl(self->fd, KVM_GET_MSRS, &buf)) TH_LOG("%s", strerror(errno));
	buf.header.nmsrs = 256;
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_MSRS, &buf));
	EXPECT_EQ(E2BIG, errno) TH_LOG("%s", strerror(errno));
}

static u64 guest_ucode_rev_written;

/* What the guest reads, then its write to UCODE_REV, which changes nothing. */
static void guest_read_feature_msrs(void)
{
	GUEST_SYNC(guest_rdmsr(MSR_AMD64_DE_CFG));
	GUEST_SYNC(guest_rdmsr(MSR_IA32_UCODE_REV));
	guest_wrmsr(MSR_IA32_UCODE_REV, READ_ONCE(guest_ucode_rev_written));
	GUEST_SYNC(guest_rdmsr(MSR_IA32_UCODE_REV));
}

static int vcpu_msr(struct okvm_vcpu *vcpu, unsigned long nr, u32 index, u64 *data)
{
	struct msr_buf buf = { .header.nmsrs = 1, .entries[0] = { .index = index } };
	int r;

	buf.entries[0].data = *data;
	r = ioctl(vcpu->fd, nr, &buf);
	*data = buf.entries[0].data;
	return r;
}

/*
 * A vCPU takes the DE_CFG the device offers and refuses more; its
 * microcode revision is the VMM's to set, and the guest reads both.
 */
TEST_F(dev, vcpu_takes_offered_values)
{
	struct msr_buf dev_buf = {
		.header.nmsrs = 1, .entries[0] = { .index = MSR_AMD64_DE_CFG },
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 de_cfg, v;

	ASSERT_EQ(1, ioctl(self->fd, KVM_GET_MSRS, &dev_buf)) TH_LOG("%s", strerror(errno));
	de_cfg = dev_buf.entries[0].data;

	vm = okvm_vm_create_long_mode(1, guest_read_feature_msrs, &vcpu);
	v = ~0ULL;
	EXPECT_EQ(1, vcpu_msr(vcpu, KVM_GET_MSRS, MSR_IA32_UCODE_REV, &v));
	EXPECT_EQ(UCODE_REV_DEFAULT, v);

	v = de_cfg | BIT_ULL(63);
	EXPECT_EQ(0, vcpu_msr(vcpu, KVM_SET_MSRS, MSR_AMD64_DE_CFG, &v));
	v = de_cfg;
	EXPECT_EQ(1, vcpu_msr(vcpu, KVM_SET_MSRS, MSR_AMD64_DE_CFG, &v));
	v = 0x1234;
	EXPECT_EQ(1, vcpu_msr(vcpu, KVM_SET_MSRS, MSR_IA32_UCODE_REV, &v));

	guest_ucode_rev_written = 0x5678;
	okvm_sync_global_to_guest(vm, guest_ucode_rev_written);
	okvm_vcpu_expect_sync(vcpu, de_cfg);
	okvm_vcpu_expect_sync(vcpu, 0x1234);
	okvm_vcpu_expect_sync(vcpu, 0x1234);
	okvm_vcpu_expect_done(vcpu);

	v = ~0ULL;
	EXPECT_EQ(1, vcpu_msr(vcpu, KVM_GET_MSRS, MSR_AMD64_DE_CFG, &v));
	EXPECT_EQ(de_cfg, v);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
