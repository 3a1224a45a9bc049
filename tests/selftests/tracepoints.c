// SPDX-License-Identifier: GPL-2.0
/*
 * okvm's tracepoints fire where they should, with the values they should
 * carry: a guest touches known pages, an unbacked gpa and a port, and the
 * host then drops one page and deletes the memslot; each step's events are
 * read back from tracefs and checked field by field (Documentation/trace.rst).
 * The gfn-to-pfn cache's events are counted against the VM's gpc_* stats:
 * refreshes when kvmclock and steal time come on and after the host drops
 * the record's page, the invalidation of only the cache over that page, and
 * the failures of the scheduler's atomic lock of a steal-time cache that a
 * host thread keeps invalidating while the vCPU's CPU is shared.
 *
 * The test traces into an instance of its own (instances/okvm_selftest)
 * with the global clock, so events of one thread stay in order if it changes
 * CPU, and keeps the events of its own pid. The global buffer and whatever
 * tracing a user has set up are left alone, and removing the instance (in
 * the parent, so it happens however the test ends) restores everything.
 * It does not use set_event_pid: that would hook the scheduler's
 * tracepoints, patching kernel text that the other CPUs are running, which
 * QEMU's TCG has been seen to get wrong (Documentation/testing.rst).
 *
 * It skips where there is nothing to check: no tracefs at /sys/kernel/tracing,
 * okvm not loaded (no events/okvm), or a device under test that is not okvm
 * (upstream KVM's events are its own).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/kvm_para.h"
#include "lib/mmio.h"
#include "lib/okvm_dev.h"
#include "lib/pvclock.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define TRACEFS			"/sys/kernel/tracing"
#define OKVM_EVENTS		TRACEFS "/events/okvm"
#define INSTANCE		TRACEFS "/instances/okvm_selftest"

#define SVM_EXIT_IOIO		0x7b
#define SVM_EXIT_NPF		0x400
/* SVM's EXITINFO1 of an IOIO exit: the port in 31:16, bit 0 set for IN. */
#define SVM_IOIO_PORT(info1)	(((info1) >> 16) & 0xffff)
#define SVM_IOIO_IN		BIT_ULL(0)

#define PAGE			PAGE_SIZE_4K
#define SLOT			1
#define REGION_GPA		0x10000000ULL
#define NR_PAGES		16
#define REGION_GFN		(REGION_GPA / PAGE)
#define MMIO_GPA		0x40000000ULL
#define TEST_PORT		0xf20
#define PORT_DATA		0x5a

/* What the guest does to the region: the offsets of its accesses. */
#define WRITE_A			(0 * PAGE + 0x10)
#define WRITE_B			(3 * PAGE + 0x28)
#define READ_C			(6 * PAGE + 0x30)
#define UNTOUCHED_PAGE		9
#define TOKEN			0x70c0feedULL

static void guest_touch(u64 region, u64 mmio)
{
	WRITE_ONCE(*(u64 *)(region + WRITE_A), 1);
	WRITE_ONCE(*(u64 *)(region + WRITE_B), 2);
	GUEST_ASSERT_EQ(READ_ONCE(*(u64 *)(region + READ_C)), TOKEN);
	WRITE_ONCE(*(u32 *)mmio, 0x600d);
	/* EE: OUT DX, AL is one byte, so the exit's RIP is the next one less 1. */
	asm volatile("outb %%al, %%dx" : : "a"((u8)PORT_DATA), "d"((u16)TEST_PORT));
}

/* One event of the trace: its name and the "key=value ..." text after it. */
struct event {
	char name[40];
	char args[256];
};

struct trace {
	struct event *ev;
	size_t nr;
};

/* Write @text to the tracefs file @path, which must succeed. */
static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	OKVM_REQUIRE(fd >= 0, "open %s: %s", path, strerror(errno));
	OKVM_REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text),
		     "write '%s' to %s: %s", text, path, strerror(errno));
	close(fd);
}

