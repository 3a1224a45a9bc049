/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of guest accesses that reach the VMM as KVM_EXIT_MMIO: to
 * guest-physical memory no slot backs, or writes to a read-only slot.
 *
 * A test lists the accesses its guest makes, in order, and checks each exit
 * against the list; the data of a read is what the host answers, and the
 * next KVM_RUN completes the guest's instruction with it.
 */
#ifndef OKVM_SELFTEST_MMIO_H
#define OKVM_SELFTEST_MMIO_H

#include <stdbool.h>

#include "vm.h"

struct okvm_mmio_access {
	u64 gpa;
	u32 len;		/* 1, 2, 4 or 8 */
	bool is_write;
	u64 data;		/* what the guest writes, or the answer to its read */
};

#define MMIO_WRITE(gpa_, len_, data_) \
	{ .gpa = (gpa_), .len = (len_), .is_write = true, .data = (data_) }
#define MMIO_READ(gpa_, len_, answer_) \
	{ .gpa = (gpa_), .len = (len_), .is_write = false, .data = (answer_) }

/*
 * Run @vcpu once: the exit must be KVM_EXIT_MMIO with @access's address,
 * length, direction and (for a write) the low @access->len bytes of its
 * data; a read is answered with @access->data. Anything else fails the
 * test, with the guest's assertion or exception if the exit is a ucall.
 */
void __okvm_vcpu_expect_mmio(struct okvm_vcpu *vcpu, const struct okvm_mmio_access *access,
			     const char *file, int line);
#define okvm_vcpu_expect_mmio(vcpu, access) \
	__okvm_vcpu_expect_mmio(vcpu, access, __FILE__, __LINE__)

/*
 * okvm_vcpu_expect_mmio() for each of @nr_accesses, in order; a mismatch
 * also says which access of the list it was.
 */
void __okvm_vcpu_expect_mmio_list(struct okvm_vcpu *vcpu,
				  const struct okvm_mmio_access *accesses,
				  unsigned int nr_accesses, const char *file, int line);
#define okvm_vcpu_expect_mmio_list(vcpu, accesses, nr_accesses) \
	__okvm_vcpu_expect_mmio_list(vcpu, accesses, nr_accesses, __FILE__, __LINE__)

#endif /* OKVM_SELFTEST_MMIO_H */
