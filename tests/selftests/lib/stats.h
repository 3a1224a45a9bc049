/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading KVM_GET_STATS_FD files: the binary statistics of a VM or a vCPU,
 * by name, the same way against okvm and KVM.
 */
#ifndef _OKVM_SELFTEST_STATS_H
#define _OKVM_SELFTEST_STATS_H

#include <stdbool.h>
#include <linux/kvm.h>

#include "kernel_types.h"

/**
 * struct okvm_stats - an open stats fd and its descriptors
 * @fd: the stats fd
 * @header: its header
 * @descs: the descriptors, each header.name_size bytes of name after it
 * @desc_size: bytes per descriptor, name included
 * @id: the id string, NUL-terminated
 */
struct okvm_stats {
	int fd;
	struct kvm_stats_header header;
	void *descs;
	size_t desc_size;
	char *id;
};

/* KVM_GET_STATS_FD on a VM or vCPU fd; read its id and descriptors. */
void okvm_stats_open(struct okvm_stats *st, int owner_fd);
void okvm_stats_close(struct okvm_stats *st);
/* The i-th descriptor. */
const struct kvm_stats_desc *okvm_stats_desc(const struct okvm_stats *st, u32 i);
/* The descriptor called @name, or NULL. */
const struct kvm_stats_desc *okvm_stats_find(const struct okvm_stats *st,
					     const char *name);
/* The current value of the size-1 statistic @name; okvm_fail() if absent. */
u64 okvm_stats_get(const struct okvm_stats *st, const char *name);

/* The statistic @name of a VM or vCPU fd, through a stats fd opened for the call. */
u64 okvm_stat(int owner_fd, const char *name);

/* A VM's leaves by size, as pages_4k, pages_2m and pages_1g say now. */
struct okvm_leaf_counts {
	u64 pages_4k, pages_2m, pages_1g;
};

/* The leaf counts of the VM @vm_fd, from a stats fd opened for the call. */
struct okvm_leaf_counts okvm_stats_leaf_counts(int vm_fd);

#endif /* _OKVM_SELFTEST_STATS_H */