/*
 * The pid of a trace line, "<comm>-<pid> [<cpu>] ...", or -1 if the line is
 * not of that form.
 */
static long line_pid(const char *line)
{
	const char *p = strstr(line, " [");

	if (!p)
		return -1;
	while (p > line && p[-1] == ' ')
		p--;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == line || p[-1] != '-')
		return -1;
	return strtol(p, NULL, 10);
}

/* Read the instance's trace, the okvm events of this process, and empty it. */
static void take_trace(struct trace *t)
{
	size_t size = 0, len = 0;
	char *text = NULL, *line, *save;
	ssize_t n;
	int fd = open(INSTANCE "/trace", O_RDONLY);

	OKVM_REQUIRE(fd >= 0, "open the trace: %s", strerror(errno));
	do {
		if (size - len < 4096) {
			size = size ? 2 * size : 65536;
			text = realloc(text, size);
			OKVM_REQUIRE(text, "out of memory");
		}
		n = read(fd, text + len, size - len - 1);
		OKVM_REQUIRE(n >= 0, "read the trace: %s", strerror(errno));
		len += n;
	} while (n > 0);
	close(fd);
	text[len] = '\0';
	write_file(INSTANCE "/trace", "");

	free(t->ev);
	*t = (struct trace){};
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name = strstr(line, ": okvm_"), *args;
		struct event *ev;

		if (line[0] == '#' || !name || line_pid(line) != getpid())
			continue;
		name += 2;
		args = strstr(name, ": ");
		OKVM_REQUIRE(args, "no arguments in '%s'", line);
		t->ev = realloc(t->ev, (t->nr + 1) * sizeof(*t->ev));
		OKVM_REQUIRE(t->ev, "out of memory");
		ev = &t->ev[t->nr++];
		snprintf(ev->name, sizeof(ev->name), "%.*s", (int)(args - name), name);
		snprintf(ev->args, sizeof(ev->args), "%s", args + 2);
	}
	free(text);
}

/* The value of @key in @ev as text; a missing field fails the test. */
static void event_field(const struct event *ev, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = ev->args;

	for (;;) {
		const char *end = strchr(p, ' ');

		if (!strncmp(p, key, klen) && p[klen] == '=') {
			p += klen + 1;
			end = end ? end : p + strlen(p);
			snprintf(val, size, "%.*s", (int)(end - p), p);
			return;
		}
		if (!end)
			okvm_fail("%s has no field '%s': %s", ev->name, key, ev->args);
		p = end + 1;
	}
}

static u64 event_u64(const struct event *ev, const char *key)
{
	char val[64], *end;
	u64 v;

	event_field(ev, key, val, sizeof(val));
	v = strtoull(val, &end, 0);
	OKVM_REQUIRE(*val && !*end, "%s: %s=%s is not a number", ev->name, key, val);
	return v;
}

static bool event_is(const struct event *ev, const char *key, const char *want)
{
	char val[64];

	event_field(ev, key, val, sizeof(val));
	return !strcmp(val, want);
}

/* The first event called @name from index @from on that @match accepts, or -1. */
static long find(const struct trace *t, size_t from, const char *name,
		 bool (*match)(const struct event *ev, const void *arg), const void *arg)
{
	size_t i;

	for (i = from; i < t->nr; i++)
		if (!strcmp(t->ev[i].name, name) && match(&t->ev[i], arg))
			return i;
	return -1;
}

static void dump(const struct trace *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		fprintf(stderr, "#   %s: %s\n", t->ev[i].name, t->ev[i].args);
}

struct fault_want {
	u64 gfn;
	const char *result;	/* NULL: any */
	int write;		/* -1: any */
};

static bool fault_matches(const struct event *ev, const void *arg)
{
	const struct fault_want *w = arg;

	return event_u64(ev, "vcpu") == 0 && event_u64(ev, "gpa") / PAGE == w->gfn &&
	       (!w->result || event_is(ev, "result", w->result)) &&
	       (w->write < 0 || (int)event_u64(ev, "write") == w->write);
}

