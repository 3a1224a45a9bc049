// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN gives control back to the host without the guest's help: with
 * run->immediate_exit set it returns EINTR before the guest executes
 * anything, and a signal for the vCPU thread makes it return EINTR with
 * KVM_EXIT_INTR while the guest spins. Either way the guest resumes intact.
 * KVM_SET_SIGNAL_MASK gives the signal mask KVM_RUN runs with, so that a
 * signal the thread blocks can still end KVM_RUN (and stays pending).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

/* Only ever written by the host, into the guest's copy. */
static u64 guest_may_stop_spinning;

static void guest_sync_twice(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

/*
 * KVM answers -EINTR before entering the guest and leaves exit_reason
 * alone (x86.c: the wants_to_run check sets no exit reason). Clients rely
 * on it: the upstream selftests' get_ucall() completes the ucall's IN with
 * immediate_exit and then reads the exit of the ucall again.
 */
static void expect_immediate_exit(struct __test_metadata *_metadata,
				  struct okvm_vcpu *vcpu, u32 previous_reason)
{
	EXPECT_EQ(-1, okvm_vcpu_run_raw(vcpu));
	EXPECT_EQ(EINTR, errno) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(previous_reason, vcpu->run->exit_reason)
		TH_LOG("exit reason %u (%s)", vcpu->run->exit_reason,
		       okvm_exit_reason_name(vcpu->run->exit_reason));
}

TEST(immediate_exit_returns_eintr_before_guest_runs)
{
	struct okvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct okvm_vm *vm;
	u64 entry;

	vm = okvm_vm_create_long_mode(1, guest_sync_twice, &vcpu);
	okvm_vcpu_get_regs(vcpu, &regs);
	entry = regs.rip;

	vcpu->run->immediate_exit = 1;
	expect_immediate_exit(_metadata, vcpu, vcpu->run->exit_reason);
	expect_immediate_exit(_metadata, vcpu, vcpu->run->exit_reason);
	/* Not one guest instruction ran. */
	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(entry, regs.rip);

	vcpu->run->immediate_exit = 0;
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vm_free(vm);
}

TEST(immediate_exit_after_an_exit_loses_nothing)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_sync_twice, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);

	vcpu->run->immediate_exit = 1;
	expect_immediate_exit(_metadata, vcpu, KVM_EXIT_IO);
	vcpu->run->immediate_exit = 0;

	/* The next ucall is the next one: none skipped, none repeated. */
	okvm_vcpu_expect_sync(vcpu, 2);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_spin_until_released(void)
{
	GUEST_SYNC(1);
	while (!READ_ONCE(guest_may_stop_spinning))
		;
	GUEST_SYNC(2);
}

static void ignore_signal(int sig)
{
}

struct kicker {
	pthread_t target;
	int stop;
	unsigned long sent;
};

/*
 * Signal the vCPU thread until told to stop: a signal that lands before the
 * thread is inside KVM_RUN only runs the handler, so one is not enough.
 */
static void *kick_vcpu_thread(void *arg)
{
	struct kicker *kicker = arg;

	while (!READ_ONCE(kicker->stop)) {
		pthread_kill(kicker->target, SIGUSR1);
		kicker->sent++;
		usleep(2000);
	}
	return NULL;
}

