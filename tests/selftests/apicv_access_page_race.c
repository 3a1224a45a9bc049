// SPDX-License-Identifier: GPL-2.0
/*
 * The race of seed 001, run thousands of times: two vCPUs store to the
 * APIC page and read back, in a loop, while the host sets and clears the
 * userspace APICv inhibit. A store that lands in the APIC-access page reads
 * back what it stored; one the in-kernel APIC emulates reads back 0 (the
 * register it hits is reserved). Once an inhibit has returned, no store may
 * land in the page (every one is emulated) and no 4K leaf is left for the
 * APIC gfn; while APICv is active stores land in the page.
 *
 * okvm-only, and only with okvm loaded with apicv_test_access_page=1 (the
 * SVM backend then maps the page without AVIC; tests/vm/init.sh loads it
 * so for this test alone). Skips elsewhere.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <okvm.h>

#include "kselftest_harness.h"
#include "lib/apicv.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS	2
#define TOGGLES		2000
#define APIC_GPA	0xfee00000ULL
/* Reserved xAPIC registers: the APIC ignores stores and reads 0 there. */
#define APIC_SLOT(k)	(APIC_GPA + 0x40 + 0x10 * (k))
#define SHARED_SLOT	1
#define SHARED_GPA	0x20000000ULL
#define PAGE		0x1000ULL
#define STOP		(~0ULL)

/*
 * Guest memory the host reads and writes. @phase: odd while the host holds
 * the inhibit (written after the inhibit returned), even while it does not
 * (written before it cleared it), STOP at the end.
 */
struct shared {
	u64 phase;
	struct {
		u64 landed;
		u64 emulated;
		u64 landed_while_inhibited;
	} vcpu[NR_VCPUS];
};

static void guest_store_and_read_back(u64 k, u64 shared_gpa)
{
	u32 *slot = (u32 *)APIC_SLOT(k);
	struct shared *sh = (struct shared *)shared_gpa;
	u32 v = 0;
	u64 phase;

	for (;;) {
		phase = READ_ONCE(sh->phase);
		if (phase == STOP)
			GUEST_DONE();
		if (!++v)
			v = 1;
		WRITE_ONCE(*slot, v);
		if (READ_ONCE(*slot) != v) {
			okvm_count(&sh->vcpu[k].emulated);
			continue;
		}
		okvm_count(&sh->vcpu[k].landed);
		/* The whole access inside one phase in which the inhibit held. */
		if ((phase & 1) && READ_ONCE(sh->phase) == phase)
			okvm_count(&sh->vcpu[k].landed_while_inhibited);
	}
}

static void *run_vcpu(void *arg)
{
	okvm_vcpu_expect_done(arg);
	return NULL;
}

static u64 total_landed(struct shared *sh)
{
	u64 n = 0;
	int k;

	for (k = 0; k < NR_VCPUS; k++)
		n += READ_ONCE(sh->vcpu[k].landed);
	return n;
}

/* Stores vCPU @k has made and read back, landed or not. */
static u64 stores(struct shared *sh, int k)
{
	return READ_ONCE(sh->vcpu[k].landed) + READ_ONCE(sh->vcpu[k].emulated);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec - t0->tv_sec + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * While APICv is active, wait for a store to land. The window is judged
 * by the guests' progress, not by the clock (the emulated machine may not
 * run them for a while): false once every vCPU has made WINDOW_STORES
 * stores with none landing; 30 s without that is a failure too.
 */
#define WINDOW_STORES	64
static bool wait_for_a_landing(struct shared *sh)
{
	u64 landed = total_landed(sh), start[NR_VCPUS];
	struct timespec t0;
	bool all_moved;
	int k;

	for (k = 0; k < NR_VCPUS; k++)
		start[k] = stores(sh, k);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (total_landed(sh) != landed)
			return true;
		all_moved = true;
		for (k = 0; k < NR_VCPUS; k++)
			all_moved &= stores(sh, k) - start[k] >= WINDOW_STORES;
		if (all_moved)
			return total_landed(sh) != landed;
	} while (seconds_since(&t0) < 30);
	return false;
}