static bool npf_exit_at(const struct event *ev, const void *arg)
{
	return event_u64(ev, "exit_code") == SVM_EXIT_NPF &&
	       event_u64(ev, "info2") / PAGE == *(const u64 *)arg;
}

struct io_want {
	u64 rip;
	u64 next_rip;
};

static bool io_exit_matches(const struct event *ev, const void *arg)
{
	const struct io_want *w = arg;
	u64 info1 = event_u64(ev, "info1");

	return event_u64(ev, "vcpu") == 0 && event_u64(ev, "exit_code") == SVM_EXIT_IOIO &&
	       event_u64(ev, "rip") == w->rip && SVM_IOIO_PORT(info1) == TEST_PORT &&
	       !(info1 & SVM_IOIO_IN) && event_u64(ev, "info2") == w->next_rip;
}

/* okvm_notifier_invalidate of one phase whose hva range holds the page at @arg. */
struct invalidate_want {
	u64 hva;
	const char *event;
};

static bool invalidate_covers(const struct event *ev, const void *arg)
{
	const struct invalidate_want *w = arg;

	return event_is(ev, "event", w->event) && event_u64(ev, "start") <= w->hva &&
	       w->hva + PAGE <= event_u64(ev, "end");
}

static bool flush_covers(const struct event *ev, const void *arg)
{
	u64 gfn = *(const u64 *)arg, start = event_u64(ev, "start");

	return start <= gfn && gfn - start < event_u64(ev, "nr_pages");
}

/* The pages still mapped when the slot goes: A and C (B was dropped). */
static bool flush_covers_a_and_c(const struct event *ev, const void *arg)
{
	u64 a = REGION_GFN + WRITE_A / PAGE, c = REGION_GFN + READ_C / PAGE;

	return flush_covers(ev, &a) && flush_covers(ev, &c);
}

static bool zap_is_region(const struct event *ev, const void *arg)
{
	return event_u64(ev, "start") == REGION_GFN &&
	       event_u64(ev, "end") == REGION_GFN + NR_PAGES && event_u64(ev, "zapped") == 2;
}

/*
 * A fresh instance tracing okvm's events. The test makes it rather than the
 * fixture's setup, so that the teardown, which runs only after a setup that
 * completed, removes it whatever fails here.
 */
static void trace_instance_create(void)
{
	/* Left over by a run that was killed before its teardown. */
	OKVM_REQUIRE(!rmdir(INSTANCE) || errno == ENOENT, "remove %s: %s", INSTANCE,
		     strerror(errno));
	OKVM_REQUIRE(!mkdir(INSTANCE, 0755), "create %s: %s", INSTANCE, strerror(errno));
	write_file(INSTANCE "/trace_clock", "global");
	write_file(INSTANCE "/events/okvm/enable", "1");
}

FIXTURE(okvm_trace) {
	struct trace trace;
};

FIXTURE_SETUP(okvm_trace)
{
	bool is_okvm;
	int dev_fd;

	if (access(OKVM_EVENTS, F_OK))
		SKIP(return, "no %s: okvm is not loaded, or tracefs is not there", OKVM_EVENTS);
	dev_fd = okvm_dev_open(O_RDWR);
	is_okvm = dev_fd >= 0 && okvm_dev_is_okvm(dev_fd);
	if (dev_fd >= 0)
		close(dev_fd);
	if (!is_okvm)
		SKIP(return, "%s is not okvm: the events under test are okvm's",
		     okvm_dev_path());
}

/* In the parent: the instance goes even if the test ended in okvm_fail(). */
FIXTURE_TEARDOWN_PARENT(okvm_trace)
{
	if (rmdir(INSTANCE) && errno != ENOENT)
		TH_LOG("remove %s: %s", INSTANCE, strerror(errno));
}

