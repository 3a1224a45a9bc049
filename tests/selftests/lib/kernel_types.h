/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's short type names and helper macros, so the selftests can be
 * written (and checkpatch'd) in kernel style. kselftest.h brings __printf,
 * __noreturn and ARRAY_SIZE.
 */
#ifndef OKVM_SELFTEST_KERNEL_TYPES_H
#define OKVM_SELFTEST_KERNEL_TYPES_H

#include <stdint.h>
#include <linux/types.h>

#include "kselftest.h"

typedef __s8 s8;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define BIT_ULL(n)		(1ULL << (n))

/*
 * One real load or store, neither merged, split nor moved out of a loop by
 * the compiler: for memory that the other side (host or guest) changes.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

/* Count one up in a store of its own, for a counter another thread polls. */
static inline void okvm_count(u64 *counter)
{
	WRITE_ONCE(*counter, READ_ONCE(*counter) + 1);
}

/* The compiler keeps no memory access across it (a handler may run). */
static inline void barrier(void)
{
	asm volatile("" : : : "memory");
}

/*
 * A function that is only its asm statement: no prologue, no epilogue.
 * For guest exception handlers written in assembly inside a test.
 */
#define __naked			__attribute__((__naked__))

/* A macro's value as a string, for constants inside those handlers. */
#define __stringify_1(x)	#x
#define __stringify(x)		__stringify_1(x)

#endif /* OKVM_SELFTEST_KERNEL_TYPES_H */
