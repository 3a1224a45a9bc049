// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the instruction decoder (emulate/decode.c) and the MMIO access it
 * implies (emulate/mmio.c), on a table of instruction bytes.
 */
#include <kunit/test.h>

#include <okvm/insn.h>
#include <okvm/mmio.h>
#include <okvm/regs.h>
#include <okvm/vm.h>

#define M16	OKVM_MODE_16
#define M32	OKVM_MODE_32
#define M64	OKVM_MODE_64

struct okvm_decode_case {
	const char *name;
	u8 bytes[OKVM_INSN_MAX];
	unsigned int nr;
	enum okvm_cpu_mode mode;
	int result;
	u8 len;
	u8 op_size;
};

static const struct okvm_decode_case okvm_decode_cases[] = {
	{ "hlt", { 0xf4 }, 1, M16, 0, 1 },
	{ "cpuid", { 0x0f, 0xa2 }, 2, M32, 0, 2 },
	{ "cpuid, trailing bytes ignored", { 0x0f, 0xa2, 0x90, 0x90 }, 4, M64, 0, 2 },
	{ "o16 cpuid", { 0x66, 0x0f, 0xa2 }, 3, M32, 0, 3 },
	{ "rex.w wrmsr", { 0x48, 0x0f, 0x30 }, 3, M64, 0, 3, 8 },
	/* Outside 64-bit mode 0x48 is DEC EAX, not a prefix. */
	{ "dec eax is no prefix", { 0x48, 0x0f, 0x30 }, 3, M32, -EINVAL },
	{ "xsetbv", { 0x0f, 0x01, 0xd1 }, 3, M64, 0, 3 },
	{ "0f 01 d0 is xgetbv", { 0x0f, 0x01, 0xd0 }, 3, M64, -EINVAL },
	{ "monitor", { 0x0f, 0x01, 0xc8 }, 3, M64, 0, 3 },
	{ "mwait", { 0x0f, 0x01, 0xc9, 0x90 }, 4, M32, 0, 3 },
	{ "0f 01 ca is clac", { 0x0f, 0x01, 0xca }, 3, M64, -EINVAL },
	{ "monitorx", { 0x0f, 0x01, 0xfa }, 3, M64, 0, 3 },
	{ "mwaitx", { 0x0f, 0x01, 0xfb, 0x90 }, 4, M32, 0, 3 },
	{ "0f 01 f9 is rdtscp", { 0x0f, 0x01, 0xf9 }, 3, M64, -EINVAL },
	{ "mov rax, dr7", { 0x0f, 0x21, 0xf8 }, 3, M64, 0, 3 },
	/* MOV to and from CRn/DRn read mod as 3: no displacement follows. */
	{ "mov dr0, rax with mod 0", { 0x0f, 0x23, 0x05, 0x90 }, 4, M64, 0, 3 },
	{ "mov cr0, rax", { 0x0f, 0x22, 0xc0 }, 3, M64, 0, 3 },
	{ "mov r9, cr0", { 0x41, 0x0f, 0x20, 0xc1 }, 4, M64, 0, 4 },
	{ "real mode mov eax, cr0", { 0x0f, 0x20, 0xc0 }, 3, M16, 0, 3 },
	{ "clts", { 0x0f, 0x06 }, 2, M32, 0, 2 },
	{ "smsw rdx", { 0x48, 0x0f, 0x01, 0xe2 }, 4, M64, 0, 4, 8 },
	{ "smsw ax", { 0x0f, 0x01, 0xe0 }, 3, M16, 0, 3, 2 },
	{ "lmsw di", { 0x0f, 0x01, 0xf7 }, 3, M64, 0, 3 },
	/* The memory forms need an effective address okvm does not compute. */
	{ "smsw [rax] is not known", { 0x0f, 0x01, 0x20 }, 3, M64, -EINVAL },
	{ "lmsw [rax] is not known", { 0x0f, 0x01, 0x30 }, 3, M64, -EINVAL },
	{ "0f 01 f8 is swapgs", { 0x0f, 0x01, 0xf8 }, 3, M64, -EINVAL },
	{ "mov [rax], ecx", { 0x89, 0x08 }, 2, M64, 0, 2, 4 },
	{ "mov [rip+d32], r9", { 0x4c, 0x89, 0x0d, 1, 2, 3, 4 }, 7, M64, 0, 7, 8 },
	{ "mov [rbx+rcx*4+0x10], ax", { 0x66, 0x89, 0x44, 0x8b, 0x10 }, 5, M64, 0, 5, 2 },
	{ "mov [sib no base+d32], al", { 0x88, 0x04, 0x25, 0, 0, 0xe0, 0xfe }, 7, M64, 0, 7 },
	{ "mov r12d, [rbp+d8]", { 0x44, 0x8b, 0x65, 0x08 }, 4, M64, 0, 4, 4 },
	{ "mov qword [rax], imm32", { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff }, 7, M64,
	  0, 7, 8 },
	{ "mov word [rax], imm16", { 0x66, 0xc7, 0x00, 0x34, 0x12 }, 5, M64, 0, 5, 2 },
	{ "mov byte [rax+d32], imm8", { 0xc6, 0x80, 1, 0, 0, 0, 0x5a }, 7, M64, 0, 7 },
	{ "movzx eax, byte [rdi]", { 0x0f, 0xb6, 0x07 }, 3, M64, 0, 3, 4 },
	{ "movsx rax, word [rdi]", { 0x48, 0x0f, 0xbf, 0x07 }, 4, M64, 0, 4, 8 },
	/* 16-bit addressing: [disp16] and [bx+si+disp8], no SIB. */
	{ "real mode mov [0x1234], al", { 0x88, 0x06, 0x34, 0x12 }, 4, M16, 0, 4, 2 },
	{ "real mode mov ax, [bx+si+8]", { 0x8b, 0x40, 0x08 }, 3, M16, 0, 3, 2 },
	{ "real mode o32 mov [di], eax", { 0x66, 0x89, 0x05 }, 3, M16, 0, 3, 4 },
	{ "a32 in real mode: sib", { 0x67, 0x89, 0x04, 0x24 }, 4, M16, 0, 4, 2 },
	/* moffs: an address of the address size (8 bytes in 64-bit mode). */
	{ "mov eax, [moffs64]", { 0xa1, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, M64, 0, 9, 4 },
	{ "mov [moffs64], al", { 0xa2, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, M64, 0, 9 },
	{ "a32 mov rax, [moffs32]", { 0x67, 0x48, 0xa1, 0x20, 0, 0xe0, 0xfe }, 7, M64, 0, 7, 8 },
	{ "mov [moffs32], eax", { 0xa3, 0x20, 0, 0xe0, 0xfe }, 5, M32, 0, 5, 4 },
	{ "real mode mov al, [moffs16]", { 0xa0, 0x34, 0x12 }, 3, M16, 0, 3 },
	{ "truncated moffs", { 0xa1, 0x20, 0, 0xe0, 0xfe }, 5, M64, -EINVAL },
	{ "truncated", { 0x0f }, 1, M64, -EINVAL },
	{ "truncated displacement", { 0x89, 0x80, 1, 2 }, 4, M64, -EINVAL },
	{ "truncated immediate", { 0xc7, 0x00, 1, 2, 3 }, 5, M64, -EINVAL },
	{ "add is not known", { 0x01, 0x08 }, 2, M64, -EINVAL },
	{ "no bytes", { 0 }, 0, M64, -EINVAL },
};

static void okvm_insn_decode_table(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(okvm_decode_cases); i++) {
		const struct okvm_decode_case *c = &okvm_decode_cases[i];
		struct okvm_insn insn;
		int r = okvm_insn_decode(c->bytes, c->nr, c->mode, &insn);

		KUNIT_EXPECT_EQ_MSG(test, r, c->result, "%s", c->name);
		if (r || c->result)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, insn.len, c->len, "%s", c->name);
		if (c->op_size)
			KUNIT_EXPECT_EQ_MSG(test, insn.op_size, c->op_size, "%s", c->name);
	}
}

