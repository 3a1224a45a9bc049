// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifetime and the VM fd's ioctls.
 *
 * A VM lives while its fd or any of its vCPU fds is open: each holds a
 * reference. The VM remembers the mm that created it; memslots name
 * addresses in that mm, so ioctls from any other mm fail with -EIO.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>
#include <uapi/linux/kvm.h>
#include <uapi/okvm.h>

#include <okvm/apicv.h>
#include <okvm/caps.h>
#include <okvm/coalesced_io.h>
#include <okvm/hw.h>
#include <okvm/ioapic.h>
#include <okvm/irq_routing.h>
#include <okvm/irqchip.h>
#include <okvm/ioeventfd.h>
#include <okvm/irqfd.h>
#include <okvm/kvmclock.h>
#include <okvm/lapic.h>
#include <okvm/msr.h>
#include <okvm/msr_filter.h>
#include <okvm/pic.h>
#include <okvm/pit.h>
#include <okvm/vm.h>

/* KVM_SET_NR_MMU_PAGES refuses fewer, as KVM (KVM_MIN_ALLOC_MMU_PAGES). */
#define OKVM_MIN_NR_MMU_PAGES	64

/**
 * okvm_tsc_khz() - KVM_GET_TSC_KHZ, on the VM fd and the vCPU fd
 *
 * okvm does not scale the TSC: every guest's runs at the host's rate.
 *
 * Return: the host's TSC frequency in kHz, or -EIO if the host has none.
 */
long okvm_tsc_khz(void)
{
	return tsc_khz ? tsc_khz : -EIO;
}

/**
 * okvm_vm_get() - take a reference on a VM
 * @vm: the VM
 */
void okvm_vm_get(struct okvm_vm *vm)
{
	refcount_inc(&vm->users);
}

