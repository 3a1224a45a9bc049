// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging while the guest writes: no write may be lost to the log.
 *
 * Two vCPUs keep writing values that never repeat into a logged slot
 * (vCPU k into the pages p with p % 2 == k), with nothing else to exit
 * for, so the host harvests while they write: the harvest races with
 * their write faults, the fast write fault among them. After each harvest
 * H(i) the host reads every page, R(i). A page that changed between R(i-1)
 * and R(i) was written in between. A write before H(i) took the bits is
 * in bitmap B(i); a write after it is in B(i) or B(i + 1). So a page that
 * changed and is not in B(i) must be in B(i + 1): that is the check, and a
 * final harvest after the vCPUs stop closes the last round.
 *
 * Once with KVM_GET_DIRTY_LOG alone, once with manual protection, where a
 * harvest is KVM_GET_DIRTY_LOG then KVM_CLEAR_DIRTY_LOG of what it got.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS	2
#define SLOT		1
#define CONTROL_SLOT	2
#define PAGE		0x1000ULL
#define REGION_GPA	0x40000000ULL
#define CONTROL_GPA	0x50000000ULL
#define NR_PAGES	512ULL
#define BITMAP_LONGS	(NR_PAGES / 64)
#define ROUNDS		60

/* Write ever larger values into every second page until the host says stop. */
static void guest_write_until_stopped(u64 gpa, u64 nr_pages, u64 id, u64 control_gpa)
{
	u64 n = 0, page = id;

	GUEST_SYNC(0);
	while (!READ_ONCE(*(u64 *)control_gpa)) {
		n++;
		WRITE_ONCE(*(u64 *)(gpa + page * PAGE), n << 1 | id);
		page += NR_VCPUS;
		if (page >= nr_pages)
			page = id;
	}
	GUEST_DONE();
}

static void *run_vcpu(void *arg)
{
	okvm_vcpu_expect_done(arg);
	return NULL;
}

/* One harvest into @bitmap: GET, and with @manual a CLEAR of what it got. */
static void harvest(struct okvm_vm *vm, bool manual, u64 *bitmap)
{
	struct kvm_dirty_log log = { .slot = SLOT, .dirty_bitmap = bitmap };
	struct kvm_clear_dirty_log clear = {
		.slot = SLOT, .num_pages = NR_PAGES, .dirty_bitmap = bitmap,
	};

	OKVM_REQUIRE(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) == 0,
		     "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	OKVM_REQUIRE(!manual || ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &clear) == 0,
		     "KVM_CLEAR_DIRTY_LOG: %s", strerror(errno));
}

static bool test_bit64(const u64 *bitmap, u64 nr)
{
	return bitmap[nr / 64] & (1ULL << (nr % 64));
}

static void race_harvests_with_writes(struct __test_metadata *_metadata, bool manual)
{
	u64 *mem, *control, prev[NR_PAGES] = {}, bitmap[BITMAP_LONGS];
	u64 round, page, lost = 0, dirty = 0, late = 0;
	bool pending[NR_PAGES] = {};
	struct okvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	struct okvm_vm *vm;
	unsigned int i;

	mem = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	control = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_NE(MAP_FAILED, control);
	memset(mem, 0, NR_PAGES * PAGE);
	control[0] = 0;

	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_write_until_stopped, vcpus);
	if (manual) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE },
		};

		ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	}
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES, REGION_GPA,
					    NR_PAGES * PAGE, mem));
	okvm_vm_add_region(vm, CONTROL_SLOT, CONTROL_GPA, PAGE, control);
	okvm_guest_identity_map(vm, REGION_GPA, NR_PAGES * PAGE);
	okvm_guest_identity_map(vm, CONTROL_GPA, PAGE);
	for (i = 0; i < NR_VCPUS; i++) {
		okvm_vcpu_set_args(vcpus[i], 4, REGION_GPA, NR_PAGES, (u64)i, CONTROL_GPA);
		okvm_vcpu_expect_sync(vcpus[i], 0);
	}
	harvest(vm, manual, bitmap);
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, run_vcpu, vcpus[i]));

	for (round = 0; round <= ROUNDS; round++) {
		if (round == ROUNDS) {
			/* The last round: the writers stop, one harvest after. */
			__atomic_store_n(&control[0], 1, __ATOMIC_RELEASE);
			for (i = 0; i < NR_VCPUS; i++)
				pthread_join(threads[i], NULL);
		} else {
			usleep(2000);
		}
		harvest(vm, manual, bitmap);
		for (page = 0; page < NR_PAGES; page++) {
			u64 now = __atomic_load_n(&mem[page * PAGE / 8], __ATOMIC_ACQUIRE);
			bool in_log = test_bit64(bitmap, page);

			if (pending[page] && !in_log && lost++ < 8)
				TH_LOG("page %llu changed in round %llu, in no bitmap since",
				       page, round - 1);
			late += pending[page] && in_log;
			pending[page] = now != prev[page] && !in_log;
			prev[page] = now;
			dirty += in_log;
		}
	}
	TH_LOG("%s: %llu dirty bits over %d rounds, %llu writes reported a round late",
	       manual ? "manual protect" : "get only", dirty, ROUNDS, late);
	EXPECT_EQ(0, lost);
	/* The rounds overlapped the writes: the log saw them. */
	EXPECT_GE(dirty, NR_PAGES);
	okvm_vm_free(vm);
	munmap(control, PAGE);
	munmap(mem, NR_PAGES * PAGE);
}

TEST(no_write_lost_to_get_dirty_log)
{
	race_harvests_with_writes(_metadata, false);
}

TEST(no_write_lost_to_clear_dirty_log)
{
	race_harvests_with_writes(_metadata, true);
}

TEST_HARNESS_MAIN
