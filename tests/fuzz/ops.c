// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzz operations: VMs, vCPUs, memslots, register state, dirty logs,
 * stats fds, every KVM ioctl number with random payloads, and forked
 * children that must get EIO from the parent's VM and vCPU fds.
 *
 * Two rules keep the fuzzer itself alive whatever the kernel does with what
 * it is given: every user address in a payload or a memslot lies in the
 * void (mem.c) or outside user space, and every call that may run a vCPU is
 * bounded by a per-thread timer whose signal sets kvm_run.immediate_exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <okvm.h>

#include "fuzz.h"

#define MAX_VMS			4
#define MAX_VCPUS		16
#define MAX_VCPUS_PER_VM	8
#define MAX_STATS		16
#define MAX_CPUID		256
#define MAX_MSRS		512
#define LOG_PAGES_PER_VM	BIT_ULL(27)
#define HUGE_SLOT_PAGES		BIT_ULL(24)
#define PAYLOAD_MAX		(64 * 1024)
#define TIMER_SIGNAL		SIGUSR1

/* glibc before 2.41 has the field but not its name. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id	_sigev_un._tid
#endif

static size_t vcpu_mmap_size;
static struct {
	struct kvm_cpuid2 head;
	struct kvm_cpuid_entry2 entries[MAX_CPUID];
} supported_cpuid;
static u32 msr_list[MAX_MSRS];
static unsigned int nr_msr_list;

static __thread timer_t run_timer;
static __thread bool have_timer;
/* The kvm_run of the vCPU this thread runs, for the timer signal's handler. */
static __thread struct kvm_run *cur_run;
static __thread u8 read_buf[PAYLOAD_MAX];

static void on_timer(int sig)
{
	struct kvm_run *run = READ_ONCE(cur_run);

	if (run)
		WRITE_ONCE(run->immediate_exit, 1);
}

void ops_thread_init(void)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = TIMER_SIGNAL,
	};
	struct sigaction sa = { .sa_handler = on_timer, .sa_flags = SA_RESTART };

	sigaction(TIMER_SIGNAL, &sa, NULL);
	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	have_timer = !timer_create(CLOCK_MONOTONIC, &sev, &run_timer);
}

static void timer_arm(bool on)
{
	struct itimerspec its = {};

	if (!have_timer)
		return;
	if (on) {
		/* First kick after 1-8 ms, then every 4 ms until disarmed. */
		its.it_value.tv_nsec = 1000000 + (syscall(SYS_gettid) * 7919 % 7) * 1000000;
		its.it_interval.tv_nsec = 4000000;
	}
	timer_settime(run_timer, 0, &its, NULL);
}

int fuzz_ioctl(int fd, unsigned long nr, unsigned long arg, bool timed)
{
	int ret, err;

	if (timed)
		timer_arm(true);
	ret = ioctl(fd, nr, arg);
	err = errno;
	if (timed)
		timer_arm(false);
	stat_inc(&results->ioctls);
	errno = err;
	return ret;
}

static void trace_seg(const char *name, const struct kvm_segment *s)
{
	trace("    %s sel %#x base %#llx limit %#x type %u s%u dpl%u p%u db%u l%u g%u u%u",
	      name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->s,
	      s->dpl, s->present, s->db, s->l, s->g, s->unusable);
}

/* With --trace: the state a vCPU enters with, to repeat a run that hangs. */
static void trace_state(int fd)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (!cfg.trace || ioctl(fd, KVM_GET_SREGS, &sregs) || ioctl(fd, KVM_GET_REGS, &regs))
		return;
	trace("    rip %#llx rsp %#llx rflags %#llx cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx",
	      (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
	      (unsigned long long)regs.rflags, (unsigned long long)sregs.cr0,
	      (unsigned long long)sregs.cr3, (unsigned long long)sregs.cr4,
	      (unsigned long long)sregs.efer);
	trace("    gdt 0x%llx/0x%x idt 0x%llx/0x%x", (unsigned long long)sregs.gdt.base,
	      sregs.gdt.limit, (unsigned long long)sregs.idt.base, sregs.idt.limit);
	trace_seg("cs", &sregs.cs);
	trace_seg("ss", &sregs.ss);
	trace_seg("ds", &sregs.ds);
	trace_seg("tr", &sregs.tr);
}

int vcpu_run(struct fuzz_obj *vcpu, struct fuzz_rng *r)
{
	struct kvm_run *run = vcpu->run;
	int ret, err;

	trace("  KVM_RUN fd %d", vcpu->fd);
	vcpu->ran = true;
	trace_state(vcpu->fd);
	if (run)
		run->immediate_exit = 0;
	WRITE_ONCE(cur_run, run);
	timer_arm(true);
	ret = ioctl(vcpu->fd, KVM_RUN, 0);
	err = errno;
	timer_arm(false);
	WRITE_ONCE(cur_run, NULL);
	stat_inc(&results->ioctls);
	stat_inc(&results->runs);
	if (run) {
		run->immediate_exit = 0;
		if (!ret)
			stat_inc(&results->exits[run->exit_reason < 63 ? run->exit_reason : 63]);
	}
	trace("  KVM_RUN fd %d: %d exit %u", vcpu->fd, ret, run ? run->exit_reason : 0);
	errno = err;
	return ret;
}

