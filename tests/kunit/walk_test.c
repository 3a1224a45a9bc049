// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the guest page-table walker (mmu/walk.c) on hand-built tables in
 * a fake guest memory.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trap_pf.h>

#include <okvm/walk.h>

#define MEM_SIZE	(64 * 1024)
#define P	BIT_ULL(0)
#define RW	BIT_ULL(1)
#define US	BIT_ULL(2)
#define PS	BIT_ULL(7)
#define NX	BIT_ULL(63)

static int okvm_test_read(void *ctx, gpa_t gpa, void *buf, unsigned int len)
{
	if (gpa + len > MEM_SIZE)
		return -EFAULT;
	memcpy(buf, (u8 *)ctx + gpa, len);
	return 0;
}

static void set64(u8 *mem, gpa_t table, unsigned int index, u64 pte)
{
	memcpy(mem + table + index * 8, &pte, 8);
}

static void set32(u8 *mem, gpa_t table, unsigned int index, u32 pte)
{
	memcpy(mem + table + index * 4, &pte, 4);
}

static u8 *okvm_test_mem(struct kunit *test)
{
	u8 *mem = kunit_kzalloc(test, MEM_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, mem);
	return mem;
}

static int walk(const struct okvm_paging *pg, u8 *mem, u64 gva, u32 access,
		gpa_t *gpa, u32 *err)
{
	return okvm_walk(pg, okvm_test_read, mem, gva, access, gpa, err);
}

static const struct okvm_paging long_mode = {
	.cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP,
	.cr3 = 0x1000,
	.cr4 = X86_CR4_PAE,
	.efer = EFER_LME | EFER_LMA | EFER_NX,
};

/*
 * Long mode: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000.
 * gva 0x5000 -> 0x9000 (user, rw); gva 0x6000 -> 0xa000 (supervisor, ro, nx);
 * gva 0x200000 -> 2M page at 0x400000; gva 0x40000000 -> 1G page at 0.
 */
static u8 *okvm_long_mode_tables(struct kunit *test)
{
	u8 *mem = okvm_test_mem(test);

	set64(mem, 0x1000, 0, 0x2000 | P | RW | US);
	set64(mem, 0x2000, 0, 0x3000 | P | RW | US);
	set64(mem, 0x2000, 1, 0x0 | P | RW | US | PS);
	set64(mem, 0x3000, 0, 0x4000 | P | RW | US);
	set64(mem, 0x3000, 1, 0x400000 | P | RW | US | PS);
	set64(mem, 0x4000, 5, 0x9000 | P | RW | US);
	set64(mem, 0x4000, 6, 0xa000 | P | NX);
	return mem;
}

static void okvm_walk_long_mode_4k(struct kunit *test)
{
	u8 *mem = okvm_long_mode_tables(test);
	gpa_t gpa = 0;
	u32 err = 0;

	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x5123, X86_PF_WRITE | X86_PF_USER,
				   &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x9123ULL);
	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x6008, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xa008ULL);
}

static void okvm_walk_long_mode_large(struct kunit *test)
{
	u8 *mem = okvm_long_mode_tables(test);
	gpa_t gpa = 0;
	u32 err = 0;

	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x212345, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x412345ULL);
	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x40001234, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x1234ULL);
}

static void okvm_walk_long_mode_faults(struct kunit *test)
{
	u8 *mem = okvm_long_mode_tables(test);
	gpa_t gpa = 0;
	u32 err = 0;

	/* Not present. */
	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x7000, X86_PF_WRITE, &gpa, &err), -EFAULT);
	KUNIT_EXPECT_EQ(test, err, (u32)X86_PF_WRITE);
	/* User access to a supervisor page. */
	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x6000, X86_PF_USER, &gpa, &err), -EFAULT);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_PROT | X86_PF_USER));
	/* Supervisor write to a read-only page with CR0.WP. */
	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x6000, X86_PF_WRITE, &gpa, &err), -EFAULT);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_PROT | X86_PF_WRITE));
	/* Fetch from an NX page. */
	KUNIT_EXPECT_EQ(test, walk(&long_mode, mem, 0x6000, X86_PF_INSTR, &gpa, &err), -EFAULT);
	KUNIT_EXPECT_EQ(test, err, (u32)(X86_PF_PROT | X86_PF_INSTR));
}

/* Without CR0.WP the supervisor may write read-only pages; NX needs EFER.NXE. */
static void okvm_walk_wp_and_nxe_off(struct kunit *test)
{
	struct okvm_paging pg = long_mode;
	u8 *mem = okvm_long_mode_tables(test);
	gpa_t gpa = 0;
	u32 err = 0;

	pg.cr0 &= ~X86_CR0_WP;
	pg.efer &= ~EFER_NX;
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x6000, X86_PF_WRITE, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x6000, X86_PF_INSTR, &gpa, &err), 0);
}

