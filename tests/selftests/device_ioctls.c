// SPDX-License-Identifier: GPL-2.0
/*
 * The device's VM-creation and query ioctls answer as <linux/kvm.h> says:
 * KVM_CREATE_VM types, KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID,
 * KVM_GET_MSR_INDEX_LIST, KVM_CHECK_EXTENSION for the basic capabilities,
 * KVM_GET_TSC_KHZ, and the VM's KVM_SET_NR_MMU_PAGES.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "lib/dev_fixture.h"
#include "lib/vm.h"
#include "lib/x86.h"

TEST_F(dev, create_vm_type_0_succeeds)
{
	int vm_fd, second;

	vm_fd = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm_fd, 0) TH_LOG("KVM_CREATE_VM(0): %s", strerror(errno));
	/* Two VMs at once from one device fd. */
	second = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(second, 0) TH_LOG("second KVM_CREATE_VM(0): %s", strerror(errno));
	close(second);
	close(vm_fd);
}

TEST_F(dev, create_vm_unknown_types_fail_einval)
{
	/* 1 is KVM_X86_SW_PROTECTED_VM, absent unless the kernel opts in. */
	static const unsigned long types[] = { 1, 0x7fffffff, 0x80000000UL };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		EXPECT_EQ(-1, ioctl(self->fd, KVM_CREATE_VM, types[i]))
			TH_LOG("KVM_CREATE_VM(0x%lx) succeeded", types[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("type 0x%lx: %s", types[i], strerror(errno));
	}
}

TEST_F(dev, vcpu_mmap_size_holds_kvm_run)
{
	int size = ioctl(self->fd, KVM_GET_VCPU_MMAP_SIZE, 0);

	EXPECT_GE(size, 4096) TH_LOG("KVM_GET_VCPU_MMAP_SIZE: %d (%s)", size, strerror(errno));
	EXPECT_GE(size, (int)sizeof(struct kvm_run));
	EXPECT_EQ(0, size % getpagesize());
}

static struct kvm_cpuid2 *alloc_cpuid(unsigned int nent)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) +
					  nent * sizeof(cpuid->entries[0]));

	if (cpuid)
		cpuid->nent = nent;
	return cpuid;
}

TEST_F(dev, supported_cpuid_too_small_fails_e2big)
{
	struct kvm_cpuid2 *cpuid = alloc_cpuid(1);

	ASSERT_NE(NULL, cpuid);
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_SUPPORTED_CPUID, cpuid));
	EXPECT_EQ(E2BIG, errno) TH_LOG("%s", strerror(errno));
	free(cpuid);
}

TEST_F(dev, supported_cpuid_has_leaf_0)
{
	struct kvm_cpuid2 *cpuid = alloc_cpuid(256);
	bool found = false;
	unsigned int i;

	ASSERT_NE(NULL, cpuid);
	ASSERT_EQ(0, ioctl(self->fd, KVM_GET_SUPPORTED_CPUID, cpuid))
		TH_LOG("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	ASSERT_GT(cpuid->nent, 0);
	ASSERT_LE(cpuid->nent, 256);
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *entry = &cpuid->entries[i];

		if (entry->function == 0 && entry->index == 0) {
			found = true;
			/* The highest basic leaf; every CPU with long mode has 1. */
			EXPECT_GE(entry->eax, 1);
		}
	}
	EXPECT_TRUE(found) TH_LOG("leaf 0 missing from %u entries", cpuid->nent);
	free(cpuid);
}

TEST_F(dev, msr_index_list_too_small_reports_count)
{
	struct kvm_msr_list list = { .nmsrs = 0 };

	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_MSR_INDEX_LIST, &list));
	EXPECT_EQ(E2BIG, errno) TH_LOG("%s", strerror(errno));
	/* The kernel wrote back how many there are. */
	EXPECT_GT(list.nmsrs, 0);
}

/*
 * The list names the MSRs a VMM must save and restore with KVM_GET/SET_MSRS.
 * EFER is not one of them on KVM: it travels in struct kvm_sregs, and
 * kvm_amd leaves it out of the list (it is still readable with
 * KVM_GET_MSRS), so only the SYSCALL MSRs are required here.
 */
TEST_F(dev, msr_index_list_has_syscall_msrs)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;
	bool star = false, lstar = false;
	unsigned int i;

	ioctl(self->fd, KVM_GET_MSR_INDEX_LIST, &probe);
	ASSERT_GT(probe.nmsrs, 0);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	ASSERT_NE(NULL, list);
	list->nmsrs = probe.nmsrs;
	ASSERT_EQ(0, ioctl(self->fd, KVM_GET_MSR_INDEX_LIST, list))
		TH_LOG("KVM_GET_MSR_INDEX_LIST(%u): %s", probe.nmsrs, strerror(errno));
	EXPECT_EQ(probe.nmsrs, list->nmsrs);
	for (i = 0; i < list->nmsrs; i++) {
		star |= list->indices[i] == MSR_STAR;
		lstar |= list->indices[i] == MSR_LSTAR;
	}
	EXPECT_TRUE(star) TH_LOG("MSR_STAR is not in the list");
	EXPECT_TRUE(lstar) TH_LOG("MSR_LSTAR is not in the list");
	free(list);
}

