// SPDX-License-Identifier: GPL-2.0
/*
 * okvm-bench: micro-benchmarks of a hypervisor that speaks the KVM ABI.
 *
 * The device comes from OKVM_DEV (default /dev/okvm), so the same binary
 * measures okvm and upstream KVM. Each benchmark prints result lines
 *
 *   RESULT <metric> <value> <unit> <lower|higher>
 *
 * where the last word says which direction is better; tools/bench/report.py
 * turns many runs into medians and okvm/kvm_amd ratios. Nothing here judges
 * a number: speed is read from the report, never asserted.
 *
 * Every time is host CLOCK_MONOTONIC around ioctls, so a number includes
 * what a VMM would pay for it. Guests come from the selftests' library
 * (tests/selftests/lib): 64-bit guests running this program's own functions,
 * reporting progress through ucalls. A guest starts every benchmark with a
 * GUEST_SYNC that the host runs to untimed, so faulting in the guest's code
 * and stack is never part of a measurement.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/apicv.h"
#include "lib/okvm_dev.h"
#include "lib/pvclock.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/* The port of the exit round trip: not the ucall port, never decoded. */
#define BENCH_PORT		0xf20

#define PAGE			PAGE_SIZE_4K
#define MAX_VCPUS		2
/* vCPU n's region for the paging benchmarks: 1G apart, all below 4G. */
#define REGION_GPA(n)		(PAGE_SIZE_1G + (n) * PAGE_SIZE_1G)
#define REGION_SLOT(n)		(1 + (n))

#define CHURN_SLOT		5
#define CHURN_GPA		(3 * PAGE_SIZE_1G)
#define CHURN_SIZE		PAGE_SIZE_2M

#define ZAP_SLOT		6
#define ZAP_GPA			PAGE_SIZE_1G
/* Pages the guest maps in the zap benchmark, spread over the slot's first 1G. */
#define ZAP_MAPPED_PAGES	16ULL
#define ZAP_STRIDE		(PAGE_SIZE_1G / ZAP_MAPPED_PAGES)

struct bench_options {
	u64 nr_exits;		/* exit-io */
	u64 nr_cpuids;		/* cpuid */
	u64 region_size;	/* fault, invalidate, floor: bytes per vCPU */
	u64 nr_churns;		/* churn: add+delete pairs */
	u64 nr_timer_irqs;	/* apic-timer */
	u64 nr_ipis;		/* ipi: round trips */
};

static struct bench_options options = {
	.nr_exits = 20000,
	.nr_cpuids = 50000,
	.region_size = 256 * 1024 * 1024,
	.nr_churns = 200,
	.nr_timer_irqs = 5000,
	.nr_ipis = 2000,
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void report(const char *metric, double value, const char *unit,
		   const char *better)
{
	printf("RESULT %s %.3f %s %s\n", metric, value, unit, better);
	fflush(stdout);
}

static double pages_per_second(u64 nr_pages, u64 elapsed_ns)
{
	return nr_pages * 1e9 / (elapsed_ns ? elapsed_ns : 1);
}

/* Fresh anonymous memory that the kernel backs with 4K pages only. */
static void *map_4k_only(u64 size)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	OKVM_REQUIRE(mem != MAP_FAILED, "mmap %llu bytes: %s",
		     (unsigned long long)size, strerror(errno));
	OKVM_REQUIRE(madvise(mem, size, MADV_NOHUGEPAGE) == 0,
		     "MADV_NOHUGEPAGE: %s", strerror(errno));
	return mem;
}

/*
 * Fresh anonymous memory, 2M-aligned, that the kernel backs with
 * transparent hugepages where it can (MADV_HUGEPAGE). The unaligned ends of
 * a larger mapping are unmapped again, so munmap(mem, size) frees it all.
 */
static void *map_thp(u64 size)
{
	u64 map_size = size + PAGE_SIZE_2M;
	char *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *mem;

	OKVM_REQUIRE(map != MAP_FAILED, "mmap %llu bytes: %s",
		     (unsigned long long)map_size, strerror(errno));
	mem = (char *)(((unsigned long)map + PAGE_SIZE_2M - 1) & ~(PAGE_SIZE_2M - 1));
	if (mem > map)
		munmap(map, mem - map);
	if (mem + size < map + map_size)
		munmap(mem + size, map + map_size - (mem + size));
	OKVM_REQUIRE(madvise(mem, size, MADV_HUGEPAGE) == 0,
		     "MADV_HUGEPAGE: %s", strerror(errno));
	return mem;
}

static void *map_region(u64 size, bool thp)
{
	return thp ? map_thp(size) : map_4k_only(size);
}

/* Run @vcpu to its next ucall, which must be SYNC @step. */
static void run_to_step(struct okvm_vcpu *vcpu, u64 step)
{
	okvm_vcpu_expect_sync(vcpu, step);
}

