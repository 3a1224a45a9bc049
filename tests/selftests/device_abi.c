// SPDX-License-Identifier: GPL-2.0
/*
 * The device node answers the device-level KVM ioctls as <linux/kvm.h> says.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <okvm.h>

#include "kselftest_harness.h"
#include "lib/dev_fixture.h"

TEST_F(dev, api_version_is_12)
{
	EXPECT_EQ(12, ioctl(self->fd, KVM_GET_API_VERSION, 0));
}

TEST_F(dev, api_version_rejects_argument)
{
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, unknown_capability_is_zero)
{
	EXPECT_EQ(0, ioctl(self->fd, KVM_CHECK_EXTENSION, 100000));
	EXPECT_EQ(0, ioctl(self->fd, KVM_CHECK_EXTENSION, -1));
	EXPECT_EQ(0, ioctl(self->fd, KVM_CHECK_EXTENSION, OKVM_CAP_BASE + 0xffff));
}

TEST_F(dev, okvm_abi_capability)
{
	int rev = ioctl(self->fd, KVM_CHECK_EXTENSION, OKVM_CAP_ABI);

	if (!okvm_dev_is_okvm(self->fd))
		SKIP(return, "upstream KVM has no okvm extensions");
	EXPECT_EQ(OKVM_ABI_REVISION, rev);
}

/*
 * okvm answers ENOTTY, the kernel's errno for an ioctl a file does not know;
 * upstream KVM's device answers EINVAL (kvm_arch_dev_ioctl's default), a
 * documented difference (Documentation/api.rst).
 */
static void expect_unknown_ioctl(struct __test_metadata *_metadata, int fd,
				 unsigned long nr)
{
	int expected = okvm_dev_is_okvm(fd) ? ENOTTY : EINVAL;

	EXPECT_EQ(-1, ioctl(fd, nr, 0));
	EXPECT_EQ(expected, errno) TH_LOG("ioctl 0x%lx: %s", nr, strerror(errno));
}

TEST_F(dev, unknown_ioctl_fails)
{
	expect_unknown_ioctl(_metadata, self->fd, _IO(KVMIO, 0xfe));
	expect_unknown_ioctl(_metadata, self->fd, _IO('x', 1));
	/* A vCPU ioctl means nothing on the device fd. */
	expect_unknown_ioctl(_metadata, self->fd, KVM_RUN);
}

/* The node is mode 0600: root only, unless the administrator changes it. */
/* The XSAVE components a guest may enable: x87 and SSE at least, AMX not here. */
TEST_F(dev, xcomp_guest_supp_attribute)
{
	__u64 xcr0 = 0;
	struct kvm_device_attr attr = {
		.group = 0, .attr = KVM_X86_XCOMP_GUEST_SUPP, .addr = (unsigned long)&xcr0,
	};

	ASSERT_EQ(0, ioctl(self->fd, KVM_HAS_DEVICE_ATTR, &attr));
	ASSERT_EQ(0, ioctl(self->fd, KVM_GET_DEVICE_ATTR, &attr));
	EXPECT_EQ(3, xcr0 & 3);
	attr.attr = 0x1234;
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_DEVICE_ATTR, &attr));
	EXPECT_EQ(ENXIO, errno);
	attr.group = 99;	/* 1 is SEV's on kvm_amd */
	attr.attr = KVM_X86_XCOMP_GUEST_SUPP;
	EXPECT_EQ(-1, ioctl(self->fd, KVM_HAS_DEVICE_ATTR, &attr));
	EXPECT_EQ(ENXIO, errno);
}

/* The machine-check capabilities: MCG_CTL_P and MCG_SER_P, as KVM on AMD; never CMCI. */
TEST_F(dev, mce_cap_supported)
{
	__u64 mcg_cap = ~0ULL;

	ASSERT_EQ(0, ioctl(self->fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &mcg_cap));
	EXPECT_EQ(0, mcg_cap & (1ULL << 10));	/* MCG_CMCI_P */
	if (okvm_dev_is_okvm(self->fd))
		EXPECT_EQ((1ULL << 8) | (1ULL << 24), mcg_cap);
}

TEST(nonroot_cannot_open)
{
	struct stat st;
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop to another user");
	ASSERT_EQ(0, stat(okvm_dev_path(), &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	if ((st.st_mode & 0777) != 0600)
		SKIP(return, "%s is mode %o, not 0600", okvm_dev_path(), st.st_mode & 0777);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = okvm_dev_open(O_RDWR);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("nobody could open %s", okvm_dev_path());
}

TEST_HARNESS_MAIN