void ops_init(void)
{
	struct {
		struct kvm_msr_list head;
		u32 indices[MAX_MSRS];
	} list = { .head.nmsrs = MAX_MSRS };
	int r;

	r = ioctl(dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vcpu_mmap_size = r > 0 ? r : FUZZ_PAGE;
	supported_cpuid.head.nent = MAX_CPUID;
	if (ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, &supported_cpuid))
		supported_cpuid.head.nent = 0;
	if (!ioctl(dev_fd, KVM_GET_MSR_INDEX_LIST, &list)) {
		nr_msr_list = list.head.nmsrs < MAX_MSRS ? list.head.nmsrs : MAX_MSRS;
		memcpy(msr_list, list.indices, nr_msr_list * sizeof(u32));
	}
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* A payload area in the sink: random offset, usually 8-byte aligned. */
static u8 *sink_area(struct fuzz_rng *r, size_t len)
{
	u64 off = rng_below(r, SINK_SIZE - PAYLOAD_MAX);

	if (rng_chance(r, 90))
		off &= ~7ULL;
	if (len > PAYLOAD_MAX)
		len = PAYLOAD_MAX;
	return sink_base() + off;
}

/* Random bytes at @p, every word that looks like a user pointer moved into the void. */
static void fill_payload(struct fuzz_rng *r, u8 *p, size_t len)
{
	size_t i;

	rng_fill(r, p, len);
	for (i = 0; i + 8 <= len; i += 8) {
		u64 v;

		memcpy(&v, p + i, 8);
		v = mem_sanitize(r, v);
		memcpy(p + i, &v, 8);
	}
}

/* --- VMs and vCPUs --- */

static int create_vm(unsigned long type)
{
	struct fuzz_obj *vm;
	int fd;

	pthread_rwlock_rdlock(&fd_lock);
	fd = fuzz_ioctl(dev_fd, KVM_CREATE_VM, type, false);
	vm = fd >= 0 ? pool_add(OBJ_VM, fd, NULL, NULL, 0) : NULL;
	pthread_rwlock_unlock(&fd_lock);
	if (!vm)
		return -1;
	stat_inc(&results->vms);
	pool_put(vm);
	return 0;
}

void op_vm_create(struct fuzz_rng *r)
{
	if (pool_count(OBJ_VM) >= MAX_VMS)
		return;
	create_vm(rng_chance(r, 90) ? 0 : rng_boundary(r));
}

void op_vm_close(struct fuzz_rng *r)
{
	struct fuzz_obj *obj = pool_get(r, OBJ_VM);

	if (obj) {
		pool_kill(obj);
		pool_put(obj);
	}
}

static int create_vcpu(struct fuzz_obj *vm, unsigned long id)
{
	struct fuzz_obj *vcpu;
	struct kvm_run *run;
	int fd;

	pthread_rwlock_rdlock(&fd_lock);
	fd = fuzz_ioctl(vm->fd, KVM_CREATE_VCPU, id, false);
	if (fd < 0) {
		pthread_rwlock_unlock(&fd_lock);
		return -1;
	}
	pthread_rwlock_rdlock(&map_lock);
	run = mmap(NULL, vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pthread_rwlock_unlock(&map_lock);
	trace("  vCPU %lu fd %d", id, fd);
	if (run == MAP_FAILED)
		run = NULL;
	vcpu = pool_add(OBJ_VCPU, fd, vm, run, vcpu_mmap_size);
	pthread_rwlock_unlock(&fd_lock);
	if (!vcpu)
		return -1;
	vcpu->vcpu_id = id;
	pool_lock();
	vm->nr_vcpus++;
	pool_unlock();
	stat_inc(&results->vcpus);
	pool_put(vcpu);
	return 0;
}

void op_vcpu_create(struct fuzz_rng *r)
{
	static const unsigned long odd_ids[] = { 63, 64, 255, 256, 1023, 1024, 4095, 4096,
						 0x7fffffff, 0xffffffff, 1UL << 32, ~0UL };
	struct fuzz_obj *vm;
	unsigned long id;

	if (pool_count(OBJ_VCPU) >= MAX_VCPUS)
		return;
	vm = pool_get(r, OBJ_VM);
	if (!vm)
		return;
	if (vm->nr_vcpus < MAX_VCPUS_PER_VM) {
		if (rng_chance(r, 75))
			id = rng_chance(r, 50) ? vm->nr_vcpus : rng_below(r, MAX_VCPUS_PER_VM);
		else
			id = rng_chance(r, 50) ? rng_pick(r, odd_ids) : rng_boundary(r);
		create_vcpu(vm, id);
	}
	pool_put(vm);
}

void op_vcpu_close(struct fuzz_rng *r)
{
	struct fuzz_obj *obj = pool_get(r, OBJ_VCPU);

	if (obj) {
		pool_kill(obj);
		pool_put(obj);
	}
}

/* --- memslots --- */

static struct fuzz_slot *slot_by_id(struct fuzz_obj *vm, u32 id)
{
	unsigned int i;

	for (i = 0; i < MAX_TRACKED_SLOTS; i++)
		if (vm->slots[i].live && vm->slots[i].id == id)
			return &vm->slots[i];
	return NULL;
}

static struct fuzz_slot *random_slot(struct fuzz_rng *r, struct fuzz_obj *vm)
{
	struct fuzz_slot *live[MAX_TRACKED_SLOTS];
	unsigned int i, n = 0;

	for (i = 0; i < MAX_TRACKED_SLOTS; i++)
		if (vm->slots[i].live)
			live[n++] = &vm->slots[i];
	return n ? live[rng_below(r, n)] : NULL;
}

static bool gpa_free(struct fuzz_obj *vm, u64 gpa, u64 size)
{
	unsigned int i;

	for (i = 0; i < MAX_TRACKED_SLOTS; i++) {
		const struct fuzz_slot *s = &vm->slots[i];

		if (s->live && gpa < s->gpa + s->size && s->gpa < gpa + size)
			return false;
	}
	return true;
}

/* A host address for @size bytes: in the void, or not a user address at all. */
static u64 choose_hva(struct fuzz_rng *r, u64 size)
{
	static const u64 bad[] = { 1ULL << 47, 0xffff800000000000ULL, 0xffffffffffff0000ULL,
				   0x0000800000001000ULL, 0xfffff000ULL << 32 };
	u64 base = (unsigned long)void_base, off;

	if (size >= VOID_SIZE)
		return rng_pick(r, bad);
	switch (rng_below(r, 10)) {
	case 0:
		off = rng_below(r, (VOID_SIZE - size) / FUZZ_PAGE) * FUZZ_PAGE;
		return base + off;
	case 1:
		return (unsigned long)sink_base();
	case 2:
		return rng_chance(r, 50) ? rng_pick(r, bad) :
		       (unsigned long)arena_base(0) + 1 + rng_below(r, FUZZ_PAGE - 1);
	case 3:
		/* Page zero is never mapped (mmap_min_addr). */
		return size <= FUZZ_PAGE ? 0 : rng_pick(r, bad);
	default:
		off = rng_below(r, NR_ARENAS * ARENA_SIZE / FUZZ_PAGE) * FUZZ_PAGE;
		if (rng_chance(r, 30))
			off &= ~(FUZZ_2M - 1);
		return base + off;
	}
}

static u64 choose_size(struct fuzz_rng *r)
{
	static const u64 huge[] = { (BIT_ULL(31) - 1) * FUZZ_PAGE, BIT_ULL(31) * FUZZ_PAGE,
				    BIT_ULL(32) * FUZZ_PAGE, 1ULL << 47, FUZZ_1G, 4 * FUZZ_1G,
				    ~0ULL & ~(FUZZ_PAGE - 1), 1ULL << 63 };

	switch (rng_below(r, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return (1 + rng_below(r, 512)) * FUZZ_PAGE;
	case 4:
	case 5:
		return (1 + rng_below(r, NR_ARENAS * ARENA_SIZE / FUZZ_2M)) * FUZZ_2M;
	case 6:
		return rng_pick(r, huge);
	case 7:
		return 1 + rng_below(r, 4 * FUZZ_2M);
	case 8:
		return 0;
	default:
		return rng_boundary(r);
	}
}

static u64 choose_gpa(struct fuzz_rng *r, struct fuzz_obj *vm, u64 size)
{
	static const u64 odd[] = { 0, 0xa0000, 0xfee00000, 0xfec00000, 0xffff0000, 0xfffff000,
				   1ULL << 32, 1ULL << 36, 1ULL << 40, BIT_ULL(48) - FUZZ_PAGE,
				   1ULL << 48, BIT_ULL(52) - FUZZ_PAGE, 1ULL << 52,
				   ~0ULL & ~(FUZZ_PAGE - 1) };
	struct fuzz_slot *s = random_slot(r, vm);
	unsigned int tries;
	u64 gpa;

	switch (rng_below(r, 10)) {
	case 0:
	case 1:
		/* Right against another slot: edges with no hole between. */
		if (s)
			return rng_chance(r, 50) ? s->gpa + s->size : s->gpa - size;
		return 0;
	case 2:
		if (s)
			return s->gpa + rng_below(r, s->size / FUZZ_PAGE + 1) * FUZZ_PAGE;
		return 0;
	case 3:
		return rng_chance(r, 50) ? rng_pick(r, odd) : rng_pick(r, odd) - size;
	case 4:
		return rng_chance(r, 50) ? rng_boundary(r) : rng_next(r);
	default:
		for (tries = 0; tries < 8; tries++) {
			gpa = rng_below(r, 1ULL << 20) * FUZZ_PAGE;
			if (rng_chance(r, 40))
				gpa &= ~(FUZZ_2M - 1);
			if (gpa_free(vm, gpa, size))
				break;
		}
		return gpa;
	}
}

static u32 choose_flags(struct fuzz_rng *r)
{
	static const u32 valid[] = { 0, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY,
				     KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY };

	switch (rng_below(r, 10)) {
	case 0:
		return rng_pick(r, valid) | KVM_MEM_GUEST_MEMFD;
	case 1:
		return rng_boundary(r);
	case 2:
		return 1U << rng_below(r, 32);
	default:
		return rng_pick(r, valid);
	}
}

/*
 * Keep the kernel's memory for dirty bitmaps and per-slot metadata bounded:
 * a slot of 2^31 pages costs KVM 16M of metadata and, logging, either
 * hypervisor 512M of bitmap.
 */
static bool slot_affordable(struct fuzz_obj *vm, const struct kvm_userspace_memory_region2 *m)
{
	u64 pages = m->memory_size / FUZZ_PAGE;
	unsigned int i, huge = 0;

	if (m->memory_size % FUZZ_PAGE || pages >= BIT_ULL(31) || !pages)
		return true;	/* rejected or a delete */
	for (i = 0; i < MAX_TRACKED_SLOTS; i++)
		huge += vm->slots[i].live && vm->slots[i].size / FUZZ_PAGE >= HUGE_SLOT_PAGES;
	if (pages >= HUGE_SLOT_PAGES && huge >= 2)
		return false;
	if ((m->flags & KVM_MEM_LOG_DIRTY_PAGES) && vm->log_pages + pages > LOG_PAGES_PER_VM)
		return false;
	return true;
}

/* A slot the fuzzer could not track could never be deleted again. */
static bool slot_trackable(struct fuzz_obj *vm, const struct kvm_userspace_memory_region2 *m)
{
	unsigned int i;

	if (!m->memory_size || slot_by_id(vm, m->slot))
		return true;
	for (i = 0; i < MAX_TRACKED_SLOTS; i++)
		if (!vm->slots[i].live)
			return true;
	return false;
}

/* Bring the fuzzer's view of @vm's slots up to date after a success. */
static void track_slot(struct fuzz_obj *vm, const struct kvm_userspace_memory_region2 *m)
{
	struct fuzz_slot *s = slot_by_id(vm, m->slot);
	unsigned int i;

	if (s && (s->flags & KVM_MEM_LOG_DIRTY_PAGES))
		vm->log_pages -= s->size / FUZZ_PAGE;
	if (!m->memory_size) {
		if (s)
			s->live = false;
		return;
	}
	for (i = 0; !s && i < MAX_TRACKED_SLOTS; i++)
		if (!vm->slots[i].live)
			s = &vm->slots[i];
	if (!s)
		return;
	*s = (struct fuzz_slot){
		.live = true, .id = m->slot, .flags = m->flags, .gpa = m->guest_phys_addr,
		.size = m->memory_size, .hva = m->userspace_addr,
	};
	if (s->flags & KVM_MEM_LOG_DIRTY_PAGES)
		vm->log_pages += s->size / FUZZ_PAGE;
}

/*
 * Whether a user address range stays where the fuzzer allows: the void,
 * page zero, or outside user space. Anything else could be the fuzzer's.
 */
static bool hva_safe(u64 hva, u64 size)
{
	u64 base = (unsigned long)void_base;

	if (hva >= BIT_ULL(47))
		return true;
	if (!size || hva + size < hva)
		return true;
	if (hva + size <= FUZZ_PAGE)
		return true;
	return hva >= base && hva + size <= base + VOID_SIZE;
}

int set_memslot(struct fuzz_obj *vm, struct kvm_userspace_memory_region2 *m, bool v2)
{
	int ret;

	if (!hva_safe(m->userspace_addr, m->memory_size)) {
		note_once(results->bug_msg, sizeof(results->bug_msg),
			  "fuzzer chose an unsafe memslot hva 0x%llx size 0x%llx",
			  (unsigned long long)m->userspace_addr,
			  (unsigned long long)m->memory_size);
		stat_inc(&results->fuzzer_bugs);
		return -1;
	}
	pool_lock();
	if (!slot_affordable(vm, m) || !slot_trackable(vm, m)) {
		pool_unlock();
		return -1;
	}
	pool_unlock();
	trace("  slot %u flags 0x%x gpa 0x%llx size 0x%llx hva 0x%llx", m->slot, m->flags,
	      (unsigned long long)m->guest_phys_addr, (unsigned long long)m->memory_size,
	      (unsigned long long)m->userspace_addr);
	ret = fuzz_ioctl(vm->fd, v2 ? KVM_SET_USER_MEMORY_REGION2 : KVM_SET_USER_MEMORY_REGION,
			 (unsigned long)m, false);
	if (!ret) {
		pool_lock();
		track_slot(vm, m);
		pool_unlock();
		stat_inc(&results->slots_ok);
	}
	return ret;
}

static void random_memslot(struct fuzz_rng *r, struct fuzz_obj *vm)
{
	static const u32 odd_ids[] = { 511, 512, 513, 32767, 32768, 0xffff, 0x10000,
				       0x10001, 0x1ffff, 0x7fffffff, 0xffffffff };
	struct kvm_userspace_memory_region2 m = {};
	struct fuzz_slot *s, old = {};
	bool v2 = rng_chance(r, 50);

	pool_lock();
	s = random_slot(r, vm);
	if (s)
		old = *s;
	pool_unlock();

	if (s && rng_chance(r, 50)) {
		/* Change a slot the fuzzer knows: delete, move, re-flag. */
		m.slot = old.id;
		m.flags = old.flags;
		m.guest_phys_addr = old.gpa;
		m.memory_size = old.size;
		m.userspace_addr = old.hva;
		switch (rng_below(r, 4)) {
		case 0:
			m.memory_size = 0;
			break;
		case 1:
			m.guest_phys_addr = choose_gpa(r, vm, old.size);
			break;
		case 2:
			m.flags ^= KVM_MEM_LOG_DIRTY_PAGES;
			break;
		default:
			m.flags = choose_flags(r);
			m.guest_phys_addr = choose_gpa(r, vm, old.size);
			break;
		}
	} else {
		if (rng_chance(r, 80))
			m.slot = rng_below(r, 32);
		else
			m.slot = rng_chance(r, 50) ? rng_pick(r, odd_ids) : (u32)rng_boundary(r);
		m.flags = choose_flags(r);
		m.memory_size = choose_size(r);
		m.guest_phys_addr = choose_gpa(r, vm, m.memory_size);
		m.userspace_addr = choose_hva(r, m.memory_size);
	}
	if (v2 && rng_chance(r, 10)) {
		m.guest_memfd = rng_boundary(r);
		m.guest_memfd_offset = rng_boundary(r);
	}
	if (v2 && rng_chance(r, 3))
		m.pad2[rng_below(r, ARRAY_SIZE(m.pad2))] = rng_boundary(r);
	if (!hva_safe(m.userspace_addr, m.memory_size))
		m.userspace_addr = 1ULL << 47;
	set_memslot(vm, &m, v2);
}

void op_memslot(struct fuzz_rng *r)
{
	struct fuzz_obj *vm = pool_get(r, OBJ_VM);

	if (!vm)
		return;
	random_memslot(r, vm);
	pool_put(vm);
}

/* --- vCPU state --- */

static void mutate(struct fuzz_rng *r, void *p, size_t len)
{
	unsigned int i, n = 1 + rng_below(r, 4);
	u8 *b = p;

	for (i = 0; i < n; i++) {
		size_t off = rng_below(r, len);

		if (rng_chance(r, 60)) {
			b[off] ^= 1 << rng_below(r, 8);
		} else if (off + 8 <= len) {
			u64 v = rng_boundary(r);

			memcpy(b + (off & ~7UL), &v, 8);
		}
	}
}

static const u32 odd_msrs[] = {
	0, 0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xe7, 0xe8, 0x174, 0x175, 0x176, 0x1a0, 0x1d9,
	0x277, 0x2ff, 0x400, 0x6e0, 0x800, 0x80f, 0x830, 0x3fff, 0x40000000, 0x40000001,
	0x40000070, 0x4b564d00, 0x4b564d01, 0x4b564d02, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0xc0010010,
	0xc0010015, 0xc0010114, 0xc0010117, 0xc0010140, 0xc0011029, 0xffffffff,
};

static u32 random_msr(struct fuzz_rng *r)
{
	if (nr_msr_list && rng_chance(r, 50))
		return msr_list[rng_below(r, nr_msr_list)];
	if (rng_chance(r, 80))
		return rng_pick(r, odd_msrs) + (rng_chance(r, 20) ? rng_below(r, 4) : 0);
	return rng_next(r);
}

static void state_msrs(struct fuzz_rng *r, struct fuzz_obj *vcpu, bool set)
{
	static const u32 counts[] = { 0, 1, 2, 16, 255, 256, 257, 1000, 0x80000000, ~0U };
	u32 n = rng_chance(r, 80) ? rng_below(r, 32) : rng_pick(r, counts);
	struct kvm_msrs *msrs = (struct kvm_msrs *)(sink_base() + rng_below(r, 64) * 8);
	struct kvm_msr_entry e;
	u32 i, fill = n < 300 ? n : 300;

	mem_write(&msrs->nmsrs, &n, sizeof(n));
	for (i = 0; i < fill; i++) {
		e = (struct kvm_msr_entry){
			.index = random_msr(r),
			.reserved = rng_chance(r, 95) ? 0 : rng_next(r),
			.data = rng_chance(r, 50) ? rng_boundary(r) : rng_next(r),
		};
		/* Not EFER.LME: see guest_setup() on QEMU and paging off. */
		if (e.index == 0xc0000080)
			e.data &= ~0x100ULL;
		mem_write(&msrs->entries[i], &e, sizeof(e));
	}
	fuzz_ioctl(vcpu->fd, set ? KVM_SET_MSRS : KVM_GET_MSRS, (unsigned long)msrs, true);
}

static void state_cpuid(struct fuzz_rng *r, struct fuzz_obj *vcpu)
{
	static const u32 counts[] = { 0, 1, 255, 256, 257, 4096, 0x80000000, ~0U };
	struct kvm_cpuid2 *c = (struct kvm_cpuid2 *)(sink_base() + rng_below(r, 64) * 8);
	u32 n = supported_cpuid.head.nent, i;
	struct kvm_cpuid_entry2 e;

	if (rng_chance(r, 70)) {
		if (n && rng_chance(r, 30))
			n = rng_below(r, n + 1);
		for (i = 0; i < n; i++) {
			e = supported_cpuid.entries[i];
			if (rng_chance(r, 10))
				mutate(r, &e, sizeof(e));
			mem_write(&c->entries[i], &e, sizeof(e));
		}
	} else {
		n = rng_chance(r, 50) ? rng_below(r, 64) : rng_pick(r, counts);
		for (i = 0; i < n && i < 300; i++) {
			rng_fill(r, &e, sizeof(e));
			e.function = rng_below(r, 0x20);
			if (rng_chance(r, 50))
				e.function += 0x80000000;
			mem_write(&c->entries[i], &e, sizeof(e));
		}
	}
	mem_write(&c->nent, &n, sizeof(n));
	fuzz_ioctl(vcpu->fd, rng_chance(r, 80) ? KVM_SET_CPUID2 : KVM_GET_CPUID2,
		   (unsigned long)c, true);
}

void op_state(struct fuzz_rng *r)
{
	struct fuzz_obj *vcpu = pool_get(r, OBJ_VCPU);
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
		struct kvm_mp_state mp;
		struct kvm_debugregs dbg;
		struct kvm_vcpu_events events;
		struct kvm_xcrs xcrs;
	} u;
	unsigned long get, set;
	size_t size;

	if (!vcpu)
		return;
	switch (rng_below(r, 10)) {
	case 0:
	case 1:
		get = KVM_GET_REGS, set = KVM_SET_REGS, size = sizeof(u.regs);
		break;
	case 2:
	case 3:
		get = KVM_GET_SREGS, set = KVM_SET_SREGS, size = sizeof(u.sregs);
		break;
	case 4:
		get = KVM_GET_FPU, set = KVM_SET_FPU, size = sizeof(u.fpu);
		break;
	case 5:
		get = KVM_GET_MP_STATE, set = KVM_SET_MP_STATE, size = sizeof(u.mp);
		break;
	case 6:
		switch (rng_below(r, 3)) {
		case 0:
			get = KVM_GET_DEBUGREGS, set = KVM_SET_DEBUGREGS, size = sizeof(u.dbg);
			break;
		case 1:
			get = KVM_GET_VCPU_EVENTS, set = KVM_SET_VCPU_EVENTS;
			size = sizeof(u.events);
			break;
		default:
			get = KVM_GET_XCRS, set = KVM_SET_XCRS, size = sizeof(u.xcrs);
			break;
		}
		break;
	case 7:
		state_msrs(r, vcpu, rng_chance(r, 60));
		pool_put(vcpu);
		return;
	case 8:
		state_cpuid(r, vcpu);
		pool_put(vcpu);
		return;
	default:
		/* Every register state at once, all random. */
		rng_fill(r, &u, sizeof(u));
		fuzz_ioctl(vcpu->fd, KVM_SET_REGS, (unsigned long)&u.regs, true);
		rng_fill(r, &u, sizeof(u));
		fuzz_ioctl(vcpu->fd, KVM_SET_SREGS, (unsigned long)&u.sregs, true);
		pool_put(vcpu);
		return;
	}
	memset(&u, 0, sizeof(u));
	if (fuzz_ioctl(vcpu->fd, get, (unsigned long)&u, true) || rng_chance(r, 20))
		rng_fill(r, &u, size);
	else
		mutate(r, &u, size);
	if (set == KVM_SET_MP_STATE && rng_chance(r, 70))
		u.mp.mp_state = rng_below(r, 10);
	fuzz_ioctl(vcpu->fd, set, (unsigned long)&u, true);
	pool_put(vcpu);
}

/* --- every ioctl number --- */

static struct fuzz_obj *random_fd_obj(struct fuzz_rng *r, int *fd)
{
	static const enum obj_type types[] = { OBJ_VM, OBJ_VM, OBJ_VCPU, OBJ_VCPU, OBJ_VCPU,
					       OBJ_STATS };
	struct fuzz_obj *obj = NULL;

	if (rng_chance(r, 15)) {
		*fd = dev_fd;
		return NULL;
	}
	obj = pool_get(r, rng_pick(r, types));
	*fd = obj ? obj->fd : dev_fd;
	return obj;
}

static unsigned long random_ioctl_nr(struct fuzz_rng *r)
{
	unsigned long nr = kvm_ioctls[rng_below(r, nr_kvm_ioctls)].nr;

	switch (rng_below(r, 20)) {
	case 0:
		/* The same command with another size. */
		return _IOC(_IOC_DIR(nr), _IOC_TYPE(nr), _IOC_NR(nr), rng_below(r, 1 << 14));
	case 1:
		return _IOC(rng_below(r, 4), _IOC_TYPE(nr), _IOC_NR(nr), _IOC_SIZE(nr));
	case 2:
		return _IOC(rng_below(r, 4), KVMIO, rng_below(r, 256), rng_below(r, 1 << 14));
	case 3:
		return rng_chance(r, 50) ? nr | (rng_next(r) << 32) : (u32)rng_next(r);
	default:
		return nr;
	}
}

/*
 * KVM_SET_SIGNAL_MASK sets the mask KVM_RUN runs with: a random one must
 * never block the timer's signal, or a guest in a loop would never come
 * back. From the stack, not the sink, which other threads overwrite.
 */
static void set_signal_mask(struct fuzz_rng *r, int fd)
{
	struct {
		struct kvm_signal_mask head;
		u8 sigset[8];
	} mask;
	unsigned int bit = TIMER_SIGNAL - 1;

	rng_fill(r, &mask, sizeof(mask));
	if (rng_chance(r, 70))
		mask.head.len = 8;
	mask.sigset[bit / 8] &= ~(1U << (bit % 8));
	fuzz_ioctl(fd, KVM_SET_SIGNAL_MASK, rng_chance(r, 90) ? (unsigned long)&mask : 0, true);
}

void op_ioctl(struct fuzz_rng *r)
{
	unsigned long nr = random_ioctl_nr(r), arg;
	struct fuzz_obj *obj;
	size_t len = _IOC_SIZE(nr) + rng_below(r, 4096);
	bool timed;
	u8 *p;
	int fd;

	/* These have their own operations, which keep them bounded. */
	switch (nr) {
	case KVM_RUN:
		op_guest(r);
		return;
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_SET_USER_MEMORY_REGION2:
		op_memslot(r);
		return;
	case KVM_CREATE_VM:
		op_vm_create(r);
		return;
	case KVM_CREATE_VCPU:
		op_vcpu_create(r);
		return;
	case KVM_SET_NESTED_STATE:
		if (!cfg.nested_state)
			return;
		break;
	}

	obj = random_fd_obj(r, &fd);
	if (len > PAYLOAD_MAX)
		len = PAYLOAD_MAX;
	p = sink_area(r, len);
	switch (rng_below(r, 10)) {
	case 0:
		arg = rng_chance(r, 50) ? 0 : mem_sanitize(r, rng_boundary(r));
		break;
	case 1:
		/* The payload runs into the PROT_NONE after the sink: EFAULT. */
		p = sink_base() + SINK_SIZE - 1 - rng_below(r, _IOC_SIZE(nr) + 1);
		fill_payload(r, p, sink_base() + SINK_SIZE - p);
		arg = (unsigned long)p;
		break;
	case 2:
		arg = rng_chance(r, 50) ? 0xffff888000000000UL : 1UL << 47;
		break;
	default:
		fill_payload(r, p, len);
		arg = (unsigned long)p;
		break;
	}
	timed = obj && obj->type == OBJ_VCPU;
	trace("  ioctl 0x%lx on fd %d arg 0x%lx", nr, fd, arg);
	pthread_rwlock_rdlock(&fd_lock);
	if (nr == KVM_SET_SIGNAL_MASK)
		set_signal_mask(r, fd);
	else
		fuzz_ioctl(fd, nr, arg, timed || rng_chance(r, 10));
	pthread_rwlock_unlock(&fd_lock);
	if (obj)
		pool_put(obj);
}

/* --- dirty logs --- */

void op_dirty_log(struct fuzz_rng *r)
{
	struct fuzz_obj *vm = pool_get(r, OBJ_VM);
	struct kvm_clear_dirty_log clear = {};
	struct kvm_dirty_log log = {};
	struct kvm_enable_cap cap = {};
	struct fuzz_slot *s, slot = {};
	u64 bitmap_bytes, npages;
	u8 *bitmap;

	if (!vm)
		return;
	pool_lock();
	s = random_slot(r, vm);
	if (s)
		slot = *s;
	pool_unlock();
	npages = slot.size / FUZZ_PAGE;
	bitmap_bytes = (npages + 63) / 64 * 8;
	if (bitmap_bytes < SINK_SIZE && rng_chance(r, 80))
		bitmap = sink_base() + rng_below(r, (SINK_SIZE - bitmap_bytes) / 8 + 1) * 8;
	else
		bitmap = sink_base() + SINK_SIZE - rng_below(r, 4096);

	switch (rng_below(r, 6)) {
	case 0:
		cap.cap = rng_chance(r, 80) ? KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 : rng_below(r, 300);
		cap.args[0] = rng_chance(r, 80) ? rng_below(r, 4) : rng_boundary(r);
		cap.flags = rng_chance(r, 95) ? 0 : rng_boundary(r);
		fuzz_ioctl(vm->fd, KVM_ENABLE_CAP, (unsigned long)&cap, false);
		break;
	case 1:
	case 2:
	case 3:
		log.slot = s && rng_chance(r, 90) ? slot.id : rng_boundary(r);
		log.dirty_bitmap = bitmap;
		fuzz_ioctl(vm->fd, KVM_GET_DIRTY_LOG, (unsigned long)&log, false);
		break;
	default:
		clear.slot = s && rng_chance(r, 90) ? slot.id : rng_boundary(r);
		if (rng_chance(r, 70)) {
			clear.first_page = rng_below(r, npages / 64 + 1) * 64;
			clear.num_pages = rng_chance(r, 50) ? npages - clear.first_page :
					  rng_below(r, npages - clear.first_page + 1) & ~63ULL;
		} else {
			clear.first_page = rng_boundary(r);
			clear.num_pages = rng_boundary(r);
		}
		/* Up to the sink's end: past it is PROT_NONE, for the kernel to fault on. */
		fill_payload(r, bitmap, min_size(min_size(bitmap_bytes, 4096),
						 sink_base() + SINK_SIZE - bitmap));
		clear.dirty_bitmap = bitmap;
		fuzz_ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, (unsigned long)&clear, false);
		break;
	}
	pool_put(vm);
}

/*
 * KVM_PRE_FAULT_MEMORY mostly inside or across the edge of a memslot the
 * VM has, sometimes anywhere; the run timer's signal may interrupt it.
 */
void op_pre_fault(struct fuzz_rng *r)
{
	struct fuzz_obj *vcpu = pool_get(r, OBJ_VCPU);
	struct kvm_pre_fault_memory range = {};
	struct fuzz_slot *s, slot = {};
	u64 npages;

	if (!vcpu)
		return;
	pool_lock();
	s = random_slot(r, vcpu->vm);
	if (s)
		slot = *s;
	pool_unlock();
	npages = slot.size / FUZZ_PAGE;
	if (s && rng_chance(r, 85)) {
		range.gpa = slot.gpa + rng_below(r, npages + 1) * FUZZ_PAGE;
		range.size = (rng_below(r, npages + 2) + rng_chance(r, 10)) * FUZZ_PAGE;
	} else {
		range.gpa = rng_boundary(r);
		range.size = rng_boundary(r);
	}
	range.flags = rng_chance(r, 95) ? 0 : rng_boundary(r);
	fuzz_ioctl(vcpu->fd, KVM_PRE_FAULT_MEMORY, (unsigned long)&range, true);
	pool_put(vcpu);
}

/* --- the in-kernel irqchip --- */

/*
 * KVM_CREATE_IRQCHIP (before the VM's first vCPU it works), IOAPIC lines
 * (valid GSIs mostly), MSIs to APIC IDs the pool's vCPUs have, and the
 * IOAPIC state read back, changed a little and written.
 */
void op_irqchip(struct fuzz_rng *r)
{
	struct fuzz_obj *vm = pool_get(r, OBJ_VM);
	struct kvm_irq_level line = {};
	struct kvm_irqchip *chip;
	struct kvm_msi msi = {};
	unsigned int i;

	if (!vm)
		return;
	switch (rng_below(r, 6)) {
	case 0:
		fuzz_ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0, false);
		break;
	case 1:
	case 2:
		line.irq = rng_chance(r, 90) ? rng_below(r, 24) : rng_boundary(r);
		line.level = rng_chance(r, 90) ? rng_below(r, 2) : rng_boundary(r);
		fuzz_ioctl(vm->fd, rng_chance(r, 50) ? KVM_IRQ_LINE : KVM_IRQ_LINE_STATUS,
			   (unsigned long)&line, false);
		break;
	case 3:
		msi.address_lo = rng_chance(r, 90) ? 0xfee00000 | rng_below(r, 16) << 12 |
			rng_below(r, 2) << 2 : rng_boundary(r);
		msi.data = rng_chance(r, 80) ? 0x20 + rng_below(r, 0xe0) : rng_boundary(r);
		msi.flags = rng_chance(r, 95) ? 0 : rng_boundary(r);
		fuzz_ioctl(vm->fd, KVM_SIGNAL_MSI, (unsigned long)&msi, false);
		break;
	default:
		chip = calloc(1, sizeof(*chip));
		if (!chip)
			break;
		chip->chip_id = rng_chance(r, 80) ? KVM_IRQCHIP_IOAPIC : rng_below(r, 4);
		if (!fuzz_ioctl(vm->fd, KVM_GET_IRQCHIP, (unsigned long)chip, false) ||
		    rng_chance(r, 20)) {
			for (i = rng_below(r, 4); i; i--) {
				unsigned int pin = rng_below(r, KVM_IOAPIC_NUM_PINS);

				chip->chip.ioapic.redirtbl[pin].bits = rng_chance(r, 70) ?
					0x20 + rng_below(r, 0xe0) + (rng_below(r, 2) << 15) +
					((u64)rng_below(r, 16) << 56) : rng_boundary(r);
			}
			if (rng_chance(r, 30))
				chip->chip.ioapic.irr = rng_boundary(r);
			if (rng_chance(r, 10))
				chip->chip.ioapic.base_address = rng_boundary(r);
			fuzz_ioctl(vm->fd, KVM_SET_IRQCHIP, (unsigned long)chip, false);
		}
		free(chip);
		break;
	}
	pool_put(vm);
}

