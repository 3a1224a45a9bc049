// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on a vCPU fd that userspace guessed before KVM_CREATE_VCPU
 * returned it. The fd exists a moment before the hypervisor has finished
 * publishing the vCPU to the rest of the VM (TLB flushes, kicks); a run in
 * that moment must wait for it, and then behave exactly like a run of a
 * vCPU created the ordinary way: the same exit, from the same state.
 *
 * The window is a few instructions wide, so this cannot catch a broken
 * order every time; it checks that the racing run always gets in, returns
 * and agrees with a second vCPU run after its creation.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/vm.h"

#define ROUNDS		50

struct racer {
	int fd;
	int result;
	int error;
	unsigned long tries;
};

static void *run_guessed_fd(void *arg)
{
	struct racer *r = arg;

	do {
		r->result = ioctl(r->fd, KVM_RUN, 0);
		r->error = errno;
		r->tries++;
	} while (r->result < 0 && r->error == EBADF);
	return NULL;
}

/* The exit reason a vCPU's kvm_run shows now. */
static u32 exit_reason_of(struct __test_metadata *_metadata, struct okvm_vm *vm, int fd)
{
	int size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run;
	u32 reason;

	EXPECT_GT(size, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, run);
	if (run == MAP_FAILED)
		return ~0U;
	reason = run->exit_reason;
	munmap(run, size);
	return reason;
}

TEST(run_on_guessed_fd_waits_for_the_vcpu)
{
	int round;

	for (round = 0; round < ROUNDS; round++) {
		struct okvm_vm *vm = okvm_vm_create();
		struct racer racer;
		pthread_t thread;
		int fd, other, r;

		/* The next fd open() or KVM_CREATE_VCPU will get. */
		racer = (struct racer){ .fd = dup(0) };
		ASSERT_LE(0, racer.fd);
		close(racer.fd);

		ASSERT_EQ(0, pthread_create(&thread, NULL, run_guessed_fd, &racer));
		fd = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
		pthread_join(thread, NULL);
		ASSERT_EQ(racer.fd, fd);

		/* A vCPU run after its creation, for comparison. */
		other = ioctl(vm->fd, KVM_CREATE_VCPU, 1);
		ASSERT_LE(0, other);
		r = ioctl(other, KVM_RUN, 0);
		EXPECT_EQ(r, racer.result) {
			TH_LOG("round %d: racing run %d (errno %d), later run %d (errno %d)",
			       round, racer.result, racer.error, r, errno);
		}
		EXPECT_EQ(exit_reason_of(_metadata, vm, other),
			  exit_reason_of(_metadata, vm, fd));
		close(other);
		close(fd);
		okvm_vm_free(vm);
		if (_metadata->exit_code)
			break;
	}
}

TEST_HARNESS_MAIN