/* Every vCPU has had a store emulated: all it touches but the APIC page is mapped. */
static bool wait_for_every_vcpu(struct shared *sh)
{
	struct timespec t0;
	bool all;
	int k;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		all = true;
		for (k = 0; k < NR_VCPUS; k++)
			all &= READ_ONCE(sh->vcpu[k].emulated) > 0;
		if (all)
			return true;
	} while (seconds_since(&t0) < 30);
	return false;
}

/* No state: a fixture only for TEST_F_TIMEOUT, as the toggles take a while. */
FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

TEST_F_TIMEOUT(race, an_inhibit_that_returned_leaves_no_store_landing_in_the_page, 300)
{
	u64 pages_inhibited, i, windows_without_landing = 0, leaf_left = 0, emulated = 0;
	u64 toggles = TOGGLES;
	struct timespec t0;
	double seconds;
	struct okvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	struct shared *sh;
	struct okvm_vm *vm;
	int k;

	if (!okvm_apicv_test_page_on())
		SKIP(return, "okvm is not loaded with apicv_test_access_page=1");
	/* No khugepaged collapse may change the VM's 4K leaves under the count. */
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	vm = okvm_vm_create_long_mode_irqchip(NR_VCPUS, guest_store_and_read_back, vcpus);
	ASSERT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, OKVM_CAP_APICV_USER_INHIBIT));
	sh = okvm_vm_add_anon_region(vm, SHARED_SLOT, SHARED_GPA, PAGE);
	okvm_guest_identity_map(vm, SHARED_GPA, PAGE);
	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 1));
	WRITE_ONCE(sh->phase, 1);
	for (k = 0; k < NR_VCPUS; k++) {
		okvm_vcpu_set_args(vcpus[k], 2, (u64)k, SHARED_GPA);
		ASSERT_EQ(0, pthread_create(&threads[k], NULL, run_vcpu, vcpus[k]));
	}
	ASSERT_TRUE(wait_for_every_vcpu(sh));
	pages_inhibited = okvm_stats_leaf_counts(vm->fd).pages_4k;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (i = 0; i < toggles; i++) {
		WRITE_ONCE(sh->phase, 2 * i + 2);
		ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 0));
		windows_without_landing += !wait_for_a_landing(sh);
		ASSERT_EQ(0, okvm_apicv_set_user_inhibit(vm, 1));
		WRITE_ONCE(sh->phase, 2 * i + 3);
		leaf_left += okvm_stats_leaf_counts(vm->fd).pages_4k != pages_inhibited;
	}
	seconds = seconds_since(&t0);
	/* A last inhibited phase, long enough for stores to be emulated. */
	usleep(100 * 1000);
	WRITE_ONCE(sh->phase, STOP);
	for (k = 0; k < NR_VCPUS; k++)
		pthread_join(threads[k], NULL);

	for (k = 0; k < NR_VCPUS; k++) {
		EXPECT_EQ(0, sh->vcpu[k].landed_while_inhibited)
			TH_LOG("vCPU %d: %llu stores landed in the page after an inhibit returned",
			       k, sh->vcpu[k].landed_while_inhibited);
		emulated += sh->vcpu[k].emulated;
	}
	EXPECT_EQ(0, leaf_left) TH_LOG("a leaf for the APIC gfn outlived %llu inhibits", leaf_left);
	EXPECT_EQ(0, windows_without_landing)
		TH_LOG("%llu of %llu active windows saw no store land",
		       windows_without_landing, toggles);
	EXPECT_GT(emulated, 0);
	TH_LOG("%llu toggles in %.1f s: %llu stores landed, %llu emulated", toggles,
	       seconds, total_landed(sh), emulated);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