/*
 * The PIT: KVM_CREATE_PIT2 (with the irqchip it needs, mostly), and its
 * state read back, changed a little and written, counts and modes near
 * their edges.
 */
void op_pit(struct fuzz_rng *r)
{
	struct fuzz_obj *vm = pool_get(r, OBJ_VM);
	struct kvm_pit_config config = {};
	struct kvm_pit_channel_state *c;
	struct kvm_pit_state2 state = {};

	if (!vm)
		return;
	switch (rng_below(r, 4)) {
	case 0:
		config.flags = rng_chance(r, 90) ? rng_below(r, 2) : rng_boundary(r);
		fuzz_ioctl(vm->fd, KVM_CREATE_PIT2, (unsigned long)&config, false);
		break;
	default:
		if (fuzz_ioctl(vm->fd, KVM_GET_PIT2, (unsigned long)&state, false) &&
		    rng_chance(r, 80))
			break;
		c = &state.channels[rng_below(r, 3)];
		c->count = rng_chance(r, 80) ? rng_below(r, 0x10002) : rng_boundary(r);
		c->mode = rng_chance(r, 80) ? rng_below(r, 7) : rng_boundary(r);
		if (rng_chance(r, 30))
			c->rw_mode = rng_below(r, 5);
		if (rng_chance(r, 20))
			state.flags = rng_chance(r, 80) ? rng_below(r, 4) : rng_boundary(r);
		fuzz_ioctl(vm->fd, rng_chance(r, 80) ? KVM_SET_PIT2 : KVM_SET_PIT,
			   (unsigned long)&state, false);
		break;
	}
	pool_put(vm);
}

