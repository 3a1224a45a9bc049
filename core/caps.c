// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CHECK_EXTENSION: one table holds every capability okvm implements, so
 * the answer a client gets and the code that exists cannot drift apart.
 * Anything not in the table answers 0, as KVM answers for what it lacks.
 */
#include <linux/kernel.h>
#include <uapi/linux/kvm.h>

#include <okvm/caps.h>
#include <uapi/okvm.h>

static const struct okvm_cap okvm_cap_table[] = {
	{ OKVM_CAP_ABI, OKVM_ABI_REVISION },
};

/**
 * okvm_caps() - the capability table, for tests and documentation
 * @nr_caps: set to the number of entries
 *
 * Return: the first entry.
 */
const struct okvm_cap *okvm_caps(size_t *nr_caps)
{
	*nr_caps = ARRAY_SIZE(okvm_cap_table);
	return okvm_cap_table;
}

/**
 * okvm_check_extension() - answer KVM_CHECK_EXTENSION
 * @cap: the capability number userspace asked about
 *
 * Return: the capability's value, or 0 if okvm does not implement it.
 */
long okvm_check_extension(long cap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(okvm_cap_table); i++)
		if (okvm_cap_table[i].cap == cap)
			return okvm_cap_table[i].value;
	return 0;
}
