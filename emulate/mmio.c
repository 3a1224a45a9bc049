// SPDX-License-Identifier: GPL-2.0
/*
 * The MOV forms guests use for MMIO, turned into one access each: MOV
 * between a register and memory (8-64 bits), MOV between rAX and an
 * absolute address (moffs, which compilers use for a constant address),
 * MOV of an immediate to memory, MOVZX and MOVSX from memory. Anything else
 * refuses to emulate.
 */
#include <linux/errno.h>

#include <okvm/insn.h>
#include <okvm/mmio.h>
#include <okvm/regs.h>

/*
 * An 8-bit register operand: without REX, encodings 4-7 are AH, CH, DH, BH,
 * the second byte of RAX, RCX, RDX, RBX; with REX they are SPL..DIL.
 */
static void okvm_byte_reg(const struct okvm_insn *insn, int reg, u8 *index,
			  bool *high_byte)
{
	*high_byte = !insn->rex && reg >= 4 && reg < 8;
	*index = *high_byte ? reg - 4 : reg;
}

/**
 * okvm_mmio_op_from_insn() - the memory access of a decoded MMIO instruction
 * @insn: the instruction
 * @regs: the guest's registers, for the value a store writes
 * @op: the access
 *
 * Return: 0, or -EINVAL for an instruction that is not an emulated form.
 */
int okvm_mmio_op_from_insn(const struct okvm_insn *insn, const unsigned long *regs,
			   struct okvm_mmio_op *op)
{
	int reg = okvm_insn_reg(insn);
	u8 index;
	bool high;

	*op = (struct okvm_mmio_op){};
	switch (insn->opcode) {
	case 0xa0:			/* MOV AL, moffs8 */
	case 0xa1:			/* MOV rAX, moffs */
		op->size = insn->opcode == 0xa0 ? 1 : insn->op_size;
		op->reg = OKVM_REG_RAX;
		op->dest_size = op->size;
		return 0;
	case 0xa2:			/* MOV moffs8, AL */
	case 0xa3:			/* MOV moffs, rAX */
		op->is_write = true;
		op->size = insn->opcode == 0xa2 ? 1 : insn->op_size;
		op->value = regs[OKVM_REG_RAX];
		if (op->size < 8)
			op->value &= BIT_ULL(op->size * 8) - 1;
		return 0;
	}
	if (!okvm_insn_has_memory_operand(insn))
		return -EINVAL;

	switch (insn->opcode) {
	case 0x88:			/* MOV r/m8, r8 */
		okvm_byte_reg(insn, reg, &index, &high);
		op->is_write = true;
		op->size = 1;
		op->value = (u8)(regs[index] >> (high ? 8 : 0));
		return 0;
	case 0x89:			/* MOV r/m, r */
		op->is_write = true;
		op->size = insn->op_size;
		op->value = regs[reg];
		return 0;
	case 0xc6:			/* MOV r/m8, imm8 */
	case 0xc7:			/* MOV r/m, imm16/32 (sign-extended) */
		if (reg & 7)
			return -EINVAL;
		op->is_write = true;
		op->size = insn->opcode == 0xc6 ? 1 : insn->op_size;
		op->value = insn->imm;
		return 0;
	case 0x8a:			/* MOV r8, r/m8 */
		okvm_byte_reg(insn, reg, &op->reg, &op->high_byte);
		op->size = 1;
		op->dest_size = 1;
		return 0;
	case 0x8b:			/* MOV r, r/m */
		op->size = insn->op_size;
		break;
	case 0x0fb6:			/* MOVZX r, r/m8 */
	case 0x0fbe:			/* MOVSX r, r/m8 */
		op->size = 1;
		break;
	case 0x0fb7:			/* MOVZX r, r/m16 */
	case 0x0fbf:			/* MOVSX r, r/m16 */
		op->size = 2;
		break;
	default:
		return -EINVAL;
	}
	op->reg = reg;
	op->dest_size = insn->op_size;
	op->sign_extend = insn->opcode == 0x0fbe || insn->opcode == 0x0fbf;
	return 0;
}
