// SPDX-License-Identifier: GPL-2.0
/*
 * A VM belongs to the address space that created it: a forked child that
 * inherited the VM and vCPU fds gets EIO from their ioctls (its memory is
 * not the VM's memory), while the device fd still works for it, and the
 * parent's VM is unharmed.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

static void guest_sync_twice(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

enum child_call {
	CHILD_RUN,
	CHILD_GET_REGS,
	CHILD_SET_REGS,
	CHILD_GET_SREGS,
	CHILD_CREATE_VCPU,
	CHILD_SET_MEMORY_REGION,
	CHILD_VM_CHECK_EXTENSION,
	CHILD_DEV_API_VERSION,
	CHILD_DEV_CREATE_VM,
	NR_CHILD_CALLS,
};

static const char * const child_call_names[] = {
	[CHILD_RUN] = "KVM_RUN",
	[CHILD_GET_REGS] = "KVM_GET_REGS",
	[CHILD_SET_REGS] = "KVM_SET_REGS",
	[CHILD_GET_SREGS] = "KVM_GET_SREGS",
	[CHILD_CREATE_VCPU] = "KVM_CREATE_VCPU",
	[CHILD_SET_MEMORY_REGION] = "KVM_SET_USER_MEMORY_REGION",
	[CHILD_VM_CHECK_EXTENSION] = "KVM_CHECK_EXTENSION on the VM",
	[CHILD_DEV_API_VERSION] = "KVM_GET_API_VERSION on the device",
	[CHILD_DEV_CREATE_VM] = "KVM_CREATE_VM on the device",
};

struct child_result {
	int ret;
	int err;
};

static void record(struct child_result *result, int ret)
{
	result->ret = ret;
	result->err = ret < 0 ? errno : 0;
}

/* In the child: try each call, write what came back to shared memory. */
static void child_calls(struct okvm_vm *vm, struct okvm_vcpu *vcpu,
			struct child_result *results)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	void *mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r;

	memset(&regs, 0, sizeof(regs));
	record(&results[CHILD_RUN], ioctl(vcpu->fd, KVM_RUN, 0));
	record(&results[CHILD_GET_REGS], ioctl(vcpu->fd, KVM_GET_REGS, &regs));
	record(&results[CHILD_SET_REGS], ioctl(vcpu->fd, KVM_SET_REGS, &regs));
	record(&results[CHILD_GET_SREGS], ioctl(vcpu->fd, KVM_GET_SREGS, &sregs));
	record(&results[CHILD_CREATE_VCPU], ioctl(vm->fd, KVM_CREATE_VCPU, 1));
	record(&results[CHILD_SET_MEMORY_REGION],
	       okvm_vm_set_region_raw(vm, 5, 0, 0x30000000, 0x1000, mem));
	record(&results[CHILD_VM_CHECK_EXTENSION],
	       ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY));
	record(&results[CHILD_DEV_API_VERSION], ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0));
	r = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	record(&results[CHILD_DEV_CREATE_VM], r);
	if (r >= 0)
		close(r);
}

TEST(child_ioctls_on_parent_vm_fail_eio)
{
	struct child_result *results;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int status, i;
	pid_t pid;

	results = mmap(NULL, sizeof(*results) * NR_CHILD_CALLS, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, results);
	memset(results, 0xff, sizeof(*results) * NR_CHILD_CALLS);

	vm = okvm_vm_create_long_mode(1, guest_sync_twice, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		child_calls(vm, vcpu, results);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	for (i = CHILD_RUN; i <= CHILD_VM_CHECK_EXTENSION; i++) {
		const char *name = child_call_names[i];

		EXPECT_EQ(-1, results[i].ret)
			TH_LOG("%s in the child returned %d", name, results[i].ret);
		EXPECT_EQ(EIO, results[i].err)
			TH_LOG("%s in the child: %s", name, strerror(results[i].err));
	}
	EXPECT_EQ(12, results[CHILD_DEV_API_VERSION].ret);
	EXPECT_GE(results[CHILD_DEV_CREATE_VM].ret, 0)
		TH_LOG("%s in the child: %s", child_call_names[CHILD_DEV_CREATE_VM],
		       strerror(results[CHILD_DEV_CREATE_VM].err));

	/* The parent's VM did not notice. */
	okvm_vcpu_expect_sync(vcpu, 2);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
	munmap(results, sizeof(*results) * NR_CHILD_CALLS);
}

TEST_HARNESS_MAIN
