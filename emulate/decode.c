// SPDX-License-Identifier: GPL-2.0
/*
 * An x86 instruction decoder for the few instructions okvm meets: those SVM
 * intercepts (to step over them on CPUs without next-RIP saving, such as
 * QEMU's emulated SVM, and to find the register of MOV to and from CR0 and
 * the debug registers without decode assists, and the address size and
 * segment of INS and OUTS on CPUs whose IOIO exit lacks them) and the MOV
 * forms guests use for MMIO. It finds the
 * length, the operands' registers, sizes and immediate; it never needs the
 * effective address, which the nested page fault already reports.
 */
#include <linux/errno.h>
#include <linux/kernel.h>

#include <okvm/insn.h>

/* What follows an opcode. */
#define OP_MODRM	BIT(0)	/* a ModRM byte (and maybe SIB, displacement) */
#define OP_IMM8		BIT(1)	/* an 8-bit immediate */
#define OP_IMMZ		BIT(2)	/* a 16- or 32-bit immediate, by operand size */
#define OP_MODRM_REG	BIT(3)	/* ModRM naming registers only: mod is ignored */
#define OP_MOFFS	BIT(4)	/* an address of the address size, no ModRM */

struct okvm_opcode {
	u32 opcode;
	u8 flags;
};

static const struct okvm_opcode okvm_opcodes[] = {
	{ 0xf4, 0 },			/* HLT */
	{ 0x6c, 0 },			/* INSB */
	{ 0x6d, 0 },			/* INSW, INSD */
	{ 0x6e, 0 },			/* OUTSB */
	{ 0x6f, 0 },			/* OUTSW, OUTSD */
	{ 0x88, OP_MODRM },		/* MOV r/m8, r8 */
	{ 0x89, OP_MODRM },		/* MOV r/m, r */
	{ 0x8a, OP_MODRM },		/* MOV r8, r/m8 */
	{ 0x8b, OP_MODRM },		/* MOV r, r/m */
	{ 0xa0, OP_MOFFS },		/* MOV AL, moffs8 */
	{ 0xa1, OP_MOFFS },		/* MOV rAX, moffs */
	{ 0xa2, OP_MOFFS },		/* MOV moffs8, AL */
	{ 0xa3, OP_MOFFS },		/* MOV moffs, rAX */
	{ 0xc6, OP_MODRM | OP_IMM8 },	/* MOV r/m8, imm8 */
	{ 0xc7, OP_MODRM | OP_IMMZ },	/* MOV r/m, imm16/32 */
	{ 0x0f06, 0 },			/* CLTS */
	{ 0x0f08, 0 },			/* INVD */
	{ 0x0f20, OP_MODRM_REG },	/* MOV r, CRn */
	{ 0x0f21, OP_MODRM_REG },	/* MOV r, DRn */
	{ 0x0f22, OP_MODRM_REG },	/* MOV CRn, r */
	{ 0x0f23, OP_MODRM_REG },	/* MOV DRn, r */
	{ 0x0f30, 0 },			/* WRMSR */
	{ 0x0f32, 0 },			/* RDMSR */
	{ 0x0fa2, 0 },			/* CPUID */
	{ 0x0fb6, OP_MODRM },		/* MOVZX r, r/m8 */
	{ 0x0fb7, OP_MODRM },		/* MOVZX r, r/m16 */
	{ 0x0fbe, OP_MODRM },		/* MOVSX r, r/m8 */
	{ 0x0fbf, OP_MODRM },		/* MOVSX r, r/m16 */
	{ 0x0f01c8, 0 },		/* MONITOR */
	{ 0x0f01c9, 0 },		/* MWAIT */
	{ 0x0f01fa, 0 },		/* MONITORX: SVM's MONITOR exit */
	{ 0x0f01fb, 0 },		/* MWAITX: SVM's MWAIT exits */
	{ 0x0f01d1, 0 },		/* XSETBV */
	{ 0x0f01d9, 0 },		/* VMMCALL */
	{ OKVM_OP_SMSW_REG, 0 },	/* SMSW r (the ModRM was the third byte) */
	{ OKVM_OP_LMSW_REG, 0 },	/* LMSW r */
};

static const struct okvm_opcode *okvm_opcode_find(u32 opcode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(okvm_opcodes); i++)
		if (okvm_opcodes[i].opcode == opcode)
			return &okvm_opcodes[i];
	return NULL;
}

struct okvm_decoder {
	const u8 *bytes;
	unsigned int nr;
	unsigned int pos;
	bool overrun;
};

static u8 okvm_next(struct okvm_decoder *d)
{
	if (d->pos >= d->nr) {
		d->overrun = true;
		return 0;
	}
	return d->bytes[d->pos++];
}

static s64 okvm_next_imm(struct okvm_decoder *d, unsigned int size)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (u64)okvm_next(d) << (8 * i);
	return size == 1 ? (s8)v : size == 2 ? (s16)v : (s32)v;
}