/* --- stats fds --- */

void op_stats(struct fuzz_rng *r)
{
	struct fuzz_obj *obj, *stats;
	off_t off;
	size_t len;
	int fd;

	if (pool_count(OBJ_STATS) < MAX_STATS && rng_chance(r, 30)) {
		obj = pool_get(r, rng_chance(r, 50) ? OBJ_VM : OBJ_VCPU);
		if (!obj)
			return;
		pthread_rwlock_rdlock(&fd_lock);
		fd = fuzz_ioctl(obj->fd, KVM_GET_STATS_FD, 0, obj->type == OBJ_VCPU);
		stats = fd >= 0 ? pool_add(OBJ_STATS, fd, NULL, NULL, 0) : NULL;
		pthread_rwlock_unlock(&fd_lock);
		if (stats)
			pool_put(stats);
		pool_put(obj);
		return;
	}
	stats = pool_get(r, OBJ_STATS);
	if (!stats)
		return;
	switch (rng_below(r, 8)) {
	case 0:
		pool_kill(stats);
		break;
	case 1:
		lseek(stats->fd, rng_boundary(r), rng_below(r, 5));
		break;
	case 2:
		len = rng_below(r, PAYLOAD_MAX);
		if (read(stats->fd, read_buf, len) < 0)
			break;
		break;
	default:
		off = rng_chance(r, 60) ? rng_below(r, 8192) : rng_boundary(r);
		len = rng_chance(r, 60) ? rng_below(r, 512) : rng_below(r, PAYLOAD_MAX);
		if (pread(stats->fd, read_buf, len, off) < 0)
			break;
		break;
	}
	pool_put(stats);
}