/* 1. Exit round trip: every OUT goes to userspace and back. */

static void guest_out_loop(u64 nr_exits)
{
	u64 i;

	GUEST_SYNC(0);
	for (i = 0; i < nr_exits; i++)
		asm volatile("outb %%al, %%dx" : : "a"(0), "d"((u16)BENCH_PORT));
}

static void bench_exit_io(void)
{
	struct okvm_vcpu *vcpu;
	struct okvm_ucall uc;
	struct okvm_vm *vm;
	u64 start, nr_exits = 0;

	vm = okvm_vm_create_long_mode(1, guest_out_loop, &vcpu);
	okvm_vcpu_set_args(vcpu, 1, options.nr_exits);
	run_to_step(vcpu, 0);

	start = now_ns();
	for (;;) {
		struct kvm_run *run = vcpu->run;

		OKVM_REQUIRE(okvm_vcpu_run_raw(vcpu) == 0, "KVM_RUN: %s", strerror(errno));
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != BENCH_PORT)
			break;
		nr_exits++;
	}
	report("exit_io", (double)(now_ns() - start) / nr_exits, "ns/exit", "lower");

	OKVM_REQUIRE(okvm_vcpu_decode_ucall(vcpu, &uc) == UCALL_DONE,
		     "the guest did not finish its OUTs");
	OKVM_REQUIRE(nr_exits == options.nr_exits, "%llu exits for %llu OUTs",
		     (unsigned long long)nr_exits, (unsigned long long)options.nr_exits);
	okvm_vm_free(vm);
}

/*
 * 2. In-kernel exit: CPUID is handled without leaving the kernel. Timed by
 * the host around the one KVM_RUN that holds all of them, which adds one
 * return to userspace: nothing next to tens of thousands of CPUIDs.
 */

static void guest_cpuid_loop(u64 nr_cpuids)
{
	u32 eax, ebx, ecx, edx;
	u64 i;

	GUEST_SYNC(0);
	for (i = 0; i < nr_cpuids; i++)
		guest_cpuid(0, 0, &eax, &ebx, &ecx, &edx);
	GUEST_SYNC(1);
}

static void bench_cpuid(void)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 start;

	vm = okvm_vm_create_long_mode(1, guest_cpuid_loop, &vcpu);
	okvm_vcpu_set_args(vcpu, 1, options.nr_cpuids);
	run_to_step(vcpu, 0);

	start = now_ns();
	run_to_step(vcpu, 1);
	report("cpuid", (double)(now_ns() - start) / options.nr_cpuids,
	       "ns/cpuid", "lower");
	okvm_vm_free(vm);
}

/*
 * 3. Demand paging and 5. invalidation share one guest: it writes every 4K
 * page of its region once per step, so every write of a step is a fresh
 * nested page fault (the guest's own tables use 2M pages and fault never).
 */

static void guest_touch_pages(u64 gpa, u64 nr_pages)
{
	u64 page;

	for (page = 0; page < nr_pages; page++)
		WRITE_ONCE(*(u64 *)(gpa + page * PAGE), page);
}

static void guest_touch_region_twice(u64 gpa, u64 nr_pages)
{
	GUEST_SYNC(0);
	guest_touch_pages(gpa, nr_pages);
	GUEST_SYNC(1);
	guest_touch_pages(gpa, nr_pages);
	GUEST_SYNC(2);
}

/* A long-mode VM whose vCPU n owns a fresh region of region_size bytes. */
static struct okvm_vm *create_paging_vm(unsigned int nr_vcpus, bool thp,
					struct okvm_vcpu **vcpus, void **regions)
{
	u64 nr_pages = options.region_size / PAGE;
	struct okvm_vm *vm;
	unsigned int i;

	vm = okvm_vm_create_long_mode(nr_vcpus, guest_touch_region_twice, vcpus);
	for (i = 0; i < nr_vcpus; i++) {
		regions[i] = map_region(options.region_size, thp);
		okvm_vm_add_region(vm, REGION_SLOT(i), REGION_GPA(i),
				   options.region_size, regions[i]);
		okvm_guest_identity_map(vm, REGION_GPA(i), options.region_size);
		okvm_vcpu_set_args(vcpus[i], 2, REGION_GPA(i), nr_pages);
	}
	return vm;
}

static void free_paging_vm(struct okvm_vm *vm, unsigned int nr_vcpus, void **regions)
{
	unsigned int i;

	okvm_vm_free(vm);
	for (i = 0; i < nr_vcpus; i++)
		munmap(regions[i], options.region_size);
}

/*
 * One worker per vCPU (or per host thread for the floor): all start the
 * timed part together; the elapsed time runs from the first start to the
 * last end.
 */
