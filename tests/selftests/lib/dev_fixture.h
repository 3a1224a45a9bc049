/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the tests that ask the device itself: self->fd is the
 * device open for each test. Include after kselftest_harness.h, once.
 */
#ifndef OKVM_SELFTEST_DEV_FIXTURE_H
#define OKVM_SELFTEST_DEV_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "okvm_dev.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = okvm_dev_open(O_RDWR);
	ASSERT_GE(self->fd, 0) TH_LOG("open %s: %s", okvm_dev_path(), strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

#endif /* OKVM_SELFTEST_DEV_FIXTURE_H */
