// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: lengths of intercepted instructions (emulate/insn.c).
 */
#include <kunit/test.h>

#include <okvm/insn.h>

struct okvm_insn_case {
	const char *name;
	u8 bytes[OKVM_INSN_MAX];
	unsigned int nr;
	bool long_mode;
	int result;
	u8 len;
	u8 modrm;
};

static const struct okvm_insn_case okvm_insn_cases_table[] = {
	{ "hlt", { 0xf4 }, 1, false, 0, 1 },
	{ "cpuid", { 0x0f, 0xa2 }, 2, false, 0, 2 },
	{ "cpuid, trailing bytes ignored", { 0x0f, 0xa2, 0x90, 0x90 }, 4, true, 0, 2 },
	{ "o16 cpuid", { 0x66, 0x0f, 0xa2 }, 3, false, 0, 3 },
	{ "rdmsr", { 0x0f, 0x32 }, 2, true, 0, 2 },
	{ "rex.w wrmsr", { 0x48, 0x0f, 0x30 }, 3, true, 0, 3 },
	/* Outside 64-bit mode 0x48 is DEC EAX, not a prefix. */
	{ "dec eax is no prefix", { 0x48, 0x0f, 0x30 }, 3, false, -EINVAL },
	{ "invd", { 0x0f, 0x08 }, 2, false, 0, 2 },
	{ "xsetbv", { 0x0f, 0x01, 0xd1 }, 3, true, 0, 3 },
	{ "0f 01 d0 is xgetbv", { 0x0f, 0x01, 0xd0 }, 3, true, -EINVAL },
	{ "mov rax, dr7", { 0x0f, 0x21, 0xf8 }, 3, true, 0, 3, 0xf8 },
	{ "mov dr0, r9", { 0x41, 0x0f, 0x23, 0xc1 }, 4, true, 0, 4, 0xc1 },
	{ "truncated", { 0x0f }, 1, true, -EINVAL },
	{ "truncated modrm", { 0x0f, 0x21 }, 2, true, -EINVAL },
	{ "nop", { 0x90 }, 1, true, -EINVAL },
	{ "no bytes", { 0 }, 0, true, -EINVAL },
};

static void okvm_insn_decode_table(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(okvm_insn_cases_table); i++) {
		const struct okvm_insn_case *c = &okvm_insn_cases_table[i];
		struct okvm_insn insn;
		int r = okvm_insn_decode_exiting(c->bytes, c->nr, c->long_mode, &insn);

		KUNIT_EXPECT_EQ_MSG(test, r, c->result, "%s", c->name);
		if (r || c->result)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, insn.len, c->len, "%s", c->name);
		if (c->modrm)
			KUNIT_EXPECT_EQ_MSG(test, insn.modrm, c->modrm, "%s", c->name);
	}
}

/* Fourteen prefixes and a two-byte opcode exceed the 15-byte limit. */
static void okvm_insn_too_long(struct kunit *test)
{
	u8 bytes[OKVM_INSN_MAX];
	struct okvm_insn insn;

	memset(bytes, 0x66, sizeof(bytes));
	bytes[14] = 0x0f;
	KUNIT_EXPECT_EQ(test, okvm_insn_decode_exiting(bytes, 15, true, &insn), -EINVAL);
	bytes[13] = 0xf4;
	KUNIT_EXPECT_EQ(test, okvm_insn_decode_exiting(bytes, 15, true, &insn), 0);
	KUNIT_EXPECT_EQ(test, insn.len, 14);
}

static struct kunit_case okvm_insn_cases[] = {
	KUNIT_CASE(okvm_insn_decode_table),
	KUNIT_CASE(okvm_insn_too_long),
	{}
};

static struct kunit_suite okvm_insn_suite = {
	.name = "okvm_insn",
	.test_cases = okvm_insn_cases,
};

kunit_test_suite(okvm_insn_suite);
