// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RDMSR and WRMSR that the kernel does not handle reach userspace
 * with KVM_CAP_X86_USER_SPACE_MSR: an unknown MSR (reason UNKNOWN), a
 * value the MSR refuses (INVAL), an access the MSR filter of
 * KVM_X86_SET_MSR_FILTER denies (FILTER). The guest sees the data
 * userspace returns, or #GP where userspace sets msr.error; without the
 * reason enabled it gets #GP and userspace sees nothing. The filter
 * decides reads and writes separately, the first range covering an access
 * wins, MSRs no range covers get the default, and KVM_GET/SET_MSRS are
 * never filtered. Malformed filters fail with EINVAL as in KVM.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/guest_msr_gp.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/* No CPU has it: both KVM and okvm report it as unknown. */
#define MSR_UNKNOWN		0x474f4f00
#define MSR_K7_HWCR		0xc0010015
#define HWCR_SMMLOCK		BIT_ULL(0)

#define USER_DATA		0x1122334455667788ULL
#define KGS_IN_KERNEL		0x1000ULL
#define KGS_FROM_USER		0xabcd0000ULL
#define KGS_FROM_VMM		0x3000ULL

static int enable_user_space_msr(struct okvm_vm *vm, u64 reasons)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR, .args = { reasons } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

/*
 * Run to the next exit, which must be @want_exit (KVM_EXIT_X86_RDMSR or
 * _WRMSR) for @want_index with @want_reason, msr.error and the pad clear.
 */
static void expect_msr_exit(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
			    u32 want_exit, u32 want_reason, u32 want_index)
{
	struct kvm_run *run = vcpu->run;
	struct okvm_ucall uc;
	char what[256] = "";

	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (run->exit_reason == KVM_EXIT_IO) {
		okvm_vcpu_decode_ucall(vcpu, &uc);
		okvm_ucall_describe(vcpu->vm, &uc, what, sizeof(what));
	}
	ASSERT_EQ(want_exit, run->exit_reason)
		TH_LOG("exit %s %s", okvm_exit_reason_name(run->exit_reason), what);
	EXPECT_EQ(want_reason, run->msr.reason);
	EXPECT_EQ(want_index, run->msr.index);
	EXPECT_EQ(0, run->msr.error);
	EXPECT_EQ(0, run->msr.pad[0] | run->msr.pad[1] | run->msr.pad[2] | run->msr.pad[3] |
		  run->msr.pad[4] | run->msr.pad[5] | run->msr.pad[6]);
}

static int get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry = { .index = index } };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &buf);

	*data = buf.entry.data;
	return r;
}

TEST(caps_answer)
{
	int fd = okvm_dev_open(O_RDWR);

	ASSERT_GE(fd, 0) TH_LOG("open %s: %s", okvm_dev_path(), strerror(errno));
	EXPECT_NE(0, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR));
	EXPECT_NE(0, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER));
	close(fd);
}

static void guest_unknown_msr(void)
{
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_UNKNOWN), USER_DATA);
	guest_wrmsr(MSR_UNKNOWN, USER_DATA + 1);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
	/* Userspace sets msr.error: #GP, and the read loads nothing. */
	guest_rdmsr(MSR_UNKNOWN);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 1);
	guest_wrmsr(MSR_UNKNOWN, 0);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 2);
	GUEST_SYNC(1);
	/* Exits turned off again: plain #GP. */
	guest_rdmsr(MSR_UNKNOWN);
	guest_wrmsr(MSR_UNKNOWN, 0);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 4);
}

TEST(unknown_msr_exits_to_userspace)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_unknown_msr, &vcpu);
	ASSERT_EQ(0, enable_user_space_msr(vm, KVM_MSR_EXIT_REASON_UNKNOWN));

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_UNKNOWN, MSR_UNKNOWN);
	vcpu->run->msr.data = USER_DATA;
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_UNKNOWN, MSR_UNKNOWN);
	EXPECT_EQ(USER_DATA + 1, vcpu->run->msr.data);

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_UNKNOWN, MSR_UNKNOWN);
	vcpu->run->msr.error = 1;
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_UNKNOWN, MSR_UNKNOWN);
	EXPECT_EQ(0, vcpu->run->msr.data);
	vcpu->run->msr.error = 1;
	okvm_vcpu_expect_sync(vcpu, 1);

	ASSERT_EQ(0, enable_user_space_msr(vm, 0));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_reasons_not_enabled(void)
{
	guest_rdmsr(MSR_UNKNOWN);
	guest_wrmsr(MSR_K7_HWCR, HWCR_SMMLOCK);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 2);
}

/* Only the reasons asked for exit: the others raise #GP. */
TEST(other_reasons_raise_gp)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_reasons_not_enabled, &vcpu);
	ASSERT_EQ(0, enable_user_space_msr(vm, KVM_MSR_EXIT_REASON_FILTER));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_invalid_write(void)
{
	guest_wrmsr(MSR_K7_HWCR, HWCR_SMMLOCK);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
	guest_wrmsr(MSR_K7_HWCR, HWCR_SMMLOCK);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 1);
}

