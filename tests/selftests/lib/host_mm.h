/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tests ask of the host's memory management: transparent hugepages,
 * and numbers in sysfs and procfs files.
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

#endif /* _OKVM_SELFTEST_HOST_MM_H */