/* Fourteen prefixes and a two-byte opcode exceed the 15-byte limit. */
static void okvm_insn_too_long(struct kunit *test)
{
	u8 bytes[OKVM_INSN_MAX + 1];
	struct okvm_insn insn;

	memset(bytes, 0x66, sizeof(bytes));
	bytes[14] = 0x0f;
	bytes[15] = 0xa2;
	KUNIT_EXPECT_EQ(test, okvm_insn_decode(bytes, 16, M64, &insn), -EINVAL);
	bytes[13] = 0xf4;
	KUNIT_EXPECT_EQ(test, okvm_insn_decode(bytes, 16, M64, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.len, 14);
}

struct okvm_string_case {
	const char *name;
	u8 bytes[4];
	unsigned int nr;
	enum okvm_cpu_mode mode;
	u8 len;
	u8 addr_size;
	s8 seg_override;
};

/* INS and OUTS: what an IOIO exit without decode assists needs from the bytes. */
static const struct okvm_string_case okvm_string_cases[] = {
	{ "rep insb", { 0xf3, 0x6c }, 2, M64, 2, 8, -1 },
	{ "a32 rep outsw", { 0x67, 0x66, 0xf3, 0x6f }, 4, M64, 4, 4, -1 },
	{ "fs outsb", { 0x64, 0x6e }, 2, M64, 2, 8, OKVM_SEG_FS },
	{ "real mode es rep outsb", { 0x26, 0xf3, 0x6e }, 3, M16, 3, 2, OKVM_SEG_ES },
	{ "real mode a32 insd", { 0x67, 0x66, 0x6d }, 3, M16, 3, 4, -1 },
	{ "last override counts", { 0x2e, 0x36, 0x6f }, 3, M32, 3, 4, OKVM_SEG_SS },
	{ "a16 gs rep outsd", { 0x67, 0x65, 0xf3, 0x6f }, 4, M32, 4, 2, OKVM_SEG_GS },
};

static void okvm_insn_decode_string(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(okvm_string_cases); i++) {
		const struct okvm_string_case *c = &okvm_string_cases[i];
		struct okvm_insn insn;

		KUNIT_ASSERT_EQ_MSG(test, okvm_insn_decode(c->bytes, c->nr, c->mode, &insn), 0,
				    "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, insn.len, c->len, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, insn.addr_size, c->addr_size, "%s", c->name);
		KUNIT_EXPECT_EQ_MSG(test, insn.seg_override, c->seg_override, "%s", c->name);
	}
}

static struct okvm_mmio_op mmio_op(struct kunit *test, const u8 *bytes,
				   unsigned int nr, enum okvm_cpu_mode mode,
				   const unsigned long *regs, int expect)
{
	struct okvm_mmio_op op = {};
	struct okvm_insn insn;

	KUNIT_ASSERT_EQ(test, okvm_insn_decode(bytes, nr, mode, &insn), 0);
	KUNIT_EXPECT_EQ(test, okvm_mmio_op_from_insn(&insn, regs, &op), expect);
	return op;
}

static void okvm_mmio_stores(struct kunit *test)
{
	unsigned long regs[OKVM_NR_REGS] = {};
	struct okvm_mmio_op op;

	regs[OKVM_REG_RCX] = 0x1122334455667788UL;
	regs[OKVM_REG_R9] = 0xa1a2a3a4a5a6a7a8UL;

	op = mmio_op(test, (u8[]){ 0x89, 0x08 }, 2, M64, regs, 0);	/* mov [rax], ecx */
	KUNIT_EXPECT_TRUE(test, op.is_write);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.value & 0xffffffff, 0x55667788ULL);

	op = mmio_op(test, (u8[]){ 0x4c, 0x89, 0x08 }, 3, M64, regs, 0); /* mov [rax], r9 */
	KUNIT_EXPECT_EQ(test, op.size, 8);
	KUNIT_EXPECT_EQ(test, op.value, 0xa1a2a3a4a5a6a7a8ULL);

	op = mmio_op(test, (u8[]){ 0x88, 0x28 }, 2, M64, regs, 0);	/* mov [rax], ch */
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, op.value, 0x77ULL);

	op = mmio_op(test, (u8[]){ 0x40, 0x88, 0x28 }, 3, M64, regs, 0); /* mov [rax], bpl */
	KUNIT_EXPECT_EQ(test, op.value, 0ULL);

	/* mov qword [rax], -1 (imm32 sign-extended) */
	op = mmio_op(test, (u8[]){ 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff }, 7, M64, regs, 0);
	KUNIT_EXPECT_EQ(test, op.size, 8);
	KUNIT_EXPECT_EQ(test, op.value, ~0ULL);

	/* mov [moffs64], eax, and mov [moffs64], al: rAX's low bytes. */
	regs[OKVM_REG_RAX] = 0xf1f2f3f4f5f6f7f8UL;
	op = mmio_op(test, (u8[]){ 0xa3, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, M64, regs, 0);
	KUNIT_EXPECT_TRUE(test, op.is_write);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.value, 0xf5f6f7f8ULL);
	op = mmio_op(test, (u8[]){ 0xa2, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, M64, regs, 0);
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, op.value, 0xf8ULL);

	/* c7 /1 is not MOV. */
	mmio_op(test, (u8[]){ 0xc7, 0x08, 1, 2, 3, 4 }, 6, M64, regs, -EINVAL);
	/* A register operand is no memory access. */
	mmio_op(test, (u8[]){ 0x89, 0xc8 }, 2, M64, regs, -EINVAL);
}