/* A known MSR that refuses the value: reason INVAL, and nothing written. */
TEST(invalid_write_exits_to_userspace)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 hwcr;

	vm = okvm_vm_create_msr_guest(guest_invalid_write, &vcpu);
	ASSERT_EQ(0, enable_user_space_msr(vm, KVM_MSR_EXIT_REASON_INVAL));
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_INVAL, MSR_K7_HWCR);
	EXPECT_EQ(HWCR_SMMLOCK, vcpu->run->msr.data);
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_INVAL, MSR_K7_HWCR);
	vcpu->run->msr.error = 1;
	okvm_vcpu_expect_done(vcpu);
	ASSERT_EQ(1, get_msr(vcpu, MSR_K7_HWCR, &hwcr));
	EXPECT_EQ(0, hwcr);
	okvm_vm_free(vm);
}

static void guest_filtered_kgs(void)
{
	/* Reads denied, writes allowed. */
	guest_wrmsr(MSR_KERNEL_GS_BASE, KGS_IN_KERNEL);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_KERNEL_GS_BASE), KGS_FROM_USER);
	GUEST_SYNC(1);
	/* Writes denied, reads allowed: the VMM's value is the MSR's. */
	guest_wrmsr(MSR_KERNEL_GS_BASE, KGS_IN_KERNEL + 1);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_KERNEL_GS_BASE), KGS_FROM_VMM);
	GUEST_SYNC(2);
	/* Filter exits not asked for: #GP. */
	guest_wrmsr(MSR_KERNEL_GS_BASE, 0);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 1);
	GUEST_SYNC(3);
	/* Filter removed: all in the kernel. */
	guest_wrmsr(MSR_KERNEL_GS_BASE, KGS_IN_KERNEL);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_KERNEL_GS_BASE), KGS_IN_KERNEL);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 1);
}

TEST(filter_decides_reads_and_writes_apart)
{
	u64 deny = 0;
	struct kvm_msr_filter deny_reads = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = { .flags = KVM_MSR_FILTER_READ, .nmsrs = 1,
			       .base = MSR_KERNEL_GS_BASE, .bitmap = (u8 *)&deny },
	};
	struct kvm_msr_filter deny_writes = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = { .flags = KVM_MSR_FILTER_WRITE, .nmsrs = 1,
			       .base = MSR_KERNEL_GS_BASE, .bitmap = (u8 *)&deny },
	};
	struct kvm_msr_filter bad = { .flags = 2 };
	struct kvm_msr_filter none = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 data;

	vm = okvm_vm_create_msr_guest(guest_filtered_kgs, &vcpu);
	ASSERT_EQ(0, enable_user_space_msr(vm, KVM_MSR_EXIT_REASON_FILTER));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &deny_reads))
		TH_LOG("%s", strerror(errno));
	/* A filter refused leaves the one before in place. */
	ASSERT_EQ(-1, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &bad));

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_RDMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_KERNEL_GS_BASE);
	/* KVM_GET_MSRS is not filtered: it sees the guest's write. */
	ASSERT_EQ(1, get_msr(vcpu, MSR_KERNEL_GS_BASE, &data));
	EXPECT_EQ(KGS_IN_KERNEL, data);
	vcpu->run->msr.data = KGS_FROM_USER;
	okvm_vcpu_expect_sync(vcpu, 1);

	ASSERT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &deny_writes));
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_KERNEL_GS_BASE);
	EXPECT_EQ(KGS_IN_KERNEL + 1, vcpu->run->msr.data);
	/* Nor is KVM_SET_MSRS. */
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_KERNEL_GS_BASE, KGS_FROM_VMM));
	okvm_vcpu_expect_sync(vcpu, 2);

	ASSERT_EQ(0, enable_user_space_msr(vm, KVM_MSR_EXIT_REASON_UNKNOWN));
	okvm_vcpu_expect_sync(vcpu, 3);

	ASSERT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &none));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_default_deny(void)
{
	/* Range 0 allows KERNEL_GS_BASE reads; range 1 denies its writes. */
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_KERNEL_GS_BASE), 0);
	guest_wrmsr(MSR_KERNEL_GS_BASE, KGS_IN_KERNEL);
	/* STAR is in no range: denied both ways by default. */
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_STAR), USER_DATA);
	guest_wrmsr(MSR_STAR, 0);
	GUEST_SYNC(1);
	/* Default allow: STAR in the kernel, range 1 still denies writes. */
	guest_wrmsr(MSR_STAR, 0);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_STAR), 0);
	guest_wrmsr(MSR_KERNEL_GS_BASE, KGS_IN_KERNEL);
	GUEST_ASSERT_EQ(okvm_guest_msr_gps(), 0);
}

