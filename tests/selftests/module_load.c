// SPDX-License-Identifier: GPL-2.0
/*
 * okvm.ko loads, unloads and loads again, and refuses to load while another
 * hypervisor owns SVM. okvm-only: runs when OKVM_KO names the module file
 * and okvm is not loaded; OKVM_KVM_AMD_KOS lists kvm_amd and its dependencies
 * in load order.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"

#define BUSY_LINE "already in use by another hypervisor"

static int load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r, err;

	if (fd < 0)
		return -1;
	r = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return r;
}

/* "/x/kvm-amd.ko" -> "kvm_amd" */
static void module_name(const char *path, char *name, size_t size)
{
	char copy[256], *p;

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(name, size, "%s", basename(copy));
	p = strstr(name, ".ko");
	if (p)
		*p = '\0';
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static bool node_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/* True if a kernel log record written after @kmsg_fd was opened contains @text. */
static bool kmsg_has(int kmsg_fd, const char *text)
{
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: skip */
		if (n <= 0)
			return false;
		rec[n] = '\0';
		if (strstr(rec, text))
			return true;
	}
}

FIXTURE(okvm_ko) {
	const char *ko;
};

FIXTURE_SETUP(okvm_ko)
{
	self->ko = getenv("OKVM_KO");
	if (!self->ko || !*self->ko)
		SKIP(return, "OKVM_KO does not name okvm.ko");
	if (access("/sys/module/okvm", F_OK) == 0)
		SKIP(return, "okvm is loaded; these tests load it themselves");
}

FIXTURE_TEARDOWN(okvm_ko)
{
	if (self->ko)
		unload_module("okvm");
}

TEST_F(okvm_ko, load_unload_load)
{
	int round;

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, load_module(self->ko, ""))
			TH_LOG("load %d: %s", round, strerror(errno));
		EXPECT_TRUE(node_exists("/dev/okvm"));
		ASSERT_EQ(0, unload_module("okvm"))
			TH_LOG("unload %d: %s", round, strerror(errno));
		EXPECT_FALSE(node_exists("/dev/okvm"));
	}
}

TEST_F(okvm_ko, devname_parameter)
{
	int fd;

	ASSERT_EQ(0, load_module(self->ko, "devname=okvm_alt")) TH_LOG("%s", strerror(errno));
	EXPECT_FALSE(node_exists("/dev/okvm"));
	fd = open("/dev/okvm_alt", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(12, ioctl(fd, KVM_GET_API_VERSION, 0));
	close(fd);
	ASSERT_EQ(0, unload_module("okvm"));
	EXPECT_FALSE(node_exists("/dev/okvm_alt"));
}

/* A module cannot be unloaded while its device is open. */
TEST_F(okvm_ko, open_fd_pins_module)
{
	int fd;

	ASSERT_EQ(0, load_module(self->ko, ""));
	fd = open("/dev/okvm", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, unload_module("okvm"));
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
	EXPECT_EQ(0, unload_module("okvm"));
}

TEST_F(okvm_ko, refused_while_svm_owned)
{
	char *kos, *path, *saveptr = NULL;
	char names[8][64];
	int n = 0, kmsg;

	if (!getenv("OKVM_KVM_AMD_KOS"))
		SKIP(return, "OKVM_KVM_AMD_KOS does not list kvm_amd's modules");
	kos = strdup(getenv("OKVM_KVM_AMD_KOS"));
	ASSERT_NE(NULL, kos);

	for (path = strtok_r(kos, " ", &saveptr); path && n < 8;
	     path = strtok_r(NULL, " ", &saveptr)) {
		module_name(path, names[n], sizeof(names[n]));
		ASSERT_EQ(0, load_module(path, "")) TH_LOG("load %s: %s", path, strerror(errno));
		n++;
	}
	free(kos);

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(kmsg, 0);
	ASSERT_EQ(0, lseek(kmsg, 0, SEEK_END));

	EXPECT_EQ(-1, load_module(self->ko, ""));
	EXPECT_EQ(EBUSY, errno) TH_LOG("okvm loaded next to kvm_amd: %s", strerror(errno));
	EXPECT_TRUE(kmsg_has(kmsg, BUSY_LINE));
	EXPECT_FALSE(node_exists("/dev/okvm"));
	close(kmsg);

	while (n > 0) {
		const char *name = names[--n];

		EXPECT_EQ(0, unload_module(name)) TH_LOG("unload %s: %s", name, strerror(errno));
	}

	/* With SVM free again, okvm loads and leaves nothing behind. */
	EXPECT_EQ(0, load_module(self->ko, "")) TH_LOG("reload: %s", strerror(errno));
	EXPECT_TRUE(node_exists("/dev/okvm"));
}

TEST_HARNESS_MAIN
