// SPDX-License-Identifier: GPL-2.0
/*
 * Two vCPUs, each on its own thread, fault in fresh guest memory at the same
 * time, and both see correct data: pages the host filled read back as
 * filled, pages only the guest wrote read back as written, and the host
 * sees the guest's writes afterwards. Once with a region per vCPU, once
 * with both vCPUs over the same region.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS	2
#define PAGE		0x1000ULL
#define REGION_PAGES	512ULL			/* 2M per region */
#define REGION_SIZE	(REGION_PAGES * PAGE)
#define REGION_GPA(i)	(0x10000000ULL + (i) * 0x1000000ULL)

/* What the host wrote at the start of page @gpa. */
static u64 host_pattern(u64 gpa)
{
	return 0x4057000000000000ULL | gpa;
}

/* What vCPU @id wrote into page @gpa, in its own word of the page. */
static u64 guest_pattern(u64 gpa, u64 id)
{
	return 0x6e57000000000000ULL | id << 40 | gpa;
}

/* Word of a page that vCPU @id writes: away from the host's word 0. */
static u64 *guest_word(u64 page_gpa, u64 id)
{
	return (u64 *)(page_gpa + 64 + 8 * id);
}

/*
 * Pages in the first half were filled by the host: check them. Pages in the
 * second half are fresh: write them, then read everything back.
 */
static void guest_fault_region(u64 gpa, u64 nr_pages, u64 id)
{
	u64 page, half = nr_pages / 2;

	for (page = 0; page < half; page++)
		GUEST_ASSERT_EQ(READ_ONCE(*(u64 *)(gpa + page * PAGE)),
				host_pattern(gpa + page * PAGE));
	for (page = 0; page < nr_pages; page++) {
		u64 page_gpa = gpa + page * PAGE;

		WRITE_ONCE(*guest_word(page_gpa, id), guest_pattern(page_gpa, id));
	}
	for (page = 0; page < nr_pages; page++)
		GUEST_ASSERT_EQ(READ_ONCE(*guest_word(gpa + page * PAGE, id)),
				guest_pattern(gpa + page * PAGE, id));
	for (page = 0; page < half; page++)
		GUEST_ASSERT_EQ(READ_ONCE(*(u64 *)(gpa + page * PAGE)),
				host_pattern(gpa + page * PAGE));
}

struct vcpu_thread {
	struct okvm_vcpu *vcpu;
	pthread_barrier_t *start;
};

static void *run_vcpu(void *arg)
{
	struct vcpu_thread *thread = arg;

	/* Both threads enter KVM_RUN together, so the faults overlap. */
	pthread_barrier_wait(thread->start);
	okvm_vcpu_expect_done(thread->vcpu);
	return NULL;
}

static void run_both(struct okvm_vcpu **vcpus)
{
	struct vcpu_thread threads[NR_VCPUS];
	pthread_t ids[NR_VCPUS];
	pthread_barrier_t start;
	int i;

	pthread_barrier_init(&start, NULL, NR_VCPUS);
	for (i = 0; i < NR_VCPUS; i++) {
		threads[i] = (struct vcpu_thread){ .vcpu = vcpus[i], .start = &start };
		OKVM_REQUIRE(pthread_create(&ids[i], NULL, run_vcpu, &threads[i]) == 0,
			     "pthread_create");
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(ids[i], NULL);
	pthread_barrier_destroy(&start);
}

/* Fill the first half of the region at @gpa (host memory @mem). */
static void host_fill_half(char *mem, u64 gpa)
{
	u64 page;

	for (page = 0; page < REGION_PAGES / 2; page++)
		*(u64 *)(mem + page * PAGE) = host_pattern(gpa + page * PAGE);
}

TEST(region_per_vcpu)
{
	struct okvm_vcpu *vcpus[NR_VCPUS];
	char *mem[NR_VCPUS];
	struct okvm_vm *vm;
	u64 i, page;

	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_fault_region, vcpus);
	for (i = 0; i < NR_VCPUS; i++) {
		mem[i] = okvm_vm_add_anon_region(vm, 1 + i, REGION_GPA(i), REGION_SIZE);
		okvm_guest_identity_map(vm, REGION_GPA(i), REGION_SIZE);
		host_fill_half(mem[i], REGION_GPA(i));
		okvm_vcpu_set_args(vcpus[i], 3, REGION_GPA(i), REGION_PAGES, i);
	}
	run_both(vcpus);

	for (i = 0; i < NR_VCPUS; i++)
		for (page = 0; page < REGION_PAGES; page++) {
			u64 gpa = REGION_GPA(i) + page * PAGE;
			u64 *word = (u64 *)(mem[i] + page * PAGE + 64 + 8 * i);

			ASSERT_EQ(guest_pattern(gpa, i), *word) TH_LOG("gpa 0x%llx", gpa);
		}
	okvm_vm_free(vm);
}

TEST(shared_region)
{
	struct okvm_vcpu *vcpus[NR_VCPUS];
	struct okvm_vm *vm;
	u64 i, page;
	char *mem;

	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_fault_region, vcpus);
	mem = okvm_vm_add_anon_region(vm, 1, REGION_GPA(0), REGION_SIZE);
	okvm_guest_identity_map(vm, REGION_GPA(0), REGION_SIZE);
	host_fill_half(mem, REGION_GPA(0));
	for (i = 0; i < NR_VCPUS; i++)
		okvm_vcpu_set_args(vcpus[i], 3, REGION_GPA(0), REGION_PAGES, i);
	run_both(vcpus);

	for (i = 0; i < NR_VCPUS; i++)
		for (page = 0; page < REGION_PAGES; page++) {
			u64 gpa = REGION_GPA(0) + page * PAGE;
			u64 *word = (u64 *)(mem + page * PAGE + 64 + 8 * i);

			ASSERT_EQ(guest_pattern(gpa, i), *word) TH_LOG("gpa 0x%llx", gpa);
		}
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
