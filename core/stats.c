// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD: a VM's or a vCPU's counters as a read-only file in
 * KVM's binary format, so tools written for KVM read okvm unchanged.
 *
 * The file holds, back to back: struct kvm_stats_header, the id string
 * (KVM_STATS_NAME_SIZE bytes), one struct kvm_stats_desc per counter, and
 * one u64 per counter. All but the values are fixed when the VM or vCPU is
 * created: userspace reads them once, then preads the values, which are
 * sampled at each read.
 *
 * A stats fd holds a reference on the VM, as a vCPU fd does, so the
 * counters it reads live until it is closed, whatever else is closed first.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <uapi/linux/kvm.h>

#include <okvm/stats.h>
#include <okvm/vm.h>

/*
 * Every okvm statistic is one u64 with no unit, as KVM's counters are. The
 * value of enum okvm_*_stat @stat is the @stat'th u64 of the data block,
 * whatever the descriptor's place in the table.
 */
#define OKVM_STAT_DESC(stat, type, stat_name) {				\
	.flags = (type) | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10,	\
	.exponent = 0,							\
	.size = 1,							\
	.offset = (stat) * sizeof(u64),					\
	.name = stat_name,						\
}

#define OKVM_COUNTER(stat, name) OKVM_STAT_DESC(stat, KVM_STATS_TYPE_CUMULATIVE, name)
#define OKVM_GAUGE(stat, name) OKVM_STAT_DESC(stat, KVM_STATS_TYPE_INSTANT, name)

/* KVM's names where KVM keeps the same statistic; okvm's own after them. */
static const struct kvm_stats_desc okvm_vm_stats_desc[] = {
	OKVM_GAUGE(OKVM_VM_STAT_PAGES_4K, "pages_4k"),
	OKVM_GAUGE(OKVM_VM_STAT_PAGES_2M, "pages_2m"),
	OKVM_GAUGE(OKVM_VM_STAT_PAGES_1G, "pages_1g"),
	OKVM_COUNTER(OKVM_VM_STAT_REMOTE_TLB_FLUSH, "remote_tlb_flush"),
	OKVM_COUNTER(OKVM_VM_STAT_REMOTE_TLB_FLUSH_REQUESTS, "remote_tlb_flush_requests"),
	OKVM_COUNTER(OKVM_VM_STAT_FAULTS, "faults"),
	OKVM_COUNTER(OKVM_VM_STAT_FAULT_RETRIES, "fault_retries"),
	OKVM_COUNTER(OKVM_VM_STAT_ZAPS, "zaps"),
	OKVM_COUNTER(OKVM_VM_STAT_SPTES_ZAPPED, "sptes_zapped"),
	OKVM_COUNTER(OKVM_VM_STAT_NOTIFIER_INVALIDATIONS, "notifier_invalidations"),
	OKVM_GAUGE(OKVM_VM_STAT_APICV_INHIBITS, "apicv_inhibit_reasons"),
	OKVM_COUNTER(OKVM_VM_STAT_APICV_CHANGES, "apicv_inhibit_changes"),
	OKVM_COUNTER(OKVM_VM_STAT_GPC_REFRESHES, "gpc_refreshes"),
	OKVM_COUNTER(OKVM_VM_STAT_GPC_INVALIDATIONS, "gpc_invalidations"),
	OKVM_COUNTER(OKVM_VM_STAT_GPC_LOCK_FAILURES, "gpc_lock_failures"),
};

static const struct kvm_stats_desc okvm_vcpu_stats_desc[] = {
	OKVM_COUNTER(OKVM_VCPU_STAT_EXITS, "exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_IO_EXITS, "io_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_MMIO_EXITS, "mmio_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_HALT_EXITS, "halt_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_IRQ_EXITS, "irq_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_SIGNAL_EXITS, "signal_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_PF_FAST, "pf_fast"),
	OKVM_COUNTER(OKVM_VCPU_STAT_NPF_EXITS, "npf_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_CPUID_EXITS, "cpuid_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_MSR_EXITS, "msr_exits"),
	OKVM_COUNTER(OKVM_VCPU_STAT_IBPB, "ibpb"),
	OKVM_COUNTER(OKVM_VCPU_STAT_IRQ_INJECTIONS, "irq_injections"),
	OKVM_COUNTER(OKVM_VCPU_STAT_NMI_INJECTIONS, "nmi_injections"),
	OKVM_COUNTER(OKVM_VCPU_STAT_HALT_WAKEUP, "halt_wakeup"),
	OKVM_GAUGE(OKVM_VCPU_STAT_APICV_ACTIVE, "apicv_active"),
};

/*
 * One descriptor per counter: a counter added to an enum needs its name here.
 * (The selftest stats_fd checks that names and offsets are unique.)
 */
static_assert(ARRAY_SIZE(okvm_vm_stats_desc) == OKVM_NR_VM_STATS);
static_assert(ARRAY_SIZE(okvm_vcpu_stats_desc) == OKVM_NR_VCPU_STATS);

#define OKVM_STATS_HEADER(descs) {					\
	.name_size = KVM_STATS_NAME_SIZE,				\
	.num_desc = ARRAY_SIZE(descs),					\
	.id_offset = sizeof(struct kvm_stats_header),			\
	.desc_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE, \
	.data_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE + \
		       sizeof(descs),					\
}

static const struct kvm_stats_header okvm_vm_stats_header =
	OKVM_STATS_HEADER(okvm_vm_stats_desc);
static const struct kvm_stats_header okvm_vcpu_stats_header =
	OKVM_STATS_HEADER(okvm_vcpu_stats_desc);