TEST(default_deny_and_first_range_wins)
{
	u64 allow = 1, deny = 0;
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_DENY,
		.ranges = {
			{ .flags = KVM_MSR_FILTER_READ, .nmsrs = 1,
			  .base = MSR_KERNEL_GS_BASE, .bitmap = (u8 *)&allow },
			/* Overlaps range 0, which decides the reads. */
			{ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE, .nmsrs = 1,
			  .base = MSR_KERNEL_GS_BASE, .bitmap = (u8 *)&deny },
		},
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_msr_guest(guest_default_deny, &vcpu);
	ASSERT_EQ(0, enable_user_space_msr(vm, KVM_MSR_EXIT_REASON_FILTER));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter)) TH_LOG("%s", strerror(errno));

	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_KERNEL_GS_BASE);
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_RDMSR, KVM_MSR_EXIT_REASON_FILTER, MSR_STAR);
	vcpu->run->msr.data = USER_DATA;
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR, KVM_MSR_EXIT_REASON_FILTER, MSR_STAR);
	okvm_vcpu_expect_sync(vcpu, 1);

	filter.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter));
	expect_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR,
			KVM_MSR_EXIT_REASON_FILTER, MSR_KERNEL_GS_BASE);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void expect_filter_errno(struct __test_metadata *_metadata, struct okvm_vm *vm,
				struct kvm_msr_filter *filter, int err)
{
	int r;

	errno = 0;
	r = ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, filter);
	EXPECT_EQ(err ? -1 : 0, r);
	EXPECT_EQ(err, errno) TH_LOG("%s", strerror(errno));
}

TEST(bad_filters_refused)
{
	static u8 bitmap[KVM_MSR_FILTER_MAX_BITMAP_SIZE + 8];
	struct kvm_msr_filter filter;
	struct okvm_vm *vm;
	unsigned int bit, i;
	int want;

	vm = okvm_vm_create();
	okvm_vcpu_create(vm, 0);

	for (bit = 0; bit < 32; bit++) {
		memset(&filter, 0, sizeof(filter));
		filter.flags = 1u << bit;
		filter.ranges[0] = (struct kvm_msr_filter_range){
			.flags = KVM_MSR_FILTER_READ, .nmsrs = 1, .bitmap = bitmap,
		};
		want = filter.flags & KVM_MSR_FILTER_VALID_MASK ? 0 : EINVAL;
		expect_filter_errno(_metadata, vm, &filter, want);

		filter.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
		filter.ranges[0].flags = 1u << bit;
		want = filter.ranges[0].flags & KVM_MSR_FILTER_RANGE_VALID_MASK ? 0 : EINVAL;
		expect_filter_errno(_metadata, vm, &filter, want);
	}

	/* A range with MSRs must name reads, writes or both. */
	memset(&filter, 0, sizeof(filter));
	filter.ranges[0] = (struct kvm_msr_filter_range){ .nmsrs = 1, .bitmap = bitmap };
	expect_filter_errno(_metadata, vm, &filter, EINVAL);

	/* A range without MSRs is skipped whatever else it holds... */
	filter.ranges[0] = (struct kvm_msr_filter_range){ .flags = ~0u, .bitmap = NULL };
	EXPECT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter));
	/* ...so that default deny with no MSRs in any range is refused. */
	filter.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	expect_filter_errno(_metadata, vm, &filter, EINVAL);

	/* Bitmaps: at most KVM_MSR_FILTER_MAX_BITMAP_SIZE bytes, readable. */
	filter.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	filter.ranges[0] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_READ, .bitmap = bitmap,
		.nmsrs = KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8,
	};
	EXPECT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter)) TH_LOG("%s", strerror(errno));
	filter.ranges[0].nmsrs++;
	expect_filter_errno(_metadata, vm, &filter, EINVAL);
	filter.ranges[0].nmsrs = ~0u;
	expect_filter_errno(_metadata, vm, &filter, EINVAL);
	filter.ranges[0].nmsrs = 1;
	filter.ranges[0].bitmap = (u8 *)8;
	expect_filter_errno(_metadata, vm, &filter, EFAULT);

	/* All 16 ranges, overlapping, and one that runs past 2^32. */
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		filter.ranges[i] = (struct kvm_msr_filter_range){
			.flags = KVM_MSR_FILTER_WRITE, .base = 0xfffffff0 + i,
			.nmsrs = 32, .bitmap = bitmap,
		};
	EXPECT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter)) TH_LOG("%s", strerror(errno));
	okvm_vm_free(vm);
}

TEST(user_space_msr_reasons_checked)
{
	struct okvm_vm *vm = okvm_vm_create();
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		int r = enable_user_space_msr(vm, BIT_ULL(bit));

		if (BIT_ULL(bit) & KVM_MSR_EXIT_REASON_VALID_MASK) {
			EXPECT_EQ(0, r) TH_LOG("bit %u: %s", bit, strerror(errno));
		} else {
			EXPECT_EQ(-1, r) TH_LOG("bit %u", bit);
			EXPECT_EQ(EINVAL, errno) TH_LOG("bit %u", bit);
		}
	}
	EXPECT_EQ(0, enable_user_space_msr(vm, KVM_MSR_EXIT_REASON_VALID_MASK));
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
