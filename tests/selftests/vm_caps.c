// SPDX-License-Identifier: GPL-2.0
/*
 * VM-wide capabilities, with KVM's errnos and values: how many vCPUs and
 * which ids (KVM_CAP_MAX_VCPUS, KVM_CAP_MAX_VCPU_ID and its
 * KVM_ENABLE_CAP), which vCPU boots as the BSP (KVM_SET_BOOT_CPU_ID), and
 * MSR_PLATFORM_INFO with KVM_CAP_MSR_PLATFORM_INFO and
 * MSR_MISC_FEATURES_ENABLES.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/*
 * The hypervisor's bounds: okvm's are KVM's defaults on x86 (1024 vCPUs,
 * ids up to four times as many); a distribution's KVM may be built with
 * more (Debian's: 4096), so the tests read them.
 */
#define OKVM_VCPU_LIMIT		1024
#define MAX_VCPUS		max_vcpus()
#define MAX_VCPU_IDS		(4 * MAX_VCPUS)
#define MSR_APIC_BASE		0x1b
#define APIC_BASE_BSP		BIT_ULL(8)
#define MSR_PLATFORM_INFO	0xce
#define PLATFORM_CPUID_FAULT	BIT_ULL(31)
#define MSR_MISC_FEATURES	0x140
#define MISC_CPUID_FAULT	BIT_ULL(0)
#define APIC_REG_LVT0		0x350
#define APIC_DM_EXTINT		0x700

u64 guest_gp_count;

/* KVM_CAP_MAX_VCPUS of the device, read once (0 if it cannot be opened). */
static unsigned int max_vcpus(void)
{
	static int cached = -1;
	int fd;

	if (cached < 0) {
		fd = okvm_dev_open(O_RDWR);
		cached = fd < 0 ? 0 : ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
		if (fd >= 0)
			close(fd);
	}
	return cached;
}

/* #GP handler for the 2-byte RDMSR and WRMSR: count, return past it. */
static __naked void guest_gp_skip_msr(void)
{
	asm("incq guest_gp_count(%rip)\n\t"
	    "addq $2, 8(%rsp)\n\t"
	    "add $8, %rsp\n\t"
	    "iretq");
}

static int enable_cap(struct okvm_vm *vm, u32 cap, u64 arg)
{
	struct kvm_enable_cap c = { .cap = cap, .args[0] = arg };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &c);
}

static int set_boot_cpu(struct okvm_vm *vm, unsigned long id)
{
	return ioctl(vm->fd, KVM_SET_BOOT_CPU_ID, id);
}

static int create_vcpu_raw(struct okvm_vm *vm, unsigned long id)
{
	return ioctl(vm->fd, KVM_CREATE_VCPU, id);
}

static int set_msr(struct okvm_vcpu *vcpu, u32 index, u64 value)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry = { .index = index, .data = value } };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &buf);
}

static u64 get_msr(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu, u32 index)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry = { .index = index, .data = ~0ULL } };

	EXPECT_EQ(1, ioctl(vcpu->fd, KVM_GET_MSRS, &buf)) TH_LOG("MSR %#x: %s", index,
								 strerror(errno));
	return buf.entry.data;
}

static u32 lapic_reg(struct okvm_vcpu *vcpu, u32 reg)
{
	struct kvm_lapic_state state;

	okvm_vcpu_ioctl(vcpu, KVM_GET_LAPIC, &state);
	return *(u32 *)&state.regs[reg];
}

TEST(capabilities_answer_kvms_values)
{
	struct okvm_vm *vm = okvm_vm_create();
	int fds[2] = { vm->dev_fd, vm->fd };
	unsigned int i;

	if (okvm_dev_is_okvm(vm->dev_fd))
		EXPECT_EQ(OKVM_VCPU_LIMIT, MAX_VCPUS);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(MAX_VCPUS, ioctl(fds[i], KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
		EXPECT_EQ(MAX_VCPU_IDS, ioctl(fds[i], KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID));
		EXPECT_EQ(1, ioctl(fds[i], KVM_CHECK_EXTENSION, KVM_CAP_SET_BOOT_CPU_ID));
		EXPECT_EQ(1, ioctl(fds[i], KVM_CHECK_EXTENSION, KVM_CAP_MSR_PLATFORM_INFO));
	}
	/* The VM's answer is the global one, whatever the VM enabled. */
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 8));
	EXPECT_EQ(MAX_VCPU_IDS, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID));
	okvm_vm_free(vm);
}