/*
 * Copy the part of the file that [*ppos, *ppos + size) covers. The four
 * parts lie back to back from offset 0 (OKVM_STATS_HEADER), so they are
 * walked in order. Reads at or past the end return 0, as for any file.
 */
static ssize_t okvm_stats_read(const struct kvm_stats_header *header,
			       const struct kvm_stats_desc *desc, const char *id,
			       const u64 *data, char __user *buf, size_t size,
			       loff_t *ppos)
{
	const struct {
		const void *src;
		u64 offset;
		size_t len;
	} parts[] = {
		{ header, 0, sizeof(*header) },
		{ id, header->id_offset, KVM_STATS_NAME_SIZE },
		{ desc, header->desc_offset, header->num_desc * sizeof(*desc) },
		{ data, header->data_offset, header->num_desc * sizeof(*data) },
	};
	loff_t pos = *ppos;
	size_t done = 0;
	unsigned int i;

	if (pos < 0)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(parts) && done < size; i++) {
		u64 skip;
		size_t n;

		if (pos >= parts[i].offset + parts[i].len)
			continue;
		skip = pos - parts[i].offset;
		n = min_t(size_t, parts[i].len - skip, size - done);
		if (copy_to_user(buf + done, parts[i].src + skip, n))
			return -EFAULT;
		done += n;
		pos += n;
	}
	*ppos = pos;
	return done;
}

static ssize_t okvm_vm_stats_read(struct file *file, char __user *buf,
				  size_t size, loff_t *ppos)
{
	struct okvm_vm *vm = file->private_data;
	u64 data[OKVM_NR_VM_STATS];
	unsigned int i;

	for (i = 0; i < OKVM_NR_VM_STATS; i++)
		data[i] = atomic64_read(&vm->stats.v[i]);
	return okvm_stats_read(&okvm_vm_stats_header, okvm_vm_stats_desc,
			       vm->stats.id, data, buf, size, ppos);
}

static ssize_t okvm_vcpu_stats_read(struct file *file, char __user *buf,
				    size_t size, loff_t *ppos)
{
	struct okvm_vcpu *vcpu = file->private_data;
	u64 data[OKVM_NR_VCPU_STATS];
	unsigned int i;

	/* The vCPU's thread bumps them with WRITE_ONCE, under no lock. */
	for (i = 0; i < OKVM_NR_VCPU_STATS; i++)
		data[i] = READ_ONCE(vcpu->stats.v[i]);
	return okvm_stats_read(&okvm_vcpu_stats_header, okvm_vcpu_stats_desc,
			       vcpu->stats.id, data, buf, size, ppos);
}

static int okvm_vm_stats_release(struct inode *inode, struct file *file)
{
	okvm_vm_put(file->private_data);
	return 0;
}

static int okvm_vcpu_stats_release(struct inode *inode, struct file *file)
{
	struct okvm_vcpu *vcpu = file->private_data;

	okvm_vm_put(vcpu->vm);
	return 0;
}

/* No lseek, as in KVM: read() moves the position, pread() names one. */
static const struct file_operations okvm_vm_stats_fops = {
	.owner = THIS_MODULE,
	.read = okvm_vm_stats_read,
	.release = okvm_vm_stats_release,
	.llseek = noop_llseek,
};

static const struct file_operations okvm_vcpu_stats_fops = {
	.owner = THIS_MODULE,
	.read = okvm_vcpu_stats_read,
	.release = okvm_vcpu_stats_release,
	.llseek = noop_llseek,
};

/* A new read-only fd on @fops; it holds a reference on @vm until closed. */
static int okvm_stats_fd(struct okvm_vm *vm, const char *name,
			 const struct file_operations *fops, void *private)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile(name, fops, private, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* Before the fd is visible: a close from another thread puts it. */
	okvm_vm_get(vm);
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return fd;
}

/**
 * okvm_vm_stats_init() - set a new VM's stats id
 * @stats: the VM's statistics, counters zeroed
 *
 * Called in the creating task, whose pid the id carries, as KVM's does.
 */
void okvm_vm_stats_init(struct okvm_vm_stats *stats)
{
	snprintf(stats->id, sizeof(stats->id), "kvm-%d", task_pid_nr(current));
}

/**
 * okvm_vcpu_stats_init() - set a new vCPU's stats id
 * @stats: the vCPU's statistics, counters zeroed
 * @vcpu_id: the id KVM_CREATE_VCPU was given
 */
void okvm_vcpu_stats_init(struct okvm_vcpu_stats *stats, u32 vcpu_id)
{
	snprintf(stats->id, sizeof(stats->id), "kvm-%d/vcpu-%u",
		 task_pid_nr(current), vcpu_id);
}

/**
 * okvm_vm_get_stats_fd() - KVM_GET_STATS_FD on a VM fd
 * @vm: the VM
 *
 * Return: a new read-only fd of the VM's statistics, or -errno.
 */
int okvm_vm_get_stats_fd(struct okvm_vm *vm)
{
	return okvm_stats_fd(vm, "okvm-vm-stats", &okvm_vm_stats_fops, vm);
}

/**
 * okvm_vcpu_get_stats_fd() - KVM_GET_STATS_FD on a vCPU fd
 * @vcpu: the vCPU
 *
 * The fd keeps the whole VM alive, since vCPUs are freed with their VM.
 *
 * Return: a new read-only fd of the vCPU's statistics, or -errno.
 */
int okvm_vcpu_get_stats_fd(struct okvm_vcpu *vcpu)
{
	char name[32];

	snprintf(name, sizeof(name), "okvm-vcpu-stats:%u", vcpu->id);
	return okvm_stats_fd(vcpu->vm, name, &okvm_vcpu_stats_fops, vcpu);
}
