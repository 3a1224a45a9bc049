// SPDX-License-Identifier: GPL-2.0
/*
 * okvm.ko loads, unloads and loads again, and refuses to load while another
 * hypervisor owns SVM; with devname=kvm it is a drop-in /dev/kvm, which a
 * user in the node's group may open and others may not. okvm-only: runs
 * when OKVM_KO names the module file and okvm is not loaded;
 * OKVM_KVM_AMD_KOS lists kvm_amd and its dependencies in load order;
 * OKVM_KVM_NODE_GID and OKVM_KVM_NODE_MODE are the group and mode (octal)
 * the distribution's udev rule gives /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"

#define BUSY_LINE "already in use by another hypervisor"
#define NODE_TAKEN_LINE "/dev/kvm is taken"
/* KVM's node, 10:232: MISC_MAJOR and KVM_MINOR of the kernel's own headers. */
#define MISC_MAJOR 10
#define KVM_MINOR 232
/* Unprivileged ids of the drop-in tests: one in the node's group, one not. */
#define MEMBER_UID 1000
#define STRANGER_UID 1001
#define DROP_IN_LOG "/tmp/okvm-drop-in-selftest.log"

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

struct kvm_modules {
	char names[8][64];
	int n;
};

/*
 * Load OKVM_KVM_AMD_KOS in order, giving kvm.ko @kvm_params: 0, -ENOENT if
 * the list is not set, or the load's error (the failing module's name is
 * then mods->names[mods->n]).
 */
static int load_kvm_amd(struct kvm_modules *mods, const char *kvm_params)
{
	char *kos, *path, *saveptr = NULL;
	int r = 0;

	mods->n = 0;
	if (!getenv("OKVM_KVM_AMD_KOS"))
		return -ENOENT;
	kos = strdup(getenv("OKVM_KVM_AMD_KOS"));
	if (!kos)
		return -ENOMEM;
	for (path = strtok_r(kos, " ", &saveptr); path && mods->n < 8;
	     path = strtok_r(NULL, " ", &saveptr)) {
		char *name = mods->names[mods->n];

		module_name(path, name, sizeof(mods->names[0]));
		if (load_module(path, strcmp(name, "kvm") ? "" : kvm_params)) {
			r = -errno;
			break;
		}
		mods->n++;
	}
	free(kos);
	return r;
}

/* Unload what load_kvm_amd() loaded, last first; the number that failed. */
static int unload_kvm_amd(struct kvm_modules *mods)
{
	int failed = 0;

	while (mods->n > 0)
		failed += unload_module(mods->names[--mods->n]) != 0;
	return failed;
}

static int api_version_of(const char *node)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	return r;
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
	struct kvm_modules mods;
	int r, kmsg;

	r = load_kvm_amd(&mods, "");
	if (r == -ENOENT)
		SKIP(return, "OKVM_KVM_AMD_KOS does not list kvm_amd's modules");
	ASSERT_EQ(0, r) TH_LOG("load %s: %s", mods.names[mods.n], strerror(-r));

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(kmsg, 0);
	ASSERT_EQ(0, lseek(kmsg, 0, SEEK_END));

	EXPECT_EQ(-1, load_module(self->ko, ""));
	EXPECT_EQ(EBUSY, errno) TH_LOG("okvm loaded next to kvm_amd: %s", strerror(errno));
	EXPECT_TRUE(kmsg_has(kmsg, BUSY_LINE));
	EXPECT_FALSE(node_exists("/dev/okvm"));
	close(kmsg);

	EXPECT_EQ(0, unload_kvm_amd(&mods));

	/* With SVM free again, okvm loads and leaves nothing behind. */
	EXPECT_EQ(0, load_module(self->ko, "")) TH_LOG("reload: %s", strerror(errno));
	EXPECT_TRUE(node_exists("/dev/okvm"));
}

/* KVM's own node: character device 10:232, and the mode udev would give it. */
TEST_F(okvm_ko, drop_in_dev_kvm_is_kvms_node)
{
	const char *mode = getenv("OKVM_KVM_NODE_MODE");
	struct stat st;

	if (!mode)
		SKIP(return, "OKVM_KVM_NODE_MODE does not give udev's mode of /dev/kvm");
	ASSERT_FALSE(node_exists("/dev/kvm")) TH_LOG("another driver's /dev/kvm is there");
	ASSERT_EQ(0, load_module(self->ko, "devname=kvm")) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, stat("/dev/kvm", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));
	EXPECT_EQ(KVM_MINOR, minor(st.st_rdev));
	EXPECT_EQ(strtoul(mode, NULL, 8), st.st_mode & 07777);
	EXPECT_EQ(12, api_version_of("/dev/kvm"));
	EXPECT_FALSE(node_exists("/dev/okvm"));
	ASSERT_EQ(0, unload_module("okvm"));
	EXPECT_FALSE(node_exists("/dev/kvm"));
}

