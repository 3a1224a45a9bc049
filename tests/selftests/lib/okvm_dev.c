// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <okvm.h>

#include "kernel_types.h"
#include "okvm_dev.h"

const char *okvm_dev_path(void)
{
	const char *path = getenv("OKVM_DEV");

	return path && *path ? path : "/dev/okvm";
}

int okvm_dev_open(int flags)
{
	return open(okvm_dev_path(), flags | O_CLOEXEC);
}

bool okvm_dev_is_okvm(int dev_fd)
{
	return ioctl(dev_fd, KVM_CHECK_EXTENSION, OKVM_CAP_ABI) > 0;
}

/* A module's reference count from sysfs, or -1. */
static long module_refcnt(const char *module)
{
	char path[64];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", module);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

long okvm_dev_module_refs(void)
{
	static const char * const kvm_modules[] = { "kvm", "kvm_amd", "kvm_intel" };
	int fd = okvm_dev_open(0);
	bool okvm = fd >= 0 && okvm_dev_is_okvm(fd);
	long refs = -1, n;
	size_t i;

	if (fd >= 0)
		close(fd);
	if (okvm)
		return module_refcnt("okvm");
	for (i = 0; i < ARRAY_SIZE(kvm_modules); i++) {
		n = module_refcnt(kvm_modules[i]);
		if (n >= 0)
			refs = (refs < 0 ? 0 : refs) + n;
	}
	return refs;
}
