// SPDX-License-Identifier: GPL-2.0
/*
 * Systematic allocation failures (/proc/thread-self/fail-nth): each call
 * below runs with its first allocation failing, then its second, and so on
 * until it runs without an injected failure. Every injected failure must
 * come back as an error (or a success that did without the memory), and the
 * clean run that follows must do what it would have done had nothing
 * failed before it: a failed KVM_CREATE_VCPU must not leave its id taken,
 * a failed memslot create must not leave its gfns in use, and so on.
 *
 * The harness points failslab and fail_page_alloc at this task (main.c) and
 * checks that nothing the failures left behind stays charged to the cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#define FI_MAX_NTH	200
#define FI_MAX_VMS	2

static int nth_fd = -1;

static bool nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nth_fd, buf, len, 0) == len;
}

static int nth_left(void)
{
	char buf[16] = {};

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	return atoi(buf);
}

struct fi_call {
	const char *what;
	int fd;
	unsigned long nr;
	unsigned long arg;
	bool run;
	struct fuzz_obj *vcpu;
	struct fuzz_rng *r;
};

static long do_call(struct fi_call *c)
{
	if (c->run)
		return vcpu_run(c->vcpu, c->r);
	return fuzz_ioctl(c->fd, c->nr, c->arg, false);
}

/*
 * The call with its 1st, 2nd, ... allocation failing, then clean. Returns
 * the clean result (or a success that an injected failure did not stop).
 */
static long fi_call(struct fi_call *c, bool must_succeed)
{
	unsigned int n;
	long ret = -1;
	int err = 0, left;

	for (n = 1; n <= FI_MAX_NTH; n++) {
		if (!nth_set(n))
			return do_call(c);
		ret = do_call(c);
		err = errno;
		left = nth_left();
		nth_set(0);
		stat_inc(&results->fi_calls);
		if (left != 0)
			break;	/* nothing failed: this was the clean run */
		stat_inc(&results->fi_injected);
		if (ret >= 0)
			return ret;
		if (err <= 0 || err >= 4096) {
			stat_inc(&results->fi_bad);
			note_once(results->fi_msg, sizeof(results->fi_msg),
				  "%s with allocation %u failing returned %ld, errno %d",
				  c->what, n, ret, err);
		}
	}
	if (must_succeed && ret < 0) {
		stat_inc(&results->fi_bad);
		note_once(results->fi_msg, sizeof(results->fi_msg),
			  "%s failed (%s) after %u injected allocation failures; it succeeds without",
			  c->what, strerror(err), n - 1);
	}
	errno = err;
	return ret;
}

static struct fuzz_obj *fi_vm(struct fuzz_rng *r)
{
	struct fi_call c = { .what = "KVM_CREATE_VM", .fd = dev_fd, .nr = KVM_CREATE_VM };
	struct fuzz_obj *vm = pool_get(r, OBJ_VM);
	long fd;

	if (vm && (pool_count(OBJ_VM) >= FI_MAX_VMS || rng_chance(r, 80)))
		return vm;
	if (vm) {
		pool_put(vm);
		if (pool_count(OBJ_VM) >= FI_MAX_VMS)
			return pool_get(r, OBJ_VM);
	}
	fd = fi_call(&c, true);
	if (fd < 0)
		return NULL;
	vm = pool_add(OBJ_VM, fd, NULL, NULL, 0);
	return vm;
}

