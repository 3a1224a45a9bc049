// SPDX-License-Identifier: GPL-2.0
/* okvm's APICv knobs for tests (see apicv.h). */
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <okvm.h>

#include "apicv.h"
#include "vm.h"

#define TEST_PAGE_PARAM "/sys/module/okvm/parameters/apicv_test_access_page"

int okvm_apicv_set_user_inhibit(struct okvm_vm *vm, u64 value)
{
	struct kvm_enable_cap cap = { .cap = OKVM_CAP_APICV_USER_INHIBIT, .args = { value } };

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

bool okvm_apicv_test_page_on(void)
{
	FILE *f = fopen(TEST_PAGE_PARAM, "r");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return c == 'Y';
}
