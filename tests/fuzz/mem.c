// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's memory: one PROT_NONE reservation ("the void", fuzz.h) that
 * holds the arenas backing memslots and the sink that ioctl payload pointers
 * point into, and the churn that remaps, zaps, protects and advises the
 * arenas while guests run on them.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif

u8 *void_base;
pthread_rwlock_t map_lock = PTHREAD_RWLOCK_INITIALIZER;

#define VOID_HINT		0x100000000000ULL
#define ANON_FLAGS		(MAP_ANONYMOUS | MAP_NORESERVE)

u8 *arena_base(unsigned int i)
{
	return void_base + i * ARENA_SIZE;
}

u8 *sink_base(void)
{
	return void_base + SINK_OFFSET;
}

static void map_fixed(void *addr, size_t len, int prot, int flags)
{
	if (mmap(addr, len, prot, flags | MAP_FIXED, -1, 0) == MAP_FAILED)
		note_once(results->bug_msg, sizeof(results->bug_msg),
			  "mmap of the void at %p failed: %s", addr, strerror(errno));
}

void mem_init(void)
{
	unsigned int i;
	u8 *p;

	p = mmap((void *)VOID_HINT, VOID_SIZE, PROT_NONE,
		 MAP_PRIVATE | ANON_FLAGS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED) {
		/* Somewhere else then, aligned to 1G inside a larger reservation. */
		p = mmap(NULL, VOID_SIZE + FUZZ_1G, PROT_NONE, MAP_PRIVATE | ANON_FLAGS, -1, 0);
		if (p == MAP_FAILED) {
			note_once(results->bug_msg, sizeof(results->bug_msg),
				  "cannot reserve the void: %s", strerror(errno));
			_exit(3);
		}
		p = (u8 *)(((unsigned long)p + FUZZ_1G - 1) & ~(FUZZ_1G - 1));
	}
	void_base = p;
	for (i = 0; i < NR_ARENAS; i++) {
		map_fixed(arena_base(i), ARENA_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | ANON_FLAGS);
		madvise(arena_base(i), ARENA_SIZE, i % 2 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	}
	map_fixed(sink_base(), SINK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | ANON_FLAGS);
}

u64 mem_sanitize(struct fuzz_rng *r, u64 v)
{
	u64 base = (unsigned long)void_base;

	/* Below the first page, or not a user address at all: harmless. */
	if (v < FUZZ_PAGE || v >= (1ULL << 47))
		return v;
	if (v >= base && v - base < VOID_SIZE)
		return v;
	if (rng_chance(r, 80))
		return base + SINK_OFFSET + v % SINK_SIZE;
	return base + v % VOID_SIZE;
}

bool mem_write(void *dst, const void *src, size_t len)
{
	struct iovec local = { .iov_base = (void *)src, .iov_len = len };
	struct iovec remote = { .iov_base = dst, .iov_len = len };

	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* A sub-range of an arena: pages, often whole 2M chunks. */
static void arena_range(struct fuzz_rng *r, u8 **addr, size_t *len)
{
	unsigned int a = rng_below(r, NR_ARENAS);
	u64 off, size;

	if (rng_chance(r, 50)) {
		off = rng_below(r, ARENA_SIZE / FUZZ_2M) * FUZZ_2M;
		size = (1 + rng_below(r, (ARENA_SIZE - off) / FUZZ_2M)) * FUZZ_2M;
	} else {
		off = rng_below(r, ARENA_SIZE / FUZZ_PAGE) * FUZZ_PAGE;
		size = rng_chance(r, 80) ? 16 : (ARENA_SIZE - off) / FUZZ_PAGE;
		size = (1 + rng_below(r, size)) * FUZZ_PAGE;
		if (off + size > ARENA_SIZE)
			size = ARENA_SIZE - off;
	}
	*addr = arena_base(a) + off;
	*len = size;
}

/*
 * New memory over [addr, addr + len): private or shared anonymous, or a
 * memfd. fd_lock held for read (taken before map_lock, as everywhere).
 */
static void remap(struct fuzz_rng *r, u8 *addr, size_t len)
{
	int fd, kind = rng_below(r, 3);

	if (kind < 2) {
		map_fixed(addr, len, PROT_READ | PROT_WRITE,
			  (kind ? MAP_SHARED : MAP_PRIVATE) | ANON_FLAGS);
		return;
	}
	fd = syscall(SYS_memfd_create, "okvm-fuzz", 0);
	if (fd >= 0 && ftruncate(fd, len) == 0 &&
	    mmap(addr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED) {
		close(fd);
	} else {
		if (fd >= 0)
			close(fd);
		map_fixed(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | ANON_FLAGS);
	}
}

void mem_churn(struct fuzz_rng *r)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_WRITE };
	static const int advice[] = { MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
				      MADV_COLLAPSE, MADV_FREE, MADV_COLD, MADV_PAGEOUT,
				      MADV_WILLNEED };
	u8 buf[256], *addr, *to;
	size_t len, to_len;

	unsigned int kind;

	arena_range(r, &addr, &len);
	stat_inc(&results->churns);
	kind = rng_below(r, 8);
	trace("C churn %u %p+0x%zx", kind, addr, len);
	switch (kind) {
	case 0:
		pthread_rwlock_rdlock(&fd_lock);
		remap(r, addr, len);
		pthread_rwlock_unlock(&fd_lock);
		break;
	case 1:
		/* munmap and mmap again, with no mapping of ours in between. */
		pthread_rwlock_rdlock(&fd_lock);
		pthread_rwlock_wrlock(&map_lock);
		munmap(addr, len);
		if (rng_chance(r, 20))
			usleep(rng_below(r, 2000));
		remap(r, addr, len);
		pthread_rwlock_unlock(&map_lock);
		pthread_rwlock_unlock(&fd_lock);
		break;
	case 2:
		madvise(addr, len, MADV_DONTNEED);
		break;
	case 3:
		mprotect(addr, len, rng_pick(r, prots));
		break;
	case 4:
		madvise(addr, len, rng_pick(r, advice));
		break;
	case 5:
		/* Move pages from one place of the arenas to another. */
		arena_range(r, &to, &to_len);
		if (to_len < len)
			len = to_len;
		if (to + len <= addr || addr + len <= to) {
			pthread_rwlock_wrlock(&map_lock);
			if (mremap(addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to) != MAP_FAILED)
				map_fixed(addr, len, PROT_NONE, MAP_PRIVATE | ANON_FLAGS);
			pthread_rwlock_unlock(&map_lock);
		}
		break;
	default:
		/* Touch pages: faults, COW breaks after a fork, THP allocation. */
		rng_fill(r, buf, sizeof(buf));
		for (to = addr; to < addr + len && to < addr + 64 * FUZZ_PAGE; to += FUZZ_PAGE)
			mem_write(to + rng_below(r, FUZZ_PAGE - sizeof(buf)), buf, sizeof(buf));
		break;
	}
}
