// SPDX-License-Identifier: GPL-2.0
/*
 * Guest and host FPU/SSE state stay apart: the guest's XMM registers, MXCSR
 * and x87 control word survive exits during which the host task does its
 * own floating-point work, and the host task's survive KVM_RUN.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/sse.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define ROUNDS			8
#define MXCSR_GUEST		0x7f80	/* round toward zero, all masked */
#define MXCSR_HOST		0x1f80	/* the default */
#define FCW_GUEST		0x027f	/* double precision */
#define FCW_HOST		0x037f	/* the default */

struct sse_state {
	u8 xmm[16][16];
	u32 mxcsr;
	u16 fcw;
};

static void fill_pattern(struct sse_state *state, u64 seed)
{
	int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			state->xmm[i][j] = (u8)(seed * 31 + i * 16 + j);
}

/* Guest memory; the guest's own copies of these globals. */
static struct sse_state guest_loaded, guest_after_exit;

/*
 * Load the SSE state, make a SYNC ucall, store the state: all in one asm,
 * so no compiled code touches an XMM register between the load and the
 * store, only the exit and whatever the host did meanwhile.
 */
static void guest_sync_holding_sse(u64 round)
{
	struct okvm_ucall uc = { .cmd = UCALL_SYNC, .args = { round } };

	asm volatile(LOAD_ALL_XMM
		     "ldmxcsr %[mxcsr_in]\n\t"
		     "fldcw %[fcw_in]\n\t"
		     "outl %%eax, %%dx\n\t"
		     STORE_ALL_XMM
		     "stmxcsr %[mxcsr_out]\n\t"
		     "fnstcw %[fcw_out]"
		     : [mxcsr_out] "=m"(guest_after_exit.mxcsr),
		       [fcw_out] "=m"(guest_after_exit.fcw)
		     : [xmm_src] "r"(guest_loaded.xmm), [xmm_dst] "r"(guest_after_exit.xmm),
		       [mxcsr_in] "m"(guest_loaded.mxcsr), [fcw_in] "m"(guest_loaded.fcw),
		       "a"((u32)(uintptr_t)&uc), "d"((u16)OKVM_UCALL_PORT)
		     : "memory", ALL_XMM_CLOBBERS);
}

static void guest_check_sse_across_exits(void)
{
	u64 round;
	int i, j;

	for (round = 0; round < ROUNDS; round++) {
		fill_pattern(&guest_loaded, round + 1);
		guest_loaded.mxcsr = MXCSR_GUEST;
		guest_loaded.fcw = FCW_GUEST;
		guest_sync_holding_sse(round);
		for (i = 0; i < 16; i++)
			for (j = 0; j < 16; j++)
				GUEST_ASSERT_EQ(guest_loaded.xmm[i][j],
						guest_after_exit.xmm[i][j]);
		GUEST_ASSERT_EQ(guest_after_exit.mxcsr, MXCSR_GUEST);
		GUEST_ASSERT_EQ(guest_after_exit.fcw, FCW_GUEST);
	}
}

/* Floating-point work the compiler cannot fold away. */
static double host_fp_work(int iterations)
{
	double x = 1.0, y = 0.5;
	int i;

	for (i = 1; i <= iterations; i++) {
		x = x * 1.0000001 + sqrt((double)i) / (y + i);
		y = sin(x) * cos(y) + 1.5;
	}
	return x + y;
}

/* Load the host's own patterns into every XMM register and MXCSR/FCW. */
static void host_clobber_sse(const struct sse_state *state)
{
	asm volatile(LOAD_ALL_XMM
		     "ldmxcsr %[mxcsr_in]\n\t"
		     "fldcw %[fcw_in]"
		     : : [xmm_src] "r"(state->xmm), [mxcsr_in] "m"(state->mxcsr),
		       [fcw_in] "m"(state->fcw)
		     : "memory", ALL_XMM_CLOBBERS);
}

static void *fp_neighbour(void *stop)
{
	double sum = 0;

	while (!READ_ONCE(*(int *)stop))
		sum += host_fp_work(1000);
	return (void *)(long)(sum > 0);
}

