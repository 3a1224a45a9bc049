// SPDX-License-Identifier: GPL-2.0
/*
 * A memslot being deleted or moved still follows the host: while the
 * removal waits for a vCPU that is stuck in the host's fault handler, the
 * host drops the slot's page, and the guest must not go on reading it.
 *
 * vCPU 0 reads a token from slot S over and over, reporting each value.
 * vCPU 1 touches a page of slot U, registered with userfaultfd, and stays in
 * the hypervisor's page fault (inside get_user_pages, holding whatever the
 * fault holds, SRCU on okvm and KVM) until the test resolves it. A thread
 * then deletes (or moves) S: that ioctl waits for vCPU 1. Meanwhile the host
 * MADV_DONTNEEDs S's page, which frees it, and writes a new token into its
 * place. From then on, no read of vCPU 0 may return the old token: it would
 * be a read of a page the host freed. When vCPU 1 is let go, the removal
 * completes and vCPU 0's next read of S's old address exits as MMIO.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define PAGE		0x1000ULL
#define SLOT_S		1
#define SLOT_U		2
#define S_GPA		0x40000000ULL
#define U_GPA		0x40200000ULL
#define MOVED_GPA	0x40400000ULL
#define TOKEN_OLD	0x01d70c3e01d70c3eULL
#define TOKEN_NEW	0x4e3770c34e3770c3ULL
#define WAIT_MS		10000

static void guest_read_token(u64 gpa)
{
	for (;;)
		GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
}

static void guest_touch(u64 gpa)
{
	GUEST_SYNC(READ_ONCE(*(u64 *)gpa));
	GUEST_DONE();
}

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

struct reader {
	struct okvm_vcpu *vcpu;
	u64 reads;		/* SYNCs, each one read of the token */
	u64 old_reads;		/* of them, those that returned TOKEN_OLD */
	u64 other_reads;	/* neither token */
	bool done;
	bool mmio;
	struct kvm_run mmio_exit;
	char failure[512];
};