struct paging_worker {
	struct okvm_vcpu *vcpu;	/* NULL: the floor, the host touches mem */
	char *mem;
	pthread_barrier_t *start_line;
	u64 start_ns;
	u64 end_ns;
};

static void host_touch_pages(char *mem, u64 size)
{
	u64 page;

	for (page = 0; page < size / PAGE; page++)
		WRITE_ONCE(*(u64 *)(mem + page * PAGE), page);
}

static void *paging_worker_run(void *arg)
{
	struct paging_worker *worker = arg;

	if (worker->vcpu)
		run_to_step(worker->vcpu, 0);
	pthread_barrier_wait(worker->start_line);
	worker->start_ns = now_ns();
	if (worker->vcpu)
		run_to_step(worker->vcpu, 1);
	else
		host_touch_pages(worker->mem, options.region_size);
	worker->end_ns = now_ns();
	return NULL;
}

/* Run the workers in parallel; returns the elapsed time of the timed part. */
static u64 run_paging_workers(struct paging_worker *workers, unsigned int nr_workers)
{
	pthread_t threads[MAX_VCPUS];
	pthread_barrier_t start_line;
	u64 first_start = ~0ULL, last_end = 0;
	unsigned int i;

	pthread_barrier_init(&start_line, NULL, nr_workers);
	for (i = 0; i < nr_workers; i++) {
		workers[i].start_line = &start_line;
		OKVM_REQUIRE(pthread_create(&threads[i], NULL, paging_worker_run,
					    &workers[i]) == 0, "pthread_create");
	}
	for (i = 0; i < nr_workers; i++) {
		pthread_join(threads[i], NULL);
		if (workers[i].start_ns < first_start)
			first_start = workers[i].start_ns;
		if (workers[i].end_ns > last_end)
			last_end = workers[i].end_ns;
	}
	pthread_barrier_destroy(&start_line);
	return last_end - first_start;
}

static void bench_fault(unsigned int nr_vcpus, bool thp)
{
	struct paging_worker workers[MAX_VCPUS] = {};
	struct okvm_vcpu *vcpus[MAX_VCPUS];
	void *regions[MAX_VCPUS];
	struct okvm_vm *vm;
	char metric[32];
	unsigned int i;
	u64 elapsed;

	vm = create_paging_vm(nr_vcpus, thp, vcpus, regions);
	for (i = 0; i < nr_vcpus; i++)
		workers[i].vcpu = vcpus[i];
	elapsed = run_paging_workers(workers, nr_vcpus);
	snprintf(metric, sizeof(metric), "fault_%s_%uvcpu", thp ? "thp" : "4k", nr_vcpus);
	report(metric, pages_per_second(nr_vcpus * options.region_size / PAGE, elapsed),
	       "pages/s", "higher");
	free_paging_vm(vm, nr_vcpus, regions);
}

/* The floor of 3: the same writes by host threads, no VM at all. */
static void bench_floor_fault(unsigned int nr_threads, bool thp)
{
	struct paging_worker workers[MAX_VCPUS] = {};
	char metric[32];
	unsigned int i;
	u64 elapsed;

	for (i = 0; i < nr_threads; i++)
		workers[i].mem = map_region(options.region_size, thp);
	elapsed = run_paging_workers(workers, nr_threads);
	snprintf(metric, sizeof(metric), "floor_fault_%s_%uvcpu", thp ? "thp" : "4k",
		 nr_threads);
	report(metric, pages_per_second(nr_threads * options.region_size / PAGE, elapsed),
	       "pages/s", "higher");
	for (i = 0; i < nr_threads; i++)
		munmap(workers[i].mem, options.region_size);
}

/* Time MADV_DONTNEED of the whole region. */
static u64 time_dontneed(void *mem)
{
	u64 start = now_ns();

	OKVM_REQUIRE(madvise(mem, options.region_size, MADV_DONTNEED) == 0,
		     "MADV_DONTNEED: %s", strerror(errno));
	return now_ns() - start;
}

/*
 * 5. Invalidation: the region is fully mapped in the nested page tables when
 * the host drops it, so the call pays for the hypervisor's zap through the
 * MMU notifier; the guest's next pass refaults every page.
 */
static void bench_invalidate(void)
{
	u64 nr_pages = options.region_size / PAGE;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	void *region;
	u64 start;

	vm = create_paging_vm(1, false, &vcpu, &region);
	run_to_step(vcpu, 0);
	run_to_step(vcpu, 1);
	report("dontneed_mapped", time_dontneed(region) / 1e3, "us", "lower");

	start = now_ns();
	run_to_step(vcpu, 2);
	report("refault_4k", pages_per_second(nr_pages, now_ns() - start),
	       "pages/s", "higher");
	free_paging_vm(vm, 1, &region);
}

