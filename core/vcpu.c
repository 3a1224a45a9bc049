// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU creation and the vCPU fd: state ioctls and the mmap of struct kvm_run.
 *
 * A vCPU belongs to its VM and is freed with it; its fd holds a reference
 * on the VM. The vCPU's mutex serializes its ioctls, so KVM_RUN and the
 * state ioctls never see each other half done.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rcuwait.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xstate.h>
#include <asm/msr-index.h>
#include <uapi/linux/kvm.h>

#include <okvm/coalesced_io.h>
#include <okvm/cpuid.h>
#include <okvm/hw.h>
#include <okvm/kvmclock.h>
#include <okvm/lapic.h>
#include <okvm/mmu.h>
#include <okvm/msr.h>
#include <okvm/nmi.h>
#include <okvm/steal_time.h>
#include <okvm/tsc.h>
#include <okvm/vcpu_events.h>
#include <okvm/vm.h>
#include <okvm/xsave.h>

static vm_fault_t okvm_vcpu_fault(struct vm_fault *vmf)
{
	struct okvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	void *addr;

	switch (vmf->pgoff) {
	case 0:
		addr = vcpu->run;
		break;
	case OKVM_RUN_PIO_PAGE:
		addr = vcpu->pio_page;
		break;
	case KVM_COALESCED_MMIO_PAGE_OFFSET:
		addr = okvm_coalesced_io_ring(vcpu->vm);
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	vmf->page = virt_to_page(addr);
	/* Order-0 pages each: a reference on a tail page would free it early. */
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct okvm_vcpu_vm_ops = {
	.fault = okvm_vcpu_fault,
};

static int okvm_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &okvm_vcpu_vm_ops;
	return 0;
}

static int okvm_vcpu_release(struct inode *inode, struct file *file)
{
	struct okvm_vcpu *vcpu = file->private_data;

	okvm_vm_put(vcpu->vm);
	return 0;
}

/**
 * okvm_vcpu_get_regs() - KVM_GET_REGS: the general-purpose registers, RIP, RFLAGS
 * @vcpu: the vCPU (its mutex held)
 * @r: filled in; only written, so it may be memory userspace shares
 */
void okvm_vcpu_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *r)
{
	const unsigned long *g = vcpu->regs;

	*r = (struct kvm_regs){
		.rax = g[OKVM_REG_RAX], .rbx = g[OKVM_REG_RBX],
		.rcx = g[OKVM_REG_RCX], .rdx = g[OKVM_REG_RDX],
		.rsi = g[OKVM_REG_RSI], .rdi = g[OKVM_REG_RDI],
		.rsp = g[OKVM_REG_RSP], .rbp = g[OKVM_REG_RBP],
		.r8 = g[OKVM_REG_R8], .r9 = g[OKVM_REG_R9],
		.r10 = g[OKVM_REG_R10], .r11 = g[OKVM_REG_R11],
		.r12 = g[OKVM_REG_R12], .r13 = g[OKVM_REG_R13],
		.r14 = g[OKVM_REG_R14], .r15 = g[OKVM_REG_R15],
		.rip = vcpu->rip, .rflags = vcpu->rflags,
	};
}

/**
 * okvm_vcpu_set_regs() - KVM_SET_REGS: every value is accepted, as in KVM
 * @vcpu: the vCPU (its mutex held)
 * @r: the new registers
 */
void okvm_vcpu_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *r)
{
	unsigned long *g = vcpu->regs;

	g[OKVM_REG_RAX] = r->rax;
	g[OKVM_REG_RBX] = r->rbx;
	g[OKVM_REG_RCX] = r->rcx;
	g[OKVM_REG_RDX] = r->rdx;
	g[OKVM_REG_RSI] = r->rsi;
	g[OKVM_REG_RDI] = r->rdi;
	g[OKVM_REG_RSP] = r->rsp;
	g[OKVM_REG_RBP] = r->rbp;
	g[OKVM_REG_R8] = r->r8;
	g[OKVM_REG_R9] = r->r9;
	g[OKVM_REG_R10] = r->r10;
	g[OKVM_REG_R11] = r->r11;
	g[OKVM_REG_R12] = r->r12;
	g[OKVM_REG_R13] = r->r13;
	g[OKVM_REG_R14] = r->r14;
	g[OKVM_REG_R15] = r->r15;
	vcpu->rip = r->rip;
	/* Bit 1 of RFLAGS always reads as one. */
	vcpu->rflags = r->rflags | X86_EFLAGS_FIXED;
	/*
	 * New registers void a read that was waiting for userspace's data,
	 * but not an INS's batch: as in KVM, the VMM may change rCX before
	 * the next KVM_RUN writes it (core/pio_string.c).
	 */
	vcpu->pending_read.pending = false;
}

