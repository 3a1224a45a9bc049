// SPDX-License-Identifier: GPL-2.0
/*
 * The host's idle page tracking sees what the guest uses: after the host
 * marks guest memory idle in /sys/kernel/mm/page_idle/bitmap, the pages the
 * guest then reads are no longer idle, and the pages it leaves alone still
 * are. The hypervisor answers the mmu_notifier's young callbacks from the
 * accessed bits of its nested page tables; one that called every mapped
 * page young would fail the second half.
 *
 * page_idle looks only at pages on an LRU list. A page the host has just
 * faulted in waits in a per-CPU batch first, so the test stays on one CPU
 * and has that CPU drain its batches (MADV_COLD on a page of its own does)
 * before it marks anything idle.
 *
 * The bitmap's last word is partial when max_pfn is not a multiple of 64,
 * and the kernel answers 0 bytes for it, read or written: pages there
 * cannot be checked and are left out. Fresh pages often come from the top
 * of memory, so the region is large enough that at most 63 such pages
 * still leave plenty of each kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define SLOT		1
#define REGION_GPA	0x10000000ULL
#define NR_PAGES	256ULL
#define PAGE		0x1000ULL
#define REGION_SIZE	(NR_PAGES * PAGE)
#define MARK_TRIES	3
/* Pages of each kind, touched and untouched, that must be checked. */
#define MIN_CHECKED	(NR_PAGES / 4)

#define PAGE_IDLE_BITMAP	"/sys/kernel/mm/page_idle/bitmap"
#define PAGEMAP_PRESENT		BIT_ULL(63)
#define PAGEMAP_PFN_MASK	(BIT_ULL(55) - 1)

static u64 token(u64 page)
{
	return 0x1d1e000000000000ULL | page;
}

/* The guest reads the second time only the pages for which this is true. */
static bool touched(u64 page)
{
	return page % 2 == 0;
}

static u64 sum_of_tokens(bool only_touched)
{
	u64 page, sum = 0;

	for (page = 0; page < NR_PAGES; page++)
		if (!only_touched || touched(page))
			sum += token(page);
	return sum;
}

/*
 * Drop every cached translation (no global pages here): the next access to
 * a page walks the tables again, and the walk sets the accessed bit that
 * aging cleared. Without it a TLB that still holds the translation would
 * hide the access.
 */
static void guest_flush_tlb(void)
{
	u64 cr3;

	asm volatile("mov %%cr3, %0\n\tmov %0, %%cr3" : "=r"(cr3) : : "memory");
}

/* Read every page, so all are mapped; then read only the touched ones. */
static void guest_read_pages(u64 gpa)
{
	u64 page, sum = 0;

	for (page = 0; page < NR_PAGES; page++)
		sum += READ_ONCE(*(u64 *)(gpa + page * PAGE));
	GUEST_SYNC(sum);

	guest_flush_tlb();
	sum = 0;
	for (page = 0; page < NR_PAGES; page++)
		if (touched(page))
			sum += READ_ONCE(*(u64 *)(gpa + page * PAGE));
	GUEST_SYNC(sum);
}

/* The pagemap entry of the page at @addr: present bit and PFN. */
static u64 pagemap_entry(int pagemap_fd, const void *addr)
{
	u64 entry;
	off_t off = (unsigned long)addr / PAGE * sizeof(entry);

	OKVM_REQUIRE(pread(pagemap_fd, &entry, sizeof(entry), off) == sizeof(entry),
		     "pagemap at %p: %s", addr, strerror(errno));
	return entry;
}

/*
 * The bitmap has one bit per PFN, read and written in 64-bit words. Returns
 * false for the partial last word, which reads as 0 bytes.
 */
static bool read_idle_word(int idle_fd, u64 pfn, u64 *bits)
{
	ssize_t n = pread(idle_fd, bits, sizeof(*bits), pfn / 64 * sizeof(*bits));

	OKVM_REQUIRE(n == sizeof(*bits) || n == 0, "page_idle read, pfn 0x%llx: %s",
		     (unsigned long long)pfn, n < 0 ? strerror(errno) : "short read");
	return n;
}

static bool page_is_idle(int idle_fd, u64 pfn)
{
	u64 bits;

	OKVM_REQUIRE(read_idle_word(idle_fd, pfn, &bits),
		     "page_idle: pfn 0x%llx is past the readable bitmap",
		     (unsigned long long)pfn);
	return bits >> (pfn % 64) & 1;
}

/* A zero bit leaves its page alone: only @pfn is marked. */
static void mark_page_idle(int idle_fd, u64 pfn)
{
	u64 bits = BIT_ULL(pfn % 64);

	OKVM_REQUIRE(pwrite(idle_fd, &bits, sizeof(bits), pfn / 64 * sizeof(bits)) ==
		     sizeof(bits), "page_idle write, pfn 0x%llx: %s",
		     (unsigned long long)pfn, strerror(errno));
}