/* The floor of 5: MADV_DONTNEED of the same memory mapped by no VM. */
static void bench_floor_dontneed(void)
{
	void *mem = map_4k_only(options.region_size);

	host_touch_pages(mem, options.region_size);
	report("floor_dontneed", time_dontneed(mem) / 1e3, "us", "lower");
	munmap(mem, options.region_size);
}

/*
 * 6. Memslot churn. With a vCPU in KVM_RUN, deleting a slot has to get the
 * vCPU off the old memslots and the old mappings, which is what a running
 * vCPU adds to the cost.
 */

static u64 guest_spinning;
static u64 guest_stop_spinning;

static void guest_spin(void)
{
	GUEST_SYNC(0);
	WRITE_ONCE(guest_spinning, 1);
	while (!READ_ONCE(guest_stop_spinning))
		asm volatile("pause");
}

/* The host's view of a guest global: the guest has its own copy. */
static u64 *guest_global(struct okvm_vm *vm, u64 *var)
{
	return okvm_gpa_to_hva(vm, (u64)(uintptr_t)var);
}

static void *spinning_vcpu_run(void *arg)
{
	okvm_vcpu_expect_done(arg);
	return NULL;
}

static u64 time_churn(struct okvm_vm *vm, void *mem)
{
	u64 start = now_ns();
	u64 i;

	for (i = 0; i < options.nr_churns; i++) {
		OKVM_REQUIRE(okvm_vm_set_region_raw(vm, CHURN_SLOT, 0, CHURN_GPA,
						    CHURN_SIZE, mem) == 0,
			     "add the churned slot: %s", strerror(errno));
		OKVM_REQUIRE(okvm_vm_set_region_raw(vm, CHURN_SLOT, 0, CHURN_GPA,
						    0, mem) == 0,
			     "delete the churned slot: %s", strerror(errno));
	}
	return now_ns() - start;
}

static void bench_churn(void)
{
	void *mem = map_4k_only(CHURN_SIZE);
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	pthread_t spinner;

	vm = okvm_vm_create_long_mode(1, guest_spin, &vcpu);
	report("churn_idle", time_churn(vm, mem) / 1e3 / options.nr_churns,
	       "us/pair", "lower");

	run_to_step(vcpu, 0);
	OKVM_REQUIRE(pthread_create(&spinner, NULL, spinning_vcpu_run, vcpu) == 0,
		     "pthread_create");
	/* Churn only once the vCPU is in the guest, not on its way there. */
	while (!READ_ONCE(*guest_global(vm, &guest_spinning)))
		usleep(1000);
	report("churn_running", time_churn(vm, mem) / 1e3 / options.nr_churns,
	       "us/pair", "lower");
	WRITE_ONCE(*guest_global(vm, &guest_stop_spinning), 1);
	pthread_join(spinner, NULL);
	okvm_vm_free(vm);
	munmap(mem, CHURN_SIZE);
}

/*
 * 7. Full-range zap of a sparse VM: a huge slot with a few pages mapped is
 * deleted. Done for two slot sizes with the same mapped pages: if the cost
 * follows mapped pages the two times match; if it follows the range, the
 * big slot costs 64 times more.
 */

static void guest_touch_sparse(u64 gpa)
{
	u64 i;

	GUEST_SYNC(0);
	for (i = 0; i < ZAP_MAPPED_PAGES; i++)
		WRITE_ONCE(*(u64 *)(gpa + i * ZAP_STRIDE), i);
	GUEST_SYNC(1);
}

static void bench_zap_sparse(u64 slot_size, const char *metric)
{
	u64 mapped_end = ZAP_GPA + ZAP_MAPPED_PAGES * ZAP_STRIDE;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	void *mem;
	u64 start;

	mem = map_4k_only(slot_size);
	vm = okvm_vm_create_long_mode(1, guest_touch_sparse, &vcpu);
	okvm_vm_add_region(vm, ZAP_SLOT, ZAP_GPA, slot_size, mem);
	okvm_guest_identity_map(vm, ZAP_GPA, mapped_end - ZAP_GPA);
	okvm_vcpu_set_args(vcpu, 1, ZAP_GPA);
	run_to_step(vcpu, 0);
	run_to_step(vcpu, 1);

	start = now_ns();
	okvm_vm_delete_region(vm, ZAP_SLOT);
	report(metric, (now_ns() - start) / 1e3, "us", "lower");
	okvm_vm_free(vm);
	munmap(mem, slot_size);
}

static void bench_zap(void)
{
	bench_zap_sparse(PAGE_SIZE_1G, "zap_sparse_1g");
	bench_zap_sparse(64 * PAGE_SIZE_1G, "zap_sparse_64g");
}