TEST(signal_interrupts_spinning_guest)
{
	struct sigaction action = { .sa_handler = ignore_signal };
	struct kicker kicker = { .target = pthread_self() };
	struct okvm_vcpu *vcpu;
	pthread_t kicker_thread;
	struct okvm_vm *vm;
	int r, err;

	/* No SA_RESTART: the ioctl must come back with EINTR. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &action, NULL));
	vm = okvm_vm_create_long_mode(1, guest_spin_until_released, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);

	ASSERT_EQ(0, pthread_create(&kicker_thread, NULL, kick_vcpu_thread, &kicker));
	r = okvm_vcpu_run_raw(vcpu);
	err = errno;
	WRITE_ONCE(kicker.stop, 1);
	pthread_join(kicker_thread, NULL);

	ASSERT_EQ(-1, r) TH_LOG("KVM_RUN returned %d, exit reason %s", r,
				okvm_exit_reason_name(vcpu->run->exit_reason));
	EXPECT_EQ(EINTR, err) TH_LOG("%s", strerror(err));
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason)
		TH_LOG("exit reason %s", okvm_exit_reason_name(vcpu->run->exit_reason));
	TH_LOG("%lu signals sent", kicker.sent);

	/* The guest was interrupted, not hurt: release it and it finishes. */
	guest_may_stop_spinning = 1;
	okvm_sync_global_to_guest(vm, guest_may_stop_spinning);
	okvm_vcpu_expect_sync(vcpu, 2);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static int set_signal_mask(struct okvm_vcpu *vcpu, const sigset_t *set, u32 len)
{
	struct {
		struct kvm_signal_mask head;
		u8 set[8];
	} mask = { .head.len = len };

	if (!set)
		return ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, NULL);
	memcpy(mask.set, set, sizeof(mask.set));
	return ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, &mask);
}

static int sigusr1_handled;

static void count_signal(int sig)
{
	sigusr1_handled++;
}

/*
 * The way the upstream dirty_log_test kicks its vCPU thread: SIGUSR1 is
 * blocked in the thread and unblocked by the mask KVM_RUN runs with, so
 * the signal ends KVM_RUN but is never delivered; the thread's own mask
 * is back after the ioctl and the signal waits there for sigwait().
 */
TEST(signal_mask_lets_a_blocked_signal_end_run)
{
	struct sigaction action = { .sa_handler = count_signal };
	struct timespec no_wait = { 0 };
	sigset_t usr1, old, during, now;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int r, err;

	ASSERT_EQ(0, sigaction(SIGUSR1, &action, NULL));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &usr1, &old));
	vm = okvm_vm_create_long_mode(1, guest_spin_until_released, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);

	/* sigset_t's first 8 bytes are the kernel's whole sigset on x86-64. */
	EXPECT_EQ(-1, set_signal_mask(vcpu, &old, 4));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s", strerror(errno));
	pthread_sigmask(SIG_BLOCK, NULL, &during);
	sigdelset(&during, SIGUSR1);
	ASSERT_EQ(0, set_signal_mask(vcpu, &during, 8)) TH_LOG("%s", strerror(errno));

	/* Pending before the entry: KVM_RUN stops before the guest goes on. */
	ASSERT_EQ(0, pthread_kill(pthread_self(), SIGUSR1));
	r = okvm_vcpu_run_raw(vcpu);
	err = errno;
	ASSERT_EQ(-1, r) TH_LOG("KVM_RUN returned %d, exit reason %s", r,
				okvm_exit_reason_name(vcpu->run->exit_reason));
	EXPECT_EQ(EINTR, err) TH_LOG("%s", strerror(err));
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason)
		TH_LOG("exit reason %s", okvm_exit_reason_name(vcpu->run->exit_reason));

	/* Not delivered, still pending, and blocked again. */
	EXPECT_EQ(0, sigusr1_handled);
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	EXPECT_TRUE(sigismember(&now, SIGUSR1));
	EXPECT_EQ(SIGUSR1, sigtimedwait(&usr1, NULL, &no_wait));

	/*
	 * Without a mask KVM_RUN runs with the thread's: the blocked signal
	 * pending then does not end it, the released guest's next ucall does.
	 */
	ASSERT_EQ(0, set_signal_mask(vcpu, NULL, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, pthread_kill(pthread_self(), SIGUSR1));
	guest_may_stop_spinning = 1;
	okvm_sync_global_to_guest(vm, guest_may_stop_spinning);
	okvm_vcpu_expect_sync(vcpu, 2);
	EXPECT_EQ(SIGUSR1, sigtimedwait(&usr1, NULL, &no_wait));
	okvm_vcpu_expect_done(vcpu);
	EXPECT_EQ(0, sigusr1_handled);

	okvm_vm_free(vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

TEST_HARNESS_MAIN