/* --- the device fd --- */

void op_dev(struct fuzz_rng *r)
{
	static const u32 counts[] = { 0, 1, 2, 15, 16, 64, 255, 256, 257, 4096, ~0U };
	u8 *p = sink_base() + rng_below(r, 64) * 8;
	u32 n = rng_chance(r, 50) ? rng_below(r, 300) : rng_pick(r, counts);
	int fd;

	switch (rng_below(r, 8)) {
	case 0:
		fuzz_ioctl(dev_fd, KVM_GET_API_VERSION, rng_chance(r, 80) ? 0 : rng_boundary(r),
			   false);
		break;
	case 1:
		fuzz_ioctl(dev_fd, KVM_CHECK_EXTENSION,
			   rng_chance(r, 80) ? rng_below(r, 300) :
			   rng_chance(r, 50) ? OKVM_CAP_ABI : rng_boundary(r), false);
		break;
	case 2:
		fuzz_ioctl(dev_fd, KVM_GET_VCPU_MMAP_SIZE, rng_chance(r, 80) ? 0 : rng_boundary(r),
			   false);
		break;
	case 3:
	case 4:
		mem_write(p, &n, sizeof(n));
		fuzz_ioctl(dev_fd,
			   rng_chance(r, 70) ? KVM_GET_SUPPORTED_CPUID : KVM_GET_EMULATED_CPUID,
			   (unsigned long)p, false);
		break;
	case 5:
		mem_write(p, &n, sizeof(n));
		fuzz_ioctl(dev_fd, rng_chance(r, 70) ? KVM_GET_MSR_INDEX_LIST :
			   KVM_GET_MSR_FEATURE_INDEX_LIST, (unsigned long)p, false);
		break;
	default:
		/* Another open of the device, used once and closed. */
		pthread_rwlock_rdlock(&fd_lock);
		fd = open(cfg.dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			fuzz_ioctl(fd, KVM_CHECK_EXTENSION, rng_below(r, 300), false);
			close(fd);
		}
		pthread_rwlock_unlock(&fd_lock);
		break;
	}
}

