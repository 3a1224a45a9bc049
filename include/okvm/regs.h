/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Indices of the guest general-purpose registers in okvm_vcpu::regs, in the
 * x86 encoding order. Plain defines: svm/vmenter.S uses them too.
 */
#ifndef _OKVM_REGS_H
#define _OKVM_REGS_H

#define OKVM_REG_RAX	0
#define OKVM_REG_RCX	1
#define OKVM_REG_RDX	2
#define OKVM_REG_RBX	3
#define OKVM_REG_RSP	4
#define OKVM_REG_RBP	5
#define OKVM_REG_RSI	6
#define OKVM_REG_RDI	7
#define OKVM_REG_R8	8
#define OKVM_REG_R9	9
#define OKVM_REG_R10	10
#define OKVM_REG_R11	11
#define OKVM_REG_R12	12
#define OKVM_REG_R13	13
#define OKVM_REG_R14	14
#define OKVM_REG_R15	15
#define OKVM_NR_REGS	16

/* Byte offset of a register in the array, for assembly. */
#define OKVM_REG_OFF(reg)	((reg) * 8)

#endif /* _OKVM_REGS_H */