/* The legacy FXSAVE view of the guest's FPU state, outside KVM_RUN. */
static void okvm_vcpu_get_fpu(struct okvm_vcpu *vcpu, struct kvm_fpu *fpu)
{
	const struct fxregs_state *fx = &vcpu->guest_fpu.fpstate->regs.fxsave;

	memset(fpu, 0, sizeof(*fpu));
	memcpy(fpu->fpr, fx->st_space, sizeof(fpu->fpr));
	fpu->fcw = fx->cwd;
	fpu->fsw = fx->swd;
	fpu->ftwx = fx->twd;
	fpu->last_opcode = fx->fop;
	fpu->last_ip = fx->rip;
	fpu->last_dp = fx->rdp;
	memcpy(fpu->xmm, fx->xmm_space, sizeof(fpu->xmm));
	fpu->mxcsr = fx->mxcsr;
}

static int okvm_vcpu_set_fpu(struct okvm_vcpu *vcpu, const struct kvm_fpu *fpu)
{
	struct fpstate *fps = vcpu->guest_fpu.fpstate;
	struct fxregs_state *fx = &fps->regs.fxsave;

	/*
	 * Reserved MXCSR bits would make the next XRSTOR fault. Bits 31:16
	 * are reserved on every x86-64 CPU; all of them implement DAZ.
	 */
	if (fpu->mxcsr & ~0xffffU)
		return -EINVAL;
	memcpy(fx->st_space, fpu->fpr, sizeof(fpu->fpr));
	fx->cwd = fpu->fcw;
	fx->swd = fpu->fsw;
	fx->twd = fpu->ftwx;
	fx->fop = fpu->last_opcode;
	fx->rip = fpu->last_ip;
	fx->rdp = fpu->last_dp;
	memcpy(fx->xmm_space, fpu->xmm, sizeof(fx->xmm_space));
	fx->mxcsr = fpu->mxcsr;
	/* XRSTOR loads x87 and SSE state only when the header says it holds them. */
	if (cpu_feature_enabled(X86_FEATURE_XSAVE))
		fps->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
	return 0;
}

/*
 * KVM_SET_MP_STATE: RUNNABLE and HALTED always (without an in-kernel APIC
 * a halted vCPU's KVM_RUN exits at once, see Documentation/api.rst); with
 * one also UNINITIALIZED (an AP waiting for INIT), INIT_RECEIVED (waiting
 * for SIPI) and SIPI_RECEIVED (a SIPI pending, as KVM takes it).
 */
static int okvm_vcpu_set_mp_state(struct okvm_vcpu *vcpu, u32 mp_state)
{
	switch (mp_state) {
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_HALTED:
		break;
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		if (!vcpu->apic)
			return -EINVAL;
		break;
	case KVM_MP_STATE_SIPI_RECEIVED:
		if (!vcpu->apic)
			return -EINVAL;
		mp_state = KVM_MP_STATE_INIT_RECEIVED;
		set_bit(OKVM_APIC_SIPI, &vcpu->apic->pending_events);
		break;
	default:
		return -EINVAL;
	}
	vcpu->mp_state = mp_state;
	if (vcpu->apic)
		okvm_make_request(vcpu, OKVM_REQ_EVENT);
	return 0;
}

/**
 * okvm_vcpu_reset() - the vCPU's state after INIT (power-on, but for its APIC)
 * @vcpu: the vCPU; its thread
 */
void okvm_vcpu_reset(struct okvm_vcpu *vcpu)
{
	memset(vcpu->regs, 0, sizeof(vcpu->regs));
	vcpu->pending_read.pending = false;
	vcpu->pending_ins.count = 0;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	/* INIT drops NMIs that wait; the backend unmasks them. */
	vcpu->nmi_pending = 0;
	atomic_set(&vcpu->nmi_queued, 0);
	okvm_kvmclock_reset(vcpu);
	okvm_steal_time_reset(vcpu);
	okvm_hw->reset(vcpu);
}

/**
 * okvm_vcpu_start_at_vector() - a SIPI: real mode at @vector * 4096
 * @vcpu: the vCPU, after INIT
 * @vector: the SIPI's vector
 *
 * Return: 0, or the backend's refusal of the new CS (none expected).
 */