/* Capabilities every KVM client of the last decade relies on. */
static const struct {
	long cap;
	const char *name;
} basic_caps[] = {
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CAP_NR_VCPUS, "NR_VCPUS" },
	{ KVM_CAP_MAX_VCPUS, "MAX_VCPUS" },
	{ KVM_CAP_MAX_VCPU_ID, "MAX_VCPU_ID" },
	{ KVM_CAP_NR_MEMSLOTS, "NR_MEMSLOTS" },
	{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
	{ KVM_CAP_SYNC_MMU, "SYNC_MMU" },
	{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS, "DESTROY_MEMORY_REGION_WORKS" },
	{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, "JOIN_MEMORY_REGIONS_WORKS" },
	{ KVM_CAP_HLT, "HLT" },
};

TEST_F(dev, basic_capabilities_present)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(basic_caps); i++) {
		int r = ioctl(self->fd, KVM_CHECK_EXTENSION, basic_caps[i].cap);

		EXPECT_GT(r, 0) TH_LOG("KVM_CAP_%s: %d", basic_caps[i].name, r);
	}
}

TEST_F(dev, vcpu_limits_are_consistent)
{
	int nr_vcpus = ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	int max_vcpus = ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int max_vcpu_id = ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);

	EXPECT_GE(max_vcpus, nr_vcpus);
	EXPECT_GE(max_vcpu_id, max_vcpus);
}

/* The VM fd answers KVM_CHECK_EXTENSION too, with the same basic answers. */
TEST_F(dev, vm_fd_answers_check_extension)
{
	int vm_fd = ioctl(self->fd, KVM_CREATE_VM, 0);
	unsigned int i;

	ASSERT_GE(vm_fd, 0) TH_LOG("KVM_CREATE_VM(0): %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(basic_caps); i++) {
		int r = ioctl(vm_fd, KVM_CHECK_EXTENSION, basic_caps[i].cap);

		EXPECT_GT(r, 0) TH_LOG("KVM_CAP_%s on the VM fd: %d", basic_caps[i].name, r);
	}
	close(vm_fd);
}

/*
 * KVM_SET_NR_MMU_PAGES caps the pages of KVM's shadow MMU, which a guest
 * on nested paging does not use; VMMs and the upstream
 * set_memory_region_test still call it. At least 64 pages
 * (KVM_MIN_ALLOC_MMU_PAGES), else EINVAL.
 */
TEST_F(dev, vm_takes_kvm_set_nr_mmu_pages)
{
	int vm_fd = ioctl(self->fd, KVM_CREATE_VM, 0);

	ASSERT_GE(vm_fd, 0) TH_LOG("KVM_CREATE_VM(0): %s", strerror(errno));
	EXPECT_EQ(0, ioctl(vm_fd, KVM_SET_NR_MMU_PAGES, 64UL)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, ioctl(vm_fd, KVM_SET_NR_MMU_PAGES, 1UL << 20)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, ioctl(vm_fd, KVM_SET_NR_MMU_PAGES, 63UL));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s", strerror(errno));
	close(vm_fd);
}

static unsigned long long read_tsc(void)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long long)hi << 32 | lo;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * KVM_GET_TSC_KHZ on the VM and the vCPU fd: the rate the TSC runs at (no
 * scaling, so the host's), within 10% of what 200 ms of it measure here.
 */
TEST_F(dev, tsc_khz_is_the_rate_the_tsc_runs_at)
{
	int vm_fd, vcpu_fd, vm_khz, vcpu_khz;
	unsigned long long tsc0, tsc1;
	double t0, t1, measured;

	ASSERT_GT(ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ), 0);
	vm_fd = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm_fd, 0) TH_LOG("KVM_CREATE_VM(0): %s", strerror(errno));
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu_fd, 0) TH_LOG("KVM_CREATE_VCPU: %s", strerror(errno));
	vm_khz = ioctl(vm_fd, KVM_GET_TSC_KHZ, 0);
	vcpu_khz = ioctl(vcpu_fd, KVM_GET_TSC_KHZ, 0);
	EXPECT_GT(vm_khz, 0) TH_LOG("KVM_GET_TSC_KHZ on the VM: %s", strerror(errno));
	EXPECT_EQ(vm_khz, vcpu_khz);

	t0 = now_seconds();
	tsc0 = read_tsc();
	usleep(200 * 1000);
	tsc1 = read_tsc();
	t1 = now_seconds();
	measured = (tsc1 - tsc0) / (t1 - t0) / 1000;
	EXPECT_LT(fabs(measured - vm_khz), vm_khz / 10.0)
		TH_LOG("KVM_GET_TSC_KHZ %d, measured %.0f kHz", vm_khz, measured);
	close(vcpu_fd);
	close(vm_fd);
}

TEST_HARNESS_MAIN
