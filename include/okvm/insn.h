/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding the instructions okvm must step over or emulate.
 */
#ifndef _OKVM_INSN_H
#define _OKVM_INSN_H

#include <linux/types.h>

struct okvm_vcpu;

#define OKVM_INSN_MAX	15

/* The code size the guest executes in (CS.L, CS.D, CR0.PE). */
enum okvm_cpu_mode {
	OKVM_MODE_16,
	OKVM_MODE_32,
	OKVM_MODE_64,
};

/* The segment registers, in their x86 encoding (the SVM IOIO exit's SEG field's too). */
enum okvm_seg {
	OKVM_SEG_ES,
	OKVM_SEG_CS,
	OKVM_SEG_SS,
	OKVM_SEG_DS,
	OKVM_SEG_FS,
	OKVM_SEG_GS,
	OKVM_NR_SEGS,
};

/**
 * struct okvm_insn - a decoded instruction
 * @len: its length in bytes, prefixes included
 * @opcode: 0xXX, 0x0fXX for two-byte opcodes, 0x0f01XX for 0f 01 XX
 * @rex: the REX prefix, or 0
 * @modrm: the ModRM byte, if @has_modrm
 * @has_modrm: the instruction has a ModRM byte
 * @op_size: operand size in bytes (2, 4 or 8) for non-byte forms
 * @addr_size: address size in bytes (2, 4 or 8)
 * @seg_override: the segment of the last segment-override prefix (enum
 *	okvm_seg), or -1 if it has none
 * @imm: the immediate, sign-extended
 */
struct okvm_insn {
	u8 len;
	u32 opcode;
	u8 rex;
	u8 modrm;
	bool has_modrm;
	u8 op_size;
	u8 addr_size;
	s8 seg_override;
	s64 imm;
};

/*
 * SMSW and LMSW of a register (0f 01 /4 and /6 with mod 3): @opcode is
 * this value whatever the register, which is in @modrm.
 */
#define OKVM_OP_SMSW_REG	0x0f01e0
#define OKVM_OP_LMSW_REG	0x0f01f0

#define OKVM_REX_W	0x08
#define OKVM_REX_R	0x04
#define OKVM_REX_B	0x01

/* ModRM.reg, extended by REX.R. */
static inline int okvm_insn_reg(const struct okvm_insn *insn)
{
	return ((insn->modrm >> 3) & 7) | (insn->rex & OKVM_REX_R ? 8 : 0);
}

/* ModRM.rm, extended by REX.B: the register of a register-form operand. */
static inline int okvm_insn_rm(const struct okvm_insn *insn)
{
	return (insn->modrm & 7) | (insn->rex & OKVM_REX_B ? 8 : 0);
}

static inline bool okvm_insn_has_memory_operand(const struct okvm_insn *insn)
{
	return insn->has_modrm && (insn->modrm >> 6) != 3;
}

int okvm_insn_decode(const u8 *bytes, unsigned int nr_bytes,
		     enum okvm_cpu_mode mode, struct okvm_insn *insn);

/* The instruction at the guest's CS:RIP (emulate/fetch.c). */
unsigned int okvm_fetch_insn(struct okvm_vcpu *vcpu, u8 *bytes, enum okvm_cpu_mode *mode);
int okvm_decode_at_rip(struct okvm_vcpu *vcpu, struct okvm_insn *insn);
int okvm_emulation_failure_at_rip(struct okvm_vcpu *vcpu);

#endif /* _OKVM_INSN_H */