TEST_F(okvm_trace, events_carry_what_happened)
{
	static const struct okvm_mmio_access mmio_write = MMIO_WRITE(MMIO_GPA, 4, 0x600d);
	static const struct fault_want faults[] = {
		{ REGION_GFN + WRITE_A / PAGE, "mapped", 1 },
		{ REGION_GFN + WRITE_B / PAGE, "mapped", 1 },
		{ REGION_GFN + READ_C / PAGE, "mapped", 0 },
		{ MMIO_GPA / PAGE, "emulate", 1 },
	};
	const struct fault_want untouched = { REGION_GFN + UNTOUCHED_PAGE, NULL, -1 };
	struct invalidate_want inv;
	struct okvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct io_want io;
	struct okvm_vm *vm;
	struct kvm_run *run;
	u64 gfn, dropped_gfn;
	long start, flush, end, zap;
	char *mem;
	size_t i;

	trace_instance_create();
	vm = okvm_vm_create_long_mode(1, guest_touch, &vcpu);
	mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, NR_PAGES * PAGE);
	okvm_guest_identity_map(vm, REGION_GPA, NR_PAGES * PAGE);
	okvm_guest_identity_map(vm, MMIO_GPA, PAGE_SIZE_2M);
	okvm_vcpu_set_args(vcpu, 2, REGION_GPA, MMIO_GPA);
	*(u64 *)(mem + READ_C) = TOKEN;
	run = vcpu->run;

	/* The guest: page faults, an MMIO access, a port write. */
	take_trace(&self->trace);
	okvm_vcpu_expect_mmio(vcpu, &mmio_write);
	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != TEST_PORT)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for the OUT to the test port");
	ASSERT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	ASSERT_EQ(1, run->io.size);
	ASSERT_EQ(PORT_DATA, *((u8 *)run + run->io.data_offset));
	okvm_vcpu_get_regs(vcpu, &regs);
	io = (struct io_want){ .rip = regs.rip - 1, .next_rip = regs.rip };
	okvm_vcpu_expect_done(vcpu);
	take_trace(&self->trace);

	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		gfn = faults[i].gfn;
		EXPECT_LE(0, find(&self->trace, 0, "okvm_page_fault", fault_matches, &faults[i]))
			TH_LOG("no okvm_page_fault result=%s write=%d for gfn 0x%llx",
			       faults[i].result, faults[i].write, gfn);
		EXPECT_LE(0, find(&self->trace, 0, "okvm_vm_exit", npf_exit_at, &gfn))
			TH_LOG("no okvm_vm_exit for an NPF at gfn 0x%llx", gfn);
	}
	EXPECT_GT(0, find(&self->trace, 0, "okvm_page_fault", fault_matches, &untouched))
		TH_LOG("okvm_page_fault for gfn 0x%llx, which the guest never touched",
		       untouched.gfn);
	EXPECT_LE(0, find(&self->trace, 0, "okvm_vm_exit", io_exit_matches, &io))
		TH_LOG("no okvm_vm_exit exit_code=0x%x rip=0x%llx for OUT to port 0x%x",
		       SVM_EXIT_IOIO, io.rip, TEST_PORT);
	if (_metadata->exit_code != KSFT_PASS)
		dump(&self->trace);

	/* The host drops a mapped page: the notifier zaps and flushes it, in order. */
	inv.hva = (u64)(mem + WRITE_B - WRITE_B % PAGE);
	dropped_gfn = REGION_GFN + WRITE_B / PAGE;
	ASSERT_EQ(0, madvise((void *)inv.hva, PAGE, MADV_DONTNEED));
	take_trace(&self->trace);
	inv.event = "start";
	start = find(&self->trace, 0, "okvm_notifier_invalidate", invalidate_covers, &inv);
	flush = find(&self->trace, start + 1, "okvm_tlb_flush", flush_covers, &dropped_gfn);
	inv.event = "end";
	end = find(&self->trace, flush + 1, "okvm_notifier_invalidate", invalidate_covers, &inv);
	EXPECT_LE(0, start) TH_LOG("no invalidation start covering hva 0x%llx", inv.hva);
	EXPECT_LT(start, flush) TH_LOG("no TLB flush of gfn 0x%llx after the start",
				       dropped_gfn);
	EXPECT_LT(flush, end) TH_LOG("no invalidation end after the flush");
	if (_metadata->exit_code != KSFT_PASS)
		dump(&self->trace);

	/*
	 * Deleting the slot zaps its whole range, where two 4K leaves are
	 * left, and flushes them (the region is too small for a hugepage).
	 */
	okvm_vm_delete_region(vm, SLOT);
	take_trace(&self->trace);
	zap = find(&self->trace, 0, "okvm_zap_range", zap_is_region, NULL);
	EXPECT_LE(0, zap) TH_LOG("no okvm_zap_range start=0x%llx end=0x%llx zapped=2",
				 REGION_GFN, REGION_GFN + NR_PAGES);
	EXPECT_LT(zap, find(&self->trace, zap + 1, "okvm_tlb_flush", flush_covers_a_and_c,
			    NULL))
		TH_LOG("no flush of the two pages after the zap");
	if (_metadata->exit_code != KSFT_PASS)
		dump(&self->trace);

	okvm_vm_free(vm);
	free(self->trace.ev);
}

