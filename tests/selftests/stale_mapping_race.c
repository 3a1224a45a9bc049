// SPDX-License-Identifier: GPL-2.0
/*
 * A hypervisor must never keep (or install) a guest mapping of a host page
 * that the host has already dropped. Two vCPUs keep reading tokens from a
 * set of pages while a host thread keeps replacing those pages
 * (MADV_DONTNEED, then a write of a newer token), and the guest checks every
 * token it reads against the generation the host had published before the
 * read began.
 *
 * The protocol, for generation g (tokens start at 1, published = 1):
 *   host:  for each page: MADV_DONTNEED it, write token g into it;
 *          then publish g (after every page holds g).
 *   guest: seen = published; token = page's token; then
 *          - token == 0: the page is between MADV_DONTNEED and its rewrite
 *            (legitimate, only while the host is working; checked below);
 *          - otherwise seen <= token <= published + 1, read after the token.
 * A page mapped from before a MADV_DONTNEED still holds an older token,
 * which falls below `seen` as soon as the host publishes past it. When the
 * host is done, every page must hold the final token: that also catches a
 * stale mapping of a page that was zeroed for reuse.
 *
 * The run is bounded by wall clock and by a round count, and goes on until
 * each vCPU has made enough reads; neither bound decides the verdict.
 *
 * The guest exits (a SYNC ucall) every PASSES_PER_EXIT passes over the
 * pages. A hypervisor that fails to leave the guest on a host interrupt
 * would otherwise hold the CPU forever while the host waits for it to
 * acknowledge a TLB flush, and take the whole machine down instead of
 * failing a test (run_interrupted is the test for that bug). The exits do
 * not hide stale mappings: between two exits the host goes on dropping and
 * publishing, and a stale read fails the check all the same.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS		2
#define NR_PAGES		16
#define PAGE			0x1000ULL
#define CONTROL_GPA		0x10000000ULL
#define DATA_GPA		0x10200000ULL
#define RUN_SECONDS		2
#define MIN_ROUNDS		8
#define MAX_ROUNDS		100000
#define MIN_READS_PER_VCPU	200
#define PASSES_PER_EXIT		64

/* The always-valid page: written by the host, except the read counters. */
struct race_control {
	u64 published;
	u64 host_done;
	u64 pad[6];
	u64 reads[NR_VCPUS];		/* written by the guest */
	u64 zero_reads[NR_VCPUS];	/* written by the guest */
};

static void guest_read_tokens(u64 control_gpa, u64 data_gpa, u64 id)
{
	struct race_control *control = (struct race_control *)control_gpa;
	u64 reads = 0, zero_reads = 0, passes = 0, seen, token, final, page;

	while (!READ_ONCE(control->host_done)) {
		for (page = 0; page < NR_PAGES; page++) {
			u64 *slot = (u64 *)(data_gpa + page * PAGE);

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
		WRITE_ONCE(control->reads[id], reads);
		WRITE_ONCE(control->zero_reads[id], zero_reads);
		if (++passes % PASSES_PER_EXIT == 0)
			GUEST_SYNC(reads);
	}

	final = READ_ONCE(control->published);
	for (page = 0; page < NR_PAGES; page++)
		GUEST_ASSERT_EQ(READ_ONCE(*(u64 *)(data_gpa + page * PAGE)), final);
}

struct vcpu_thread {
	struct okvm_vcpu *vcpu;
	u64 exits;
};

/* Run the vCPU through its progress SYNCs until it is DONE. */
static void *run_vcpu(void *arg)
{
	struct vcpu_thread *thread = arg;
	struct okvm_ucall uc;
	char what[512];

	for (;;) {
		u64 cmd = okvm_vcpu_run_to_ucall(thread->vcpu, &uc);

		if (cmd == UCALL_DONE)
			return NULL;
		if (cmd != UCALL_SYNC) {
			okvm_ucall_describe(thread->vcpu->vm, &uc, what, sizeof(what));
			okvm_fail("vCPU %u: %s", thread->vcpu->id, what);
		}
		thread->exits++;
	}
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

static bool vcpus_have_read_enough(struct race_control *control)
{
	int i;

	for (i = 0; i < NR_VCPUS; i++)
		if (READ_ONCE(control->reads[i]) < MIN_READS_PER_VCPU)
			return false;
	return true;
}

TEST(guest_never_reads_dropped_page)
{
	struct vcpu_thread threads[NR_VCPUS];
	struct okvm_vcpu *vcpus[NR_VCPUS];
	struct race_control *control;
	pthread_t ids[NR_VCPUS];
	struct timespec start;
	struct okvm_vm *vm;
	u64 generation, page, rounds;
	char *data;
	int i;

	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_read_tokens, vcpus);
	control = okvm_vm_add_anon_region(vm, 1, CONTROL_GPA, PAGE);
	data = okvm_vm_add_anon_region(vm, 2, DATA_GPA, NR_PAGES * PAGE);
	okvm_guest_identity_map(vm, CONTROL_GPA, PAGE);
	okvm_guest_identity_map(vm, DATA_GPA, NR_PAGES * PAGE);

	generation = 1;
	for (page = 0; page < NR_PAGES; page++)
		*(u64 *)(data + page * PAGE) = generation;
	__atomic_store_n(&control->published, generation, __ATOMIC_RELEASE);

	for (i = 0; i < NR_VCPUS; i++) {
		okvm_vcpu_set_args(vcpus[i], 3, CONTROL_GPA, DATA_GPA, (u64)i);
		threads[i] = (struct vcpu_thread){ .vcpu = vcpus[i] };
		ASSERT_EQ(0, pthread_create(&ids[i], NULL, run_vcpu, &threads[i]));
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
		if (rounds >= MIN_ROUNDS && vcpus_have_read_enough(control) &&
		    seconds_since(&start) >= RUN_SECONDS)
			break;
		generation++;
		for (page = 0; page < NR_PAGES; page++) {
			char *host_page = data + page * PAGE;

			ASSERT_EQ(0, madvise(host_page, PAGE, MADV_DONTNEED));
			__atomic_store_n((u64 *)host_page, generation, __ATOMIC_RELAXED);
		}
		/* Every page holds @generation before anyone can see it published. */
		__atomic_store_n(&control->published, generation, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&control->host_done, 1, __ATOMIC_RELEASE);

	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(ids[i], NULL);
	TH_LOG("%llu rounds in %.1f s; reads %llu and %llu, exits %llu and %llu",
	       rounds, seconds_since(&start), control->reads[0], control->reads[1],
	       threads[0].exits, threads[1].exits);
	TH_LOG("transient zero reads %llu and %llu",
	       control->zero_reads[0], control->zero_reads[1]);
	for (i = 0; i < NR_VCPUS; i++)
		EXPECT_GE(control->reads[i], MIN_READS_PER_VCPU);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
