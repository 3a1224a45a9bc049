// SPDX-License-Identifier: GPL-2.0
/*
 * A memslot deleted while vCPUs read it: from then on the guest's accesses
 * to that range are not served from the old memory (no stale mapping
 * survives the delete) but exit as MMIO reads of the right address and
 * length. Two vCPUs keep reading every page of the slot, so the delete
 * races with faults and with mappings in use.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS	2
#define SLOT		1
#define REGION_GPA	0x40000000ULL
#define NR_PAGES	64
#define PAGE		0x1000ULL
#define MAGIC		0x5107000000000000ULL
#define PASSES_PER_SYNC	16

/* Read every page's token for ever; SYNC now and then with a pass count. */
static void guest_read_forever(u64 gpa, u64 nr_pages)
{
	u64 passes = 0, page;

	for (;;) {
		for (page = 0; page < nr_pages; page++)
			GUEST_ASSERT_EQ(READ_ONCE(*(u64 *)(gpa + page * PAGE)),
					MAGIC | page);
		if (++passes % PASSES_PER_SYNC == 0)
			GUEST_SYNC(passes);
	}
}

struct reader {
	struct okvm_vcpu *vcpu;
	u64 syncs;
	bool mmio;
	struct kvm_run mmio_exit;
	char failure[512];
};

/* Run through the SYNCs until the first exit that is not a ucall. */
static void *run_reader(void *arg)
{
	struct reader *r = arg;
	struct kvm_run *run = r->vcpu->run;
	struct okvm_ucall uc;

	for (;;) {
		if (okvm_vcpu_run_raw(r->vcpu)) {
			snprintf(r->failure, sizeof(r->failure), "KVM_RUN failed");
			return NULL;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			r->mmio = true;
			r->mmio_exit = *run;
			return NULL;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != OKVM_UCALL_PORT) {
			snprintf(r->failure, sizeof(r->failure), "exit %s",
				 okvm_exit_reason_name(run->exit_reason));
			return NULL;
		}
		if (okvm_vcpu_decode_ucall(r->vcpu, &uc) != UCALL_SYNC) {
			okvm_ucall_describe(r->vcpu->vm, &uc, r->failure,
					    sizeof(r->failure));
			return NULL;
		}
		__atomic_add_fetch(&r->syncs, 1, __ATOMIC_RELAXED);
	}
}

static u64 syncs(struct reader *r)
{
	return __atomic_load_n(&r->syncs, __ATOMIC_RELAXED);
}

TEST(reads_after_delete_exit_as_mmio)
{
	struct okvm_vcpu *vcpus[NR_VCPUS];
	struct reader readers[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	struct okvm_vm *vm;
	u64 page, *mem;
	int i;

	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_read_forever, vcpus);
	mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, NR_PAGES * PAGE);
	okvm_guest_identity_map(vm, REGION_GPA, NR_PAGES * PAGE);
	for (page = 0; page < NR_PAGES; page++)
		mem[page * PAGE / sizeof(u64)] = MAGIC | page;

	for (i = 0; i < NR_VCPUS; i++) {
		okvm_vcpu_set_args(vcpus[i], 2, REGION_GPA, NR_PAGES);
		readers[i] = (struct reader){ .vcpu = vcpus[i] };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, run_reader, &readers[i]));
	}
	/* Both read the slot through mappings before it goes. */
	for (i = 0; i < NR_VCPUS; i++)
		while (syncs(&readers[i]) < 2 && !readers[i].failure[0] &&
		       !readers[i].mmio)
			usleep(1000);

	okvm_vm_delete_region(vm, SLOT);

	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_run *exit = &readers[i].mmio_exit;

		pthread_join(threads[i], NULL);
		ASSERT_EQ(0, readers[i].failure[0]) {
			TH_LOG("vCPU %d: %s", i, readers[i].failure);
		}
		EXPECT_GE(syncs(&readers[i]), 2);
		ASSERT_TRUE(readers[i].mmio);
		EXPECT_GE(exit->mmio.phys_addr, REGION_GPA);
		EXPECT_LT(exit->mmio.phys_addr, REGION_GPA + NR_PAGES * PAGE);
		EXPECT_EQ(0, exit->mmio.phys_addr % PAGE);
		EXPECT_EQ(8, exit->mmio.len);
		EXPECT_EQ(0, exit->mmio.is_write);
	}
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
