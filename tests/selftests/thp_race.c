// SPDX-License-Identifier: GPL-2.0
/*
 * stale_mapping_race over transparent hugepages. A hypervisor that maps 2M
 * leaves must drop them whenever the host changes any part of the 2M: a
 * split, a drop of one 4K page, an munmap or an mprotect. Two vCPUs keep
 * reading tokens from THP-backed memory and writing to THP-backed memory of
 * their own while the host thread changes the host mapping under them.
 *
 * Tokens: the protocol of stale_mapping_race.c, unchanged. Per round the
 * host changes the mapping of one 2M chunk of the token region, then writes
 * the new generation's token into every page of the region (not only the
 * changed ones: the guest's lower bound is one generation for all pages),
 * then publishes the generation. The guest reads `published`, then a token,
 * and checks seen <= token <= published + 1; a zero is a page between its
 * drop and its rewrite. At the end every page must hold the final token.
 * The operations, in turn, each on the next chunk:
 *   (a) MADV_DONTNEED of one 4K page inside the THP: the host splits it;
 *   (b) MADV_DONTNEED of the whole 2M: the rewrite may fault in a new THP;
 *   (c) munmap, mmap(MAP_FIXED) and MADV_HUGEPAGE of the 2M: a new VMA;
 *   (d) mprotect(PROT_READ) of the 2M or of 64K inside it (a split), and
 *       back to read-write before the rewrite; first, MADV_COLLAPSE of the
 *       previous chunk, which (a) left split and the guests have mapped at
 *       4K since: their next reads map it 2M again by replacing the table
 *       the 4K leaves are in, while the other vCPU may be walking it.
 *
 * Writes, in (d): each vCPU writes a per-pass value into every page of a
 * THP of its own (the write region). The host makes the whole THP or 64K of
 * it read-only, copies it, waits until the owner has come out of KVM_RUN
 * twice (it faults on the read-only pages, or goes on to its next SYNC
 * through a mapping it should no longer have), and compares: while the host
 * has a page read-only no guest write may reach it, so the copy must still
 * match. The guest writes without knowing about the mprotect on purpose:
 * that is what a stale writable mapping would let through. Its correct
 * outcome is KVM_RUN failing with EFAULT on okvm and on KVM alike
 * (readonly_memslot.c), which the vCPU thread retries until the host gives
 * write access back. The token region takes no guest writes, so its
 * mprotect only has to keep the reads right.
 *
 * An EFAULT is accepted only if a "hole" (the munmap of (c), the read-only
 * write region of (d)) was open at some time during that KVM_RUN: the host
 * counts holes opened before it opens one and holes closed after it closes
 * it, and a KVM_RUN that started when c holes were closed and ended when o
 * had been opened overlapped one iff o > c.
 *
 * The guest SYNCs before it touches the data, so that pages_2m then is the
 * baseline of the program image's own leaves; the host samples pages_2m
 * after the first pass of both vCPUs (every THP the host gave is mapped 2M
 * by then on okvm) and after every round, and keeps the highest. Like
 * stale_mapping_race, the run is bounded by wall clock and by rounds, and
 * the vCPUs exit with a SYNC every PASSES_PER_EXIT passes so that a
 * hypervisor that never leaves the guest fails the test rather than hangs
 * the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/host_mm.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS		2
#define PAGE			0x1000ULL
#define SIZE_2M			0x200000ULL
#define PAGES_PER_2M		(SIZE_2M / PAGE)
#define NR_CHUNKS		4
#define TOKEN_SIZE		(NR_CHUNKS * SIZE_2M)
#define NR_TOKEN_PAGES		(TOKEN_SIZE / PAGE)
#define WRITE_SIZE		(NR_VCPUS * SIZE_2M)
#define PROTECT_PART		0x10000ULL	/* 64K: splits the THP */
#define CONTROL_GPA		0x10000000ULL
#define TOKEN_GPA		0x40000000ULL	/* 2M-aligned, below 4G */
#define WRITE_GPA		(TOKEN_GPA + TOKEN_SIZE)
#define RUN_SECONDS		2.5
#define MIN_ROUNDS		16
#define MAX_ROUNDS		100000
#define MIN_READS_PER_VCPU	(4 * NR_TOKEN_PAGES)
#define PASSES_PER_EXIT		2
#define START_SECONDS		30
#define WINDOW_SECONDS		0.05
#define LEVEL_PARAM		"/sys/module/okvm/parameters/max_huge_level"
#define ZERO_PAGE_PARAM		"/sys/kernel/mm/transparent_hugepage/use_zero_page"

