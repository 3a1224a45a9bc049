// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's TSC and IA32_TSC_ADJUST, with KVM's rules: a guest write of
 * IA32_TSC moves IA32_TSC_ADJUST by the same delta, a guest write of
 * IA32_TSC_ADJUST moves the TSC by its change; the VMM's write of IA32_TSC
 * leaves IA32_TSC_ADJUST alone and its write of IA32_TSC_ADJUST leaves the
 * TSC alone; without TSC_ADJUST in the guest's CPUID the MSR ignores writes.
 * The vCPU attribute KVM_VCPU_TSC_OFFSET reads and sets the offset the
 * guest's RDTSC adds to the host's TSC, and the vCPUs of a VM start with
 * the same offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_TSC_ADJUST	0x0000003b

/*
 * Steps far larger than any test's run time, and a tolerance for the time
 * between two reads that holds under an emulator (2^32 cycles: a second or
 * more at any TSC rate of today).
 */
#define STEP			BIT_ULL(40)
#define TOLERANCE		BIT_ULL(32)

static inline u64 distance(u64 a, u64 b)
{
	return a > b ? a - b : b - a;
}

static inline u64 host_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

static u64 get_msr(struct okvm_vcpu *vcpu, u32 index)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry = { .index = index, .data = ~0ULL } };

	if (ioctl(vcpu->fd, KVM_GET_MSRS, &buf) != 1)
		okvm_fail("KVM_GET_MSRS 0x%x: %s", index, strerror(errno));
	return buf.entry.data;
}

static int tsc_offset_attr(struct okvm_vcpu *vcpu, unsigned long ioctl_nr, u64 group,
			   u64 attr, u64 *value)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (u64)(uintptr_t)value,
	};

	return ioctl(vcpu->fd, ioctl_nr, &a);
}

static u64 get_tsc_offset(struct okvm_vcpu *vcpu)
{
	u64 offset;

	if (tsc_offset_attr(vcpu, KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
			    KVM_VCPU_TSC_OFFSET, &offset))
		okvm_fail("KVM_GET_DEVICE_ATTR: %s", strerror(errno));
	return offset;
}

TEST(tsc_adjust_listed_for_save_and_restore)
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
		found |= list->indices[i] == MSR_IA32_TSC_ADJUST;
	EXPECT_TRUE(found);
	free(list);
	close(fd);
}

/* Guest writes: each MSR follows the other by the delta written. */
static void guest_writes_tsc_and_adjust(void)
{
	u64 tsc, adjust;

	GUEST_ASSERT_EQ(guest_rdmsr(MSR_IA32_TSC_ADJUST), 0);

	tsc = guest_rdmsr(MSR_IA32_TSC);
	guest_wrmsr(MSR_IA32_TSC, tsc + STEP);
	adjust = guest_rdmsr(MSR_IA32_TSC_ADJUST);
	GUEST_ASSERT_LE(distance(adjust, STEP), TOLERANCE);
	GUEST_ASSERT_LE(distance(guest_rdtsc(), tsc + STEP), TOLERANCE);

	/* Moving TSC_ADJUST by 2 steps moves the TSC by as much, exactly. */
	tsc = guest_rdtsc();
	guest_wrmsr(MSR_IA32_TSC_ADJUST, adjust + 2 * STEP);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_IA32_TSC_ADJUST), adjust + 2 * STEP);
	GUEST_ASSERT_LE(distance(guest_rdtsc(), tsc + 2 * STEP), TOLERANCE);
	GUEST_SYNC(1);

	/* The VMM set the TSC 5 steps ahead and TSC_ADJUST to 7 steps. */
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_IA32_TSC_ADJUST), 7 * STEP);
	GUEST_SYNC(guest_rdtsc());
}

