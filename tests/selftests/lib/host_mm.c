// SPDX-License-Identifier: GPL-2.0
/*
 * Host memory-management helpers for tests (see host_mm.h).
 */
#include <fcntl.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host_mm.h"

long okvm_anon_huge_kb(const void *addr)
{
	unsigned long start, end, target = (unsigned long)addr;
	char line[256];
	bool inside = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			inside = target >= start && target < end;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

bool okvm_thp_possible(void)
{
	char buf[128] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);

	if (fd < 0)
		return false;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return !strstr(buf, "[never]");
}

long okvm_read_number(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	long v = -1;

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtol(buf, NULL, 10);
	close(fd);
	return v;
}

bool okvm_write_number(const char *path, long value)
{
	char buf[32];
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(buf, sizeof(buf), "%ld", value);
	ok = write(fd, buf, strlen(buf)) == (ssize_t)strlen(buf);
	close(fd);
	return ok;
}

long long okvm_host_page_flags(const void *addr)
{
	const __u64 present = 1ULL << 63, pfn_mask = (1ULL << 55) - 1;
	long page = sysconf(_SC_PAGESIZE);
	__u64 entry, flags;
	int pagemap, kpageflags;
	long long r = -1;

	pagemap = open("/proc/self/pagemap", O_RDONLY);
	kpageflags = open("/proc/kpageflags", O_RDONLY);
	if (pagemap >= 0 && kpageflags >= 0 &&
	    pread(pagemap, &entry, sizeof(entry),
		  (unsigned long)addr / page * sizeof(entry)) == sizeof(entry) &&
	    (entry & present) && (entry & pfn_mask) &&
	    pread(kpageflags, &flags, sizeof(flags),
		  (entry & pfn_mask) * sizeof(flags)) == sizeof(flags))
		r = flags;
	if (pagemap >= 0)
		close(pagemap);
	if (kpageflags >= 0)
		close(kpageflags);
	return r;
}

static long hugetlb_pool_number(const char *pool, const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/%s", pool, file);
	return okvm_read_number(path);
}

static bool hugetlb_pool_resize(const char *pool, long nr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/nr_hugepages", pool);
	return okvm_write_number(path, nr);
}

long okvm_hugetlb_pool_free(const char *pool)
{
	return hugetlb_pool_number(pool, "free_hugepages");
}

bool okvm_hugetlb_pool_grow(const char *pool, long nr_free, long *grown)
{
	long nr = hugetlb_pool_number(pool, "nr_hugepages");
	long free = okvm_hugetlb_pool_free(pool);

	*grown = 0;
	if (nr < 0 || free < 0)
		return false;
	if (free >= nr_free)
		return true;
	if (!hugetlb_pool_resize(pool, nr + nr_free - free))
		return false;
	/* The kernel gives what it finds: maybe less than asked. */
	*grown = hugetlb_pool_number(pool, "nr_hugepages") - nr;
	if (okvm_hugetlb_pool_free(pool) >= nr_free)
		return true;
	okvm_hugetlb_pool_shrink(pool, *grown);
	*grown = 0;
	return false;
}

void okvm_hugetlb_pool_shrink(const char *pool, long grown)
{
	if (grown > 0)
		hugetlb_pool_resize(pool, hugetlb_pool_number(pool, "nr_hugepages") - grown);
}

char *okvm_hugetlb_map(unsigned long long size, int size_flag, const char *pool,
		       long nr_needed, long *grown)
{
	char *mem;

	if (!okvm_hugetlb_pool_grow(pool, nr_needed, grown))
		return NULL;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | size_flag, -1, 0);
	if (mem == MAP_FAILED) {
		okvm_hugetlb_pool_shrink(pool, *grown);
		return NULL;
	}
	return mem;
}

void okvm_hugetlb_unmap(char *mem, unsigned long long size, const char *pool, long grown)
{
	munmap(mem, size);
	okvm_hugetlb_pool_shrink(pool, grown);
}
