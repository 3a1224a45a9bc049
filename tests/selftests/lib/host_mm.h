/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tests ask of the host's memory management: transparent hugepages,
 * numbers in sysfs and procfs files, and the flags of a host page.
 */
#ifndef _OKVM_SELFTEST_HOST_MM_H
#define _OKVM_SELFTEST_HOST_MM_H

#include <stdbool.h>

/* kB of AnonHugePages in the mapping that holds @addr (smaps), or -1. */
long okvm_anon_huge_kb(const void *addr);
/* Transparent hugepages are not "[never]". */
bool okvm_thp_possible(void);
/* The number in a sysfs or procfs file, or -1 (no such file, say). */
long okvm_read_number(const char *path);
/* Write @value to such a file; false if that is not possible. */
bool okvm_write_number(const char *path, long value);
/*
 * The /proc/kpageflags word (KPF_* bits) of the host page mapped at @addr,
 * or -1 if the page is not present or the files cannot be read (not root).
 */
long long okvm_host_page_flags(const void *addr);

/*
 * The hugetlbfs pool in sysfs directory @pool (e.g. hugepages-2048kB):
 * grow it until @nr_free of its pages are free, pages the machine reserved
 * at boot counting first; *@grown says by how much, for
 * okvm_hugetlb_pool_shrink(). False if the machine cannot provide them.
 */
bool okvm_hugetlb_pool_grow(const char *pool, long nr_free, long *grown);
/* Give back what okvm_hugetlb_pool_grow() took. */
void okvm_hugetlb_pool_shrink(const char *pool, long grown);
/* The pool's free pages now, or -1. */
long okvm_hugetlb_pool_free(const char *pool);
/*
 * Map @size bytes of hugetlbfs memory of page size @size_flag (MAP_HUGE_*)
 * from @pool, grown to @nr_needed free pages first. NULL if the machine
 * cannot provide them.
 */
char *okvm_hugetlb_map(unsigned long long size, int size_flag, const char *pool,
		       long nr_needed, long *grown);
/* Unmap it, and shrink the pool by what okvm_hugetlb_map() grew it. */
void okvm_hugetlb_unmap(char *mem, unsigned long long size, const char *pool, long grown);

#endif /* _OKVM_SELFTEST_HOST_MM_H */
