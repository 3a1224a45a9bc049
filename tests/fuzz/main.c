// SPDX-License-Identifier: GPL-2.0
/*
 * okvm-fuzz: fuzz the device named by OKVM_DEV (default /dev/okvm; the same
 * binary fuzzes KVM with OKVM_DEV=/dev/kvm) for a given time, from a seed.
 *
 * The harness (this file) runs each fuzz run in a worker process of its own
 * in a new memory cgroup, and prints TAP:
 *  - the worker finished in time, not killed by a signal (the host's own
 *    health, splats and hangs, is judged from the kernel log by the rig);
 *  - forked children got EIO from every VM and vCPU ioctl on the parent's
 *    fds;
 *  - once the worker is gone, the kernel memory charged to its cgroup is
 *    back to what it was: every okvm allocation is GFP_KERNEL_ACCOUNT, so a
 *    leak stays charged there;
 *  - with fault injection (--fail-seconds): systematic allocation failures
 *    (fail-nth) give errors and leave nothing behind that would make the
 *    clean retry fail, random failures (failslab, fail_page_alloc, scoped to
 *    the worker's fuzz thread) leave a host that survives, and no memory.
 * The first line is the seed; a failure prints the command that repeats it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "../selftests/lib/okvm_dev.h"

#define CGROUP_ROOT		"/sys/fs/cgroup"
#define LEAK_SLACK		(64 * 1024)
#define WORKER_GRACE		60

struct fuzz_config cfg = {
	.seconds = 10,
	.threads = 2,
	.churners = 1,
	.fork = true,
	.random_state = true,
};

struct fuzz_results *results;
bool dev_is_okvm;
int dev_fd = -1;

static unsigned int fail_seconds;
static unsigned int fail_percent = 10;
static bool leak_check = true;
static const char *label;
static unsigned int test_nr;
static bool failed;

__printf(2, 3) static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u %s: ", ok ? "ok" : "not ok", ++test_nr, label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed |= !ok;
	fflush(stdout);
}

static void tap_skip(const char *what, const char *why)
{
	printf("ok %u %s: %s # SKIP %s\n", ++test_nr, label, what, why);
	fflush(stdout);
}

static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, s, strlen(s));
		close(fd);
	}
	return n == (ssize_t)strlen(s);
}

static long long read_number(const char *path, const char *key)
{
	char buf[8192], *p;
	long long v = -1;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (!key)
		return strtoll(buf, NULL, 10);
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t len = strlen(key);

		if (!strncmp(p, key, len) && p[len] == ' ')
			return strtoll(p + len + 1, NULL, 10);
	}
	return v;
}

/* A fresh memory cgroup for one worker; false if there is no memcg. */
static bool cgroup_create(char *path, size_t size, unsigned int run)
{
	char file[256];

	if (access(CGROUP_ROOT "/cgroup.controllers", F_OK))
		return false;
	write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
	snprintf(path, size, CGROUP_ROOT "/okvm-fuzz-%d-%u", getpid(), run);
	if (mkdir(path, 0755) && errno != EEXIST)
		return false;
	snprintf(file, sizeof(file), "%s/memory.current", path);
	if (access(file, F_OK)) {
		rmdir(path);
		return false;
	}
	return true;
}

/*
 * The memory still charged to the cgroup, its tasks gone: drain the per-CPU
 * charge caches and reclaim what is reclaimable (memory.high = 0), until
 * what RCU-deferred frees still hold is released. A page the worker faulted
 * in last may still sit in another CPU's LRU-add batch, which holds a
 * reference that neither exit nor memcg reclaim drops (CI once saw 19 such
 * pages, 77824 bytes); compaction drains every CPU's batches first.
 */
