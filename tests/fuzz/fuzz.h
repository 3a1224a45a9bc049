/* SPDX-License-Identifier: GPL-2.0 */
/*
 * okvm-fuzz: a bounded, seeded fuzzer of the KVM ioctl ABI, run against
 * okvm (/dev/okvm) and upstream KVM (/dev/kvm). See main.c for what it
 * checks and Documentation/testing.rst for how the rig runs it.
 */
#ifndef OKVM_FUZZ_H
#define OKVM_FUZZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

#include "../selftests/lib/kernel_types.h"

#define FUZZ_PAGE		4096ULL
#define FUZZ_2M			0x200000ULL
#define FUZZ_1G			0x40000000ULL

/* rand.c: xoshiro256**, one state per thread, seeded from the run's seed. */
struct fuzz_rng {
	u64 s[4];
};

void rng_seed(struct fuzz_rng *r, u64 seed, u64 stream);
u64 rng_next(struct fuzz_rng *r);
u64 rng_below(struct fuzz_rng *r, u64 n);
bool rng_chance(struct fuzz_rng *r, unsigned int percent);
/* A value biased to boundaries: 0, 1, -1, powers of two and their neighbours. */
u64 rng_boundary(struct fuzz_rng *r);
/* Random bytes, boundary-biased per 8-byte word. */
void rng_fill(struct fuzz_rng *r, void *buf, size_t len);
/* An element of a real array (not a pointer): @array is evaluated by sizeof only. */
#define rng_pick(r, arr) \
	((arr)[rng_below(r, sizeof(typeof(arr)) / sizeof(typeof((arr)[0])))])

/* What one run does, fixed before the worker starts. */
struct fuzz_config {
	const char *dev;
	u64 seed;
	unsigned int seconds;
	unsigned int threads;		/* fuzz threads */
	unsigned int churners;		/* threads churning the backing memory */
	bool fork;			/* children that use the parent's fds */
	bool fail_nth;			/* systematic allocation failures */
	unsigned int fail_percent;	/* random allocation failures */
	bool nested_state;		/* KVM_SET_NESTED_STATE with random state */
	bool random_state;		/* guests entered in random, illegal states too */
	bool trace;			/* one line per operation, to find a hang */
	const char *skip;		/* operations left out, comma-separated */
};

/* Counters the worker shares with the harness (a MAP_SHARED page). */
struct fuzz_results {
	u64 ops;
	u64 ioctls;
	u64 runs;
	u64 exits[64];
	u64 vms;
	u64 vcpus;
	u64 slots_ok;
	u64 churns;
	u64 forks;
	u64 fork_bad;
	u64 fi_calls;
	u64 fi_injected;
	u64 fi_bad;
	u64 fuzzer_bugs;
	char fork_msg[256];
	char fi_msg[256];
	char bug_msg[256];
};

extern struct fuzz_config cfg;
extern struct fuzz_results *results;
extern bool dev_is_okvm;
extern int dev_fd;

