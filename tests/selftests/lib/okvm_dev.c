// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <okvm.h>

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
