/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding the instructions okvm must step over or emulate.
 */
#ifndef _OKVM_INSN_H
#define _OKVM_INSN_H

#include <linux/types.h>

#define OKVM_INSN_MAX	15

/**
 * struct okvm_insn - a decoded instruction
 * @len: its length in bytes, prefixes included
 * @opcode: the opcode, 0x0fXX for two-byte opcodes, 0x0f01XX for 0f 01 XX
 * @rex: the REX prefix, or 0
 * @modrm: the ModRM byte, if @has_modrm
 * @has_modrm: the instruction has a ModRM byte
 */
struct okvm_insn {
	u8 len;
	u32 opcode;
	u8 rex;
	u8 modrm;
	bool has_modrm;
};

int okvm_insn_decode_exiting(const u8 *bytes, unsigned int nr_bytes,
			     bool long_mode, struct okvm_insn *insn);

#endif /* _OKVM_INSN_H */
