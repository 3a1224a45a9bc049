// SPDX-License-Identifier: GPL-2.0
/*
 * The worker: the process that fuzzes, in the harness's memory cgroup. Its
 * fuzz threads share a pool of VM, vCPU and stats fds; its churn threads
 * remap the memory behind the memslots and fork children that try the
 * parent's fds. It runs for cfg.seconds, then closes everything and exits.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define MAX_OBJS		128
#define MAX_FDS			4096

pthread_rwlock_t fd_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct fuzz_obj *pool[MAX_OBJS];
static struct timespec deadline;

bool fuzz_stopping(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

void note_once(char *slot, size_t size, const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	va_list ap;

	pthread_mutex_lock(&lock);
	if (!slot[0]) {
		va_start(ap, fmt);
		vsnprintf(slot, size, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&lock);
}

void trace(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (!cfg.trace)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
}

void pool_lock(void)
{
	pthread_mutex_lock(&pool_mutex);
}

void pool_unlock(void)
{
	pthread_mutex_unlock(&pool_mutex);
}

/* Drop a reference, pool lock held; the last one frees the object. */
static void obj_put_locked(struct fuzz_obj *obj)
{
	while (obj && --obj->refs == 0) {
		struct fuzz_obj *vm = obj->vm;

		/* Only now: a thread running the vCPU may still write kvm_run. */
		if (obj->run)
			munmap(obj->run, obj->run_size);
		free(obj);
		obj = vm;
	}
}

struct fuzz_obj *pool_get(struct fuzz_rng *r, enum obj_type type)
{
	struct fuzz_obj *found[MAX_OBJS], *obj = NULL;
	unsigned int i, n = 0;

	pool_lock();
	for (i = 0; i < MAX_OBJS; i++)
		if (pool[i] && pool[i]->type == type)
			found[n++] = pool[i];
	if (n) {
		obj = found[rng_below(r, n)];
		obj->refs++;
	}
	pool_unlock();
	return obj;
}

void pool_put(struct fuzz_obj *obj)
{
	pool_lock();
	obj_put_locked(obj);
	pool_unlock();
}

struct fuzz_obj *pool_add(enum obj_type type, int fd, struct fuzz_obj *vm,
			  struct kvm_run *run, size_t run_size)
{
	struct fuzz_obj *obj = calloc(1, sizeof(*obj));
	unsigned int i;

	pool_lock();
	for (i = 0; obj && i < MAX_OBJS; i++) {
		if (pool[i])
			continue;
		obj->type = type;
		obj->fd = fd;
		obj->refs = 2;	/* the pool's and the caller's */
		obj->vm = vm;
		obj->run = run;
		obj->run_size = run_size;
		if (vm)
			vm->refs++;
		pool[i] = obj;
		pool_unlock();
		return obj;
	}
	close(fd);
	pool_unlock();
	if (run)
		munmap(run, run_size);
	free(obj);
	return NULL;
}

/* Close an object's fd (pool lock held) and drop the pool's reference. */
static void obj_kill_locked(struct fuzz_obj *obj)
{
	unsigned int i;

	for (i = 0; i < MAX_OBJS; i++)
		if (pool[i] == obj)
			break;
	if (i == MAX_OBJS || obj->dead)
		return;
	pool[i] = NULL;
	obj->dead = true;
	close(obj->fd);
	obj_put_locked(obj);
}

void pool_kill(struct fuzz_obj *obj)
{
	pool_lock();
	obj_kill_locked(obj);
	pool_unlock();
}

unsigned int pool_count(enum obj_type type)
{
	unsigned int i, n = 0;

	pool_lock();
	for (i = 0; i < MAX_OBJS; i++)
		n += pool[i] && pool[i]->type == type;
	pool_unlock();
	return n;
}

unsigned int pool_fds(int *fds, bool *is_vcpu, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_OBJS && n < max; i++) {
		if (!pool[i] || (pool[i]->type != OBJ_VM && pool[i]->type != OBJ_VCPU))
			continue;
		fds[n] = pool[i]->fd;
		is_vcpu[n++] = pool[i]->type == OBJ_VCPU;
	}
	return n;
}

/*
 * Close the fds that random ioctls created (KVM_CREATE_DEVICE writes one
 * into its payload, others return one that looked like a count).
 */
void fd_sweep(void)
{
	static bool known[MAX_FDS];
	unsigned int i;
	int fd;

	pthread_rwlock_wrlock(&fd_lock);
	pool_lock();
	memset(known, 0, sizeof(known));
	for (fd = 0; fd < 3; fd++)
		known[fd] = true;
	if (dev_fd >= 0 && dev_fd < MAX_FDS)
		known[dev_fd] = true;
	for (i = 0; i < MAX_OBJS; i++)
		if (pool[i] && pool[i]->fd >= 0 && pool[i]->fd < MAX_FDS)
			known[pool[i]->fd] = true;
	for (fd = 3; fd < MAX_FDS; fd++)
		if (!known[fd] && fcntl(fd, F_GETFD) != -1)
			close(fd);
	pool_unlock();
	pthread_rwlock_unlock(&fd_lock);
}