/* The always-valid page: written by the host, except the guest's counters. */
struct thp_control {
	u64 published;
	u64 host_done;
	u64 pad[6];
	u64 reads[NR_VCPUS];		/* written by the guest */
	u64 zero_reads[NR_VCPUS];	/* written by the guest */
	u64 passes[NR_VCPUS];		/* written by the guest */
};

static void guest_code(u64 control_gpa, u64 id)
{
	struct thp_control *control = (struct thp_control *)control_gpa;
	u64 reads = 0, zero_reads = 0, passes = 0, seen, token, final, page;
	char *mine = (char *)(WRITE_GPA + id * SIZE_2M);

	GUEST_SYNC(0);
	while (!READ_ONCE(control->host_done)) {
		for (page = 0; page < NR_TOKEN_PAGES; page++) {
			u64 *slot = (u64 *)(TOKEN_GPA + page * PAGE);

			seen = READ_ONCE(control->published);
			token = READ_ONCE(*slot);
			if (!token) {
				zero_reads++;
				continue;
			}
			/* Older: the page read had been dropped already. */
			GUEST_ASSERT_GE(token, seen);
			/* Newer than the host wrote: not a page of this test. */
			GUEST_ASSERT_LE(token, READ_ONCE(control->published) + 1);
			reads++;
		}
		/* A value no pass wrote before: a write that lands shows. */
		passes++;
		for (page = 0; page < PAGES_PER_2M; page++)
			WRITE_ONCE(*(u64 *)(mine + page * PAGE), (id + 1) << 56 | passes);
		WRITE_ONCE(control->reads[id], reads);
		WRITE_ONCE(control->zero_reads[id], zero_reads);
		WRITE_ONCE(control->passes[id], passes);
		if (passes % PASSES_PER_EXIT == 0)
			GUEST_SYNC(reads);
	}

	final = READ_ONCE(control->published);
	for (page = 0; page < NR_TOKEN_PAGES; page++)
		GUEST_ASSERT_EQ(READ_ONCE(*(u64 *)(TOKEN_GPA + page * PAGE)), final);
}

/* Holes in the host mapping the guest may run into (see the top). */
static u64 holes_opened, holes_closed;

static void open_hole(void)
{
	__atomic_add_fetch(&holes_opened, 1, __ATOMIC_SEQ_CST);
}

static void close_hole(void)
{
	__atomic_add_fetch(&holes_closed, 1, __ATOMIC_SEQ_CST);
}

struct vcpu_thread {
	struct okvm_vcpu *vcpu;
	u64 runs;	/* KVM_RUN returns, read by the host thread */
	u64 syncs;
	u64 efaults;
};

