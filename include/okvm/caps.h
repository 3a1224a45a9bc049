/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The answers okvm gives to KVM_CHECK_EXTENSION.
 */
#ifndef _OKVM_CAPS_H
#define _OKVM_CAPS_H

#include <linux/types.h>

/**
 * struct okvm_cap - one capability okvm implements
 * @cap: the KVM_CAP_* or OKVM_CAP_* number
 * @value: what KVM_CHECK_EXTENSION returns for it (> 0)
 */
struct okvm_cap {
	u32 cap;
	long value;
};

long okvm_check_extension(long cap);
const struct okvm_cap *okvm_caps(size_t *nr_caps);

#endif /* _OKVM_CAPS_H */