static void okvm_mmio_loads(struct kunit *test)
{
	unsigned long regs[OKVM_NR_REGS] = {};
	struct okvm_mmio_op op;

	/* mov rax, [moffs64] with REX.W; mov al, [moffs64] */
	op = mmio_op(test, (u8[]){ 0x48, 0xa1, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 10, M64,
		     regs, 0);
	KUNIT_EXPECT_FALSE(test, op.is_write);
	KUNIT_EXPECT_EQ(test, op.size, 8);
	KUNIT_EXPECT_EQ(test, op.reg, OKVM_REG_RAX);
	KUNIT_EXPECT_EQ(test, op.dest_size, 8);
	op = mmio_op(test, (u8[]){ 0xa0, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9, M64, regs, 0);
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, op.dest_size, 1);
	KUNIT_EXPECT_FALSE(test, op.high_byte);

	op = mmio_op(test, (u8[]){ 0x8a, 0x20 }, 2, M64, regs, 0);	/* mov ah, [rax] */
	KUNIT_EXPECT_FALSE(test, op.is_write);
	KUNIT_EXPECT_EQ(test, op.reg, OKVM_REG_RAX);
	KUNIT_EXPECT_TRUE(test, op.high_byte);

	op = mmio_op(test, (u8[]){ 0x44, 0x8b, 0x20 }, 3, M64, regs, 0); /* mov r12d, [rax] */
	KUNIT_EXPECT_EQ(test, op.reg, OKVM_REG_R12);
	KUNIT_EXPECT_EQ(test, op.size, 4);
	KUNIT_EXPECT_EQ(test, op.dest_size, 4);

	op = mmio_op(test, (u8[]){ 0x48, 0x0f, 0xbe, 0x00 }, 4, M64, regs, 0); /* movsx rax, byte */
	KUNIT_EXPECT_EQ(test, op.size, 1);
	KUNIT_EXPECT_EQ(test, op.dest_size, 8);
	KUNIT_EXPECT_TRUE(test, op.sign_extend);

	op = mmio_op(test, (u8[]){ 0x0f, 0xb7, 0x00 }, 3, M64, regs, 0); /* movzx eax, word */
	KUNIT_EXPECT_EQ(test, op.size, 2);
	KUNIT_EXPECT_EQ(test, op.dest_size, 4);
	KUNIT_EXPECT_FALSE(test, op.sign_extend);
}

/* Register writes follow the architecture's merge and extension rules. */
static void okvm_mmio_read_results(struct kunit *test)
{
	struct okvm_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);
	struct okvm_mmio_op op = { .reg = OKVM_REG_RBX };

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	vcpu->regs[OKVM_REG_RBX] = 0xffffffffffffffffUL;
	op.size = 1;
	op.dest_size = 1;
	okvm_write_read_result(vcpu, &op, 0x12345);
	KUNIT_EXPECT_EQ(test, vcpu->regs[OKVM_REG_RBX], 0xffffffffffffff45UL);

	op.high_byte = true;
	okvm_write_read_result(vcpu, &op, 0x66);
	KUNIT_EXPECT_EQ(test, vcpu->regs[OKVM_REG_RBX], 0xffffffffffff6645UL);

	op = (struct okvm_mmio_op){ .reg = OKVM_REG_RBX, .size = 2, .dest_size = 2 };
	okvm_write_read_result(vcpu, &op, 0xabcd);
	KUNIT_EXPECT_EQ(test, vcpu->regs[OKVM_REG_RBX], 0xffffffffffffabcdUL);

	/* A 32-bit destination clears bits 63:32. */
	op = (struct okvm_mmio_op){ .reg = OKVM_REG_RBX, .size = 4, .dest_size = 4 };
	okvm_write_read_result(vcpu, &op, 0x89abcdef);
	KUNIT_EXPECT_EQ(test, vcpu->regs[OKVM_REG_RBX], 0x89abcdefUL);

	op = (struct okvm_mmio_op){ .reg = OKVM_REG_RBX, .size = 1, .dest_size = 8,
				    .sign_extend = true };
	okvm_write_read_result(vcpu, &op, 0x80);
	KUNIT_EXPECT_EQ(test, vcpu->regs[OKVM_REG_RBX], 0xffffffffffffff80UL);

	op.sign_extend = false;
	okvm_write_read_result(vcpu, &op, 0x80);
	KUNIT_EXPECT_EQ(test, vcpu->regs[OKVM_REG_RBX], 0x80UL);
}

static struct kunit_case okvm_insn_cases[] = {
	KUNIT_CASE(okvm_insn_decode_table),
	KUNIT_CASE(okvm_insn_too_long),
	KUNIT_CASE(okvm_insn_decode_string),
	KUNIT_CASE(okvm_mmio_stores),
	KUNIT_CASE(okvm_mmio_loads),
	KUNIT_CASE(okvm_mmio_read_results),
	{}
};

static struct kunit_suite okvm_insn_suite = {
	.name = "okvm_insn",
	.test_cases = okvm_insn_cases,
};

kunit_test_suite(okvm_insn_suite);
