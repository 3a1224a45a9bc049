// SPDX-License-Identifier: GPL-2.0
/*
 * A 64-bit guest built from this program's own functions runs, talks to the
 * host through ucalls, and its assertion failures and exceptions reach the
 * host with enough detail to debug them.
 */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/* Written by the host into the guest's copy before the guest reads it. */
static u64 host_value;

static void guest_sync_sequence(void)
{
	u64 i;

	for (i = 0; i < 5; i++)
		GUEST_SYNC(i * 0x1111);
	GUEST_SYNC(host_value);
	GUEST_DONE();
}

TEST(sync_values_and_done_arrive_in_order)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 i;

	vm = okvm_vm_create_long_mode(1, guest_sync_sequence, &vcpu);
	host_value = 0xfeedface12345678ULL;
	okvm_sync_global_to_guest(vm, host_value);

	for (i = 0; i < 5; i++)
		okvm_vcpu_expect_sync(vcpu, i * 0x1111);
	okvm_vcpu_expect_sync(vcpu, 0xfeedface12345678ULL);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* The guest's globals are its own: a write there does not reach the host. */
static u64 guest_counter;

static void guest_bump_counter(void)
{
	guest_counter += 7;
	GUEST_SYNC(guest_counter);
	guest_counter += 7;
}

TEST(returning_from_guest_code_reports_done)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_bump_counter, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 7);
	okvm_vcpu_expect_done(vcpu);

	EXPECT_EQ(0, guest_counter);
	okvm_sync_global_from_guest(vm, guest_counter);
	EXPECT_EQ(14, guest_counter);
	okvm_vm_free(vm);
}

static int assert_line;

static void guest_failing_assert(u64 a, u64 b)
{
	GUEST_ASSERT_EQ(a, a);
	GUEST_SYNC(1);
	assert_line = __LINE__ + 1;
	GUEST_ASSERT_EQ(a + 1, b);
	GUEST_SYNC(2);
}

TEST(guest_assert_reports_file_line_and_values)
{
	struct okvm_vcpu *vcpu;
	struct okvm_ucall uc;
	struct okvm_vm *vm;
	char file[128], expr[128];

	vm = okvm_vm_create_long_mode(1, guest_failing_assert, &vcpu);
	okvm_vcpu_set_args(vcpu, 2, 0x40ULL, 0x99ULL);
	okvm_vcpu_expect_sync(vcpu, 1);

	ASSERT_EQ(UCALL_ASSERT, okvm_vcpu_run_to_ucall(vcpu, &uc));
	okvm_sync_global_from_guest(vm, assert_line);
	EXPECT_EQ(assert_line, uc.line);
	EXPECT_EQ(0x41, uc.args[0]);
	EXPECT_EQ(0x99, uc.args[1]);
	okvm_guest_string(vm, uc.file, file, sizeof(file));
	okvm_guest_string(vm, uc.expr, expr, sizeof(expr));
	EXPECT_STREQ(__FILE__, file);
	EXPECT_STREQ("a + 1 == b", expr);
	okvm_vm_free(vm);
}

/* The helpers that expect SYNC or DONE turn a guest assertion into a failure. */
TEST(guest_assert_fails_the_waiting_helper)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int status, pipe_fds[2];
	char reached = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipe_fds));
	/* The helper ends the process it runs in: give it one of its own. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(pipe_fds[0]);
		vm = okvm_vm_create_long_mode(1, guest_failing_assert, &vcpu);
		okvm_vcpu_set_args(vcpu, 2, 1ULL, 1ULL);
		okvm_vcpu_expect_sync(vcpu, 1);
		/* Everything worked up to the assertion. */
		if (write(pipe_fds[1], "y", 1) != 1)
			_exit(2);
		okvm_vcpu_expect_sync(vcpu, 2);
		okvm_vm_free(vm);
		_exit(0);
	}
	close(pipe_fds[1]);
	EXPECT_EQ(1, read(pipe_fds[0], &reached, 1));
	EXPECT_EQ('y', reached) TH_LOG("the child failed before the guest assertion");
	close(pipe_fds[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(KSFT_FAIL, WEXITSTATUS(status));
}

static void guest_undefined_opcode(void)
{
	GUEST_SYNC(0);
	asm volatile("ud2");
	GUEST_SYNC(1);
}

TEST(guest_exception_reports_vector_and_rip)
{
	struct okvm_vcpu *vcpu;
	struct okvm_ucall uc;
	struct okvm_vm *vm;
	u64 entry = (u64)(uintptr_t)guest_undefined_opcode;

	vm = okvm_vm_create_long_mode(1, guest_undefined_opcode, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 0);
	ASSERT_EQ(UCALL_EXCEPTION, okvm_vcpu_run_to_ucall(vcpu, &uc));
	EXPECT_EQ(X86_VEC_UD, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	/* The faulting RIP lies within the function (which is short). */
	EXPECT_GE(uc.args[2], entry);
	EXPECT_LT(uc.args[2], entry + 256);
	okvm_vm_free(vm);
}

static void guest_page_fault(u64 unmapped)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)unmapped));
}

TEST(guest_page_fault_reports_cr2)
{
	/* Above 4G: outside the guest page tables. */
	const u64 unmapped = 0x123456789000ULL;
	struct okvm_vcpu *vcpu;
	struct okvm_ucall uc;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_page_fault, &vcpu);
	okvm_vcpu_set_args(vcpu, 1, unmapped);
	ASSERT_EQ(UCALL_EXCEPTION, okvm_vcpu_run_to_ucall(vcpu, &uc));
	EXPECT_EQ(X86_VEC_PF, uc.args[0]);
	EXPECT_EQ(unmapped, uc.args[3]);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