/*
 * 8. Dirty logging: a logged slot of DIRTY_LOG_SIZE bytes; each cycle the
 * guest writes every page once (each write faults: the previous harvest
 * write-protected it) and the host harvests the bitmap with
 * KVM_GET_DIRTY_LOG. Time per cycle, after one cycle that maps the slot.
 */
#define DIRTY_LOG_SIZE		(16ULL << 20)
#define DIRTY_LOG_CYCLES	4

static void guest_write_pages_forever(u64 gpa, u64 nr_pages)
{
	u64 step, page;

	for (step = 0;; step++) {
		for (page = 0; page < nr_pages; page++)
			WRITE_ONCE(*(u64 *)(gpa + page * PAGE), step);
		GUEST_SYNC(step);
	}
}

static void bench_dirty_log(void)
{
	u64 nr_pages = DIRTY_LOG_SIZE / PAGE, start, cycle;
	struct kvm_dirty_log log = { .slot = REGION_SLOT(0) };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	void *mem, *bitmap;

	mem = map_4k_only(DIRTY_LOG_SIZE);
	bitmap = calloc(1, nr_pages / 8);
	OKVM_REQUIRE(bitmap, "out of memory");
	log.dirty_bitmap = bitmap;
	vm = okvm_vm_create_long_mode(1, guest_write_pages_forever, &vcpu);
	OKVM_REQUIRE(okvm_vm_set_region_raw(vm, REGION_SLOT(0), KVM_MEM_LOG_DIRTY_PAGES,
					    REGION_GPA(0), DIRTY_LOG_SIZE, mem) == 0,
		     "a logged memslot: %s", strerror(errno));
	okvm_guest_identity_map(vm, REGION_GPA(0), DIRTY_LOG_SIZE);
	okvm_vcpu_set_args(vcpu, 2, REGION_GPA(0), nr_pages);

	run_to_step(vcpu, 0);
	OKVM_REQUIRE(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) == 0,
		     "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	start = now_ns();
	for (cycle = 1; cycle <= DIRTY_LOG_CYCLES; cycle++) {
		run_to_step(vcpu, cycle);
		OKVM_REQUIRE(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) == 0,
			     "KVM_GET_DIRTY_LOG: %s", strerror(errno));
	}
	report("dirty_log_cycle", (now_ns() - start) / 1e3 / DIRTY_LOG_CYCLES,
	       "us/cycle", "lower");
	okvm_vm_free(vm);
	munmap(mem, DIRTY_LOG_SIZE);
	free(bitmap);
}

/*
 * 9. Local APIC timer: the guest arms the in-kernel APIC's timer in one-shot
 * mode for APIC_TIMER_COUNT bus cycles (1 ns each at divide 1, KVM's APIC
 * bus), waits with interrupts on until its handler took the interrupt
 * (spinning: kvm_amd under TCG now and then misses the wakeup of an HLT
 * whose interrupt came first, Documentation/testing.rst), and arms it
 * again, N times. The count is short next to a delivery under TCG, so the
 * time per interrupt is the hypervisor's: the hrtimer, the kick out of the
 * guest, the injection, and the EOI and TMICT writes the guest's APIC
 * page takes. Timed by the host around the KVM_RUN that holds them all.
 */
#define APIC_TIMER_VECTOR	0xec
#define APIC_TIMER_COUNT	1000
#define IPI_REQUEST_VECTOR	0xed
#define IPI_REPLY_VECTOR	0xee

u64 guest_timer_irqs;

/* Count the interrupt and EOI it (a MOV of an immediate to the APIC page). */
static __naked void guest_timer_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_timer_irqs(%rip)\n\t"
	    "mov $0xfee000b0, %eax\n\t"
	    "movl $0, (%rax)\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

static void guest_apic_enable(void)
{
	guest_xapic_write(APIC_REG_SVR, APIC_SVR_ENABLE | 0xff);
	guest_xapic_write(APIC_REG_TDCR, APIC_TDCR_DIV_1);
}

static void guest_timer_loop(u64 nr_irqs)
{
	u64 i;

	guest_apic_enable();
	guest_xapic_write(APIC_REG_LVTT, APIC_TIMER_VECTOR);
	GUEST_SYNC(0);
	for (i = 1; i <= nr_irqs; i++) {
		guest_xapic_write(APIC_REG_TMICT, APIC_TIMER_COUNT);
		guest_spin_until(&guest_timer_irqs, i);
	}
	GUEST_SYNC(1);
}

static void bench_apic_timer(void)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 start;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_timer_loop, &vcpu);
	okvm_guest_set_handler(vm, APIC_TIMER_VECTOR, guest_timer_handler);
	okvm_vcpu_set_args(vcpu, 1, options.nr_timer_irqs);
	run_to_step(vcpu, 0);

	start = now_ns();
	run_to_step(vcpu, 1);
	report("apic_timer", (double)(now_ns() - start) / options.nr_timer_irqs,
	       "ns/irq", "lower");
	okvm_vm_free(vm);
}

