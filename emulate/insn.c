// SPDX-License-Identifier: GPL-2.0
/*
 * Lengths of the instructions SVM intercepts, for CPUs without next-RIP
 * saving (NRIPS, absent for example in QEMU's emulated SVM): to skip an
 * intercepted instruction okvm must know how long it was. Only the forms
 * that can cause those intercepts are recognised; anything else is refused.
 */
#include <linux/errno.h>

#include <okvm/insn.h>

static bool okvm_is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0xf0: case 0xf2: case 0xf3:		/* LOCK, REPNE, REP */
	case 0x26: case 0x2e: case 0x36: case 0x3e:	/* segment overrides */
	case 0x64: case 0x65:
	case 0x66: case 0x67:				/* operand, address size */
		return true;
	default:
		return false;
	}
}

/**
 * okvm_insn_decode_exiting() - decode an instruction that caused an intercept
 * @bytes: instruction bytes at the guest's RIP
 * @nr_bytes: how many of them could be read
 * @long_mode: the guest runs 64-bit code (REX prefixes exist)
 * @insn: the result
 *
 * Knows HLT, CPUID, RDMSR, WRMSR, INVD, XSETBV and MOV to/from DRn.
 *
 * Return: 0, or -EINVAL for other bytes or too few of them.
 */
int okvm_insn_decode_exiting(const u8 *bytes, unsigned int nr_bytes,
			     bool long_mode, struct okvm_insn *insn)
{
	unsigned int i = 0;

	*insn = (struct okvm_insn){};
	while (i < nr_bytes && okvm_is_legacy_prefix(bytes[i]))
		i++;
	if (long_mode && i < nr_bytes && (bytes[i] & 0xf0) == 0x40)
		insn->rex = bytes[i++];
	if (i >= nr_bytes)
		return -EINVAL;

	if (bytes[i] == 0xf4) {			/* HLT */
		insn->opcode = 0xf4;
		i += 1;
	} else if (bytes[i] == 0x0f && i + 1 < nr_bytes) {
		u8 op = bytes[i + 1];

		insn->opcode = 0x0f00 | op;
		i += 2;
		switch (op) {
		case 0xa2:			/* CPUID */
		case 0x30:			/* WRMSR */
		case 0x32:			/* RDMSR */
		case 0x08:			/* INVD */
			break;
		case 0x01:			/* XSETBV is 0f 01 d1 */
			if (i >= nr_bytes || bytes[i] != 0xd1)
				return -EINVAL;
			insn->opcode = 0x0f01d1;
			i += 1;
			break;
		case 0x21:			/* MOV r, DRn */
		case 0x23:			/* MOV DRn, r */
			if (i >= nr_bytes)
				return -EINVAL;
			insn->modrm = bytes[i];
			insn->has_modrm = true;
			i += 1;
			break;
		default:
			return -EINVAL;
		}
	} else {
		return -EINVAL;
	}
	if (i > OKVM_INSN_MAX)
		return -EINVAL;
	insn->len = i;
	return 0;
}