/* Teardown runs in the reverse order of okvm_create_vm() and vCPU creation. */
static void okvm_vm_destroy(struct okvm_vm *vm)
{
	unsigned int i;

	/* Devices that interrupt vCPUs stop before the vCPUs go. */
	okvm_irqfd_vm_destroy(vm);
	okvm_pit_free(vm);
	/* The notifier's release may still flush vCPUs: unregister it first. */
	okvm_mmu_notifier_unregister(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		okvm_vcpu_free(vm->vcpus[i]);
	okvm_mmu_destroy(vm);
	okvm_apicv_destroy(vm);
	okvm_gpc_vm_destroy(vm);
	okvm_memslots_free(vm);
	okvm_ioapic_free(vm);
	okvm_pic_free(vm);
	okvm_irq_routing_free(vm);
	okvm_msr_filter_free(vm);
	okvm_coalesced_io_free(vm);
	okvm_ioeventfd_vm_destroy(vm);
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_dec();
#endif
	kvfree(vm);
}

/**
 * okvm_vm_put() - drop a reference; the last one destroys the VM
 * @vm: the VM
 */
void okvm_vm_put(struct okvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		okvm_vm_destroy(vm);
}

static int okvm_vm_release(struct inode *inode, struct file *file)
{
	okvm_vm_put(file->private_data);
	return 0;
}

static int okvm_vm_set_memory_region(struct okvm_vm *vm, unsigned int ioctl,
				     void __user *argp)
{
	struct kvm_userspace_memory_region2 mem = {};
	size_t size = ioctl == KVM_SET_USER_MEMORY_REGION2 ? sizeof(mem) :
			sizeof(struct kvm_userspace_memory_region);

	/* The old struct is a prefix of the new one. */
	if (copy_from_user(&mem, argp, size))
		return -EFAULT;
	if (ioctl == KVM_SET_USER_MEMORY_REGION &&
	    (mem.flags & ~(u32)(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)))
		return -EINVAL;
	return okvm_set_memory_region(vm, &mem);
}

/*
 * KVM_CAP_DISABLE_QUIRKS2: each bit of @quirks turns that quirk off for
 * good; a bit of a quirk okvm does not have fails the call, as in KVM.
 */
static int okvm_disable_quirks(struct okvm_vm *vm, u64 quirks)
{
	if (quirks & ~(u64)OKVM_QUIRKS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->disabled_quirks, vm->disabled_quirks | quirks);
	mutex_unlock(&vm->lock);
	return 0;
}

/*
 * KVM_CAP_X86_DISABLE_EXITS. okvm never intercepts PAUSE, so that exit is
 * off already; HLT stops exiting for the vCPUs created after this, as KVM
 * sets it up only when it creates (or resets) a vCPU's controls. MWAIT and
 * C-state exits are accepted and stay as they are, as in KVM on a host
 * where the guest cannot have them.
 */
static int okvm_disable_exits(struct okvm_vm *vm, u64 exits)
{
	if (exits & ~(u64)KVM_X86_DISABLE_VALID_EXITS)
		return -EINVAL;
	if (exits & KVM_X86_DISABLE_EXITS_HLT) {
		mutex_lock(&vm->lock);
		WRITE_ONCE(vm->hlt_in_guest, true);
		mutex_unlock(&vm->lock);
	}
	return 0;
}

/*
 * KVM_ENABLE_CAP on the VM: the capabilities okvm lets userspace enable.
 * Any other answers -EINVAL, as KVM does for a capability it cannot enable.
 */
static int okvm_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return okvm_enable_manual_dirty_log(vm, cap->args[0]);
	case KVM_CAP_X2APIC_API:
		return okvm_enable_x2apic_api(vm, cap->args[0]);
	case KVM_CAP_SPLIT_IRQCHIP:
		return okvm_enable_split_irqchip(vm, cap->args[0]);
	case KVM_CAP_MSR_PLATFORM_INFO:
		/* Any non-zero value lets the guest read it, as in KVM. */
		WRITE_ONCE(vm->guest_can_read_msr_platform_info, !!cap->args[0]);
		return 0;
	case KVM_CAP_MAX_VCPU_ID:
		return okvm_enable_max_vcpu_id(vm, cap->args[0]);
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		return okvm_enable_apic_bus_cycles(vm, cap->args[0]);
	case KVM_CAP_DISABLE_QUIRKS2:
		return okvm_disable_quirks(vm, cap->args[0]);
	case KVM_CAP_X86_DISABLE_EXITS:
		return okvm_disable_exits(vm, cap->args[0]);
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
		/*
		 * okvm always exits to userspace when it cannot emulate an
		 * instruction, which is what the capability asks of KVM: there
		 * is nothing to switch (Documentation/api.rst).
		 */
		return cap->args[0] & ~1ULL ? -EINVAL : 0;
	case KVM_CAP_X86_USER_SPACE_MSR:
		return okvm_enable_user_space_msr(vm, cap->args[0]);
	case OKVM_CAP_APICV_USER_INHIBIT:
		return okvm_apicv_enable_user_inhibit(vm, cap->args[0]);
	default:
		return -EINVAL;
	}
}

/* KVM_X86_SET_MSR_FILTER: 16 ranges, 388 bytes, too many for the stack. */
static int okvm_vm_set_msr_filter(struct okvm_vm *vm, void __user *argp)
{
	struct kvm_msr_filter *filter = memdup_user(argp, sizeof(*filter));
	int r;

	if (IS_ERR(filter))
		return PTR_ERR(filter);
	r = okvm_set_msr_filter(vm, filter);
	kfree(filter);
	return r;
}

/* KVM_CREATE_PIT2 and KVM_CREATE_PIT, which is KVM_CREATE_PIT2 with the speaker port. */
static int okvm_vm_create_pit(struct okvm_vm *vm, unsigned int ioctl, void __user *argp)
{
	struct kvm_pit_config config = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl == KVM_CREATE_PIT2 && copy_from_user(&config, argp, sizeof(config)))
		return -EFAULT;
	return okvm_pit_create(vm, config.flags);
}