/*
 * 10. IPI round trip: vCPU 0 sends a fixed IPI to vCPU 1, whose handler
 * answers with one back; vCPU 0 waits for the answer, N times. Both spin
 * with interrupts on (not HLT, as in 9), each on its own host thread, so
 * every IPI has to kick a vCPU that is in the guest on another CPU. Timed
 * by the host around vCPU 0's KVM_RUN that holds the N rounds, once vCPU 1
 * is in the guest.
 */
u64 guest_replies;
u64 guest_responder_ready;
u64 guest_stop_responding;

/* vCPU 1: EOI, then the answer to vCPU 0. */
static __naked void guest_ipi_request_handler(void)
{
	asm("push %rax\n\t"
	    "mov $0xfee000b0, %eax\n\t"
	    "movl $0, (%rax)\n\t"
	    "mov $0xfee00310, %eax\n\t"
	    "movl $0, (%rax)\n\t"
	    "mov $0xfee00300, %eax\n\t"
	    "movl $" __stringify(IPI_REPLY_VECTOR) ", (%rax)\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

/* vCPU 0: count the answer and EOI it. */
static __naked void guest_ipi_reply_handler(void)
{
	asm("push %rax\n\t"
	    "incq guest_replies(%rip)\n\t"
	    "mov $0xfee000b0, %eax\n\t"
	    "movl $0, (%rax)\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

static void guest_ipi_ping_pong(u64 nr_rounds)
{
	u32 id = guest_xapic_read(APIC_REG_ID) >> 24;
	u64 i;

	guest_apic_enable();
	if (id == 1) {
		WRITE_ONCE(guest_responder_ready, 1);
		while (!READ_ONCE(guest_stop_responding))
			asm volatile("sti; nop; cli" : : : "memory");
		return;
	}
	GUEST_SYNC(0);
	for (i = 1; i <= nr_rounds; i++) {
		guest_xapic_write(APIC_REG_ICR2, 1 << 24);
		guest_xapic_write(APIC_REG_ICR, IPI_REQUEST_VECTOR);
		guest_spin_until(&guest_replies, i);
	}
	GUEST_SYNC(1);
	WRITE_ONCE(guest_stop_responding, 1);
}

static void bench_ipi(void)
{
	struct okvm_vcpu *vcpus[2];
	pthread_t responder;
	struct okvm_vm *vm;
	u64 start;

	vm = okvm_vm_create_long_mode_irqchip(2, guest_ipi_ping_pong, vcpus);
	okvm_guest_set_handler(vm, IPI_REQUEST_VECTOR, guest_ipi_request_handler);
	okvm_guest_set_handler(vm, IPI_REPLY_VECTOR, guest_ipi_reply_handler);
	okvm_vcpu_set_args(vcpus[0], 1, options.nr_ipis);
	OKVM_REQUIRE(pthread_create(&responder, NULL, spinning_vcpu_run, vcpus[1]) == 0,
		     "pthread_create");
	run_to_step(vcpus[0], 0);
	while (!READ_ONCE(*guest_global(vm, &guest_responder_ready)))
		usleep(1000);

	start = now_ns();
	run_to_step(vcpus[0], 1);
	report("ipi_roundtrip", (double)(now_ns() - start) / options.nr_ipis,
	       "ns/round", "lower");
	okvm_vcpu_expect_done(vcpus[0]);
	pthread_join(responder, NULL);
	okvm_vm_free(vm);
}

static void bench_fault_all(void)
{
	bench_fault(1, false);
	bench_fault(2, false);
	bench_fault(1, true);
}

static void bench_floor(void)
{
	bench_floor_fault(1, false);
	bench_floor_fault(2, false);
	bench_floor_fault(1, true);
	bench_floor_dontneed();
}

/*
 * 11. APICv inhibit+uninhibit cycle: with 64 MiB, then 1 GiB, of 4K leaves
 * mapped (KVM_PRE_FAULT_MEMORY of 4K-only memory), the host sets and clears
 * okvm's userspace inhibit N times; time per cycle. Each inhibit zaps the
 * one APIC gfn, so both rows should match. okvm only: it needs
 * OKVM_CAP_APICV_USER_INHIBIT and APICv that can be active, which on SVM
 * without AVIC takes okvm's test parameter apicv_test_access_page=1
 * (run-in-vm.sh loads okvm so for this benchmark alone). kvm_amd has no
 * such knob, and no APICv under TCG.
 */
#define APICV_CYCLES		1000

static void guest_sync_once(void)
{
	GUEST_SYNC(0);
}

static void prefault(struct okvm_vcpu *vcpu, u64 gpa, u64 size)
{
	struct kvm_pre_fault_memory range = { .gpa = gpa, .size = size };

	while (range.size)
		OKVM_REQUIRE(!ioctl(vcpu->fd, KVM_PRE_FAULT_MEMORY, &range) ||
			     errno == EINTR || errno == EAGAIN,
			     "KVM_PRE_FAULT_MEMORY at 0x%llx: %s",
			     (unsigned long long)range.gpa, strerror(errno));
}

static void bench_apicv_cycle_mapped(u64 size, const char *metric)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	void *mem;
	u64 start, i;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_sync_once, &vcpu);
	mem = map_4k_only(size);
	okvm_vm_add_region(vm, REGION_SLOT(0), REGION_GPA(0), size, mem);
	prefault(vcpu, REGION_GPA(0), size);
	OKVM_REQUIRE(okvm_stats_leaf_counts(vm->fd).pages_4k >= size / PAGE,
		     "%s: the region is not mapped at 4K", metric);

	start = now_ns();
	for (i = 0; i < APICV_CYCLES; i++)
		OKVM_REQUIRE(!okvm_apicv_set_user_inhibit(vm, 1) &&
			     !okvm_apicv_set_user_inhibit(vm, 0),
			     "OKVM_CAP_APICV_USER_INHIBIT: %s", strerror(errno));
	report(metric, (now_ns() - start) / 1e3 / APICV_CYCLES, "us/cycle", "lower");
	OKVM_REQUIRE(okvm_stat(vm->fd, "zaps") >= APICV_CYCLES,
		     "%s: the inhibits zapped nothing", metric);
	okvm_vm_free(vm);
	munmap(mem, size);
}

static void bench_apicv_cycle(void)
{
	/* The parameter is okvm's: kvm_amd, or okvm without it, skip. */
	if (!okvm_apicv_test_page_on()) {
		printf("# apicv-cycle: needs okvm loaded with apicv_test_access_page=1\n");
		return;
	}
	bench_apicv_cycle_mapped(64ULL << 20, "apicv_cycle_64m");
	bench_apicv_cycle_mapped(PAGE_SIZE_1G, "apicv_cycle_1g");
}

/*
 * 12. kvmclock. The update: KVM_SET_CLOCK asks every vCPU for a new pvclock
 * record, which the hypervisor writes through its gfn-to-pfn cache on the
 * next entry. Timed as exit round trips (a ucall each) with a KVM_SET_CLOCK
 * before every entry, less the same round trips without one, in blocks that
 * take turns; the thread stays on one CPU, so no round trip of either kind
 * gets a record for a CPU change. The read: the guest reads its clock with
 * the version protocol, N times, timed around the KVM_RUN that holds them.
 */
#define KVMCLOCK_SLOT		7
#define KVMCLOCK_GPA		(3 * PAGE_SIZE_1G)
#define KVMCLOCK_ROUND_TRIPS	4000
#define KVMCLOCK_BLOCK		100
#define KVMCLOCK_READS		200000

static void guest_kvmclock(u64 nr_round_trips, u64 nr_reads)
{
	struct pvclock_record *rec = (struct pvclock_record *)KVMCLOCK_GPA;
	u64 i, sum = 0;

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, KVMCLOCK_GPA | KVM_MSR_ENABLED);
	GUEST_SYNC(0);
	for (i = 0; i < nr_round_trips; i++)
		GUEST_SYNC(1);
	GUEST_SYNC(2);
	for (i = 0; i < nr_reads; i++)
		sum += pvclock_read(rec);
	GUEST_SYNC(sum ? 3 : 4);
}

static void pin_to_current_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	OKVM_REQUIRE(!sched_setaffinity(0, sizeof(set), &set), "sched_setaffinity: %s",
		     strerror(errno));
}

