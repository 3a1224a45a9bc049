// SPDX-License-Identifier: GPL-2.0
/*
 * A page the guest wrote is dirty for the host. The guest's writes go
 * through the nested page tables and never set the dirty bit of the host's
 * own PTE, so the hypervisor must mark the page dirty itself (okvm when it
 * maps the page writable, KVM when it removes a leaf the CPU marked dirty).
 * A page the host thinks clean may be dropped for its copy in swap or on
 * disk, and the guest's write with it.
 *
 * Anonymous memory the host wrote has a dirty PTE but not the page's own
 * dirty flag, which /proc/kpageflags shows: the guest's write must set it
 * by the time the host has taken the guest's mapping away (mprotect here).
 * Needs root for the page frame numbers; skips without them.
 */
#include <errno.h>
#include <linux/kernel-page-flags.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/host_mm.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define SLOT		1
#define REGION_GPA	0x20000000ULL
#define PAGE		0x1000ULL
#define NR_PAGES	2
#define TOKEN		0x0d1e7e5ULL

static void guest_write_first_page(u64 gpa)
{
	WRITE_ONCE(*(u64 *)gpa, TOKEN);
	GUEST_DONE();
}

static bool host_page_dirty(const void *addr)
{
	long long flags = okvm_host_page_flags(addr);

	OKVM_REQUIRE(flags >= 0, "no page flags for %p", addr);
	return flags & (1ULL << KPF_DIRTY);
}

TEST(guest_write_marks_the_host_page_dirty)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	char *mem;

	mem = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0x5a, NR_PAGES * PAGE);
	if (okvm_host_page_flags(mem) < 0)
		SKIP(return, "/proc/self/pagemap or /proc/kpageflags unreadable");
	if (host_page_dirty(mem))
		SKIP(return, "this kernel marks new anonymous pages dirty");

	vm = okvm_vm_create_long_mode(1, guest_write_first_page, &vcpu);
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, 0, REGION_GPA, NR_PAGES * PAGE, mem));
	okvm_guest_identity_map(vm, REGION_GPA, NR_PAGES * PAGE);
	okvm_vcpu_set_args(vcpu, 1, REGION_GPA);
	okvm_vcpu_expect_done(vcpu);
	ASSERT_EQ(TOKEN, *(u64 *)mem);

	/* The host takes the mapping back, as reclaim would before it looks. */
	ASSERT_EQ(0, mprotect(mem, NR_PAGES * PAGE, PROT_READ));
	EXPECT_TRUE(host_page_dirty(mem));
	/* The page the guest never touched stays as the host left it. */
	EXPECT_FALSE(host_page_dirty(mem + PAGE));

	okvm_vm_free(vm);
	munmap(mem, NR_PAGES * PAGE);
}

TEST_HARNESS_MAIN