/* KVM's rule allows the id equal to the bound, and no more. */
TEST(boot_cpu_id_bounds)
{
	struct okvm_vm *vm = okvm_vm_create();

	EXPECT_EQ(-1, set_boot_cpu(vm, MAX_VCPU_IDS + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_boot_cpu(vm, 1UL << 32));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_boot_cpu(vm, MAX_VCPU_IDS));
	EXPECT_EQ(0, set_boot_cpu(vm, 1));
	/* The bound may not go below the boot vCPU, and then limits it. */
	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 4));
	EXPECT_EQ(-1, set_boot_cpu(vm, 5));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_boot_cpu(vm, 4));
	EXPECT_EQ(0, set_boot_cpu(vm, 0));
	okvm_vm_free(vm);
}

/* EBUSY once a vCPU exists; a refused KVM_CREATE_VCPU makes none. */
TEST(boot_cpu_id_busy_once_a_vcpu_exists)
{
	struct okvm_vm *vm = okvm_vm_create();

	EXPECT_EQ(-1, create_vcpu_raw(vm, MAX_VCPU_IDS));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_boot_cpu(vm, 1));
	okvm_vcpu_create(vm, 1);
	EXPECT_EQ(-1, set_boot_cpu(vm, 1));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, set_boot_cpu(vm, MAX_VCPU_IDS + 1));
	EXPECT_EQ(EBUSY, errno);
	okvm_vm_free(vm);
}

TEST(max_vcpu_id_is_set_once_and_bounds_ids)
{
	struct okvm_vm *vm = okvm_vm_create();
	int fd;

	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, MAX_VCPU_IDS + 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 2));
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 2));
	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 3));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, create_vcpu_raw(vm, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, create_vcpu_raw(vm, 1UL << 32));
	EXPECT_EQ(EINVAL, errno);
	fd = create_vcpu_raw(vm, 1);
	EXPECT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, create_vcpu_raw(vm, 1));
	EXPECT_EQ(EEXIST, errno);
	close(fd);
	okvm_vm_free(vm);
}

/* The first vCPU fixes the bound at the default: only that value is taken. */
TEST(max_vcpu_id_fixed_by_the_first_vcpu)
{
	struct okvm_vm *vm = okvm_vm_create();

	okvm_vcpu_create(vm, MAX_VCPU_IDS - 1);
	EXPECT_EQ(-1, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, enable_cap(vm, KVM_CAP_MAX_VCPU_ID, MAX_VCPU_IDS));
	EXPECT_EQ(-1, create_vcpu_raw(vm, MAX_VCPU_IDS));
	EXPECT_EQ(EINVAL, errno);
	okvm_vm_free(vm);
}

/* KVM_CAP_MAX_VCPUS vCPUs, the last ids among them; one more is refused. */
TEST(max_vcpus_can_be_created)
{
	struct okvm_vm *vm = okvm_vm_create();
	struct rlimit rl = { MAX_VCPUS + 64, MAX_VCPUS + 64 };
	int *fds = calloc(MAX_VCPUS, sizeof(*fds));
	unsigned int i;

	ASSERT_NE(NULL, fds);
	/* Thousands of vCPUs take minutes under an emulator. */
	if (MAX_VCPUS > OKVM_VCPU_LIMIT)
		SKIP(free(fds); okvm_vm_free(vm); return, "%u vCPUs", MAX_VCPUS);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < MAX_VCPUS + 64) {
		rl.rlim_cur = MAX_VCPUS + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl)) TH_LOG("%s", strerror(errno));
	}
	for (i = 0; i < MAX_VCPUS; i++) {
		fds[i] = create_vcpu_raw(vm, MAX_VCPU_IDS - MAX_VCPUS + i);
		ASSERT_GE(fds[i], 0) TH_LOG("vCPU %u: %s", i, strerror(errno));
	}
	EXPECT_EQ(-1, create_vcpu_raw(vm, 0));
	EXPECT_EQ(EINVAL, errno);
	for (i = 0; i < MAX_VCPUS; i++)
		close(fds[i]);
	free(fds);
	okvm_vm_free(vm);
}