/* KVM_GET/SET_PIT2, and KVM_GET/SET_PIT: the same without the flags. */
static int okvm_vm_pit_state_ioctl(struct okvm_vm *vm, unsigned int ioctl, void __user *argp)
{
	bool pit2 = ioctl == KVM_GET_PIT2 || ioctl == KVM_SET_PIT2;
	size_t size = pit2 ? sizeof(struct kvm_pit_state2) : sizeof(struct kvm_pit_state);
	struct kvm_pit_state2 state = {};
	int r;

	if (ioctl == KVM_SET_PIT2 || ioctl == KVM_SET_PIT) {
		if (copy_from_user(&state, argp, size))
			return -EFAULT;
		return okvm_pit_set_state(vm, &state, pit2);
	}
	r = okvm_pit_get_state(vm, &state);
	if (!r && copy_to_user(argp, &state, size))
		r = -EFAULT;
	return r;
}

/* KVM_GET/SET_IRQCHIP: the state is 520 bytes, too many for the stack. */
static int okvm_vm_irqchip_ioctl(struct okvm_vm *vm, unsigned int ioctl,
				 void __user *argp)
{
	struct kvm_irqchip *chip = memdup_user(argp, sizeof(*chip));
	int r;

	if (IS_ERR(chip))
		return PTR_ERR(chip);
	if (ioctl == KVM_SET_IRQCHIP) {
		r = okvm_set_irqchip(vm, chip);
	} else {
		r = okvm_get_irqchip(vm, chip);
		if (!r && copy_to_user(argp, chip, sizeof(*chip)))
			r = -EFAULT;
	}
	kfree(chip);
	return r;
}