/* The gpc test: kvmclock's record, steal time's, and the guest's stop flag, a page each. */
#define GPC_REC_GPA		(REGION_GPA + 0x100)
#define GPC_STEAL_GPA		(REGION_GPA + PAGE)
#define GPC_STOP_GPA		(REGION_GPA + 2 * PAGE)
#define GPC_DROPS		50

static void guest_clock_steal_spin(void)
{
	struct pvclock_record *rec = (struct pvclock_record *)GPC_REC_GPA;

	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, GPC_REC_GPA | KVM_MSR_ENABLED);
	guest_wrmsr(MSR_KVM_STEAL_TIME, GPC_STEAL_GPA | KVM_MSR_ENABLED);
	GUEST_SYNC(pvclock_read(rec));
	GUEST_SYNC(pvclock_read(rec));
	while (!READ_ONCE(*(u64 *)GPC_STOP_GPA))
		;
	GUEST_SYNC(pvclock_read(rec));
}

/* okvm_gpc events of kind @kind, at @gpa (0: any). */
static u64 gpc_events(const struct trace *t, const char *kind, u64 gpa)
{
	u64 n = 0;
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->ev[i].name, "okvm_gpc") && event_is(&t->ev[i], "event", kind) &&
		    (!gpa || event_u64(&t->ev[i], "gpa") == gpa))
			n++;
	return n;
}

struct gpc_churn {
	char *mem;
	int cpu;
	int other_cpu;
	u64 stop;
};

/* On the vCPU thread's CPU, so that the scheduler takes it off now and then. */
static void *hog_cpu(void *arg)
{
	struct gpc_churn *c = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!READ_ONCE(c->stop))
		;
	return NULL;
}

/*
 * Drop the steal-time page again and again, then let the guest stop. On
 * another CPU: woken on the vCPU's, it would take the vCPU off first, and
 * every drop would find the vCPU out already.
 */