int okvm_vcpu_start_at_vector(struct okvm_vcpu *vcpu, u8 vector)
{
	struct kvm_sregs *sregs = kmalloc(sizeof(*sregs), GFP_KERNEL_ACCOUNT);
	int r;

	if (!sregs)
		return -ENOMEM;
	okvm_hw->get_sregs(vcpu, sregs);
	sregs->cs.selector = vector << 8;
	sregs->cs.base = (u64)vector << 12;
	r = okvm_hw->set_sregs(vcpu, sregs);
	kfree(sregs);
	if (!r)
		vcpu->rip = 0;
	return r;
}

/* The state ioctls; vcpu->mutex held. */
/*
 * KVM_SET_SIGNAL_MASK: the signal mask KVM_RUN runs with (NULL: the
 * thread's own). len must be the kernel's sigset_t, as in KVM.
 */
static int okvm_vcpu_set_sigmask(struct okvm_vcpu *vcpu,
				 struct kvm_signal_mask __user *argp)
{
	struct kvm_signal_mask head;
	sigset_t set;

	if (!argp) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&head, argp, sizeof(head)))
		return -EFAULT;
	if (head.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, argp->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

/*
 * KVM_ENABLE_CAP on a vCPU: the capabilities okvm lets userspace enable
 * per vCPU. Any other answers -EINVAL, as in KVM.
 */
static int okvm_vcpu_enable_cap(struct okvm_vcpu *vcpu, const struct kvm_enable_cap *cap)
{
	if (cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		/* Any non-zero value enables it, as in KVM. */
		vcpu->pv_enforce = cap->args[0];
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * KVM_SET_VAPIC_ADDR: okvm has no TPR shadow page (KVM_CAP_VAPIC is 0), so
 * only address 0, none, is accepted; VMMs set that at every APIC reset.
 * Without an in-kernel APIC there is nothing to set, as in KVM.
 */
static int okvm_vcpu_set_vapic_addr(struct okvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_vapic_addr va;

	if (!vcpu->apic)
		return -EINVAL;
	if (copy_from_user(&va, argp, sizeof(va)))
		return -EFAULT;
	return va.vapic_addr ? -EINVAL : 0;
}

static long okvm_vcpu_state_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
				  void __user *argp)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
		struct kvm_mp_state mp;
		struct kvm_debugregs dbg;
		struct kvm_lapic_state lapic;
		struct kvm_interrupt irq;
		struct kvm_vcpu_events events;
		struct kvm_enable_cap cap;
		struct kvm_pre_fault_memory pre_fault;
	} *u;
	long r;

	/* Large structs: keep them off the kernel stack. */
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return -ENOMEM;

	switch (ioctl) {
	case KVM_GET_REGS:
		okvm_vcpu_get_regs(vcpu, &u->regs);
		r = copy_to_user(argp, &u->regs, sizeof(u->regs)) ? -EFAULT : 0;
		break;
	case KVM_SET_REGS:
		r = -EFAULT;
		if (copy_from_user(&u->regs, argp, sizeof(u->regs)))
			break;
		okvm_vcpu_set_regs(vcpu, &u->regs);
		r = 0;
		break;
	case KVM_GET_SREGS:
		okvm_hw->get_sregs(vcpu, &u->sregs);
		r = copy_to_user(argp, &u->sregs, sizeof(u->sregs)) ? -EFAULT : 0;
		break;
	case KVM_SET_SREGS:
		r = -EFAULT;
		if (copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			break;
		r = okvm_hw->set_sregs(vcpu, &u->sregs);
		break;
	case KVM_GET_FPU:
		okvm_vcpu_get_fpu(vcpu, &u->fpu);
		r = copy_to_user(argp, &u->fpu, sizeof(u->fpu)) ? -EFAULT : 0;
		break;
	case KVM_SET_FPU:
		r = -EFAULT;
		if (copy_from_user(&u->fpu, argp, sizeof(u->fpu)))
			break;
		r = okvm_vcpu_set_fpu(vcpu, &u->fpu);
		break;
	case KVM_GET_MSRS:
		r = okvm_vcpu_get_msrs(vcpu, argp);
		break;
	case KVM_SET_MSRS:
		r = okvm_vcpu_set_msrs(vcpu, argp);
		break;
	case KVM_SET_CPUID2:
		r = okvm_vcpu_set_cpuid(vcpu, argp);
		break;
	case KVM_GET_CPUID2:
		r = okvm_vcpu_get_cpuid(vcpu, argp);
		break;
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
	case KVM_SET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_SET_XCRS:
		r = okvm_vcpu_xsave_ioctl(vcpu, ioctl, argp);
		break;
	case KVM_GET_DEBUGREGS:
		okvm_hw->get_debugregs(vcpu, &u->dbg);
		r = copy_to_user(argp, &u->dbg, sizeof(u->dbg)) ? -EFAULT : 0;
		break;
	case KVM_SET_DEBUGREGS:
		r = -EFAULT;
		if (copy_from_user(&u->dbg, argp, sizeof(u->dbg)))
			break;
		r = okvm_hw->set_debugregs(vcpu, &u->dbg);
		break;
	case KVM_GET_MP_STATE:
		/* An INIT or SIPI received counts, as in KVM. */
		if (vcpu->apic)
			okvm_lapic_accept_events(vcpu->apic);
		u->mp.mp_state = vcpu->mp_state;
		r = copy_to_user(argp, &u->mp, sizeof(u->mp)) ? -EFAULT : 0;
		break;
	case KVM_SET_MP_STATE:
		r = -EFAULT;
		if (copy_from_user(&u->mp, argp, sizeof(u->mp)))
			break;
		r = okvm_vcpu_set_mp_state(vcpu, u->mp.mp_state);
		break;
	case KVM_GET_VCPU_EVENTS:
		okvm_vcpu_get_events(vcpu, &u->events);
		r = copy_to_user(argp, &u->events, sizeof(u->events)) ? -EFAULT : 0;
		break;
	case KVM_SET_VCPU_EVENTS:
		r = -EFAULT;
		if (copy_from_user(&u->events, argp, sizeof(u->events)))
			break;
		r = okvm_vcpu_set_events(vcpu, &u->events);
		break;
	case KVM_NMI:
		okvm_vcpu_queue_nmi(vcpu);
		r = 0;
		break;
	case KVM_INTERRUPT:
		r = -EFAULT;
		if (copy_from_user(&u->irq, argp, sizeof(u->irq)))
			break;
		r = okvm_vcpu_interrupt(vcpu, u->irq.irq);
		break;
	case KVM_SET_SIGNAL_MASK:
		r = okvm_vcpu_set_sigmask(vcpu, argp);
		break;
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		r = okvm_vcpu_tsc_attr(vcpu, ioctl, argp);
		break;
	case KVM_ENABLE_CAP:
		r = -EFAULT;
		if (copy_from_user(&u->cap, argp, sizeof(u->cap)))
			break;
		r = okvm_vcpu_enable_cap(vcpu, &u->cap);
		break;
	case KVM_GET_LAPIC:
		r = -ENXIO;
		if (!vcpu->apic)
			break;
		okvm_lapic_get_state(vcpu->apic, &u->lapic);
		r = copy_to_user(argp, &u->lapic, sizeof(u->lapic)) ? -EFAULT : 0;
		break;
	case KVM_SET_LAPIC:
		r = -ENXIO;
		if (!vcpu->apic)
			break;
		r = -EFAULT;
		if (copy_from_user(&u->lapic, argp, sizeof(u->lapic)))
			break;
		r = okvm_lapic_set_state(vcpu->apic, &u->lapic);
		break;
	case KVM_SET_VAPIC_ADDR:
		r = okvm_vcpu_set_vapic_addr(vcpu, argp);
		break;
	case KVM_X86_SETUP_MCE:
		r = okvm_mce_setup(vcpu, argp);
		break;
	case KVM_PRE_FAULT_MEMORY:
		r = -EFAULT;
		if (copy_from_user(&u->pre_fault, argp, sizeof(u->pre_fault)))
			break;
		r = okvm_mmu_pre_fault_memory(vcpu, &u->pre_fault);
		/* What is left, also after an error, as KVM does. */
		if (copy_to_user(argp, &u->pre_fault, sizeof(u->pre_fault)))
			r = -EFAULT;
		break;
	default:
		r = -ENOTTY;
	}
	kfree(u);
	return r;
}

static long okvm_vcpu_ioctl(struct file *file, unsigned int ioctl,
			    unsigned long arg)
{
	struct okvm_vcpu *vcpu = file->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	if (ioctl == KVM_RUN)
		r = arg ? -EINVAL : okvm_vcpu_ioctl_run(vcpu);
	else if (ioctl == KVM_GET_STATS_FD)
		r = okvm_vcpu_get_stats_fd(vcpu);
	else if (ioctl == KVM_GET_TSC_KHZ)
		r = okvm_tsc_khz();
	else
		r = okvm_vcpu_state_ioctl(vcpu, ioctl, (void __user *)arg);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations okvm_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = okvm_vcpu_release,
	.unlocked_ioctl = okvm_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = okvm_vcpu_mmap,
	.llseek = noop_llseek,
};

/**
 * okvm_vcpu_free() - free a vCPU of a dying VM
 * @vcpu: the vCPU; no fd refers to it any more
 */
void okvm_vcpu_free(struct okvm_vcpu *vcpu)
{
	okvm_kvmclock_vcpu_free(vcpu);
	okvm_steal_time_vcpu_free(vcpu);
	okvm_lapic_free(vcpu);
	okvm_mmu_page_cache_free(&vcpu->page_cache);
	kvfree(vcpu->cpuid);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
	free_page((unsigned long)vcpu->pio_page);
	free_page((unsigned long)vcpu->run);
	okvm_hw->vcpu_free(vcpu);
}

static bool okvm_vcpu_id_taken(struct okvm_vm *vm, u32 id)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			return true;
	return false;
}