/* --- fork --- */

#define FORK_MAX_FDS		64

static int child_report(const char *what, int fd, unsigned long nr, int ret)
{
	char *msg = results->fork_msg;

	if (ret == -1 && errno == EIO)
		return 0;
	if (!msg[0])
		snprintf(msg, sizeof(results->fork_msg),
			 "a forked child's %s (0x%lx) on fd %d returned %d (%s), not EIO",
			 what, nr, fd, ret, ret < 0 ? strerror(errno) : "success");
	return 1;
}

/* The child: every VM and vCPU ioctl on the parent's fds must fail with EIO. */
static void fork_child(struct fuzz_rng *r, const int *fds, const bool *is_vcpu, unsigned int n)
{
	struct kvm_userspace_memory_region m = {
		.slot = 100, .memory_size = FUZZ_PAGE, .guest_phys_addr = 1ULL << 40,
		.userspace_addr = (unsigned long)arena_base(0),
	};
	struct kvm_regs regs = {};
	unsigned int i, bad = 0;
	unsigned long nr;
	u8 *p;
	int fd, ret;

	for (i = 0; i < n; i++) {
		if (is_vcpu[i]) {
			bad += child_report("KVM_RUN", fds[i], KVM_RUN, ioctl(fds[i], KVM_RUN, 0));
			bad += child_report("KVM_GET_REGS", fds[i], KVM_GET_REGS,
					    ioctl(fds[i], KVM_GET_REGS, &regs));
			bad += child_report("KVM_SET_REGS", fds[i], KVM_SET_REGS,
					    ioctl(fds[i], KVM_SET_REGS, &regs));
		} else {
			bad += child_report("KVM_CREATE_VCPU", fds[i], KVM_CREATE_VCPU,
					    ioctl(fds[i], KVM_CREATE_VCPU, 7));
			bad += child_report("KVM_SET_USER_MEMORY_REGION", fds[i],
					    KVM_SET_USER_MEMORY_REGION,
					    ioctl(fds[i], KVM_SET_USER_MEMORY_REGION, &m));
			bad += child_report("KVM_GET_STATS_FD", fds[i], KVM_GET_STATS_FD,
					    ioctl(fds[i], KVM_GET_STATS_FD, 0));
		}
		/* Any other number, with a random payload: EIO before anything. */
		nr = kvm_ioctls[rng_below(r, nr_kvm_ioctls)].nr;
		p = sink_area(r, 4096);
		fill_payload(r, p, 4096);
		ret = ioctl(fds[i], nr, p);
		bad += child_report(is_vcpu[i] ? "vCPU ioctl" : "VM ioctl", fds[i], nr, ret);
	}
	/* Copy-on-write breaks in memory the parent's guests use. */
	p = arena_base(rng_below(r, NR_ARENAS));
	for (i = 0; i < 16; i++)
		mem_write(p + rng_below(r, ARENA_SIZE / FUZZ_PAGE) * FUZZ_PAGE, &i, sizeof(i));
	/* The device itself works for the child: a VM of its own. */
	fd = ioctl(dev_fd, KVM_CREATE_VM, 0);
	if (fd >= 0)
		close(fd);
	_exit(bad ? 1 : 0);
}

void op_fork(struct fuzz_rng *r)
{
	int fds[FORK_MAX_FDS], status;
	bool is_vcpu[FORK_MAX_FDS];
	struct fuzz_rng child_rng = *r;
	unsigned int n, waited;
	pid_t pid;

	rng_next(r);
	pool_lock();
	n = pool_fds(fds, is_vcpu, FORK_MAX_FDS);
	pid = fork();
	if (pid == 0)
		fork_child(&child_rng, fds, is_vcpu, n);
	pool_unlock();
	if (pid < 0)
		return;
	stat_inc(&results->forks);
	for (waited = 0; waited < 10000; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(1000);
	}
	if (waited == 10000) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		note_once(results->fork_msg, sizeof(results->fork_msg),
			  "a forked child did not finish in 10 s");
		stat_inc(&results->fork_bad);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		stat_inc(&results->fork_bad);
		if (!WIFEXITED(status))
			note_once(results->fork_msg, sizeof(results->fork_msg),
				  "a forked child died of signal %d", WTERMSIG(status));
	}
}