/* Run the vCPU through its SYNCs and EFAULTs in holes until it is DONE. */
static void *run_vcpu(void *arg)
{
	struct vcpu_thread *thread = arg;
	struct okvm_vcpu *vcpu = thread->vcpu;
	struct okvm_ucall uc;
	char what[512];
	u64 closed, cmd;
	int r;

	for (;;) {
		closed = __atomic_load_n(&holes_closed, __ATOMIC_SEQ_CST);
		r = okvm_vcpu_run_raw(vcpu);
		__atomic_add_fetch(&thread->runs, 1, __ATOMIC_SEQ_CST);
		if (r) {
			if (errno != EFAULT)
				okvm_fail("vCPU %u: KVM_RUN: %s", vcpu->id, strerror(errno));
			if (__atomic_load_n(&holes_opened, __ATOMIC_SEQ_CST) <= closed)
				okvm_fail("vCPU %u: KVM_RUN failed with EFAULT, no hole open",
					  vcpu->id);
			thread->efaults++;
			/* The host is about to give the page back: let it run. */
			usleep(100);
			continue;
		}
		if (vcpu->run->exit_reason != KVM_EXIT_IO)
			okvm_vcpu_fail_unexpected_exit(vcpu, "not a ucall");
		cmd = okvm_vcpu_decode_ucall(vcpu, &uc);
		if (cmd == UCALL_DONE)
			return NULL;
		if (cmd != UCALL_SYNC) {
			okvm_ucall_describe(vcpu->vm, &uc, what, sizeof(what));
			okvm_fail("vCPU %u: %s", vcpu->id, what);
		}
		thread->syncs++;
	}
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/*
 * Until @thread's vCPU has come out of KVM_RUN @nr more times, or for at
 * most WINDOW_SECONDS: the vCPU has tried its writes by then, whether they
 * faulted (EFAULT) or went through (it reached a SYNC).
 */
static void wait_for_runs(struct vcpu_thread *thread, u64 nr)
{
	u64 runs = __atomic_load_n(&thread->runs, __ATOMIC_SEQ_CST);
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (__atomic_load_n(&thread->runs, __ATOMIC_SEQ_CST) < runs + nr &&
	       seconds_since(&start) < WINDOW_SECONDS)
		usleep(100);
}

static bool vcpus_have_read_enough(struct thp_control *control)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++)
		if (READ_ONCE(control->reads[i]) < MIN_READS_PER_VCPU)
			return false;
	return true;
}

/*
 * Per chunk (c), (b), (d), (a): the munmap of (c) frees the page table (a)
 * and a 64K (d) split the THP into, so that (b) drops a 2M leaf of the host
 * and the chunk comes back as a THP. A (b) after (a) would leave the PTE
 * table, and the rewrite would fault 512 pages in one by one, each a COW of
 * the zero page the guest read first, each an invalidation with a remote
 * TLB flush: seconds per round under TCG. With the huge zero page off, a
 * guest read of a dropped chunk gets a THP of its own for the same reason.
 */
static const u64 op_order[4] = { 2, 1, 3, 0 };

static void write_tokens(char *tokens, u64 generation)
{
	u64 page;

	for (page = 0; page < NR_TOKEN_PAGES; page++)
		__atomic_store_n((u64 *)(tokens + page * PAGE), generation, __ATOMIC_RELAXED);
}

/*
 * (d) takes a whole 2M (the PMD stays, its protection changes) or 64K of it
 * (the PMD is split first), for each vCPU in turn: independently, so that
 * each vCPU gets both.
 */
static u64 protect_len(u64 round)
{
	return (round / 8) % 2 ? PROTECT_PART : SIZE_2M;
}

static u64 protect_offset(u64 round)
{
	return (round / 8) % 2 ? ((round * 7) % (PAGES_PER_2M / 16)) * PROTECT_PART : 0;
}

/*
 * Operation (d) of @round: a range of @chunk and the same range of one
 * vCPU's write region read-only for a while. Returns 1 if a guest write
 * reached the write region while the host had it read-only.
 */
static int protect_round(u64 round, char *chunk, char *writes,
			 struct vcpu_thread *threads,
			 struct __test_metadata *_metadata)
{
	u64 len = protect_len(round), offset = protect_offset(round), page;
	int id = (round / 4) % NR_VCPUS, changed;
	char *range = writes + id * SIZE_2M + offset;
	static char copy[SIZE_2M];

