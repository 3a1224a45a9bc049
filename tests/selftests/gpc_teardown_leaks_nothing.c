// SPDX-License-Identifier: GPL-2.0
/*
 * A VM that goes away with its gfn-to-pfn caches active leaks nothing. A
 * child process runs two vCPUs with kvmclock and steal time on, in a 2M
 * hugetlbfs page: the host frees such a page only when its last reference
 * goes, and counts it in the pool's free pages, so a page reference the
 * caches kept would show. On okvm each pvclock record crosses a 4K
 * boundary, so its cache maps two pages with vmap(), which
 * /proc/vmallocinfo shows by caller. The child then closes the VM with
 * every cache active, or is killed while its vCPUs run. Once it is gone,
 * the pool has its page back, no vmap() of okvm's caches remains, and the
 * module's reference count is where it was.
 *
 * Plain KVM ABI: the same on kvm_amd, but for the cross-page records (KVM
 * refuses them) and the vmap() count.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/mman.h>

#include "kselftest_harness.h"
#include "lib/host_mm.h"
#include "lib/kvm_para.h"
#include "lib/okvm_dev.h"
#include "lib/pvclock.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS	2
#define PAGE		0x1000ULL
#define SIZE_2M		0x200000ULL
#define POOL		"hugepages-2048kB"
#define SLOT		1
#define GPA		0x40000000ULL
/* Records across the end of page k (okvm), or side by side in page 0. */
#define CROSSING_REC_GPA(k)	(GPA + ((k) + 1) * PAGE - 16)
#define PLAIN_REC_GPA(k)	(GPA + 0x100 + 0x40 * (k))
#define STEAL_GPA(k)		(GPA + 0x10000 + 0x40 * (k))

static void guest_clock_and_steal(u64 rec_gpa, u64 steal_gpa)
{
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, rec_gpa | KVM_MSR_ENABLED);
	guest_wrmsr(MSR_KVM_STEAL_TIME, steal_gpa | KVM_MSR_ENABLED);
	for (;;)
		GUEST_SYNC(pvclock_read((struct pvclock_record *)rec_gpa));
}

static void *run_forever(void *arg)
{
	for (;;)
		okvm_vcpu_next_sync(arg);
	return NULL;
}

enum child_error { CHILD_NO_MEMORY = 10, CHILD_NO_CLOCK, CHILD_NO_STEAL, CHILD_PIPE };

/*
 * The child: a VM whose every vCPU read its clock once, with both records
 * written; one byte on @ready_fd says so. Then either close the VM at the
 * byte from @go_fd and exit, or (@killed) run the vCPUs until killed.
 */
static __noreturn void child(bool crossing, bool killed, int ready_fd, int go_fd)
{
	struct okvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	struct okvm_vm *vm;
	char *mem, byte = 0;
	int k;

	mem = mmap(NULL, SIZE_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (mem == MAP_FAILED)
		_exit(CHILD_NO_MEMORY);
	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_clock_and_steal, vcpus);
	okvm_vm_add_region(vm, SLOT, GPA, SIZE_2M, mem);
	okvm_guest_identity_map(vm, GPA, SIZE_2M);
	for (k = 0; k < NR_VCPUS; k++) {
		okvm_vcpu_set_args(vcpus[k], 2,
				   crossing ? CROSSING_REC_GPA(k) : PLAIN_REC_GPA(k),
				   STEAL_GPA(k));
		if (!okvm_vcpu_next_sync(vcpus[k]))
			_exit(CHILD_NO_CLOCK);
		if (!((struct steal_record *)(mem + STEAL_GPA(k) - GPA))->version)
			_exit(CHILD_NO_STEAL);
	}
	if (killed)
		for (k = 0; k < NR_VCPUS; k++)
			pthread_create(&threads[k], NULL, run_forever, vcpus[k]);
	if (write(ready_fd, &byte, 1) != 1)
		_exit(CHILD_PIPE);
	if (killed)
		for (;;)
			pause();
	if (read(go_fd, &byte, 1) != 1)
		_exit(CHILD_PIPE);
	okvm_vm_free(vm);
	munmap(mem, SIZE_2M);
	_exit(0);
}

/* vmap() areas of okvm's caches (their caller is okvm_gpc_*), or -1. */
static long gpc_vmaps(void)
{
	FILE *f = fopen("/proc/vmallocinfo", "r");
	char line[512];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " okvm_gpc_"))
			n++;
	fclose(f);
	return n;
}

static bool device_is_okvm(void)
{
	int fd = okvm_dev_open(0);
	bool okvm = okvm_dev_is_okvm(fd);

	close(fd);
	return okvm;
}

/* The pool, the module references and the vmap()s are as before the child. */
static bool all_back(bool okvm, long free_before, long refs_before, long vmaps_before)
{
	return okvm_hugetlb_pool_free(POOL) == free_before &&
	       okvm_dev_module_refs() == refs_before && (!okvm || gpc_vmaps() == vmaps_before);
}

static void teardown_leaves_nothing(struct __test_metadata *_metadata, bool killed)
{
	long grown, free_before, refs_before, vmaps_before;
	int ready[2], go[2], status, ms;
	bool okvm = device_is_okvm();
	char byte = 0;
	pid_t pid;

	if (!okvm_hugetlb_pool_grow(POOL, 1, &grown))
		SKIP(return, "no 2M hugetlbfs page on this machine");
	free_before = okvm_hugetlb_pool_free(POOL);
	refs_before = okvm_dev_module_refs();
	vmaps_before = gpc_vmaps();
	ASSERT_LE(0, refs_before);
	if (okvm)
		ASSERT_LE(0, vmaps_before);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		child(okvm, killed, ready[1], go[0]);
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(1, read(ready[0], &byte, 1))
		TH_LOG("the child ended before its VM ran");

	/* While the VM lives: its page in use, its caches mapped, the module held. */
	EXPECT_EQ(free_before - 1, okvm_hugetlb_pool_free(POOL));
	EXPECT_LT(refs_before, okvm_dev_module_refs());
	if (okvm)
		EXPECT_EQ(vmaps_before + NR_VCPUS, gpc_vmaps());

	ASSERT_TRUE(killed ? !kill(pid, SIGKILL) : write(go[1], &byte, 1) == 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(killed ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL :
			     WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status 0x%x", status);

	/* KVM drops its module reference a moment after the child is gone. */
	for (ms = 0; ms < 2000 && !all_back(okvm, free_before, refs_before, vmaps_before); ms += 10)
		usleep(10000);
	EXPECT_EQ(free_before, okvm_hugetlb_pool_free(POOL));
	EXPECT_EQ(refs_before, okvm_dev_module_refs());
	if (okvm)
		EXPECT_EQ(vmaps_before, gpc_vmaps());
	close(ready[0]);
	close(go[1]);
	okvm_hugetlb_pool_shrink(POOL, grown);
}

TEST(closing_a_vm_with_active_caches)
{
	teardown_leaves_nothing(_metadata, false);
}

TEST(killing_its_process_while_vcpus_run)
{
	teardown_leaves_nothing(_metadata, true);
}

TEST_HARNESS_MAIN
