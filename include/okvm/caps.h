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
 * @value_fn: computes the value instead, for answers known only at run time
 *	(0 where the host lacks what the capability needs)
 */
struct okvm_cap {
	u32 cap;
	long value;
	long (*value_fn)(void);
};

long okvm_check_extension(long cap);
long okvm_cap_get(const struct okvm_cap *cap);
const struct okvm_cap *okvm_caps(size_t *nr_caps);

#endif /* _OKVM_CAPS_H */