	ASSERT_EQ(0, mprotect(chunk + offset, len, PROT_READ));
	open_hole();
	ASSERT_EQ(0, mprotect(range, len, PROT_READ));
	memcpy(copy, range, len);
	wait_for_runs(&threads[id], 2);
	changed = !!memcmp(copy, range, len);
	if (changed) {
		for (page = 0; page < len / PAGE; page++)
			if (*(u64 *)(range + page * PAGE) != *(u64 *)(copy + page * PAGE))
				break;
		TH_LOG("round %llu: vCPU %d wrote read-only page %llu: %#llx, was %#llx",
		       round, id, page, *(u64 *)(range + page * PAGE),
		       *(u64 *)(copy + page * PAGE));
	}
	ASSERT_EQ(0, mprotect(range, len, PROT_READ | PROT_WRITE));
	close_hole();
	ASSERT_EQ(0, mprotect(chunk + offset, len, PROT_READ | PROT_WRITE));
	return changed;
}

/*
 * THP's use_zero_page is 0 for the test (see op_order: a guest read fault
 * gets a THP of its own, not zeros). The parent gives the setting back,
 * even when the test dies through okvm_fail().
 */
FIXTURE(zero_page_off) {
	long saved;
};

FIXTURE_SETUP(zero_page_off)
{
	self->saved = okvm_read_number(ZERO_PAGE_PARAM);
	if (self->saved > 0 && !okvm_write_number(ZERO_PAGE_PARAM, 0))
		self->saved = -1;
}

FIXTURE_TEARDOWN_PARENT(zero_page_off)
{
	if (self->saved > 0)
		EXPECT_TRUE(okvm_write_number(ZERO_PAGE_PARAM, self->saved));
}

