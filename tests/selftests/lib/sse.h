/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembler text that loads or stores all 16 XMM registers, for asm
 * statements that must own the SSE state from one instruction to the next
 * (a test cannot let compiled C code run in between: it may use any XMM
 * register). The asm statement names its 256-byte buffer operand [xmm_src]
 * or [xmm_dst]; MOVDQU, so the buffer needs no particular alignment.
 */
#ifndef OKVM_SELFTEST_SSE_H
#define OKVM_SELFTEST_SSE_H

#define LOAD_ALL_XMM							\
	".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t" \
	"movdqu \\n*16(%[xmm_src]), %%xmm\\n\n\t"			\
	".endr\n\t"

#define STORE_ALL_XMM							\
	".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t" \
	"movdqu %%xmm\\n, \\n*16(%[xmm_dst])\n\t"			\
	".endr\n\t"

/* Every XMM register, for the clobber list of an asm that loads them. */
#define ALL_XMM_CLOBBERS						\
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",	\
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

#endif /* OKVM_SELFTEST_SSE_H */