/* SMEP: the supervisor may not fetch from a user page. */
static void okvm_walk_smep(struct kunit *test)
{
	struct okvm_paging pg = long_mode;
	u8 *mem = okvm_long_mode_tables(test);
	gpa_t gpa = 0;
	u32 err = 0;

	pg.cr4 |= X86_CR4_SMEP;
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x5000, X86_PF_INSTR, &gpa, &err), -EFAULT);
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x5000, X86_PF_INSTR | X86_PF_USER, &gpa, &err), 0);
}

static void okvm_walk_unpaged(struct kunit *test)
{
	struct okvm_paging pg = { .cr0 = X86_CR0_PE };
	gpa_t gpa = 0;
	u32 err = 0;

	KUNIT_EXPECT_EQ(test, okvm_walk(&pg, okvm_test_read, NULL, 0x1234ffff, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x1234ffffULL);
	pg.cr0 = 0;	/* real mode */
	KUNIT_EXPECT_EQ(test, okvm_walk(&pg, okvm_test_read, NULL, 0xffff0, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0xffff0ULL);
}

/* 32-bit paging: PD 0x1000 -> PT 0x2000; a 4M page with CR4.PSE. */
static void okvm_walk_32bit(struct kunit *test)
{
	struct okvm_paging pg = { .cr0 = X86_CR0_PG | X86_CR0_PE, .cr3 = 0x1000,
				  .cr4 = X86_CR4_PSE };
	u8 *mem = okvm_test_mem(test);
	gpa_t gpa = 0;
	u32 err = 0;

	set32(mem, 0x1000, 0, 0x2000 | P | RW | US);
	set32(mem, 0x2000, 3, 0x7000 | P | RW);
	set32(mem, 0x1000, 1, 0x00c00000 | P | RW | PS);
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x3abc, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x7abcULL);
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x00412345, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x00c12345ULL);
	/* Without CR4.PSE the PS bit is ignored: the entry points at a table. */
	pg.cr4 = 0;
	KUNIT_EXPECT_NE(test, walk(&pg, mem, 0x00412345, 0, &gpa, &err), 0);
}

/* PAE: a 4-entry PDPT at CR3 (32-byte aligned), then 8-byte tables. */
static void okvm_walk_pae(struct kunit *test)
{
	struct okvm_paging pg = { .cr0 = X86_CR0_PG | X86_CR0_PE, .cr3 = 0x1020,
				  .cr4 = X86_CR4_PAE };
	u8 *mem = okvm_test_mem(test);
	gpa_t gpa = 0;
	u32 err = 0;

	set64(mem, 0x1020, 1, 0x3000 | P);	/* gva 0x40000000.. */
	set64(mem, 0x3000, 0, 0x4000 | P | RW);
	set64(mem, 0x4000, 2, 0x8000 | P | RW);
	set64(mem, 0x3000, 1, 0x600000 | P | RW | PS);
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x40002010, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x8010ULL);
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x40212345, 0, &gpa, &err), 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x612345ULL);
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x2000, 0, &gpa, &err), -EFAULT);
}

/* A table the reader cannot supply fails the walk with its error. */
static void okvm_walk_unreadable_table(struct kunit *test)
{
	struct okvm_paging pg = long_mode;
	u8 *mem = okvm_test_mem(test);
	gpa_t gpa = 0;
	u32 err = 0;

	pg.cr3 = MEM_SIZE;
	KUNIT_EXPECT_EQ(test, walk(&pg, mem, 0x1000, 0, &gpa, &err), -EFAULT);
	KUNIT_EXPECT_EQ(test, err, 0U);
}

static struct kunit_case okvm_walk_cases[] = {
	KUNIT_CASE(okvm_walk_long_mode_4k),
	KUNIT_CASE(okvm_walk_long_mode_large),
	KUNIT_CASE(okvm_walk_long_mode_faults),
	KUNIT_CASE(okvm_walk_wp_and_nxe_off),
	KUNIT_CASE(okvm_walk_smep),
	KUNIT_CASE(okvm_walk_unpaged),
	KUNIT_CASE(okvm_walk_32bit),
	KUNIT_CASE(okvm_walk_pae),
	KUNIT_CASE(okvm_walk_unreadable_table),
	{}
};

static struct kunit_suite okvm_walk_suite = {
	.name = "okvm_walk",
	.test_cases = okvm_walk_cases,
};

kunit_test_suite(okvm_walk_suite);
