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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <okvm.h>

#include "kselftest_harness.h"
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
#define TEST_PARAM	"/sys/module/okvm/parameters/apicv_test_access_page"

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

/* The host polls these: each increment is a store of its own. */
static void count(u64 *counter)
{
	WRITE_ONCE(*counter, READ_ONCE(*counter) + 1);
}

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
			count(&sh->vcpu[k].emulated);
			continue;
		}
		count(&sh->vcpu[k].landed);
		/* The whole access inside one phase in which the inhibit held. */
		if ((phase & 1) && READ_ONCE(sh->phase) == phase)
			count(&sh->vcpu[k].landed_while_inhibited);
	}
}

static void *run_vcpu(void *arg)
{
	okvm_vcpu_expect_done(arg);
	return NULL;
}

static int set_user_inhibit(struct okvm_vm *vm, u64 value)
{
	struct kvm_enable_cap cap = { .cap = OKVM_CAP_APICV_USER_INHIBIT, .args = { value } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static bool test_param_on(void)
{
	FILE *f = fopen(TEST_PARAM, "r");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return c == 'Y';
}

static u64 total_landed(struct shared *sh)
{
	u64 n = 0;
	int k;

	for (k = 0; k < NR_VCPUS; k++)
		n += READ_ONCE(sh->vcpu[k].landed);
	return n;
}

/* Wait up to two seconds for a store to land; false if none did. */
static bool wait_for_a_landing(struct shared *sh)
{
	u64 before = total_landed(sh);
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (total_landed(sh) != before)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 2);
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
	struct timespec t0, t1;
	struct okvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	struct shared *sh;
	struct okvm_vm *vm;
	int k;

	if (!test_param_on())
		SKIP(return, "okvm is not loaded with apicv_test_access_page=1");
	vm = okvm_vm_create_long_mode_irqchip(NR_VCPUS, guest_store_and_read_back, vcpus);
	ASSERT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, OKVM_CAP_APICV_USER_INHIBIT));
	sh = okvm_vm_add_anon_region(vm, SHARED_SLOT, SHARED_GPA, PAGE);
	okvm_guest_identity_map(vm, SHARED_GPA, PAGE);
	ASSERT_EQ(0, set_user_inhibit(vm, 1));
	WRITE_ONCE(sh->phase, 1);
	for (k = 0; k < NR_VCPUS; k++) {
		okvm_vcpu_set_args(vcpus[k], 2, (u64)k, SHARED_GPA);
		ASSERT_EQ(0, pthread_create(&threads[k], NULL, run_vcpu, vcpus[k]));
	}
	/* Every page the guests touch but the APIC's is mapped by then. */
	usleep(200 * 1000);
	pages_inhibited = okvm_stats_leaf_counts(vm->fd).pages_4k;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (i = 0; i < toggles; i++) {
		WRITE_ONCE(sh->phase, 2 * i + 2);
		ASSERT_EQ(0, set_user_inhibit(vm, 0));
		windows_without_landing += !wait_for_a_landing(sh);
		ASSERT_EQ(0, set_user_inhibit(vm, 1));
		WRITE_ONCE(sh->phase, 2 * i + 3);
		leaf_left += okvm_stats_leaf_counts(vm->fd).pages_4k != pages_inhibited;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
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
	       t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       total_landed(sh), emulated);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