/* The segment a segment-override prefix names, or -1 for another byte. */
static int okvm_seg_prefix(u8 b)
{
	switch (b) {
	case 0x26:
		return OKVM_SEG_ES;
	case 0x2e:
		return OKVM_SEG_CS;
	case 0x36:
		return OKVM_SEG_SS;
	case 0x3e:
		return OKVM_SEG_DS;
	case 0x64:
		return OKVM_SEG_FS;
	case 0x65:
		return OKVM_SEG_GS;
	default:
		return -1;
	}
}

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

/* Skip the SIB byte and displacement that follow ModRM. */
static void okvm_skip_modrm_operand(struct okvm_decoder *d, u8 modrm,
				    unsigned int addr_size)
{
	u8 mod = modrm >> 6, rm = modrm & 7;

	if (mod == 3)
		return;
	if (addr_size == 2) {
		/* 16-bit addressing: no SIB; [disp16] is mod 0, rm 6. */
		if (mod == 1)
			okvm_next_imm(d, 1);
		else if (mod == 2 || (mod == 0 && rm == 6))
			okvm_next_imm(d, 2);
		return;
	}
	if (rm == 4 && (okvm_next(d) & 7) == 5 && mod == 0)
		okvm_next_imm(d, 4);	/* SIB with no base: disp32 */
	if (mod == 1)
		okvm_next_imm(d, 1);
	else if (mod == 2 || (mod == 0 && rm == 5))
		okvm_next_imm(d, 4);	/* disp32, or RIP-relative in 64-bit mode */
}

/**
 * okvm_insn_decode() - decode one instruction
 * @bytes: instruction bytes at the guest's RIP
 * @nr_bytes: how many of them could be read
 * @mode: the code size the guest executes in
 * @insn: the result
 *
 * Return: 0, or -EINVAL for an instruction okvm does not know or bytes that
 * end before it does.
 */
int okvm_insn_decode(const u8 *bytes, unsigned int nr_bytes,
		     enum okvm_cpu_mode mode, struct okvm_insn *insn)
{
	struct okvm_decoder d = { .bytes = bytes, .nr = min_t(unsigned int, nr_bytes,
							      OKVM_INSN_MAX) };
	bool opsize_prefix = false, addrsize_prefix = false;
	const struct okvm_opcode *op;
	unsigned int addr_size;
	u32 opcode;
	u8 b;

	*insn = (struct okvm_insn){ .seg_override = -1 };
	while (d.pos < d.nr && okvm_is_legacy_prefix(d.bytes[d.pos])) {
		b = okvm_next(&d);
		opsize_prefix |= b == 0x66;
		addrsize_prefix |= b == 0x67;
		/* With several, the last one counts. */
		if (okvm_seg_prefix(b) >= 0)
			insn->seg_override = okvm_seg_prefix(b);
	}
	if (mode == OKVM_MODE_64 && d.pos < d.nr && (d.bytes[d.pos] & 0xf0) == 0x40)
		insn->rex = okvm_next(&d);

	opcode = okvm_next(&d);
	if (opcode == 0x0f) {
		opcode = 0x0f00 | okvm_next(&d);
		if (opcode == 0x0f01)
			opcode = 0x0f0100 | okvm_next(&d);
	}
	/* 0f 01 /4 and /6, mod 3: the byte after 0f 01 is a ModRM. */
	if ((opcode & ~7U) == OKVM_OP_SMSW_REG || (opcode & ~7U) == OKVM_OP_LMSW_REG) {
		insn->has_modrm = true;
		insn->modrm = opcode & 0xff;
		opcode &= ~7U;
	}
	op = okvm_opcode_find(opcode);
	if (!op || d.overrun)
		return -EINVAL;
	insn->opcode = opcode;

	if (mode == OKVM_MODE_64) {
		insn->op_size = insn->rex & OKVM_REX_W ? 8 : opsize_prefix ? 2 : 4;
		addr_size = addrsize_prefix ? 4 : 8;
	} else {
		bool big = mode == OKVM_MODE_32;

		insn->op_size = big != opsize_prefix ? 4 : 2;
		addr_size = big != addrsize_prefix ? 4 : 2;
	}
	insn->addr_size = addr_size;

	if (op->flags & (OP_MODRM | OP_MODRM_REG)) {
		insn->has_modrm = true;
		insn->modrm = okvm_next(&d);
		/* MOV to and from CRn and DRn read every mod as 3. */
		if (op->flags & OP_MODRM)
			okvm_skip_modrm_operand(&d, insn->modrm, addr_size);
	}
	/* The address is not needed (the fault gave it): only its length. */
	if (op->flags & OP_MOFFS)
		okvm_next_imm(&d, addr_size);
	if (op->flags & OP_IMM8)
		insn->imm = okvm_next_imm(&d, 1);
	if (op->flags & OP_IMMZ)
		insn->imm = okvm_next_imm(&d, min_t(unsigned int, insn->op_size, 4));
	if (d.overrun)
		return -EINVAL;
	insn->len = d.pos;
	return 0;
}
