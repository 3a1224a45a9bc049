// SPDX-License-Identifier: GPL-2.0
/*
 * No huge leaf over the APIC gfn: a memslot backed by transparent
 * hugepages is mapped 2M elsewhere, but in the 2M around the APIC gfn its
 * pages are mapped at 4K, each on its own, so the APIC gfn itself stays
 * the APIC's (its version register reads back, not the memslot's word).
 * Without that rule the first access next to the APIC page would map the
 * whole 2M, APIC gfn included, to the memslot.
 *
 * okvm-only, and only with okvm loaded with apicv_test_access_page=1 (see
 * apicv_access_page_race.c): elsewhere the APIC gfn is not special and
 * the 2M leaf is right. Skips then, and where the host gives no THP.
 */
#include <sys/mman.h>
#include <okvm.h>

#include "kselftest_harness.h"
#include "lib/apicv.h"
#include "lib/host_mm.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define PAGE		0x1000ULL
#define SIZE_2M		0x200000ULL
#define OTHER_SLOT	1
#define OTHER_GPA	0x40000000ULL
#define APIC_SLOT	2
#define APIC_GPA	0xfee00000ULL
#define APIC_LVR_OFFSET	0x30
#define MARKER		0x5a5a5a5aU

/*
 * A first stop once the guest's own memory is mapped; then a word of the
 * other 2M, of the two pages after the APIC's, and the APIC's LVR.
 */
static void guest_read_around(void)
{
	GUEST_SYNC(0);
	GUEST_SYNC(READ_ONCE(*(u32 *)(OTHER_GPA + PAGE)));
	GUEST_SYNC(READ_ONCE(*(u32 *)(APIC_GPA + PAGE)));
	GUEST_SYNC(READ_ONCE(*(u32 *)(APIC_GPA + 2 * PAGE)));
	GUEST_SYNC(READ_ONCE(*(u32 *)(APIC_GPA + APIC_LVR_OFFSET)));
}

/* 2M of anonymous memory in one transparent hugepage, or NULL. */
static char *thp_2m(void **map)
{
	char *p;

	*map = mmap(NULL, 2 * SIZE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	OKVM_REQUIRE(*map != MAP_FAILED, "mmap of 4M failed");
	p = (char *)(((unsigned long)*map + SIZE_2M - 1) & ~(SIZE_2M - 1));
	OKVM_REQUIRE(!madvise(p, SIZE_2M, MADV_HUGEPAGE), "MADV_HUGEPAGE failed");
	for (u64 off = 0; off < SIZE_2M; off += PAGE)
		p[off] = 1;
	return okvm_anon_huge_kb(p) >= (long)(SIZE_2M >> 10) ? p : NULL;
}

TEST(thp_memory_is_mapped_4k_in_the_2m_of_the_apic_gfn)
{
	struct okvm_leaf_counts before, l;
	void *other_map, *apic_map;
	char *other, *apic;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 lvr;

	if (!okvm_apicv_test_page_on())
		SKIP(return, "okvm is not loaded with apicv_test_access_page=1");
	if (!okvm_thp_possible())
		SKIP(return, "transparent hugepages are off");
	other = thp_2m(&other_map);
	apic = thp_2m(&apic_map);
	if (!other || !apic)
		SKIP(return, "the host gave no transparent hugepage");
	*(u32 *)(other + PAGE) = MARKER;
	*(u32 *)(apic + PAGE) = MARKER + 1;
	*(u32 *)(apic + 2 * PAGE) = MARKER + 2;
	*(u32 *)(apic + APIC_LVR_OFFSET) = MARKER + 3;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_read_around, &vcpu);
	okvm_vm_add_region(vm, OTHER_SLOT, OTHER_GPA, SIZE_2M, other);
	okvm_vm_add_region(vm, APIC_SLOT, APIC_GPA, SIZE_2M, apic);
	okvm_guest_identity_map(vm, OTHER_GPA, SIZE_2M);
	okvm_guest_identity_map(vm, APIC_GPA, SIZE_2M);
	/* Inhibited or not, the gfn is special: emulation, and a known value. */
	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 1));

	/* The backing is huge and okvm maps it so, where nothing is in the way. */
	okvm_vcpu_expect_sync(vcpu, 0);
	before = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(MARKER, okvm_vcpu_next_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	ASSERT_EQ(before.pages_2m + 1, l.pages_2m);

	/*
	 * Next to the APIC gfn: no 2M leaf. The first access may also map
	 * the guest's page tables for these addresses; the second maps
	 * exactly one 4K leaf, the memslot's page.
	 */
	EXPECT_EQ(MARKER + 1, okvm_vcpu_next_sync(vcpu));
	before = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(l.pages_2m, before.pages_2m);
	EXPECT_EQ(MARKER + 2, okvm_vcpu_next_sync(vcpu));
	l = okvm_stats_leaf_counts(vm->fd);
	EXPECT_EQ(before.pages_2m, l.pages_2m);
	EXPECT_EQ(before.pages_4k + 1, l.pages_4k);

	/* The APIC gfn itself: the APIC's register, and no leaf. */
	lvr = okvm_vcpu_next_sync(vcpu);
	EXPECT_NE(MARKER + 3, lvr);
	EXPECT_NE(0, lvr & 0xff) TH_LOG("LVR 0x%llx has no version", lvr);
	EXPECT_EQ(before.pages_4k + 1, okvm_stats_leaf_counts(vm->fd).pages_4k);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
	munmap(other_map, 2 * SIZE_2M);
	munmap(apic_map, 2 * SIZE_2M);
}

TEST_HARNESS_MAIN
