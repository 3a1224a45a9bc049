// SPDX-License-Identifier: GPL-2.0
/*
 * Steal time (MSR_KVM_STEAL_TIME), written through the gfn-to-pfn cache:
 * while a host thread keeps the vCPU's thread off its CPU (both pinned to
 * one CPU), the scheduler's run_delay of the vCPU thread grows, and the
 * guest's steal field grows by at least as much by the time it runs
 * again; while the hog runs, the vCPU thread is off the CPU in the middle
 * of KVM_RUN, and the record says so (preempted), and no longer once the
 * guest runs. Reserved bits in the MSR are refused.
 *
 * Plain KVM ABI: the same on kvm_amd.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/kvm_para.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define STEAL_RESERVED		0x3eULL
#define PAGE			0x1000ULL
#define SLOT			1
#define GPA			0x10000000ULL
#define STOP_OFFSET		0x800

/* Report the steal field, then spin until told to stop, then report again. */
static void guest_report_steal(void)
{
	struct steal_record *st = (struct steal_record *)GPA;
	u64 *stop = (u64 *)(GPA + STOP_OFFSET);

	GUEST_SYNC(READ_ONCE(st->preempted));
	GUEST_SYNC(READ_ONCE(st->steal));
	while (!READ_ONCE(*stop))
		;
	GUEST_SYNC(READ_ONCE(st->preempted));
	GUEST_SYNC(READ_ONCE(st->steal));
}

/* The calling thread's run_delay: ns it waited runnable for a CPU. */
static u64 run_delay(void)
{
	char path[64];
	u64 on_cpu, delay = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/schedstat", syscall(SYS_gettid));
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &on_cpu, &delay) != 2)
			delay = 0;
		fclose(f);
	}
	return delay;
}

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

struct hog {
	const struct steal_record *rec;
	u64 *stop;
	unsigned long long seen_preempted, samples;
};

/*
 * On the vCPU's CPU for 300 ms: whenever this runs, the vCPU thread does
 * not, in the middle of its KVM_RUN.
 */
static void *hog_run(void *arg)
{
	struct hog *h = arg;
	struct timespec t0, t;

	pin_to_cpu0();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		h->seen_preempted += READ_ONCE(h->rec->preempted) != 0;
		h->samples++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000LL + t.tv_nsec - t0.tv_nsec < 300000000LL);
	WRITE_ONCE(*h->stop, 1);
	return NULL;
}

TEST(steal_grows_while_the_vcpu_thread_waits)
{
	u64 steal0, steal1, delay0, delay1;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	pthread_t hog_thread;
	struct hog hog;
	char *mem;

	pin_to_cpu0();
	vm = okvm_vm_create_long_mode(1, guest_report_steal, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, GPA, PAGE);
	okvm_guest_identity_map(vm, GPA, PAGE);
	EXPECT_EQ(0, okvm_vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME,
				       GPA | STEAL_RESERVED | KVM_MSR_ENABLED))
		TH_LOG("reserved bits accepted");
	ASSERT_EQ(1, okvm_vcpu_set_msr(vcpu, MSR_KVM_STEAL_TIME, GPA | KVM_MSR_ENABLED));

	EXPECT_EQ(0, okvm_vcpu_next_sync(vcpu));
	steal0 = okvm_vcpu_next_sync(vcpu);
	delay0 = run_delay();

	/* The guest spins; the hog takes the CPU from this thread, in KVM_RUN. */
	hog = (struct hog){ .rec = (void *)mem, .stop = (u64 *)(mem + STOP_OFFSET) };
	ASSERT_EQ(0, pthread_create(&hog_thread, NULL, hog_run, &hog));
	EXPECT_EQ(0, okvm_vcpu_next_sync(vcpu)) TH_LOG("the guest saw itself preempted");
	steal1 = okvm_vcpu_next_sync(vcpu);
	delay1 = run_delay();
	pthread_join(hog_thread, NULL);

	TH_LOG("run_delay +%llu ns, steal +%llu ns, preempted in %llu of %llu samples",
	       delay1 - delay0, steal1 - steal0, hog.seen_preempted, hog.samples);
	EXPECT_GT(delay1 - delay0, 10 * 1000 * 1000ULL);
	/* What the thread waited before the guest's last report was stolen. */
	EXPECT_GE(steal1 - steal0, (delay1 - delay0) / 2);
	EXPECT_LE(steal1, delay1);
	EXPECT_GT(hog.seen_preempted, 0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
