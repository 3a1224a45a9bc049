/* SPDX-License-Identifier: GPL-2.0 */
/*
 * okvm_svm_vmrun(): one VMRUN with the guest's general-purpose registers.
 *
 * Entered with interrupts off and GIF clear (the caller runs CLGI), so no
 * interrupt or NMI can run host code while FS, GS, TR and the syscall MSRs
 * hold guest values: VMRUN does not restore those, VMLOAD of the host save
 * area does, before any return. The caller sets RFLAGS.IF (see
 * okvm_svm_run()) so that host interrupts end the guest's run.
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
 */
SYM_FUNC_START(okvm_svm_vmrun)
	push %rbp
	mov  %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* Arguments, read back after #VMEXIT: regs at 16, host_pa at 8, vmcb_pa at 0. */
	push %rdx
	push %rsi
	push %rdi

	/* Host FS/GS/TR/LDTR and syscall MSRs out, the guest's in. */
	mov %rsi, %rax
	vmsave %rax
	mov %rdi, %rax
	vmload %rax

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
	vmrun %rax

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
	vmsave %rax
	mov 8(%rsp), %rax
	vmload %rax

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
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(okvm_svm_vmrun)