static void *drop_steal_page(void *arg)
{
	struct gpc_churn *c = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(c->other_cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (i = 0; i < GPC_DROPS; i++) {
		madvise(c->mem + GPC_STEAL_GPA - REGION_GPA, PAGE, MADV_DONTNEED);
		usleep(20000);
	}
	WRITE_ONCE(*(u64 *)(c->mem + GPC_STOP_GPA - REGION_GPA), 1);
	WRITE_ONCE(c->stop, 1);
	return NULL;
}

TEST_F(okvm_trace, gpc_events_count_what_the_stats_count)
{
	struct kvm_clock_data clock = {};
	struct gpc_churn churn = {};
	pthread_t hog, dropper;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	cpu_set_t set;
	u64 refreshes, invalidations, failures;

	trace_instance_create();
	vm = okvm_vm_create_long_mode(1, guest_clock_steal_spin, &vcpu);
	churn.mem = okvm_vm_add_anon_region(vm, SLOT, REGION_GPA, 3 * PAGE);
	okvm_guest_identity_map(vm, REGION_GPA, 3 * PAGE);
	take_trace(&self->trace);

	/* Both caches come on: one refresh each, nothing else. */
	ASSERT_NE(0, okvm_vcpu_next_sync(vcpu));
	take_trace(&self->trace);
	refreshes = okvm_stat(vm->fd, "gpc_refreshes");
	EXPECT_EQ(refreshes, gpc_events(&self->trace, "refresh", 0));
	EXPECT_LE(1, gpc_events(&self->trace, "refresh", GPC_REC_GPA));
	EXPECT_LE(1, gpc_events(&self->trace, "refresh", GPC_STEAL_GPA));
	EXPECT_EQ(0, okvm_stat(vm->fd, "gpc_invalidations"));
	EXPECT_EQ(0, gpc_events(&self->trace, "invalidate", 0));

	/*
	 * The record's page goes: that cache alone is invalidated, and
	 * refreshed for the new record that KVM_SET_CLOCK asks for.
	 */
	ASSERT_EQ(0, madvise(churn.mem, PAGE, MADV_DONTNEED));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_CLOCK, &clock));
	clock = (struct kvm_clock_data){ .clock = clock.clock };
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_CLOCK, &clock));
	ASSERT_NE(0, okvm_vcpu_next_sync(vcpu));
	take_trace(&self->trace);
	invalidations = okvm_stat(vm->fd, "gpc_invalidations");
	EXPECT_EQ(1, invalidations);
	EXPECT_EQ(1, gpc_events(&self->trace, "invalidate", GPC_REC_GPA));
	EXPECT_EQ(1, gpc_events(&self->trace, "invalidate", 0));
	EXPECT_EQ(okvm_stat(vm->fd, "gpc_refreshes") - refreshes,
		  gpc_events(&self->trace, "refresh", 0));
	EXPECT_LE(1, gpc_events(&self->trace, "refresh", GPC_REC_GPA));
	if (_metadata->exit_code != KSFT_PASS)
		dump(&self->trace);

	/*
	 * The vCPU thread shares its CPU with a hog while another thread
	 * drops the steal-time page: the next time the scheduler takes the
	 * vCPU off, it finds the cache invalid and cannot refresh it there.
	 */
	churn.cpu = sched_getcpu();
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	CPU_CLR(churn.cpu, &set);
	if (!CPU_COUNT(&set)) {
		okvm_vm_free(vm);
		free(self->trace.ev);
		SKIP(return, "one CPU: no other for the thread that drops the page");
	}
	for (churn.other_cpu = 0; !CPU_ISSET(churn.other_cpu, &set); churn.other_cpu++)
		;
	CPU_ZERO(&set);
	CPU_SET(churn.cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ASSERT_EQ(0, pthread_create(&hog, NULL, hog_cpu, &churn));
	ASSERT_EQ(0, pthread_create(&dropper, NULL, drop_steal_page, &churn));
	ASSERT_NE(0, okvm_vcpu_next_sync(vcpu));
	pthread_join(dropper, NULL);
	pthread_join(hog, NULL);
	take_trace(&self->trace);
	failures = okvm_stat(vm->fd, "gpc_lock_failures");
	EXPECT_LE(1, failures);
	EXPECT_EQ(failures, gpc_events(&self->trace, "lock_fail", GPC_STEAL_GPA));
	EXPECT_EQ(failures, gpc_events(&self->trace, "lock_fail", 0));
	TH_LOG("%d drops of the steal-time page: %llu lock failures, %llu refreshes", GPC_DROPS,
	       failures, gpc_events(&self->trace, "refresh", GPC_STEAL_GPA));
	if (_metadata->exit_code != KSFT_PASS)
		dump(&self->trace);

	okvm_vm_free(vm);
	free(self->trace.ev);
}

TEST_HARNESS_MAIN