static int okvm_vm_set_gsi_routing(struct okvm_vm *vm, struct kvm_irq_routing __user *argp)
{
	struct kvm_irq_routing_entry *entries = NULL;
	struct kvm_irq_routing routing;
	int r;

	if (copy_from_user(&routing, argp, sizeof(routing)))
		return -EFAULT;
	if (routing.flags || routing.nr > OKVM_MAX_IRQ_ROUTES || !READ_ONCE(vm->irqchip_kernel))
		return -EINVAL;
	if (routing.nr) {
		entries = vmemdup_array_user(argp->entries, routing.nr, sizeof(*entries));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	r = okvm_irq_routing_set(vm, entries, routing.nr);
	kvfree(entries);
	return r;
}

static long okvm_vm_ioctl(struct file *file, unsigned int ioctl,
			  unsigned long arg)
{
	struct okvm_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return okvm_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_SET_USER_MEMORY_REGION2:
		return okvm_vm_set_memory_region(vm, ioctl, argp);
	case KVM_CHECK_EXTENSION:
		return okvm_check_extension(arg);
	case KVM_GET_STATS_FD:
		return okvm_vm_get_stats_fd(vm);
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return okvm_get_dirty_log(vm, &log);
	}
	case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_clear_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return okvm_clear_dirty_log(vm, &log);
	}
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return okvm_vm_enable_cap(vm, &cap);
	}
	case KVM_SET_BOOT_CPU_ID:
		return okvm_set_boot_cpu_id(vm, arg);
	case KVM_CREATE_IRQCHIP:
		return okvm_create_irqchip(vm);
	case KVM_X86_SET_MSR_FILTER:
		return okvm_vm_set_msr_filter(vm, argp);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO: {
		struct kvm_coalesced_mmio_zone zone;

		if (copy_from_user(&zone, argp, sizeof(zone)))
			return -EFAULT;
		if (ioctl == KVM_REGISTER_COALESCED_MMIO)
			return okvm_coalesced_io_register(vm, &zone);
		return okvm_coalesced_io_unregister(vm, &zone);
	}
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS: {
		struct kvm_irq_level irq;

		int r;

		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		r = okvm_irq_line(vm, &irq);
		if (!r && ioctl == KVM_IRQ_LINE_STATUS && copy_to_user(argp, &irq, sizeof(irq)))
			return -EFAULT;
		return r;
	}
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
		return okvm_vm_irqchip_ioctl(vm, ioctl, argp);
	case KVM_IRQFD: {
		struct kvm_irqfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return okvm_irqfd(vm, &args);
	}
	case KVM_IOEVENTFD: {
		struct kvm_ioeventfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return okvm_ioeventfd(vm, &args);
	}
	case KVM_CREATE_PIT:
	case KVM_CREATE_PIT2:
		return okvm_vm_create_pit(vm, ioctl, argp);
	case KVM_GET_PIT:
	case KVM_SET_PIT:
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
		return okvm_vm_pit_state_ioctl(vm, ioctl, argp);
	case KVM_SET_GSI_ROUTING:
		return okvm_vm_set_gsi_routing(vm, argp);
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi;

		if (copy_from_user(&msi, argp, sizeof(msi)))
			return -EFAULT;
		return okvm_signal_msi(vm, &msi);
	}
	case KVM_GET_TSC_KHZ:
		return okvm_tsc_khz();
	case KVM_GET_CLOCK: {
		struct kvm_clock_data data;

		okvm_kvmclock_get_clock(vm, &data);
		return copy_to_user(argp, &data, sizeof(data)) ? -EFAULT : 0;
	}
	case KVM_SET_CLOCK: {
		struct kvm_clock_data data;

		if (copy_from_user(&data, argp, sizeof(data)))
			return -EFAULT;
		return okvm_kvmclock_set_clock(vm, &data);
	}
	case KVM_SET_TSS_ADDR:
		/* Needed by real-mode emulation on VMX; SVM has no use for it. */
		WRITE_ONCE(vm->tss_addr, arg);
		return 0;
	case KVM_SET_NR_MMU_PAGES:
		/*
		 * A cap on KVM's shadow MMU, which nested paging does not use
		 * (nor does okvm have one): taken, as KVM takes it, and ignored.
		 */
		return arg < OKVM_MIN_NR_MMU_PAGES ? -EINVAL : 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;

		if (copy_from_user(&addr, argp, sizeof(addr)))
			return -EFAULT;
		mutex_lock(&vm->lock);
		if (vm->nr_vcpus) {
			mutex_unlock(&vm->lock);
			return -EINVAL;
		}
		vm->identity_map_addr = addr;
		mutex_unlock(&vm->lock);
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static const struct file_operations okvm_vm_fops = {
	.owner = THIS_MODULE,
	.release = okvm_vm_release,
	.unlocked_ioctl = okvm_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * okvm_create_vm() - KVM_CREATE_VM
 * @type: machine type; only 0, the default x86 VM, exists
 *
 * Return: a new VM fd, or -errno.
 */
int okvm_create_vm(unsigned long type)
{
	struct okvm_vm *vm;
	int r, fd;

	if (type)
		return -EINVAL;

	/* vcpus[] makes it several pages: no need for them to be contiguous. */
	vm = kvzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->users, 1);
	vm->guest_can_read_msr_platform_info = true;
	okvm_vm_stats_init(&vm->stats);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	rwlock_init(&vm->mmu_lock);
	init_waitqueue_head(&vm->invalidate_done);
	spin_lock_init(&vm->tsc_lock);
	vm->apic_bus_cycle_ns = OKVM_APIC_BUS_CYCLE_NS_DEFAULT;
	okvm_apicv_init(vm);
	okvm_gpc_vm_init(vm);
	okvm_kvmclock_vm_init(vm);
	okvm_irqfd_vm_init(vm);
	okvm_ioeventfd_vm_init(vm);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	/* Steal time's notifiers (gpc/steal_time.c) fire only while on. */
	preempt_notifier_inc();
#endif
	mmgrab(current->mm);
	vm->mm = current->mm;

	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto out_mm;
	r = okvm_memslots_init(vm);
	if (r)
		goto out_srcu;
	r = okvm_mmu_init(vm);
	if (r)
		goto out_slots;
	r = okvm_coalesced_io_init(vm);
	if (r)
		goto out_mmu;
	r = okvm_mmu_notifier_register(vm);
	if (r)
		goto out_coalesced;

	fd = anon_inode_getfd("okvm-vm", &okvm_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		okvm_vm_put(vm);
	return fd;

out_coalesced:
	okvm_coalesced_io_free(vm);
out_mmu:
	okvm_mmu_destroy(vm);
out_slots:
	okvm_memslots_free(vm);
out_srcu:
	cleanup_srcu_struct(&vm->srcu);
out_mm:
	mmdrop(vm->mm);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_dec();
#endif
	kvfree(vm);
	return r;
}
