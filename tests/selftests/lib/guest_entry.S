/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest entry points that cannot be C: the exception stubs the guest IDT
 * points to, and the return address of a vCPU's entry function. They run in
 * the guest only (see long_mode.c).
 */

	.text

/*
 * Where a vCPU's entry function returns to: report UCALL_DONE. RSP is the
 * 16-byte aligned stack top here, as a call wants it.
 */
	.globl okvm_guest_return_stub
okvm_guest_return_stub:
	call	okvm_guest_done
1:	hlt
	jmp	1b

/*
 * One 16-byte stub per vector, so long_mode.c can compute the IDT gates as
 * okvm_guest_exception_stubs + 16 * vector. Each pushes a zero in place of
 * the error code where the CPU pushes none, then the vector, so that
 * exception_common always finds the same frame.
 */
	.macro exception_stub vector
	.balign 16
	.if (\vector == 8) || (\vector == 10) || (\vector == 11) || (\vector == 12) || \
	    (\vector == 13) || (\vector == 14) || (\vector == 17) || (\vector == 21) || \
	    (\vector == 29) || (\vector == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vector
	jmp	exception_common
	.endm

	.balign 16
	.globl okvm_guest_exception_stubs
okvm_guest_exception_stubs:
	.irp vector, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
		16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	exception_stub \vector
	.endr

/*
 * The stack holds the vector, the error code, then the CPU's frame (RIP, CS,
 * RFLAGS, RSP, SS): struct okvm_exception_frame. Exceptions are fatal, so
 * the C side reports and halts and nothing returns here.
 */
exception_common:
	mov	%rsp, %rdi
	and	$-16, %rsp
	call	okvm_guest_report_exception
2:	hlt
	jmp	2b

	.section .note.GNU-stack, "", @progbits