/*
 * kvm_amd with kvm.enable_virt_at_load=0 holds /dev/kvm without holding SVM:
 * okvm as /dev/kvm must then refuse to load, say why, and leave KVM's node
 * working.
 */
TEST_F(okvm_ko, drop_in_refused_while_kvm_holds_dev_kvm)
{
	struct kvm_modules mods;
	int r, kmsg;

	r = load_kvm_amd(&mods, "enable_virt_at_load=0");
	if (r == -ENOENT)
		SKIP(return, "OKVM_KVM_AMD_KOS does not list kvm_amd's modules");
	ASSERT_EQ(0, r) TH_LOG("load %s: %s", mods.names[mods.n], strerror(-r));
	ASSERT_TRUE(node_exists("/dev/kvm"));

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(kmsg, 0);
	ASSERT_EQ(0, lseek(kmsg, 0, SEEK_END));

	EXPECT_EQ(-1, load_module(self->ko, "devname=kvm"));
	EXPECT_EQ(EBUSY, errno) TH_LOG("okvm took /dev/kvm from KVM: %s", strerror(errno));
	EXPECT_TRUE(kmsg_has(kmsg, NODE_TAKEN_LINE));
	EXPECT_NE(0, access("/sys/module/okvm", F_OK));
	close(kmsg);
	EXPECT_EQ(12, api_version_of("/dev/kvm"));

	EXPECT_EQ(0, unload_kvm_amd(&mods));
	EXPECT_FALSE(node_exists("/dev/kvm"));
}

/* Become @uid, in group @gid only if @gid is not -1; false on failure. */
static bool become_user(uid_t uid, gid_t gid)
{
	gid_t groups[1] = { gid };

	if (setgroups(gid == (gid_t)-1 ? 0 : 1, groups))
		return false;
	return setresgid(uid, uid, uid) == 0 && setresuid(uid, uid, uid) == 0;
}

/*
 * Exit status of the program @path run as @uid (in group @gid unless -1),
 * its output into @log_fd; 126 if the ids could not be taken, 127 if exec
 * failed.
 */
static int run_as(uid_t uid, gid_t gid, const char *path, int log_fd)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		if (!become_user(uid, gid))
			_exit(126);
		setenv("OKVM_DEV", "/dev/kvm", 1);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* errno of opening @path as @uid (in group @gid unless -1), 0 if it opens. */
static int open_errno_as(uid_t uid, gid_t gid, const char *path)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (!become_user(uid, gid))
			_exit(255);
		fd = open(path, O_RDWR | O_CLOEXEC);
		_exit(fd < 0 ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void print_log(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "# | %s", line);
	fclose(f);
}

/*
 * Drop-in mode as a distribution runs it: udev gives the node its group and
 * mode (done here by hand, as the rule says); a user in that group runs a
 * selftest on it, a user outside it gets EACCES.
 */
TEST_F(okvm_ko, drop_in_group_kvm_may_open_it_others_may_not)
{
	const char *gid_env = getenv("OKVM_KVM_NODE_GID");
	const char *mode_env = getenv("OKVM_KVM_NODE_MODE");
	char exe[256], selftest[300];
	int log_fd, status;
	ssize_t len;
	gid_t gid;

	if (!gid_env || !mode_env)
		SKIP(return, "OKVM_KVM_NODE_GID/_MODE do not give udev's /dev/kvm");
	gid = strtoul(gid_env, NULL, 10);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_GT(len, 0);
	exe[len] = '\0';
	snprintf(selftest, sizeof(selftest), "%s/guest_ucall", dirname(exe));
	ASSERT_EQ(0, access(selftest, X_OK)) TH_LOG("%s: %s", selftest, strerror(errno));

	ASSERT_EQ(0, load_module(self->ko, "devname=kvm")) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, chown("/dev/kvm", 0, gid));
	ASSERT_EQ(0, chmod("/dev/kvm", strtoul(mode_env, NULL, 8)));

	log_fd = open(DROP_IN_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_GE(log_fd, 0);
	status = run_as(MEMBER_UID, gid, selftest, log_fd);
	close(log_fd);
	EXPECT_EQ(0, status) TH_LOG("guest_ucall as uid %d in group %u: exit %d",
				    MEMBER_UID, gid, status);
	if (status)
		print_log(DROP_IN_LOG);

	EXPECT_EQ(0, open_errno_as(MEMBER_UID, gid, "/dev/kvm"));
	/* The stranger reaches /dev; only the node's group and mode stop it. */
	EXPECT_EQ(0, open_errno_as(STRANGER_UID, -1, "/dev/null"));
	EXPECT_EQ(EACCES, open_errno_as(STRANGER_UID, -1, "/dev/kvm"));
	ASSERT_EQ(0, unload_module("okvm"));
}

TEST_HARNESS_MAIN