/**
 * okvm_create_vcpu() - KVM_CREATE_VCPU
 * @vm: the VM
 * @id: the vCPU id, below OKVM_MAX_VCPU_ID and the VM's KVM_CAP_MAX_VCPU_ID
 *
 * Return: a vCPU fd; -EINVAL for a bad id or a full VM; -EEXIST for an id
 * in use; -ENOMEM; the backend's refusal (-EOPNOTSUPP: VMX has no vCPUs
 * yet).
 */
int okvm_create_vcpu(struct okvm_vm *vm, unsigned long id)
{
	struct okvm_vcpu *vcpu;
	int r;

	if (id >= OKVM_MAX_VCPU_ID)
		return -EINVAL;

	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus == OKVM_MAX_VCPUS || !okvm_vcpu_id_allowed(vm, id))
		goto out_unlock;
	r = -EEXIST;
	if (okvm_vcpu_id_taken(vm, id))
		goto out_unlock;

	vcpu = okvm_hw->vcpu_create(vm);
	if (IS_ERR(vcpu)) {
		r = PTR_ERR(vcpu);
		goto out_unlock;
	}
	okvm_hw->load_root(vcpu, okvm_mmu_root_pa(vm));
	vcpu->id = id;
	vcpu->cpu = -1;
	okvm_vcpu_stats_init(&vcpu->stats, id);
	mutex_init(&vcpu->mutex);
	vcpu->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			  (okvm_vcpu_is_reset_bsp(vcpu) ? MSR_IA32_APICBASE_BSP : 0);
	vcpu->xcr0 = XFEATURE_MASK_FP;
	okvm_vcpu_init_msrs(vcpu);
	okvm_mce_vcpu_init(vcpu);
	okvm_kvmclock_vcpu_init(vcpu);
	okvm_steal_time_vcpu_init(vcpu);
	okvm_vcpu_init_tsc(vcpu);
	okvm_vcpu_init_cpuid(vcpu);
	/* As in KVM: with an in-kernel APIC, an AP waits for INIT and SIPI. */
	vcpu->mp_state = !vm->irqchip_kernel || okvm_vcpu_is_reset_bsp(vcpu) ?
			 KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;
	vcpu->user_irq = -1;
	rcuwait_init(&vcpu->wait);
	/* It takes the VM's APICv state before it first enters the guest. */
	okvm_make_request(vcpu, OKVM_REQ_APICV_UPDATE);
	r = -ENOMEM;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_page)
		goto out_run;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto out_run;
	if (vm->irqchip_kernel && okvm_lapic_create(vcpu))
		goto out_fpu;

	/*
	 * Userspace can guess the fd and call KVM_RUN on it as soon as it
	 * exists: hold the vCPU's mutex, which every vCPU ioctl takes, until
	 * vcpus[] has it, so that no flush can skip a vCPU that runs.
	 */
	mutex_lock(&vcpu->mutex);
	okvm_vm_get(vm);
	r = anon_inode_getfd("okvm-vcpu", &okvm_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (r < 0) {
		okvm_vm_put(vm);
		goto out_mutex;
	}
	vm->vcpus[vm->nr_vcpus] = vcpu;
	/* Readers that walk vcpus[] without vm->lock see it initialized. */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vcpu->mutex);
	mutex_unlock(&vm->lock);
	/* Its APIC, at the reset base with its own ID, may change what APICv can do. */
	if (vcpu->apic)
		okvm_apicv_apics_changed(vm);
	return r;

out_mutex:
	mutex_unlock(&vcpu->mutex);
	okvm_lapic_free(vcpu);
out_fpu:
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
out_run:
	free_page((unsigned long)vcpu->pio_page);
	free_page((unsigned long)vcpu->run);
	okvm_hw->vcpu_free(vcpu);
out_unlock:
	mutex_unlock(&vm->lock);
	return r;
}