static void bench_kvmclock(void)
{
	u64 elapsed[2] = { 0, 0 }, start, i;
	struct kvm_clock_data clock = {};
	struct pvclock_record *rec;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	cpu_set_t all;
	u32 version;
	u64 clock0;

	OKVM_REQUIRE(!sched_getaffinity(0, sizeof(all), &all), "sched_getaffinity");
	pin_to_current_cpu();
	vm = okvm_vm_create_long_mode(1, guest_kvmclock, &vcpu);
	rec = okvm_vm_add_anon_region(vm, KVMCLOCK_SLOT, KVMCLOCK_GPA, PAGE);
	okvm_guest_identity_map(vm, KVMCLOCK_GPA, PAGE);
	okvm_vcpu_set_args(vcpu, 2, (u64)KVMCLOCK_ROUND_TRIPS, (u64)KVMCLOCK_READS);
	run_to_step(vcpu, 0);
	OKVM_REQUIRE(!ioctl(vm->fd, KVM_GET_CLOCK, &clock), "KVM_GET_CLOCK: %s",
		     strerror(errno));
	clock0 = clock.clock;
	start = now_ns();
	version = READ_ONCE(rec->version);

	/* Blocks with an update before every entry (1) and without (0), in turns. */
	for (i = 0; i < KVMCLOCK_ROUND_TRIPS; i++) {
		bool update = (i / KVMCLOCK_BLOCK) & 1;
		u64 t0 = now_ns();

		if (update) {
			/* Forward, as a VMM steps it: the clock never goes back. */
			clock = (struct kvm_clock_data){ .clock = clock0 + now_ns() - start };
			OKVM_REQUIRE(!ioctl(vm->fd, KVM_SET_CLOCK, &clock),
				     "KVM_SET_CLOCK: %s", strerror(errno));
		}
		run_to_step(vcpu, 1);
		elapsed[update] += now_ns() - t0;
	}
	/* Each record goes from one even version to the next through an odd one. */
	OKVM_REQUIRE(READ_ONCE(rec->version) - version >= KVMCLOCK_ROUND_TRIPS,
		     "kvmclock: %u records for %d updates", (READ_ONCE(rec->version) - version) / 2,
		     KVMCLOCK_ROUND_TRIPS / 2);
	report("kvmclock_update",
	       ((double)elapsed[1] - (double)elapsed[0]) / (KVMCLOCK_ROUND_TRIPS / 2),
	       "ns/update", "lower");

	run_to_step(vcpu, 2);
	start = now_ns();
	run_to_step(vcpu, 3);
	report("kvmclock_read", (double)(now_ns() - start) / KVMCLOCK_READS, "ns/read", "lower");
	okvm_vm_free(vm);
	sched_setaffinity(0, sizeof(all), &all);
}

