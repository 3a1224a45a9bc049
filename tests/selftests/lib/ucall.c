// SPDX-License-Identifier: GPL-2.0
/*
 * Ucalls, both sides: the guest functions that make them and the host loop
 * that runs a vCPU until one arrives and decodes it. See ucall.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest_entry.h"
#include "ucall.h"
#include "x86.h"

/* Guest side. */

void okvm_guest_ucall(struct okvm_ucall *uc)
{
	/* The stack, and so @uc, is below 4G: 32 bits carry the address. */
	asm volatile("outl %0, %1"
		     : : "a"((u32)(uintptr_t)uc), "d"((u16)OKVM_UCALL_PORT)
		     : "memory");
}

void okvm_guest_sync(u64 value)
{
	struct okvm_ucall uc = { .cmd = UCALL_SYNC, .args = { value } };

	okvm_guest_ucall(&uc);
}

/* A guest that reported an end stays stopped, whatever the host does. */
static __noreturn void guest_halt_forever(void)
{
	for (;;)
		guest_halt();
}

void okvm_guest_done(void)
{
	struct okvm_ucall uc = { .cmd = UCALL_DONE };

	okvm_guest_ucall(&uc);
	guest_halt_forever();
}

void okvm_guest_assert_failed(const char *file, int line, const char *expr,
			      u64 a, u64 b)
{
	struct okvm_ucall uc = {
		.cmd = UCALL_ASSERT, .args = { a, b }, .line = line,
		.file = file, .expr = expr,
	};

	okvm_guest_ucall(&uc);
	guest_halt_forever();
}

void okvm_guest_report_exception(const struct okvm_exception_frame *frame)
{
	struct okvm_ucall uc = {
		.cmd = UCALL_EXCEPTION,
		.args = { frame->vector, frame->error_code, frame->rip,
			  guest_read_cr2() },
	};

	okvm_guest_ucall(&uc);
	guest_halt_forever();
}

/* Host side. */

void okvm_guest_string(struct okvm_vm *vm, const char *gva, char *buf, size_t size)
{
	u64 gpa = (u64)(uintptr_t)gva;
	size_t i;

	for (i = 0; i + 1 < size; i++) {
		okvm_read_guest(vm, gpa + i, &buf[i], 1);
		if (!buf[i])
			return;
	}
	buf[i] = '\0';
}

void okvm_ucall_describe(struct okvm_vm *vm, const struct okvm_ucall *uc,
			 char *buf, size_t size)
{
	char file[128], expr[256];

	switch (uc->cmd) {
	case UCALL_SYNC:
		snprintf(buf, size, "SYNC 0x%llx", (unsigned long long)uc->args[0]);
		break;
	case UCALL_DONE:
		snprintf(buf, size, "DONE");
		break;
	case UCALL_ASSERT:
		okvm_guest_string(vm, uc->file, file, sizeof(file));
		okvm_guest_string(vm, uc->expr, expr, sizeof(expr));
		snprintf(buf, size,
			 "guest assertion '%s' failed at %s:%llu (values 0x%llx, 0x%llx)",
			 expr, file, (unsigned long long)uc->line,
			 (unsigned long long)uc->args[0], (unsigned long long)uc->args[1]);
		break;
	case UCALL_EXCEPTION:
		snprintf(buf, size,
			 "guest exception vector %llu error code 0x%llx at rip 0x%llx (cr2 0x%llx)",
			 (unsigned long long)uc->args[0], (unsigned long long)uc->args[1],
			 (unsigned long long)uc->args[2], (unsigned long long)uc->args[3]);
		break;
	default:
		snprintf(buf, size, "unknown ucall %llu", (unsigned long long)uc->cmd);
	}
}

u64 okvm_vcpu_run_to_ucall(struct okvm_vcpu *vcpu, struct okvm_ucall *uc)
{
	struct kvm_run *run = vcpu->run;

	if (okvm_vcpu_run_raw(vcpu))
		okvm_fail("KVM_RUN on vCPU %u: %s (exit reason %u, %s)", vcpu->id,
			  strerror(errno), run->exit_reason,
			  okvm_exit_reason_name(run->exit_reason));
	return okvm_vcpu_decode_ucall(vcpu, uc);
}

u64 okvm_vcpu_decode_ucall(struct okvm_vcpu *vcpu, struct okvm_ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	u32 uc_gpa;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != OKVM_UCALL_PORT)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for a ucall");
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1)
		okvm_vcpu_fail_unexpected_exit(vcpu, "malformed ucall");

	memcpy(&uc_gpa, (char *)run + run->io.data_offset, sizeof(uc_gpa));
	okvm_read_guest(vcpu->vm, uc_gpa, uc, sizeof(*uc));
	return uc->cmd;
}

/* Run to the next ucall; fail unless it is @cmd. */
static void next_ucall_of(struct okvm_vcpu *vcpu, u64 cmd, struct okvm_ucall *uc,
			  const char *file, int line)
{
	char what[512];

	if (okvm_vcpu_run_to_ucall(vcpu, uc) == cmd)
		return;
	okvm_ucall_describe(vcpu->vm, uc, what, sizeof(what));
	__okvm_fail(file, line, "vCPU %u: expected %s, got %s", vcpu->id,
		    cmd == UCALL_SYNC ? "SYNC" : "DONE", what);
}

u64 __okvm_vcpu_next_sync(struct okvm_vcpu *vcpu, const char *file, int line)
{
	struct okvm_ucall uc;

	next_ucall_of(vcpu, UCALL_SYNC, &uc, file, line);
	return uc.args[0];
}

void __okvm_vcpu_expect_sync(struct okvm_vcpu *vcpu, u64 value,
			     const char *file, int line)
{
	u64 got = __okvm_vcpu_next_sync(vcpu, file, line);

	if (got != value)
		__okvm_fail(file, line, "vCPU %u: expected SYNC 0x%llx, got SYNC 0x%llx",
			    vcpu->id, (unsigned long long)value, (unsigned long long)got);
}

void __okvm_vcpu_expect_done(struct okvm_vcpu *vcpu, const char *file, int line)
{
	struct okvm_ucall uc;

	next_ucall_of(vcpu, UCALL_DONE, &uc, file, line);
}