TEST(guest_and_vmm_writes_of_tsc_and_adjust)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 tsc, adjust, guest_tsc;

	vm = okvm_vm_create_long_mode(1, guest_writes_tsc_and_adjust, &vcpu);
	EXPECT_EQ(0, get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	okvm_vcpu_expect_sync(vcpu, 1);

	adjust = get_msr(vcpu, MSR_IA32_TSC_ADJUST);
	EXPECT_LE(distance(adjust, 3 * STEP), TOLERANCE);

	/* The VMM's write of the TSC leaves TSC_ADJUST as it was. */
	tsc = get_msr(vcpu, MSR_IA32_TSC);
	EXPECT_LE(distance(tsc, 3 * STEP), 2 * TOLERANCE);
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_IA32_TSC, tsc + 5 * STEP));
	EXPECT_EQ(adjust, get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	EXPECT_LE(distance(get_msr(vcpu, MSR_IA32_TSC), tsc + 5 * STEP), TOLERANCE);

	/* Its write of TSC_ADJUST leaves the TSC alone. */
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, 7 * STEP));
	EXPECT_EQ(7 * STEP, get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	EXPECT_LE(distance(get_msr(vcpu, MSR_IA32_TSC), tsc + 5 * STEP), TOLERANCE);

	guest_tsc = okvm_vcpu_next_sync(vcpu);
	EXPECT_LE(distance(guest_tsc, tsc + 5 * STEP), TOLERANCE);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* Before KVM_SET_CPUID2 the guest has no TSC_ADJUST: writes change nothing. */
TEST(tsc_adjust_needs_it_in_guest_cpuid)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 tsc;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	tsc = get_msr(vcpu, MSR_IA32_TSC);
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, STEP));
	EXPECT_EQ(0, get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	EXPECT_LE(distance(get_msr(vcpu, MSR_IA32_TSC), tsc), TOLERANCE);

	okvm_vcpu_set_supported_cpuid(vcpu);
	EXPECT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, STEP));
	EXPECT_EQ(STEP, get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	okvm_vm_free(vm);
}

TEST(tsc_offset_attribute_rules)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 value = 0;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	EXPECT_EQ(0, tsc_offset_attr(vcpu, KVM_HAS_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				     KVM_VCPU_TSC_OFFSET, NULL));
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_HAS_DEVICE_ATTR, KVM_VCPU_TSC_CTRL, 1, NULL));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_GET_DEVICE_ATTR, 1, KVM_VCPU_TSC_OFFSET,
				      &value));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL, 1,
				      &value));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				      KVM_VCPU_TSC_OFFSET, (u64 *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
				      KVM_VCPU_TSC_OFFSET, (u64 *)8));
	EXPECT_EQ(EFAULT, errno);
	okvm_vm_free(vm);
}

/* A new vCPU runs on its VM's clock: the first vCPU's offset. */
TEST(vcpus_of_a_vm_share_the_offset)
{
	struct okvm_vcpu *vcpu0, *vcpu1;
	struct okvm_vm *vm;
	u64 offset;

	vm = okvm_vm_create();
	vcpu0 = okvm_vcpu_create(vm, 0);
	offset = get_tsc_offset(vcpu0);
	vcpu1 = okvm_vcpu_create(vm, 1);
	EXPECT_EQ(offset, get_tsc_offset(vcpu1));
	/* The first vCPU's TSC starts at 0. */
	EXPECT_LE(get_msr(vcpu0, MSR_IA32_TSC), TOLERANCE);
	okvm_vm_free(vm);
}

static void guest_reports_rdtsc(void)
{
	for (;;)
		GUEST_SYNC(guest_rdtsc());
}

/* The offset set is the offset read, and what the guest's RDTSC adds. */
TEST(guest_rdtsc_moves_by_the_offset_set)
{
	static const u64 offsets[] = { 0, 180ULL << 32, -(180ULL << 32), STEP };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 start, end, seen;
	unsigned int i;

	vm = okvm_vm_create_long_mode(1, guest_reports_rdtsc, &vcpu);
	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		u64 offset = offsets[i];

		ASSERT_EQ(0, tsc_offset_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_VCPU_TSC_CTRL,
					     KVM_VCPU_TSC_OFFSET, &offset))
			TH_LOG("%s", strerror(errno));
		EXPECT_EQ(offset, get_tsc_offset(vcpu));
		start = host_rdtsc() + offset;
		seen = okvm_vcpu_next_sync(vcpu);
		end = host_rdtsc() + offset;
		EXPECT_TRUE(start <= seen && seen <= end)
			TH_LOG("offset %#llx: guest TSC %#llx outside [%#llx, %#llx]",
			       (unsigned long long)offset, (unsigned long long)seen,
			       (unsigned long long)start, (unsigned long long)end);
		/* The VMM's IA32_TSC is the same clock. */
		EXPECT_LE(distance(get_msr(vcpu, MSR_IA32_TSC), host_rdtsc() + offset),
			  TOLERANCE);
	}
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
