/* SPDX-License-Identifier: GPL-2.0 */
/*
 * okvm's APICv knobs for tests: userspace's own inhibit reason
 * (OKVM_CAP_APICV_USER_INHIBIT), and whether okvm was loaded with the
 * test-only parameter that makes SVM map the APIC-access page.
 */
#ifndef _OKVM_SELFTEST_APICV_H
#define _OKVM_SELFTEST_APICV_H

#include <stdbool.h>

#include "kernel_types.h"

struct okvm_vm;

/* KVM_ENABLE_CAP(OKVM_CAP_APICV_USER_INHIBIT) with @value: the ioctl's answer. */
int okvm_apicv_set_user_inhibit(struct okvm_vm *vm, u64 value);
/* okvm is loaded with apicv_test_access_page=1: APICv can be active on SVM. */
bool okvm_apicv_test_page_on(void);

#endif /* _OKVM_SELFTEST_APICV_H */
