// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock under churn: two vCPUs read their pvclock records in a loop,
 * with the version protocol, and count every time their clock went
 * backwards, while host threads fork the process over and over (each fork
 * write-protects the records' page, and the next write to it copies it:
 * the cache must follow to the copy), toggle the page's protection, and
 * move the VM's clock forward with KVM_SET_CLOCK (every vCPU writes a new
 * record). The churn starts once every vCPU has read a record. No read may
 * go backwards or find no record again, and every vCPU writes new records
 * while the churn goes on. How many is not counted against the clock sets:
 * sets coalesce while a fork holds the mm (long under KASAN), and a refresh
 * that meets the page read-only skips one. Once the churn stops, one more
 * clock set must bring a whole new record into the page the host sees now,
 * which is where the cache had to follow.
 *
 * Plain KVM ABI: the same on kvm_amd.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/pvclock.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define NR_VCPUS	2
#define PAGE		0x1000ULL
#define SLOT		1
#define GPA		0x10000000ULL
#define SIZE		(2 * PAGE)
/* Both records in the first page; the counters in the second. */
#define REC_GPA(k)	(GPA + 0x40 * (k))
#define SHARED_GPA	(GPA + PAGE)
#define SECONDS		4
/*
 * Each KVM_SET_CLOCK moves the clock this far ahead of where it was. The
 * set says when it read the clock (KVM_CLOCK_REALTIME) where the get gave
 * that (a host clocksource of TSC), so a clock thread preempted between
 * the two cannot set it back; where it cannot, the step is long enough
 * to outlast any preemption.
 */
#define STEP_NS		(100 * 1000 * 1000ULL)
#define STEP_BLIND_NS	(10 * 1000 * 1000 * 1000ULL)
/* How long the last clock set may take to reach every record. */
#define LAST_RECORD_MS	10000

struct shared {
	u64 stop;
	struct {
		u64 valid;
		u64 lost;
		u64 backwards;
	} vcpu[NR_VCPUS];
};

static void guest_read_clock(u64 k)
{
	struct pvclock_record *rec = (struct pvclock_record *)REC_GPA(k);
	struct shared *sh = (struct shared *)SHARED_GPA;
	u64 prev = 0, now;

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, REC_GPA(k) | KVM_MSR_ENABLED);
	while (!READ_ONCE(sh->stop)) {
		now = pvclock_read(rec);
		if (!now) {
			/* Before the first record, waiting; after it, lost. */
			if (prev)
				okvm_count(&sh->vcpu[k].lost);
			continue;
		}
		if (now < prev)
			okvm_count(&sh->vcpu[k].backwards);
		prev = now;
		okvm_count(&sh->vcpu[k].valid);
	}
	GUEST_DONE();
}

/* vCPU @k's record, as the host sees it in the slot's memory @mem. */
static struct pvclock_record *host_record(char *mem, int k)
{
	return (struct pvclock_record *)(mem + REC_GPA(k) - GPA);
}

static void *run_vcpu(void *arg)
{
	okvm_vcpu_expect_done(arg);
	return NULL;
}

struct churn {
	struct okvm_vm *vm;
	char *mem;
	int stop;
	bool realtime;
	u64 forks, protects, clock_sets;
};

static void *fork_loop(void *arg)
{
	struct churn *c = arg;
	pid_t pid;

	while (!READ_ONCE(c->stop)) {
		pid = fork();
		if (!pid)
			_exit(0);
		if (pid > 0) {
			waitpid(pid, NULL, 0);
			c->forks++;
		}
	}
	return NULL;
}

static void *protect_loop(void *arg)
{
	struct churn *c = arg;

	while (!READ_ONCE(c->stop)) {
		if (!mprotect(c->mem, PAGE, PROT_READ) &&
		    !mprotect(c->mem, PAGE, PROT_READ | PROT_WRITE))
			c->protects++;
		usleep(100);
	}
	return NULL;
}

typedef void *(*churn_fn)(void *arg);

/*
 * Moves @vm's clock ahead; 0 or -1. *@realtime says whether the set could
 * say when the clock was read.
 */
static int step_clock(struct okvm_vm *vm, bool *realtime)
{
	struct kvm_clock_data now = {}, set;

	if (ioctl(vm->fd, KVM_GET_CLOCK, &now))
		return -1;
	*realtime = now.flags & KVM_CLOCK_REALTIME;
	set = (struct kvm_clock_data){
		.clock = now.clock + (*realtime ? STEP_NS : STEP_BLIND_NS),
	};
	if (*realtime) {
		set.flags = KVM_CLOCK_REALTIME;
		set.realtime = now.realtime;
	}
	return ioctl(vm->fd, KVM_SET_CLOCK, &set);
}

static void *clock_loop(void *arg)
{
	struct churn *c = arg;

	while (!READ_ONCE(c->stop)) {
		if (step_clock(c->vm, &c->realtime))
			break;
		c->clock_sets++;
		usleep(1000);
	}
	return NULL;
}