static inline void stat_add(u64 *counter, u64 n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static inline void stat_inc(u64 *counter)
{
	stat_add(counter, 1);
}

/* With --trace: a line on stdout, written at once (the machine may hang next). */
__printf(1, 2) void trace(const char *fmt, ...);

/* Remember the first message of a kind (fork, fault injection, fuzzer bug). */
__printf(3, 4) void note_once(char *slot, size_t size, const char *fmt, ...);

/* mem.c: where the fuzzer's guest memory and ioctl payloads live. */
#define VOID_SIZE		BIT_ULL(44)	/* 16T: room for an 8T memslot */
#define NR_ARENAS		4
#define ARENA_SIZE		(8 * FUZZ_2M)
#define SINK_OFFSET		(NR_ARENAS * ARENA_SIZE + FUZZ_2M)
#define SINK_SIZE		BIT_ULL(20)

/*
 * Every user address the fuzzer hands the kernel (memslot backing, ioctl
 * payload pointers) is inside one PROT_NONE reservation, "the void": the
 * arenas that back memslots and the sink that payload pointers point into
 * are carved out of it, and a guest or the kernel writing anywhere in it
 * can only hit guest memory, the sink, or nothing. Nothing else of the
 * fuzzer's is ever mapped there.
 */
extern u8 *void_base;

void mem_init(void);
u8 *arena_base(unsigned int i);
u8 *sink_base(void);
/* An address for the kernel: a pointer-like word moved into the void. */
u64 mem_sanitize(struct fuzz_rng *r, u64 v);
/* Copy into the void without a fault in the fuzzer (EFAULT instead). */
bool mem_write(void *dst, const void *src, size_t len);
void mem_churn(struct fuzz_rng *r);
/* Held for read around any mmap outside the void, for write by churn. */
extern pthread_rwlock_t map_lock;

/* worker.c: the pool of objects the fuzz threads share. */
enum obj_type { OBJ_VM, OBJ_VCPU, OBJ_STATS, OBJ_MISC, NR_OBJ_TYPES };

#define MAX_TRACKED_SLOTS	16

struct fuzz_slot {
	bool live;
	u32 id;
	u32 flags;
	u64 gpa;
	u64 size;
	u64 hva;
};

struct fuzz_obj {
	enum obj_type type;
	int fd;
	int refs;
	bool dead;
	/* OBJ_VCPU */
	struct fuzz_obj *vm;
	u32 vcpu_id;
	struct kvm_run *run;
	size_t run_size;
	bool ran;		/* KVM_RUN was called: its CPUID may be frozen */
	/* OBJ_VM */
	unsigned int nr_vcpus;
	struct fuzz_slot slots[MAX_TRACKED_SLOTS];
	u64 log_pages;
	u64 manual_protect;
};

struct fuzz_obj *pool_get(struct fuzz_rng *r, enum obj_type type);
void pool_put(struct fuzz_obj *obj);
/*
 * Add a new fd (a vCPU's with its kvm_run mapping, unmapped with the last
 * reference); returns the object with a reference, or NULL (fd closed).
 */
struct fuzz_obj *pool_add(enum obj_type type, int fd, struct fuzz_obj *vm,
			  struct kvm_run *run, size_t run_size);
void pool_kill(struct fuzz_obj *obj);
unsigned int pool_count(enum obj_type type);
void pool_lock(void);
void pool_unlock(void);
/* Snapshot of VM and vCPU fds, for a forked child (pool lock held). */
unsigned int pool_fds(int *fds, bool *is_vcpu, unsigned int max);
/* Held for read by code that creates fds, for write by the fd sweep. */
extern pthread_rwlock_t fd_lock;
void fd_sweep(void);

/* ops.c */
void op_vm_create(struct fuzz_rng *r);
void op_vm_close(struct fuzz_rng *r);
void op_vcpu_create(struct fuzz_rng *r);
void op_vcpu_close(struct fuzz_rng *r);
void op_memslot(struct fuzz_rng *r);
void op_state(struct fuzz_rng *r);
void op_ioctl(struct fuzz_rng *r);
void op_dirty_log(struct fuzz_rng *r);
void op_pre_fault(struct fuzz_rng *r);
void op_irqchip(struct fuzz_rng *r);
void op_pit(struct fuzz_rng *r);
void op_stats(struct fuzz_rng *r);
void op_dev(struct fuzz_rng *r);
void op_fork(struct fuzz_rng *r);
void ops_init(void);
void ops_thread_init(void);
/* KVM_SET_USER_MEMORY_REGION(2) of a checked @m, tracked on success. */
int set_memslot(struct fuzz_obj *vm, struct kvm_userspace_memory_region2 *m, bool v2);
/* KVM_RUN bounded by a timer signal; returns the ioctl's result. */
int vcpu_run(struct fuzz_obj *vcpu, struct fuzz_rng *r);
/* ioctl() counted; vCPU fds get the timer. */
int fuzz_ioctl(int fd, unsigned long nr, unsigned long arg, bool timed);
void fi_run(struct fuzz_rng *r);

/* worker.c */
int worker_main(void);
/* The run's time is up: every loop of the worker checks. */
bool fuzz_stopping(void);
/* --skip names this operation (an entry of worker.c's table, or churn). */
bool fuzz_skips(const char *name);

/* guest.c */
void op_guest(struct fuzz_rng *r);
/* Put @vcpu in a random mode at random or snippet code in one of its VM's slots. */
bool guest_setup(struct fuzz_rng *r, struct fuzz_obj *vcpu);
/* Answer an exit as a VMM would (IN data, MMIO read data). */
void guest_answer_exit(struct fuzz_rng *r, struct fuzz_obj *vcpu);

/* The generated table of every KVM ioctl in <linux/kvm.h>. */
struct kvm_ioctl_def {
	const char *name;
	unsigned long nr;
};

extern const struct kvm_ioctl_def kvm_ioctls[];
extern const unsigned int nr_kvm_ioctls;

#endif /* OKVM_FUZZ_H */