/* Move what this CPU's LRU batches hold onto the LRU lists. */
static void drain_lru_batches(void *scratch)
{
	OKVM_REQUIRE(madvise(scratch, PAGE, MADV_COLD) == 0, "MADV_COLD: %s",
		     strerror(errno));
}

/* Mark the checked pages idle; returns how many do not read back as idle. */
static int mark_all_idle(int idle_fd, const u64 *pfns, const bool *checked,
			 void *scratch)
{
	int page, busy = 0;

	drain_lru_batches(scratch);
	for (page = 0; page < NR_PAGES; page++)
		if (checked[page])
			mark_page_idle(idle_fd, pfns[page]);
	for (page = 0; page < NR_PAGES; page++)
		busy += checked[page] && !page_is_idle(idle_fd, pfns[page]);
	return busy;
}

TEST(guest_reads_clear_idle)
{
	int idle_fd, pagemap_fd, page, busy, tries, nr_checked[2] = {};
	bool checked[NR_PAGES];
	struct okvm_vcpu *vcpu;
	u64 pfns[NR_PAGES], bits;
	struct okvm_vm *vm;
	cpu_set_t cpus;
	char *scratch;
	u64 *mem;

	/* Every page fault and drain of the test on one CPU's LRU batches. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));

	idle_fd = open(PAGE_IDLE_BITMAP, O_RDWR);
	if (idle_fd < 0)
		SKIP(return, "%s: %s (CONFIG_IDLE_PAGE_TRACKING?)", PAGE_IDLE_BITMAP,
		     strerror(errno));
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0) {
		close(idle_fd);
		SKIP(return, "/proc/self/pagemap: %s", strerror(errno));
	}
	scratch = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, scratch);
	scratch[0] = 1;
	if (!(pagemap_entry(pagemap_fd, scratch) & PAGEMAP_PFN_MASK)) {
		close(pagemap_fd);
		close(idle_fd);
		SKIP(return, "pagemap shows no PFNs (needs CAP_SYS_ADMIN)");
	}

	vm = okvm_vm_create_long_mode(1, guest_read_pages, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, REGION_SIZE);
	/* One folio per page: a huge folio is idle or not as a whole. */
	ASSERT_EQ(0, madvise(mem, REGION_SIZE, MADV_NOHUGEPAGE));
	for (page = 0; page < NR_PAGES; page++)
		mem[page * PAGE / sizeof(*mem)] = token(page);
	okvm_guest_identity_map(vm, REGION_GPA, REGION_SIZE);
	okvm_vcpu_set_args(vcpu, 1, REGION_GPA);
	okvm_vcpu_expect_sync(vcpu, sum_of_tokens(false));

	for (page = 0; page < NR_PAGES; page++) {
		u64 entry = pagemap_entry(pagemap_fd, &mem[page * PAGE / sizeof(*mem)]);

		ASSERT_TRUE(entry & PAGEMAP_PRESENT);
		pfns[page] = entry & PAGEMAP_PFN_MASK;
		checked[page] = read_idle_word(idle_fd, pfns[page], &bits);
		nr_checked[touched(page)] += checked[page];
	}
	TH_LOG("checking %d touched and %d untouched pages of %llu",
	       nr_checked[1], nr_checked[0], NR_PAGES);
	ASSERT_GE(nr_checked[1], MIN_CHECKED);
	ASSERT_GE(nr_checked[0], MIN_CHECKED);

	/*
	 * Nobody touches the pages between marking and reading back, so each
	 * reads idle, unless the hypervisor calls it young. A page still in
	 * an LRU batch cannot be marked at all: drain and mark again.
	 */
	for (tries = 0; tries < MARK_TRIES; tries++) {
		busy = mark_all_idle(idle_fd, pfns, checked, scratch);
		if (!busy)
			break;
		TH_LOG("%d of %llu pages not idle right after marking", busy, NR_PAGES);
	}
	ASSERT_EQ(0, busy) {
		TH_LOG("pages the guest did not touch read as young");
	}

	okvm_vcpu_expect_sync(vcpu, sum_of_tokens(true));
	for (page = 0; page < NR_PAGES; page++) {
		bool idle;

		if (!checked[page])
			continue;
		idle = page_is_idle(idle_fd, pfns[page]);

		if (touched(page)) {
			EXPECT_FALSE(idle) {
				TH_LOG("page %d: read by the guest, still idle", page);
			}
		} else {
			EXPECT_TRUE(idle) {
				TH_LOG("page %d: not read by the guest, not idle", page);
			}
		}
	}
	okvm_vcpu_expect_done(vcpu);

	okvm_vm_free(vm);
	munmap(scratch, PAGE);
	close(pagemap_fd);
	close(idle_fd);
}

TEST_HARNESS_MAIN
