/* SPDX-License-Identifier: GPL-2.0 */
/*
 * okvm_svm_vmrun(): one VMRUN with the guest's general-purpose registers.
 *
 * Entered with interrupts off and GIF clear (the caller runs CLGI), so no
 * interrupt or NMI can run host code while FS, GS, TR and the syscall MSRs
 * hold guest values: VMRUN does not restore those, VMLOAD of the host save
 * area does, before any return. The caller sets RFLAGS.IF (see
 * okvm_svm_run()) so that host interrupts end the guest's run.
 *
 * VMSAVE, VMLOAD and VMRUN fault (#UD) if EFER.SVME is clear, as it is once
 * a reboot turned SVM off on this CPU. Each has an exception-table fixup
 * that skips it and records the fault, as KVM's __svm_vcpu_run() skips them
 * while rebooting; the caller learns of it from the return value and
 * decides whether it is a bug. With SVME clear from the start every one of
 * them faults, so no guest state reaches the CPU and the host's stays.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/frame.h>
#include <asm/nospec-branch.h>

#include <okvm/regs.h>

#define REG(r)	OKVM_REG_OFF(OKVM_REG_##r)

.section .noinstr.text, "ax"

/**
 * okvm_svm_vmrun - enter the guest until the next #VMEXIT
 * @vmcb_pa:	RDI, physical address of the guest VMCB
 * @host_pa:	RSI, physical address of this CPU's host save area
 * @regs:	RDX, the vCPU's register array (okvm/regs.h order); RAX and
 *		RSP live in the VMCB and are not touched here
 *
 * Return: false, or true if an SVM instruction faulted (and was skipped).
 */
SYM_FUNC_START(okvm_svm_vmrun)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* Set by a fixup: the return value, at 24. */
	push $0
	/* Arguments, read back after #VMEXIT: regs at 16, host_pa at 8, vmcb_pa at 0. */
	push %rdx
	push %rsi
	push %rdi

	/* Host FS/GS/TR/LDTR and syscall MSRs out, the guest's in. */
	mov %rsi, %rax
1:	vmsave %rax
2:	mov %rdi, %rax
3:	vmload %rax
4:

	mov %rdx, %rax
	mov REG(RCX)(%rax), %rcx
	mov REG(RDX)(%rax), %rdx
	mov REG(RBX)(%rax), %rbx
	mov REG(RBP)(%rax), %rbp
	mov REG(RSI)(%rax), %rsi
	mov REG(RDI)(%rax), %rdi
	mov REG(R8)(%rax),  %r8
	mov REG(R9)(%rax),  %r9
	mov REG(R10)(%rax), %r10
	mov REG(R11)(%rax), %r11
	mov REG(R12)(%rax), %r12
	mov REG(R13)(%rax), %r13
	mov REG(R14)(%rax), %r14
	mov REG(R15)(%rax), %r15

	/* RAX holds the VMCB address for VMRUN; the guest's RAX is in the VMCB. */
	mov (%rsp), %rax
5:	vmrun %rax
6:
	/* #VMEXIT: RSP and RAX are the host's again. */
	mov 16(%rsp), %rax
	mov %rcx, REG(RCX)(%rax)
	mov %rdx, REG(RDX)(%rax)
	mov %rbx, REG(RBX)(%rax)
	mov %rbp, REG(RBP)(%rax)
	mov %rsi, REG(RSI)(%rax)
	mov %rdi, REG(RDI)(%rax)
	mov %r8,  REG(R8)(%rax)
	mov %r9,  REG(R9)(%rax)
	mov %r10, REG(R10)(%rax)
	mov %r11, REG(R11)(%rax)
	mov %r12, REG(R12)(%rax)
	mov %r13, REG(R13)(%rax)
	mov %r14, REG(R14)(%rax)
	mov %r15, REG(R15)(%rax)

	/* Guest state out to its VMCB, the host's back in. */
	mov (%rsp), %rax
7:	vmsave %rax
8:	mov 8(%rsp), %rax
9:	vmload %rax
10:

	/*
	 * The guest may have trained the return predictor: clear it before
	 * the first RET, as the host's speculation mitigations require.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	UNTRAIN_RET_VM

	/* Leave no guest value in a register the host may speculate on. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d

	add $24, %rsp
	pop %rax
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

	/* The fixups: RSP is as at the instruction that faulted. */
11:	movq $1, 24(%rsp)
	jmp 2b
31:	movq $1, 24(%rsp)
	jmp 4b
51:	movq $1, 24(%rsp)
	jmp 6b
71:	movq $1, 24(%rsp)
	jmp 8b
91:	movq $1, 24(%rsp)
	jmp 10b

	_ASM_EXTABLE(1b, 11b)
	_ASM_EXTABLE(3b, 31b)
	_ASM_EXTABLE(5b, 51b)
	_ASM_EXTABLE(7b, 71b)
	_ASM_EXTABLE(9b, 91b)
SYM_FUNC_END(okvm_svm_vmrun)