static void *run_reader(void *arg)
{
	struct reader *r = arg;
	struct kvm_run *run = r->vcpu->run;
	struct okvm_ucall uc;

	for (;;) {
		if (okvm_vcpu_run_raw(r->vcpu)) {
			snprintf(r->failure, sizeof(r->failure), "KVM_RUN failed");
			break;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			r->mmio_exit = *run;
			r->mmio = true;
			break;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != OKVM_UCALL_PORT) {
			snprintf(r->failure, sizeof(r->failure), "exit %s",
				 okvm_exit_reason_name(run->exit_reason));
			break;
		}
		if (okvm_vcpu_decode_ucall(r->vcpu, &uc) != UCALL_SYNC) {
			okvm_ucall_describe(r->vcpu->vm, &uc, r->failure, sizeof(r->failure));
			break;
		}
		if (uc.args[0] == TOKEN_OLD)
			__atomic_add_fetch(&r->old_reads, 1, __ATOMIC_SEQ_CST);
		else if (uc.args[0] != TOKEN_NEW)
			__atomic_add_fetch(&r->other_reads, 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&r->reads, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&r->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static u64 load(u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static bool load_bool(bool *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

struct toucher {
	struct okvm_vcpu *vcpu;
	bool done;
	char failure[512];
};

/* vCPU 1: its one read blocks in userfaultfd until the test resolves it. */
static void *run_toucher(void *arg)
{
	struct toucher *t = arg;
	struct okvm_ucall uc;

	if (okvm_vcpu_run_to_ucall(t->vcpu, &uc) != UCALL_SYNC)
		okvm_ucall_describe(t->vcpu->vm, &uc, t->failure, sizeof(t->failure));
	else if (okvm_vcpu_run_to_ucall(t->vcpu, &uc) != UCALL_DONE)
		okvm_ucall_describe(t->vcpu->vm, &uc, t->failure, sizeof(t->failure));
	__atomic_store_n(&t->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

struct remover {
	struct okvm_vm *vm;
	u64 new_gpa;		/* 0: delete */
	void *hva;
	pid_t tid;
	int result;
	int error;
	bool done;
};

/* Delete or move slot S; the ioctl waits for vCPU 1 to leave its fault. */
static void *run_remover(void *arg)
{
	struct remover *m = arg;

	__atomic_store_n(&m->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	m->result = okvm_vm_set_region_raw(m->vm, SLOT_S, 0, m->new_gpa ?: S_GPA,
					   m->new_gpa ? PAGE : 0, m->hva);
	m->error = errno;
	__atomic_store_n(&m->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The state letter of thread @tid: 'D' while it waits uninterruptibly. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	if (!tid)
		return '?';
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static bool wait_for(bool *flag, u64 ms)
{
	u64 deadline = now_ms() + ms;

	while (!load_bool(flag) && now_ms() < deadline)
		usleep(1000);
	return load_bool(flag);
}

static void check_removal(struct __test_metadata *_metadata, u64 new_gpa)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_api api = { .api = UFFD_API };
	struct okvm_vcpu *vcpus[2];
	struct reader reader = {};
	struct toucher toucher = {};
	struct remover remover = {};
	pthread_t threads[3];
	struct uffd_msg msg;
	struct pollfd pfd;
	u64 *s_mem, *u_mem, deadline, reads_after, old_reads_after;
	struct okvm_vm *vm;
	int uffd;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));

	vm = okvm_vm_create_long_mode(1, guest_read_token, vcpus);
	vcpus[1] = okvm_vcpu_add_long_mode(vm, 1, guest_touch);
	s_mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u_mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s_mem);
	ASSERT_NE(MAP_FAILED, u_mem);
	*s_mem = TOKEN_OLD;
	reg.range.start = (u64)(uintptr_t)u_mem;
	reg.range.len = PAGE;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	okvm_vm_add_region(vm, SLOT_S, S_GPA, PAGE, s_mem);
	okvm_vm_add_region(vm, SLOT_U, U_GPA, PAGE, u_mem);
	okvm_guest_identity_map(vm, S_GPA, 3 * 0x200000ULL);
	okvm_vcpu_set_args(vcpus[0], 1, S_GPA);
	okvm_vcpu_set_args(vcpus[1], 1, U_GPA);

	/* vCPU 0 reads the old token through a mapping of S. */
	reader.vcpu = vcpus[0];
	ASSERT_EQ(0, pthread_create(&threads[0], NULL, run_reader, &reader));
	deadline = now_ms() + WAIT_MS;
	while (load(&reader.old_reads) < 8 && !load_bool(&reader.done) &&
	       now_ms() < deadline)
		usleep(1000);
	ASSERT_GE(load(&reader.old_reads), 8) {
		TH_LOG("reader: %s", reader.failure);
	}

	/* vCPU 1 blocks in the hypervisor's fault on U. */
	toucher.vcpu = vcpus[1];
	ASSERT_EQ(0, pthread_create(&threads[1], NULL, run_toucher, &toucher));
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, WAIT_MS));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	/* The removal starts, and waits for vCPU 1. */
	remover = (struct remover){ .vm = vm, .new_gpa = new_gpa, .hva = s_mem };
	ASSERT_EQ(0, pthread_create(&threads[2], NULL, run_remover, &remover));
	deadline = now_ms() + 2000;
	while (thread_state(__atomic_load_n(&remover.tid, __ATOMIC_SEQ_CST)) != 'D' &&
	       !load_bool(&remover.done) && now_ms() < deadline)
		usleep(1000);
	usleep(50000);
	if (load_bool(&remover.done))
		TH_LOG("the removal did not wait for the blocked vCPU");

	/* The host frees S's page and puts a new token where it was. */
	ASSERT_EQ(0, madvise(s_mem, PAGE, MADV_DONTNEED));
	__atomic_store_n(s_mem, TOKEN_NEW, __ATOMIC_SEQ_CST);
	reads_after = load(&reader.reads);
	old_reads_after = load(&reader.old_reads);
	usleep(300000);
	/* One read may have been on its way out when the page went. */
	EXPECT_LE(load(&reader.old_reads) - old_reads_after, 1) {
		TH_LOG("the guest read the freed page %llu times after MADV_DONTNEED",
		       load(&reader.old_reads) - old_reads_after);
	}
	EXPECT_EQ(0, load(&reader.other_reads));
	TH_LOG("reads after MADV_DONTNEED while the removal waited: %llu",
	       load(&reader.reads) - reads_after);

	/* Let vCPU 1 go: the removal completes, S's old gfn is MMIO. */
	{
		struct uffdio_zeropage zero = {
			.range = { .start = (u64)(uintptr_t)u_mem, .len = PAGE },
		};

		ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	}
	ASSERT_TRUE(wait_for(&toucher.done, WAIT_MS));
	EXPECT_EQ(0, toucher.failure[0]) {
		TH_LOG("vCPU 1: %s", toucher.failure);
	}
	ASSERT_TRUE(wait_for(&remover.done, WAIT_MS));
	EXPECT_EQ(0, remover.result) {
		TH_LOG("KVM_SET_USER_MEMORY_REGION: %s", strerror(remover.error));
	}
	ASSERT_TRUE(wait_for(&reader.done, WAIT_MS));
	pthread_join(threads[0], NULL);
	pthread_join(threads[1], NULL);
	pthread_join(threads[2], NULL);
	EXPECT_EQ(0, reader.failure[0]) {
		TH_LOG("vCPU 0: %s", reader.failure);
	}
	ASSERT_TRUE(reader.mmio);
	EXPECT_EQ(S_GPA, reader.mmio_exit.mmio.phys_addr);
	EXPECT_EQ(8, reader.mmio_exit.mmio.len);
	EXPECT_EQ(0, reader.mmio_exit.mmio.is_write);

	okvm_vm_free(vm);
	munmap(s_mem, PAGE);
	munmap(u_mem, PAGE);
	close(uffd);
}

TEST(delete_while_a_fault_waits)
{
	check_removal(_metadata, 0);
}

TEST(move_while_a_fault_waits)
{
	check_removal(_metadata, MOVED_GPA);
}

TEST_HARNESS_MAIN