struct benchmark {
	const char *name;
	void (*run)(void);
	bool needs_device;
};

static const struct benchmark benchmarks[] = {
	{ "exit-io", bench_exit_io, true },
	{ "cpuid", bench_cpuid, true },
	{ "fault", bench_fault_all, true },
	{ "invalidate", bench_invalidate, true },
	{ "churn", bench_churn, true },
	{ "zap", bench_zap, true },
	{ "dirty-log", bench_dirty_log, true },
	{ "apic-timer", bench_apic_timer, true },
	{ "ipi", bench_ipi, true },
	{ "apicv-cycle", bench_apicv_cycle, true },
	{ "kvmclock", bench_kvmclock, true },
	{ "floor", bench_floor, false },
};

static void print_usage_and_exit(void)
{
	unsigned int i;

	fprintf(stderr,
		"usage: okvm-bench [-n exits] [-c cpuids] [-m MiB per vCPU] [-s slot pairs]\n"
		"                  [-t timer interrupts] [-i IPI round trips] all|vm|BENCHMARK...\n"
		"  vm: every benchmark that needs the device (all but floor)\n"
		"  the device is $OKVM_DEV, default /dev/okvm\n  benchmarks:");
	for (i = 0; i < ARRAY_SIZE(benchmarks); i++)
		fprintf(stderr, " %s", benchmarks[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static u64 parse_count(const char *arg)
{
	char *end;
	u64 value = strtoull(arg, &end, 0);

	if (!*arg || *end || !value)
		print_usage_and_exit();
	return value;
}

/* Run every benchmark that @name selects; false if it selects none. */
static bool run_selected(const char *name)
{
	bool everything = !strcmp(name, "all");
	bool vm_only = !strcmp(name, "vm");
	bool found = false;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(benchmarks); i++) {
		const struct benchmark *bench = &benchmarks[i];

		if (everything || (vm_only && bench->needs_device) ||
		    !strcmp(name, bench->name)) {
			bench->run();
			found = true;
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "n:c:m:s:t:i:h")) != -1) {
		switch (opt) {
		case 'n':
			options.nr_exits = parse_count(optarg);
			break;
		case 'c':
			options.nr_cpuids = parse_count(optarg);
			break;
		case 'm':
			options.region_size = parse_count(optarg) << 20;
			break;
		case 's':
			options.nr_churns = parse_count(optarg);
			break;
		case 't':
			options.nr_timer_irqs = parse_count(optarg);
			break;
		case 'i':
			options.nr_ipis = parse_count(optarg);
			break;
		default:
			print_usage_and_exit();
		}
	}
	if (optind == argc)
		print_usage_and_exit();
	/* The regions are 1G apart below 4G (REGION_GPA). */
	if (options.region_size > PAGE_SIZE_1G)
		print_usage_and_exit();

	printf("# okvm-bench on %s: %llu MiB per vCPU\n", okvm_dev_path(),
	       (unsigned long long)(options.region_size >> 20));
	for (; optind < argc; optind++)
		if (!run_selected(argv[optind]))
			print_usage_and_exit();
	return 0;
}