static void fi_vcpu_create(struct fuzz_rng *r, struct fuzz_obj *vm)
{
	struct fi_call c = { .what = "KVM_CREATE_VCPU", .fd = vm->fd, .nr = KVM_CREATE_VCPU };
	struct fuzz_obj *vcpu;
	struct kvm_run *run;
	long fd;

	if (vm->nr_vcpus >= 4)
		return;
	c.arg = vm->nr_vcpus;
	fd = fi_call(&c, true);
	if (fd < 0)
		return;
	run = mmap(NULL, 2 * FUZZ_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	vcpu = pool_add(OBJ_VCPU, fd, vm, run == MAP_FAILED ? NULL : run, 2 * FUZZ_PAGE);
	vm->nr_vcpus++;
	if (vcpu)
		pool_put(vcpu);
}

/* Create, delete, move or re-flag a slot, with arguments that are valid. */
static void fi_memslot(struct fuzz_rng *r, struct fuzz_obj *vm)
{
	struct kvm_userspace_memory_region2 m = {};
	struct fi_call c = { .fd = vm->fd, .nr = KVM_SET_USER_MEMORY_REGION2,
			     .arg = (unsigned long)&m };
	static const u32 flags[] = { 0, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY };
	struct fuzz_slot *s = NULL;
	unsigned int i, id;
	bool moving = false, creating = false;

	for (i = 0; i < MAX_TRACKED_SLOTS; i++)
		if (vm->slots[i].live && (!s || rng_chance(r, 50)))
			s = &vm->slots[i];
	if (s && rng_chance(r, 60)) {
		m.slot = s->id;
		m.flags = s->flags;
		m.memory_size = s->size;
		m.userspace_addr = s->hva;
		m.guest_phys_addr = s->gpa;
		switch (rng_below(r, 3)) {
		case 0:
			c.what = "memslot delete";
			m.memory_size = 0;
			break;
		case 1:
			c.what = "memslot move";
			m.guest_phys_addr = (16 + rng_below(r, 64)) * FUZZ_1G;
			moving = true;
			break;
		default:
			c.what = "memslot dirty-logging flag change";
			m.flags ^= KVM_MEM_LOG_DIRTY_PAGES;
			break;
		}
	} else {
		for (id = 0; id < MAX_TRACKED_SLOTS; id++) {
			for (i = 0; i < MAX_TRACKED_SLOTS; i++)
				if (vm->slots[i].live && vm->slots[i].id == id)
					break;
			if (i == MAX_TRACKED_SLOTS)
				break;
		}
		if (id == MAX_TRACKED_SLOTS)
			return;
		c.what = "memslot create";
		creating = true;
		m.slot = id;
		/* Slot n lives at n G, 1G apart: nothing overlaps. */
		m.guest_phys_addr = id * FUZZ_1G;
		m.memory_size = (1 + rng_below(r, 2 * 512)) * FUZZ_PAGE;
		m.userspace_addr = (unsigned long)arena_base(rng_below(r, NR_ARENAS));
		m.flags = rng_pick(r, flags);
	}
	/* What must succeed must not land on another slot (guest.c makes some). */
	for (i = 0; (moving || creating) && i < MAX_TRACKED_SLOTS; i++) {
		const struct fuzz_slot *o = &vm->slots[i];

		if (o->live && o->id != m.slot && m.guest_phys_addr < o->gpa + o->size &&
		    o->gpa < m.guest_phys_addr + m.memory_size)
			return;
	}
	if (fi_call(&c, true) == 0) {
		for (i = 0; i < MAX_TRACKED_SLOTS; i++)
			if (vm->slots[i].live && vm->slots[i].id == m.slot)
				break;
		if (i == MAX_TRACKED_SLOTS)
			for (i = 0; i < MAX_TRACKED_SLOTS && vm->slots[i].live; i++)
				;
		if (i < MAX_TRACKED_SLOTS)
			vm->slots[i] = (struct fuzz_slot){
				.live = m.memory_size != 0, .id = m.slot, .flags = m.flags,
				.gpa = m.guest_phys_addr, .size = m.memory_size,
				.hva = m.userspace_addr,
			};
	}
}

static void fi_vcpu_op(struct fuzz_rng *r, struct fuzz_obj *vcpu)
{
	struct {
		struct kvm_cpuid2 head;
		struct kvm_cpuid_entry2 entries[64];
	} *cpuid = (void *)sink_base();
	struct fi_call c = { .fd = vcpu->fd, .vcpu = vcpu, .r = r };
	unsigned int i, n = 1 + rng_below(r, 8);
	long fd;

	switch (rng_below(r, 4)) {
	case 0:
		c.what = "KVM_SET_CPUID2";
		cpuid->head.nent = 64;
		if (ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
			return;
		c.nr = KVM_SET_CPUID2;
		c.arg = (unsigned long)cpuid;
		/* After KVM_RUN only the vCPU's own table passes, as in KVM. */
		fi_call(&c, !vcpu->ran);
		break;
	case 1:
		c.what = "KVM_GET_STATS_FD on a vCPU";
		c.nr = KVM_GET_STATS_FD;
		fd = fi_call(&c, true);
		if (fd >= 0)
			close(fd);
		break;
	default:
		/* Guest code touching its slots: page-table allocations in the MMU. */
		c.what = "KVM_RUN";
		c.run = true;
		for (i = 0; i < n; i++) {
			if (!guest_setup(r, vcpu))
				break;
			fi_call(&c, false);
			guest_answer_exit(r, vcpu);
		}
		break;
	}
}

static void fi_vm_op(struct fuzz_rng *r, struct fuzz_obj *vm)
{
	static const u64 protect[] = { 0, 1, 3 };
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 };
	struct fi_call c = { .fd = vm->fd };
	struct kvm_dirty_log log = {};
	struct kvm_clear_dirty_log clear = {};
	unsigned int i;
	long fd;

	switch (rng_below(r, 4)) {
	case 0:
		c.what = "KVM_GET_STATS_FD on a VM";
		c.nr = KVM_GET_STATS_FD;
		fd = fi_call(&c, true);
		if (fd >= 0)
			close(fd);
		break;
	case 1:
		c.what = "KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)";
		cap.args[0] = rng_pick(r, protect);
		c.nr = KVM_ENABLE_CAP;
		c.arg = (unsigned long)&cap;
		fi_call(&c, true);
		break;
	default:
		for (i = 0; i < MAX_TRACKED_SLOTS; i++)
			if (vm->slots[i].live && (vm->slots[i].flags & KVM_MEM_LOG_DIRTY_PAGES))
				break;
		if (i == MAX_TRACKED_SLOTS)
			return;
		if (rng_chance(r, 50)) {
			c.what = "KVM_GET_DIRTY_LOG";
			log.slot = vm->slots[i].id;
			log.dirty_bitmap = sink_base();
			c.nr = KVM_GET_DIRTY_LOG;
			c.arg = (unsigned long)&log;
		} else {
			c.what = "KVM_CLEAR_DIRTY_LOG";
			clear.slot = vm->slots[i].id;
			clear.num_pages = vm->slots[i].size / FUZZ_PAGE;
			memset(sink_base(), 0xff, 4096);
			clear.dirty_bitmap = sink_base();
			c.nr = KVM_CLEAR_DIRTY_LOG;
			c.arg = (unsigned long)&clear;
		}
		fi_call(&c, true);
		break;
	}
}

void fi_run(struct fuzz_rng *r)
{
	struct fuzz_obj *vm, *vcpu;

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		note_once(results->fi_msg, sizeof(results->fi_msg),
			  "no /proc/thread-self/fail-nth: %s", strerror(errno));
		stat_inc(&results->fi_bad);
		return;
	}
	while (!fuzz_stopping()) {
		stat_inc(&results->ops);
		vm = fi_vm(r);
		if (!vm)
			continue;
		switch (rng_below(r, 10)) {
		case 0:
			fi_vcpu_create(r, vm);
			break;
		case 1:
		case 2:
		case 3:
			fi_memslot(r, vm);
			break;
		case 4:
			fi_vm_op(r, vm);
			break;
		case 5:
			if (rng_chance(r, 30))
				pool_kill(vm);
			break;
		default:
			vcpu = pool_get(r, OBJ_VCPU);
			if (vcpu) {
				fi_vcpu_op(r, vcpu);
				pool_put(vcpu);
			} else {
				fi_vcpu_create(r, vm);
			}
			break;
		}
		pool_put(vm);
	}
	close(nth_fd);
}