TEST(guest_sse_survives_host_fp_work)
{
	struct sse_state host_state;
	struct okvm_vcpu *vcpu;
	pthread_t neighbour;
	struct okvm_vm *vm;
	u64 round;
	int stop = 0;

	vm = okvm_vm_create_long_mode(1, guest_check_sse_across_exits, &vcpu);
	/* Another thread of this process keeps an FPU busy too. */
	ASSERT_EQ(0, pthread_create(&neighbour, NULL, fp_neighbour, &stop));

	for (round = 0; round < ROUNDS; round++) {
		okvm_vcpu_expect_sync(vcpu, round);
		EXPECT_GT(host_fp_work(20000), 0);
		fill_pattern(&host_state, 1000 + round);
		host_state.mxcsr = MXCSR_HOST;
		host_state.fcw = FCW_HOST;
		host_clobber_sse(&host_state);
		/* Give the scheduler a chance to switch tasks and FPU state. */
		sched_yield();
		usleep(1000);
		host_clobber_sse(&host_state);
	}
	okvm_vcpu_expect_done(vcpu);

	WRITE_ONCE(stop, 1);
	pthread_join(neighbour, NULL);
	okvm_vm_free(vm);
}

/* The host's state after a raw KVM_RUN syscall with patterns loaded. */
static struct sse_state host_after_run;
static long host_run_result;

/*
 * KVM_RUN as a bare syscall between loading and storing the host's SSE
 * state: the kernel must hand the task its registers back as they were,
 * whatever the guest had in them.
 */
static void run_holding_sse(struct okvm_vcpu *vcpu, const struct sse_state *state)
{
	long result = SYS_ioctl;

	asm volatile(LOAD_ALL_XMM
		     "ldmxcsr %[mxcsr_in]\n\t"
		     "fldcw %[fcw_in]\n\t"
		     "syscall\n\t"
		     STORE_ALL_XMM
		     "stmxcsr %[mxcsr_out]\n\t"
		     "fnstcw %[fcw_out]"
		     : "+a"(result), [mxcsr_out] "=m"(host_after_run.mxcsr),
		       [fcw_out] "=m"(host_after_run.fcw)
		     : "D"((long)vcpu->fd), "S"((long)KVM_RUN),
		       "d"(0L), [xmm_src] "r"(state->xmm), [xmm_dst] "r"(host_after_run.xmm),
		       [mxcsr_in] "m"(state->mxcsr), [fcw_in] "m"(state->fcw)
		     : "rcx", "r11", "memory", ALL_XMM_CLOBBERS);
	host_run_result = result;
}

TEST(host_sse_survives_guest_run)
{
	struct sse_state host_state;
	struct okvm_vcpu *vcpu;
	struct okvm_ucall uc;
	struct okvm_vm *vm;
	char what[512];
	u64 round;

	vm = okvm_vm_create_long_mode(1, guest_check_sse_across_exits, &vcpu);
	for (round = 0; round < ROUNDS; round++) {
		fill_pattern(&host_state, 5000 + round);
		host_state.mxcsr = MXCSR_HOST;
		host_state.fcw = FCW_HOST;
		run_holding_sse(vcpu, &host_state);
		ASSERT_EQ(0, host_run_result) TH_LOG("KVM_RUN: %s", strerror(-host_run_result));
		okvm_vcpu_decode_ucall(vcpu, &uc);
		okvm_ucall_describe(vm, &uc, what, sizeof(what));
		ASSERT_EQ(UCALL_SYNC, uc.cmd) TH_LOG("%s", what);
		ASSERT_EQ(round, uc.args[0]);
		EXPECT_EQ(0, memcmp(host_state.xmm, host_after_run.xmm, sizeof(host_state.xmm)))
			TH_LOG("round %llu: the host's XMM registers changed", round);
		EXPECT_EQ(MXCSR_HOST, host_after_run.mxcsr);
		EXPECT_EQ(FCW_HOST, host_after_run.fcw);
	}
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