TEST_F(zero_page_off, guest_never_uses_stale_thp_mapping)
{
	struct vcpu_thread threads[NR_VCPUS];
	struct okvm_vcpu *vcpus[NR_VCPUS];
	u64 generation, rounds, ops[4] = {}, mismatches = 0, base_2m, max_2m, v;
	u64 collapsed = 0;
	char *prev;
	struct thp_control *control;
	pthread_t ids[NR_VCPUS];
	struct okvm_stats stats;
	char *tokens, *writes;
	struct timespec start;
	struct okvm_vm *vm;
	void *map;
	u64 map_size;
	long kb, thps;
	bool is_okvm;
	int i;

	if (!okvm_thp_possible())
		SKIP(return, "transparent hugepages are off");
	map_size = TOKEN_SIZE + WRITE_SIZE + SIZE_2M;
	map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	tokens = (char *)(((unsigned long)map + SIZE_2M - 1) & ~(SIZE_2M - 1));
	writes = tokens + TOKEN_SIZE;
	ASSERT_EQ(0, madvise(tokens, TOKEN_SIZE + WRITE_SIZE, MADV_HUGEPAGE));
	generation = 1;
	write_tokens(tokens, generation);
	memset(writes, 0, WRITE_SIZE);
	kb = okvm_anon_huge_kb(tokens);
	thps = kb / (long)(SIZE_2M >> 10);
	if (thps < 1)
		SKIP(return, "the host gave no transparent hugepage (%ld kB)", kb);

	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_code, vcpus);
	is_okvm = okvm_dev_is_okvm(vm->dev_fd);
	control = okvm_vm_add_anon_region(vm, 1, CONTROL_GPA, PAGE);
	okvm_vm_add_region(vm, 2, TOKEN_GPA, TOKEN_SIZE, tokens);
	okvm_vm_add_region(vm, 3, WRITE_GPA, WRITE_SIZE, writes);
	okvm_guest_identity_map(vm, CONTROL_GPA, PAGE);
	okvm_guest_identity_map(vm, TOKEN_GPA, TOKEN_SIZE + WRITE_SIZE);
	__atomic_store_n(&control->published, generation, __ATOMIC_RELEASE);

	for (i = 0; i < NR_VCPUS; i++) {
		okvm_vcpu_set_args(vcpus[i], 2, CONTROL_GPA, (u64)i);
		okvm_vcpu_expect_sync(vcpus[i], 0);
	}
	okvm_stats_open(&stats, vm->fd);
	base_2m = okvm_stats_get(&stats, "pages_2m");
	for (i = 0; i < NR_VCPUS; i++) {
		threads[i] = (struct vcpu_thread){ .vcpu = vcpus[i] };
		ASSERT_EQ(0, pthread_create(&ids[i], NULL, run_vcpu, &threads[i]));
	}

	/* Untouched, every THP the host gave is mapped by now: count them. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < NR_VCPUS; i++)
		while (!READ_ONCE(control->passes[i]) && seconds_since(&start) < START_SECONDS)
			usleep(1000);
	max_2m = okvm_stats_get(&stats, "pages_2m");

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
		u64 op = op_order[rounds % 4];
		char *chunk = tokens + ((rounds / 4) % NR_CHUNKS) * SIZE_2M;

		if (rounds >= MIN_ROUNDS && vcpus_have_read_enough(control) &&
		    seconds_since(&start) >= RUN_SECONDS)
			break;
		generation++;
		ops[op]++;
		switch (op) {
		case 0:
			/* Not the first page: the split must not depend on it. */
			v = 1 + (rounds * 37) % (PAGES_PER_2M - 1);
			ASSERT_EQ(0, madvise(chunk + v * PAGE, PAGE, MADV_DONTNEED));
			break;
		case 1:
			ASSERT_EQ(0, madvise(chunk, SIZE_2M, MADV_DONTNEED));
			break;
		case 2:
			open_hole();
			ASSERT_EQ(0, munmap(chunk, SIZE_2M));
			ASSERT_EQ(chunk, mmap(chunk, SIZE_2M, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
			ASSERT_EQ(0, madvise(chunk, SIZE_2M, MADV_HUGEPAGE));
			close_hole();
			break;
		case 3:
			prev = tokens + ((rounds / 4 + NR_CHUNKS - 1) % NR_CHUNKS) * SIZE_2M;
			/* Best effort: MADV_COLLAPSE may fail, or be missing. */
			collapsed += !madvise(prev, SIZE_2M, MADV_COLLAPSE);
			mismatches += protect_round(rounds, chunk, writes, threads, _metadata);
			break;
		}
		write_tokens(tokens, generation);
		/* Every page holds @generation before anyone can see it published. */
		__atomic_store_n(&control->published, generation, __ATOMIC_RELEASE);
		v = okvm_stats_get(&stats, "pages_2m");
		if (v > max_2m)
			max_2m = v;
	}
	__atomic_store_n(&control->host_done, 1, __ATOMIC_RELEASE);

	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(ids[i], NULL);
	TH_LOG("%s: %llu rounds in %.1f s (a %llu, b %llu, c %llu, d %llu), %ld THPs at start",
	       is_okvm ? "okvm" : "kvm", rounds, seconds_since(&start),
	       ops[0], ops[1], ops[2], ops[3], thps);
	TH_LOG("reads %llu and %llu, transient zeros %llu and %llu",
	       control->reads[0], control->reads[1],
	       control->zero_reads[0], control->zero_reads[1]);
	TH_LOG("syncs %llu and %llu, EFAULTs in holes %llu and %llu",
	       threads[0].syncs, threads[1].syncs, threads[0].efaults, threads[1].efaults);
	TH_LOG("2M leaves: up to %llu over the %llu of the program image; %llu collapses",
	       max_2m - base_2m, base_2m, collapsed);
	EXPECT_EQ(0, mismatches);
	for (i = 0; i < NR_VCPUS; i++)
		EXPECT_GE(control->reads[i], MIN_READS_PER_VCPU);
	/* With THPs under it and 2M allowed, okvm maps them 2M. */
	if (is_okvm && okvm_read_number(LEVEL_PARAM) >= 2)
		EXPECT_GE(max_2m - base_2m, 1);
	okvm_stats_close(&stats);
	okvm_vm_free(vm);
	munmap(map, map_size);
}

TEST_HARNESS_MAIN