static long long cgroup_charged(const char *path, long long *kernel, long long *anon)
{
	char high[256], current[256], stat[256];
	long long now = -1, last = -1;
	int i, same = 0;

	snprintf(high, sizeof(high), "%s/memory.high", path);
	snprintf(current, sizeof(current), "%s/memory.current", path);
	snprintf(stat, sizeof(stat), "%s/memory.stat", path);
	/* Until nothing is left, or the same is left for 2 s (CPUs drain late). */
	for (i = 0; i < 40; i++) {
		write_file("/proc/sys/vm/compact_memory", "1");
		write_file(high, "0");
		now = read_number(current, NULL);
		same = now == last ? same + 1 : 0;
		last = now;
		if (!now || same >= 8)
			break;
		usleep(250 * 1000);
	}
	write_file(high, "max");
	/*
	 * memory.stat is flushed every 2 s at the latest; read both again
	 * after that, since memory.current too was seen to lag (110592 bytes
	 * for 2 s while every counter of memory.stat read 0).
	 */
	sleep(2);
	*kernel = read_number(stat, "kernel");
	*anon = read_number(stat, "anon");
	return read_number(current, NULL);
}

static void print_stat_lines(const char *path)
{
	static const char * const keys[] = { "kernel", "slab_unreclaimable", "slab_reclaimable",
					     "percpu", "vmalloc", "pagetables", "kernel_stack",
					     "sec_pagetables", "anon", "file", "shmem" };
	char stat[256];
	unsigned int i;

	snprintf(stat, sizeof(stat), "%s/memory.stat", path);
	printf("#  ");
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		printf(" %s=%lld", keys[i], read_number(stat, keys[i]));
	printf("\n");
}

static const char * const exit_names[] = {
	"UNKNOWN", "EXCEPTION", "IO", "HYPERCALL", "DEBUG", "HLT", "MMIO", "IRQ_WINDOW_OPEN",
	"SHUTDOWN", "FAIL_ENTRY", "INTR", "SET_TPR", "TPR_ACCESS", "S390_SIEIC", "S390_RESET",
	"DCR", "NMI", "INTERNAL_ERROR", "OSI", "PAPR_HCALL", "S390_UCONTROL", "WATCHDOG",
	"S390_TSCH", "EPR", "SYSTEM_EVENT", "S390_STSI", "IOAPIC_EOI", "HYPERV", "ARM_NISV",
	"X86_RDMSR", "X86_WRMSR", "DIRTY_RING_FULL", "AP_RESET_HOLD", "X86_BUS_LOCK", "XEN",
	"RISCV_SBI", "RISCV_CSR", "NOTIFY", "LOONGARCH_IOCSR", "MEMORY_FAULT",
};

static const char summary[] =
	"# %llu ops %llu ioctls %llu runs %llu VMs %llu vCPUs %llu slots %llu churns %llu forks\n";

static void print_results(void)
{
	unsigned int i;

	printf(summary, (unsigned long long)results->ops, (unsigned long long)results->ioctls,
	       (unsigned long long)results->runs, (unsigned long long)results->vms,
	       (unsigned long long)results->vcpus, (unsigned long long)results->slots_ok,
	       (unsigned long long)results->churns, (unsigned long long)results->forks);
	printf("# exits:");
	for (i = 0; i < ARRAY_SIZE(results->exits); i++)
		if (results->exits[i])
			printf(" %s=%llu", i < ARRAY_SIZE(exit_names) ? exit_names[i] : "other",
			       (unsigned long long)results->exits[i]);
	printf("\n");
	if (results->bug_msg[0])
		printf("# fuzzer: %s\n", results->bug_msg);
	fflush(stdout);
}

/* One worker run; returns false if it did not end by itself in time. */
static bool run_worker(const char *cg, int *status)
{
	char procs[256];
	unsigned int waited;
	pid_t pid;

	memset(results, 0, sizeof(*results));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		*status = -1;
		return true;
	}
	if (pid == 0) {
		if (cg) {
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
			if (!write_file(procs, "0"))
				note_once(results->bug_msg, sizeof(results->bug_msg),
					  "cannot enter the cgroup %s", cg);
		}
		_exit(worker_main());
	}
	for (waited = 0; waited < (cfg.seconds + WORKER_GRACE) * 10; waited++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		usleep(100 * 1000);
	}
	kill(pid, SIGKILL);
	for (waited = 0; waited < 300; waited++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return false;
		usleep(100 * 1000);
	}
	*status = -1;
	return false;
}