/*
 * Whether vCPU @k's record in @mem, at @version when read, gets a whole
 * record written after that read within LAST_RECORD_MS. An update under
 * way at @version (odd) ends at @version + 1, which does not count: the
 * next one is whole at @version + 3 then, else at @version + 2. Read just
 * before a clock set, that is the set's record, or one that a vCPU moving
 * to another CPU asked for: either way one the cache wrote to the page the
 * host sees now.
 */
static bool new_record_comes(char *mem, int k, u32 version)
{
	const struct pvclock_record *rec = host_record(mem, k);
	u32 want = version + 2 + (version & 1), now;
	int ms;

	for (ms = 0; ms < LAST_RECORD_MS; ms++) {
		now = READ_ONCE(rec->version);
		if (!(now & 1) && (int32_t)(now - want) >= 0)
			return true;
		usleep(1000);
	}
	return false;
}

TEST(clocks_never_go_back_while_the_host_churns_their_page)
{
	struct okvm_vcpu *vcpus[NR_VCPUS];
	pthread_t vcpu_threads[NR_VCPUS], churners[3];
	churn_fn loops[3] = { fork_loop, protect_loop, clock_loop };
	struct churn c = {};
	struct shared *sh;
	struct okvm_vm *vm;
	u32 first_version[NR_VCPUS], churned_version[NR_VCPUS];
	u64 valid, records;
	int k, i, ms;

	vm = okvm_vm_create_long_mode(NR_VCPUS, guest_read_clock, vcpus);
	c.vm = vm;
	c.mem = okvm_vm_add_anon_region(vm, SLOT, GPA, SIZE);
	okvm_guest_identity_map(vm, GPA, SIZE);
	sh = (struct shared *)(c.mem + PAGE);
	for (k = 0; k < NR_VCPUS; k++) {
		okvm_vcpu_set_args(vcpus[k], 1, (u64)k);
		ASSERT_EQ(0, pthread_create(&vcpu_threads[k], NULL, run_vcpu, vcpus[k]));
	}
	for (k = 0; k < NR_VCPUS; k++) {
		for (ms = 0; ms < 10000 && !READ_ONCE(sh->vcpu[k].valid); ms++)
			usleep(1000);
		ASSERT_NE(0, READ_ONCE(sh->vcpu[k].valid))
			TH_LOG("vCPU %d read no record in 10 s", k);
		first_version[k] = READ_ONCE(host_record(c.mem, k)->version);
	}
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&churners[i], NULL, loops[i], &c));
	sleep(SECONDS);
	WRITE_ONCE(c.stop, 1);
	for (i = 0; i < 3; i++)
		pthread_join(churners[i], NULL);
	for (k = 0; k < NR_VCPUS; k++)
		churned_version[k] = READ_ONCE(host_record(c.mem, k)->version);
	ASSERT_EQ(0, step_clock(vm, &c.realtime));
	for (k = 0; k < NR_VCPUS; k++)
		EXPECT_TRUE(new_record_comes(c.mem, k, churned_version[k]))
			TH_LOG("vCPU %d: no new record %d ms after the last clock set", k,
			       LAST_RECORD_MS);
	WRITE_ONCE(sh->stop, 1);
	for (k = 0; k < NR_VCPUS; k++)
		pthread_join(vcpu_threads[k], NULL);

	for (k = 0; k < NR_VCPUS; k++) {
		const struct pvclock_record *rec = host_record(c.mem, k);

		valid = sh->vcpu[k].valid;
		records = (churned_version[k] - first_version[k]) / 2;
		EXPECT_EQ(0, sh->vcpu[k].backwards)
			TH_LOG("vCPU %d: the clock went back %llu times in %llu reads", k,
			       sh->vcpu[k].backwards, valid);
		EXPECT_EQ(0, sh->vcpu[k].lost)
			TH_LOG("vCPU %d: %llu reads found no record after one", k,
			       sh->vcpu[k].lost);
		EXPECT_NE(0, records)
			TH_LOG("vCPU %d: no new record in %llu clock sets", k, c.clock_sets);
		EXPECT_NE(0, rec->version);
		EXPECT_EQ(0, rec->version & 1);
		EXPECT_NE(0, rec->tsc_to_system_mul);
	}
	EXPECT_GT(c.forks, 0);
	EXPECT_GT(c.protects, 0);
	EXPECT_GT(c.clock_sets, 0);
	TH_LOG("%llu forks, %llu protection toggles, %llu clock sets (%s); "
	       "vCPU 0: %llu reads, %llu records", c.forks, c.protects, c.clock_sets,
	       c.realtime ? "KVM_CLOCK_REALTIME" : "blind steps",
	       sh->vcpu[0].valid, (churned_version[0] - first_version[0]) / 2ULL);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