static void on_signal(int sig)
{
}

struct run_result {
	struct okvm_vcpu *vcpu;
	int ret;
	int err;
};

static void *run_once(void *arg)
{
	struct run_result *t = arg;

	t->ret = okvm_vcpu_run_raw(t->vcpu);
	t->err = errno;
	return NULL;
}

/*
 * With boot vCPU 1 and an in-kernel irqchip, vCPU 1 comes out of reset as
 * the BSP (IA32_APIC_BASE.BSP, runnable, LINT0 in ExtINT mode) and vCPU 0
 * as an AP: LINT0 masked, and its KVM_RUN waits for INIT until a signal.
 */
TEST(boot_cpu_1_is_the_bsp_and_cpu_0_waits)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct okvm_vm *vm = okvm_vm_create();
	struct run_result t = {};
	struct okvm_vcpu *vcpus[2];
	struct kvm_mp_state mp;
	pthread_t id;

	ASSERT_EQ(0, set_boot_cpu(vm, 1));
	okvm_vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0);
	vcpus[0] = okvm_vcpu_create(vm, 0);
	vcpus[1] = okvm_vcpu_create(vm, 1);
	EXPECT_EQ(0, get_msr(_metadata, vcpus[0], MSR_APIC_BASE) & APIC_BASE_BSP);
	EXPECT_EQ(APIC_BASE_BSP, get_msr(_metadata, vcpus[1], MSR_APIC_BASE) & APIC_BASE_BSP);
	okvm_vcpu_ioctl(vcpus[0], KVM_GET_MP_STATE, &mp);
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
	okvm_vcpu_ioctl(vcpus[1], KVM_GET_MP_STATE, &mp);
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp.mp_state);
	EXPECT_EQ(APIC_LVT_MASKED, lapic_reg(vcpus[0], APIC_REG_LVT0));
	EXPECT_EQ(APIC_DM_EXTINT, lapic_reg(vcpus[1], APIC_REG_LVT0));

	t.vcpu = vcpus[0];
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&id, NULL, run_once, &t));
	usleep(200 * 1000);
	pthread_kill(id, SIGUSR1);
	pthread_join(id, NULL);
	EXPECT_EQ(-1, t.ret);
	EXPECT_EQ(EINTR, t.err);
	okvm_vcpu_ioctl(vcpus[0], KVM_GET_MP_STATE, &mp);
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
	okvm_vm_free(vm);
}

static void guest_report_bsp_flag(void)
{
	GUEST_SYNC(guest_rdmsr(MSR_APIC_BASE) & APIC_BASE_BSP);
}

/* The guest sees the same: each vCPU made runnable reads its own BSP flag. */
TEST(guest_sees_the_boot_cpu_bsp_flag)
{
	struct okvm_vcpu *vcpus[2];
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(0, guest_report_bsp_flag, NULL);
	ASSERT_EQ(0, set_boot_cpu(vm, 1));
	vcpus[0] = okvm_vcpu_add_long_mode(vm, 0, guest_report_bsp_flag);
	vcpus[1] = okvm_vcpu_add_long_mode(vm, 1, guest_report_bsp_flag);
	okvm_vcpu_expect_sync(vcpus[1], APIC_BASE_BSP);
	okvm_vcpu_expect_sync(vcpus[0], 0);
	okvm_vcpu_expect_done(vcpus[1]);
	okvm_vcpu_expect_done(vcpus[0]);
	okvm_vm_free(vm);
}

/*
 * MSR_PLATFORM_INFO starts with CPUID faulting offered, takes any value
 * from the VMM, and cannot drop the offer while the guest uses it;
 * MSR_MISC_FEATURES_ENABLES holds only CPUID faulting, and only when
 * offered. Both are in KVM_GET_MSR_INDEX_LIST.
 */