struct weighted_op {
	const char *name;
	void (*fn)(struct fuzz_rng *r);
	unsigned int weight;
};

static const struct weighted_op fuzz_ops[] = {
	{ "vm_create", op_vm_create, 3 },
	{ "vm_close", op_vm_close, 1 },
	{ "vcpu_create", op_vcpu_create, 4 },
	{ "vcpu_close", op_vcpu_close, 1 },
	{ "memslot", op_memslot, 12 },
	{ "state", op_state, 10 },
	{ "guest", op_guest, 20 },
	{ "ioctl", op_ioctl, 25 },
	{ "dirty_log", op_dirty_log, 6 },
	{ "pre_fault", op_pre_fault, 3 },
	{ "irqchip", op_irqchip, 4 },
	{ "pit", op_pit, 2 },
	{ "stats", op_stats, 5 },
	{ "dev", op_dev, 3 },
};

bool fuzz_skips(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = cfg.skip; p && (p = strstr(p, name)); p += len)
		if ((p == cfg.skip || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
	return false;
}

static void do_random_op(struct fuzz_rng *r, unsigned long idx)
{
	unsigned int i, total = 0, pick;

	for (i = 0; i < ARRAY_SIZE(fuzz_ops); i++)
		total += fuzz_skips(fuzz_ops[i].name) ? 0 : fuzz_ops[i].weight;
	if (!total)
		return;
	pick = rng_below(r, total);
	for (i = 0; fuzz_skips(fuzz_ops[i].name) || pick >= fuzz_ops[i].weight; i++)
		if (!fuzz_skips(fuzz_ops[i].name))
			pick -= fuzz_ops[i].weight;
	trace("T%lu %s", idx, fuzz_ops[i].name);
	fuzz_ops[i].fn(r);
	stat_inc(&results->ops);
}

static void set_make_it_fail(int on)
{
	char c = on ? '1' : '0';
	int fd = open("/proc/thread-self/make-it-fail", O_WRONLY);

	if (fd < 0 || write(fd, &c, 1) != 1)
		note_once(results->fi_msg, sizeof(results->fi_msg),
			  "cannot write /proc/thread-self/make-it-fail");
	if (fd >= 0)
		close(fd);
}

static void *fuzz_thread(void *arg)
{
	unsigned long idx = (unsigned long)arg;
	struct fuzz_rng r;
	u64 n;

	rng_seed(&r, cfg.seed, 1 + idx);
	ops_thread_init();
	if (cfg.fail_percent && idx == 0)
		set_make_it_fail(1);
	for (n = 1; !fuzz_stopping(); n++) {
		do_random_op(&r, idx);
		if (idx == 0 && n % 256 == 0)
			fd_sweep();
	}
	if (cfg.fail_percent && idx == 0)
		set_make_it_fail(0);
	return NULL;
}

static void *churn_thread(void *arg)
{
	unsigned long idx = (unsigned long)arg;
	struct fuzz_rng r;

	rng_seed(&r, cfg.seed, 100 + idx);
	while (!fuzz_stopping()) {
		if (cfg.fork && rng_chance(&r, 3)) {
			trace("C%lu fork", idx);
			op_fork(&r);
		} else if (!fuzz_skips("churn")) {
			mem_churn(&r);
		}
		usleep(rng_below(&r, 1000));
	}
	return NULL;
}

static void close_all(void)
{
	unsigned int i;

	pool_lock();
	for (i = 0; i < MAX_OBJS; i++)
		if (pool[i])
			obj_kill_locked(pool[i]);
	pool_unlock();
}

int worker_main(void)
{
	pthread_t threads[64];
	unsigned int i, n = 0;
	struct rlimit nofile = { MAX_FDS, MAX_FDS };
	struct fuzz_rng r;

	setrlimit(RLIMIT_NOFILE, &nofile);
	mem_init();
	ops_init();
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += cfg.seconds;

	if (cfg.fail_nth) {
		rng_seed(&r, cfg.seed, 0);
		ops_thread_init();
		fi_run(&r);
	} else {
		for (i = 0; i < cfg.threads + cfg.churners && n < ARRAY_SIZE(threads); i++) {
			void *(*fn)(void *) = i < cfg.threads ? fuzz_thread : churn_thread;
			unsigned long idx = i < cfg.threads ? i : i - cfg.threads;

			if (!pthread_create(&threads[n], NULL, fn, (void *)idx))
				n++;
		}
		for (i = 0; i < n; i++)
			pthread_join(threads[i], NULL);
	}
	close_all();
	if (dev_fd >= 0)
		close(dev_fd);
	return 0;
}
