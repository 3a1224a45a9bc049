/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's assembly entry points (guest_entry.S) and what they hand to C.
 */
#ifndef OKVM_SELFTEST_GUEST_ENTRY_H
#define OKVM_SELFTEST_GUEST_ENTRY_H

#include "kernel_types.h"

/* 32 exception stubs, 16 bytes apart: the IDT's gate for vector n is n's. */
extern const char okvm_guest_exception_stubs[];
#define OKVM_EXCEPTION_STUB_SIZE	16

/* The return address of a vCPU's entry function: it reports UCALL_DONE. */
extern const char okvm_guest_return_stub[];

/* What the stubs leave on the stack for okvm_guest_report_exception(). */
struct okvm_exception_frame {
	u64 vector;
	u64 error_code;
	/* pushed by the CPU */
	u64 rip;
	u64 cs;
	u64 rflags;
	u64 rsp;
	u64 ss;
};

/* Guest side, in ucall.c: report UCALL_EXCEPTION and halt. */
__noreturn void okvm_guest_report_exception(const struct okvm_exception_frame *frame);

#endif /* OKVM_SELFTEST_GUEST_ENTRY_H */