static void leak_result(const char *cg, const char *what)
{
	long long charged, kernel, anon;

	if (!cg) {
		tap_skip(what, "no memory cgroup (cgroup2 with the memory controller)");
		return;
	}
	charged = cgroup_charged(cg, &kernel, &anon);
	tap(charged >= 0 && charged <= LEAK_SLACK,
	    "%s: %lld bytes still charged (kernel %lld, anon %lld), at most %llu allowed",
	    what, charged, kernel, anon, (unsigned long long)LEAK_SLACK);
	if (charged > LEAK_SLACK)
		print_stat_lines(cg);
}

/*
 * Run one worker in its own cgroup; TAP for its survival, its forked
 * children, its fail-nth calls, and its leaks.
 */
static bool fuzz_pass(const char *what, unsigned int run, bool check_fork)
{
	char cg[128];
	bool have_cg = leak_check && cgroup_create(cg, sizeof(cg), run);
	bool in_time;
	int status;

	in_time = run_worker(have_cg ? cg : NULL, &status);
	print_results();
	if (!in_time) {
		tap(false, "%s: the worker did not finish within %u s of its end%s", what,
		    WORKER_GRACE, status == -1 ? ", and could not be killed" : "");
		if (status == -1)
			return false;
	} else {
		tap(WIFEXITED(status) && !WEXITSTATUS(status) && !results->fuzzer_bugs,
		    "%s, the fuzzer survived (%s %d)", what,
		    WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	if (cfg.fail_nth)
		tap(!results->fi_bad && results->fi_injected,
		    "%llu calls with their 1st, 2nd, ... allocation failing (%llu failed): errors only, and the clean retries did what they would have done%s%s",
		    (unsigned long long)results->fi_calls, (unsigned long long)results->fi_injected,
		    results->fi_msg[0] ? ": " : "", results->fi_msg);
	if (check_fork) {
		if (!results->forks)
			tap_skip("forked children get EIO from the parent's fds", "no fork");
		else
			tap(!results->fork_bad,
			    "%llu forked children got EIO from every VM and vCPU ioctl%s%s",
			    (unsigned long long)results->forks, results->fork_msg[0] ? ": " : "",
			    results->fork_msg);
	}
	leak_result(have_cg ? cg : NULL, "kernel memory charged to the worker's cgroup is back");
	if (have_cg)
		rmdir(cg);
	return true;
}

/*
 * A line in the kernel log. Allocation failures that the kernel reports
 * itself (vmalloc's warn_alloc) are expected inside these markers, and
 * tests/vm/judge.py does not count them as splats there.
 */
static void log_to_kernel(const char *line)
{
	write_file("/dev/kmsg", line);
}

static const char * const fault_dirs[] = {
	"/sys/kernel/debug/failslab", "/sys/kernel/debug/fail_page_alloc",
};

/* Point failslab and fail_page_alloc at tasks with make-it-fail, any allocation. */
static bool fault_setup(unsigned int percent)
{
	char path[256], value[16];
	unsigned int i;
	bool ok = true;

	snprintf(value, sizeof(value), "%u", percent);
	for (i = 0; i < ARRAY_SIZE(fault_dirs); i++) {
		const char *d = fault_dirs[i];

#define SET(file, v) do {						\
		snprintf(path, sizeof(path), "%s/" file, d);		\
		ok &= write_file(path, v);				\
	} while (0)
		SET("task-filter", "Y");
		SET("verbose", "0");
		SET("interval", "1");
		SET("times", "-1");
		SET("space", "0");
		SET("ignore-gfp-wait", "N");
		SET("probability", value);
		if (i == 1) {
			SET("min-order", "0");
			SET("ignore-gfp-highmem", "Y");
		}
#undef SET
	}
	return ok;
}

static const char repeat[] =
	"# FAILED: repeat: OKVM_DEV=%s okvm-fuzz -S 0x%llx -s %u%s (make fuzz SEED=0x%llx)\n";

static void help(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-s SECONDS] [-S SEED] [-t THREADS] [-c CHURNERS] [-f FAIL_SECONDS]\n"
		"          [-p FAIL_PERCENT] [--no-fork] [--no-leak-check] [--nested-state]\n"
		"          [--no-random-guest-state] [--trace] [--skip OP,...]\n"
		"OKVM_DEV names the device (default /dev/okvm).\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "churners", required_argument, NULL, 'c' },
		{ "fail-seconds", required_argument, NULL, 'f' },
		{ "fail-percent", required_argument, NULL, 'p' },
		{ "no-fork", no_argument, NULL, 'F' },
		{ "no-leak-check", no_argument, NULL, 'L' },
		{ "nested-state", no_argument, NULL, 'N' },
		{ "no-random-guest-state", no_argument, NULL, 'R' },
		{ "trace", no_argument, NULL, 'T' },
		{ "skip", required_argument, NULL, 'K' },
		{}
	};
	bool have_seed = false;
	unsigned int seconds;
	const char *why;
	int opt;

	while ((opt = getopt_long(argc, argv, "s:S:t:c:f:p:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			cfg.seconds = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			cfg.seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 't':
			cfg.threads = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			cfg.churners = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			fail_seconds = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			fail_percent = strtoul(optarg, NULL, 0);
			break;
		case 'F':
			cfg.fork = false;
			break;
		case 'L':
			leak_check = false;
			break;
		case 'N':
			cfg.nested_state = true;
			break;
		case 'R':
			cfg.random_state = false;
			break;
		case 'T':
			cfg.trace = true;
			break;
		case 'K':
			cfg.skip = optarg;
			break;
		default:
			help(argv[0]);
		}
	}
	if (!have_seed && getrandom(&cfg.seed, sizeof(cfg.seed), 0) != sizeof(cfg.seed))
		cfg.seed = time(NULL) ^ ((u64)getpid() << 32);
	cfg.dev = okvm_dev_path();
	label = strrchr(cfg.dev, '/') ? strrchr(cfg.dev, '/') + 1 : cfg.dev;

	/* The seed first: whatever happens next, the log says how to repeat it. */
	printf("# okvm-fuzz seed=0x%llx seconds=%u fail-seconds=%u device=%s\n",
	       (unsigned long long)cfg.seed, cfg.seconds, fail_seconds, cfg.dev);
	printf("TAP version 13\n1..8\n");
	fflush(stdout);

	results = mmap(NULL, sizeof(*results), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	dev_fd = okvm_dev_open(O_RDWR);
	if (results == MAP_FAILED || dev_fd < 0) {
		printf("Bail out! cannot open %s: %s\n", cfg.dev, strerror(errno));
		return 1;
	}
	dev_is_okvm = okvm_dev_is_okvm(dev_fd);

	if (!fuzz_pass("random calls", 0, true))
		goto out;

	why = !fail_seconds ? "no --fail-seconds" :
	      !fault_setup(0) ? "no failslab and fail_page_alloc in /sys/kernel/debug" : NULL;
	if (why) {
		tap_skip("the fuzzer survives injected allocation failures", why);
		tap_skip("injected allocation failures", why);
		tap_skip("kernel memory back after injected allocation failures", why);
		tap_skip("random allocation failures", why);
		tap_skip("kernel memory back after random allocation failures", why);
		goto out;
	}
	seconds = cfg.seconds;
	cfg.seconds = (fail_seconds + 1) / 2;
	log_to_kernel("okvm-fuzz: OKVM-FUZZ-FAULTS-BEGIN\n");
	cfg.fail_nth = true;
	cfg.fork = false;
	if (!fuzz_pass("fail-nth calls", 1, false)) {
		log_to_kernel("okvm-fuzz: OKVM-FUZZ-FAULTS-END\n");
		goto out;
	}

	cfg.fail_nth = false;
	cfg.fail_percent = fail_percent;
	cfg.threads = 1;
	fault_setup(fail_percent);
	fuzz_pass("random calls with random allocation failures", 2, false);
	fault_setup(0);
	log_to_kernel("okvm-fuzz: OKVM-FUZZ-FAULTS-END\n");
	cfg.seconds = seconds;
out:
	close(dev_fd);
	if (failed)
		printf(repeat,
		       cfg.dev, (unsigned long long)cfg.seed, cfg.seconds,
		       fail_seconds ? " --fail-seconds N" : "", (unsigned long long)cfg.seed);
	return failed ? 1 : 0;
}
