/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-to-host calls ("ucalls") of the long-mode guests.
 *
 * The guest fills a struct okvm_ucall on its own stack and writes the
 * structure's address (guest memory is identity mapped below 4G, so 32 bits
 * are enough) with a 32-bit OUT to OKVM_UCALL_PORT. The host sees
 * KVM_EXIT_IO on that port, reads the address from the exit's data, and
 * copies the structure out of guest memory. Running the vCPU again completes
 * the OUT and the guest goes on.
 *
 * Guest side: GUEST_SYNC(value), GUEST_DONE(), GUEST_ASSERT(cond),
 * GUEST_ASSERT_EQ/GE/LE(a, b). A guest exception becomes UCALL_EXCEPTION
 * (see guest_entry.S).
 *
 * Host side: okvm_vcpu_run_to_ucall() runs until the next ucall and returns
 * it whatever it is; okvm_vcpu_expect_sync() and friends also fail the test
 * on a guest assertion, a guest exception or a ucall other than the one
 * expected, with file, line and values.
 */
#ifndef OKVM_SELFTEST_UCALL_H
#define OKVM_SELFTEST_UCALL_H

#include <stddef.h>

#include "vm.h"

/* Not a port any PC device decodes, so a stray access cannot be mistaken. */
#define OKVM_UCALL_PORT		0xf10

enum okvm_ucall_cmd {
	UCALL_SYNC = 1,		/* args[0]: value */
	UCALL_DONE,
	UCALL_ASSERT,		/* line, file, expr; args[0], args[1]: values */
	UCALL_EXCEPTION,	/* args: vector, error code, rip, cr2 */
};

struct okvm_ucall {
	u64 cmd;
	u64 args[4];
	u64 line;
	const char *file;	/* guest addresses of string literals */
	const char *expr;
};

/* Guest side. */
void okvm_guest_ucall(struct okvm_ucall *uc);
void okvm_guest_sync(u64 value);
__noreturn void okvm_guest_done(void);
__noreturn void okvm_guest_assert_failed(const char *file, int line, const char *expr,
					 u64 a, u64 b);

#define GUEST_SYNC(value)	okvm_guest_sync((u64)(value))
#define GUEST_DONE()		okvm_guest_done()

#define GUEST_ASSERT(cond) do {						\
	if (!(cond))							\
		okvm_guest_assert_failed(__FILE__, __LINE__, #cond, 0, 0); \
} while (0)

/* Compare as u64; on failure report both values. */
#define __GUEST_ASSERT_CMP(a, op, b) do {				\
	u64 __guest_a = (u64)(a);					\
	u64 __guest_b = (u64)(b);					\
	if (!(__guest_a op __guest_b))					\
		okvm_guest_assert_failed(__FILE__, __LINE__,		\
					 #a " " #op " " #b, __guest_a, __guest_b); \
} while (0)

#define GUEST_ASSERT_EQ(a, b)	__GUEST_ASSERT_CMP(a, ==, b)
#define GUEST_ASSERT_GE(a, b)	__GUEST_ASSERT_CMP(a, >=, b)
#define GUEST_ASSERT_LE(a, b)	__GUEST_ASSERT_CMP(a, <=, b)

/* Host side. */

/*
 * Run @vcpu until its next ucall, copy it to @uc and return its command.
 * Any other exit, or a KVM_RUN error, fails the test with the exit reason
 * and the registers.
 */
u64 okvm_vcpu_run_to_ucall(struct okvm_vcpu *vcpu, struct okvm_ucall *uc);

/* The same for the exit the vCPU has just made, for tests that run it raw. */
u64 okvm_vcpu_decode_ucall(struct okvm_vcpu *vcpu, struct okvm_ucall *uc);

/* Copy the NUL-terminated guest string at @gva into @buf (truncating). */
void okvm_guest_string(struct okvm_vm *vm, const char *gva, char *buf, size_t size);

/* "guest assertion 'x == y' failed at f.c:12: 0x1 != 0x2", and the like. */
void okvm_ucall_describe(struct okvm_vm *vm, const struct okvm_ucall *uc,
			 char *buf, size_t size);

/* Run to the next ucall, which must be SYNC: return its value. */
u64 __okvm_vcpu_next_sync(struct okvm_vcpu *vcpu, const char *file, int line);
/* Run to the next ucall, which must be SYNC with @value. */
void __okvm_vcpu_expect_sync(struct okvm_vcpu *vcpu, u64 value,
			     const char *file, int line);
/* Run to the next ucall, which must be DONE. */
void __okvm_vcpu_expect_done(struct okvm_vcpu *vcpu, const char *file, int line);

#define okvm_vcpu_next_sync(vcpu) __okvm_vcpu_next_sync(vcpu, __FILE__, __LINE__)
#define okvm_vcpu_expect_sync(vcpu, value) \
	__okvm_vcpu_expect_sync(vcpu, value, __FILE__, __LINE__)
#define okvm_vcpu_expect_done(vcpu) __okvm_vcpu_expect_done(vcpu, __FILE__, __LINE__)

#endif /* OKVM_SELFTEST_UCALL_H */