TEST(platform_info_and_misc_features_from_the_vmm)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	bool has_platform = false, has_misc = false;
	struct okvm_vcpu *vcpu;
	struct kvm_msr_list *list;
	struct okvm_vm *vm;
	unsigned int i;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	ioctl(vm->dev_fd, KVM_GET_MSR_INDEX_LIST, &probe);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	ASSERT_NE(NULL, list);
	list->nmsrs = probe.nmsrs;
	ASSERT_EQ(0, ioctl(vm->dev_fd, KVM_GET_MSR_INDEX_LIST, list));
	for (i = 0; i < list->nmsrs; i++) {
		has_platform |= list->indices[i] == MSR_PLATFORM_INFO;
		has_misc |= list->indices[i] == MSR_MISC_FEATURES;
	}
	free(list);
	EXPECT_TRUE(has_platform);
	EXPECT_TRUE(has_misc);

	EXPECT_EQ(PLATFORM_CPUID_FAULT, get_msr(_metadata, vcpu, MSR_PLATFORM_INFO));
	EXPECT_EQ(0, get_msr(_metadata, vcpu, MSR_MISC_FEATURES));
	EXPECT_EQ(1, set_msr(vcpu, MSR_PLATFORM_INFO, PLATFORM_CPUID_FAULT | 0xff00));
	EXPECT_EQ(PLATFORM_CPUID_FAULT | 0xff00, get_msr(_metadata, vcpu, MSR_PLATFORM_INFO));
	EXPECT_EQ(0, set_msr(vcpu, MSR_MISC_FEATURES, BIT_ULL(1)));
	EXPECT_EQ(1, set_msr(vcpu, MSR_MISC_FEATURES, MISC_CPUID_FAULT));
	EXPECT_EQ(MISC_CPUID_FAULT, get_msr(_metadata, vcpu, MSR_MISC_FEATURES));
	/* Faulting is on: the offer stays. */
	EXPECT_EQ(0, set_msr(vcpu, MSR_PLATFORM_INFO, 0));
	EXPECT_EQ(PLATFORM_CPUID_FAULT | 0xff00, get_msr(_metadata, vcpu, MSR_PLATFORM_INFO));
	EXPECT_EQ(1, set_msr(vcpu, MSR_MISC_FEATURES, 0));
	EXPECT_EQ(1, set_msr(vcpu, MSR_PLATFORM_INFO, 0));
	EXPECT_EQ(0, set_msr(vcpu, MSR_MISC_FEATURES, MISC_CPUID_FAULT));
	EXPECT_EQ(0, get_msr(_metadata, vcpu, MSR_MISC_FEATURES));
	okvm_vm_free(vm);
}

/*
 * Sync 1: RDMSR works; sync 2 (after the VMM turned the capability off):
 * RDMSR raises #GP; a WRMSR always does. MISC_FEATURES_ENABLES is the
 * guest's to write, and CPUID still works at CPL 0 with faulting on.
 */
static void guest_reads_platform_info(void)
{
	u32 eax, ebx, ecx, edx;

	GUEST_SYNC(guest_rdmsr(MSR_PLATFORM_INFO));
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), 0);
	guest_rdmsr(MSR_PLATFORM_INFO);
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), 1);
	guest_wrmsr(MSR_PLATFORM_INFO, PLATFORM_CPUID_FAULT);
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), 2);
	guest_wrmsr(MSR_MISC_FEATURES, MISC_CPUID_FAULT);
	GUEST_ASSERT_EQ(guest_rdmsr(MSR_MISC_FEATURES), MISC_CPUID_FAULT);
	guest_cpuid(0, 0, &eax, &ebx, &ecx, &edx);
	GUEST_ASSERT_EQ(READ_ONCE(guest_gp_count), 2);
	GUEST_SYNC(eax != 0);
}

TEST(guest_reads_platform_info_only_with_the_capability)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_reads_platform_info, &vcpu);
	okvm_guest_set_handler(vm, X86_VEC_GP, guest_gp_skip_msr);
	ASSERT_EQ(1, set_msr(vcpu, MSR_PLATFORM_INFO, PLATFORM_CPUID_FAULT | 0xff00));
	okvm_vcpu_expect_sync(vcpu, PLATFORM_CPUID_FAULT | 0xff00);
	ASSERT_EQ(0, enable_cap(vm, KVM_CAP_MSR_PLATFORM_INFO, 0));
	okvm_vcpu_expect_sync(vcpu, 1);
	/* The VMM still reads it, and the guest's WRMSR changed nothing. */
	EXPECT_EQ(PLATFORM_CPUID_FAULT | 0xff00, get_msr(_metadata, vcpu, MSR_PLATFORM_INFO));
	EXPECT_EQ(MISC_CPUID_FAULT, get_msr(_metadata, vcpu, MSR_MISC_FEATURES));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
