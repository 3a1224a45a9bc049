// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN: the loop around guest entries, requests and kicks, and the exits
 * to userspace that every backend shares.
 *
 * Before each entry, with interrupts off, the vCPU publishes that it is in
 * guest mode and then looks at its requests; whoever makes a request sets
 * the bit and then looks at the mode. One of the two always sees the other:
 * either the vCPU handles the request before entering, or the requester
 * interrupts the CPU, which forces the guest out at once.
 */
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <linux/srcu.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/nospec-branch.h>
#include <trace/events/ipi.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpu_irq.h>
#include <okvm/hw.h>
#include <okvm/kvmclock.h>
#include <okvm/lapic.h>
#include <okvm/msr.h>
#include <okvm/nmi.h>
#include <okvm/pio.h>
#include <okvm/steal_time.h>
#include <okvm/sync_regs.h>
#include <okvm/vm.h>

#include "trace/okvm_trace.h"

/**
 * okvm_make_request() - ask a vCPU to do something before its next entry
 * @vcpu: the vCPU
 * @req: OKVM_REQ_*
 */
void okvm_make_request(struct okvm_vcpu *vcpu, int req)
{
	set_bit(req, &vcpu->requests);
}

static void okvm_ack_kick(void *unused)
{
}

/* The CPU on which @vcpu is in guest mode, or -1 if it is not. */
static int okvm_vcpu_guest_cpu(struct okvm_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->mode) != OKVM_IN_GUEST_MODE)
		return -1;
	/* okvm_vcpu_enter() writes the CPU before the mode. */
	smp_rmb();
	return READ_ONCE(vcpu->cpu);
}

/**
 * okvm_vcpu_kick() - make a vCPU look at its requests soon
 * @vcpu: the vCPU; the caller made its request first
 *
 * A halted vCPU is woken; one in the guest on another CPU is forced out by
 * an IPI (the reschedule vector, which needs no handler of okvm's). Safe
 * from any context, the hrtimer callback's hard interrupt included.
 */
void okvm_vcpu_kick(struct okvm_vcpu *vcpu)
{
	int me, cpu;

	if (rcuwait_wake_up(&vcpu->wait))
		return;
	me = get_cpu();
	cpu = okvm_vcpu_guest_cpu(vcpu);
	if (cpu != me && cpu >= 0)
		smp_send_reschedule(cpu);
	put_cpu();
}

/**
 * okvm_vcpu_wake() - tell a vCPU its APIC has news (OKVM_REQ_EVENT) and kick it
 * @vcpu: the vCPU
 */
void okvm_vcpu_wake(struct okvm_vcpu *vcpu)
{
	okvm_make_request(vcpu, OKVM_REQ_EVENT);
	/* Pairs with the barrier after the vCPU sets IN_GUEST_MODE. */
	smp_mb__after_atomic();
	okvm_vcpu_kick(vcpu);
}

/**
 * okvm_flush_remote_tlbs_range() - flush guest TLBs after SPTEs changed
 * @vm: the VM
 * @start: first gfn whose translation changed
 * @nr_pages: number of gfns from @start
 *
 * Every vCPU flushes before it next enters the guest; vCPUs in the guest
 * now are interrupted, and this waits until they have left it. The range is
 * the interface the zap code speaks (a flush by gfn range is a later
 * optimization); SVM flushes the whole ASID.
 */
void okvm_flush_remote_tlbs_range(struct okvm_vm *vm, gfn_t start, u64 nr_pages)
{
	/* Pairs with the release in okvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, nr = smp_load_acquire(&vm->nr_vcpus);
	bool have_mask, kicked = false;
	cpumask_var_t cpus;
	int me;

	if (!nr_pages)
		return;
	okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_REMOTE_TLB_FLUSH_REQUESTS, 1);
	trace_okvm_tlb_flush(start, nr_pages);
	have_mask = zalloc_cpumask_var(&cpus, GFP_ATOMIC);
	me = get_cpu();
	for (i = 0; i < nr; i++) {
		struct okvm_vcpu *vcpu = vm->vcpus[i];
		int cpu;

		okvm_make_request(vcpu, OKVM_REQ_TLB_FLUSH);
		/* Pairs with the barrier after the vCPU sets IN_GUEST_MODE. */
		smp_mb__after_atomic();
		cpu = okvm_vcpu_guest_cpu(vcpu);
		if (cpu != me && cpu >= 0) {
			kicked = true;
			if (have_mask)
				cpumask_set_cpu(cpu, cpus);
			else
				smp_call_function_single(cpu, okvm_ack_kick, NULL, 1);
		}
	}
	if (have_mask) {
		smp_call_function_many(cpus, okvm_ack_kick, NULL, true);
		free_cpumask_var(cpus);
	}
	put_cpu();
	/* KVM counts a flush that had to interrupt a guest, not every request. */
	if (kicked)
		okvm_vm_stat_add(&vm->stats, OKVM_VM_STAT_REMOTE_TLB_FLUSH, 1);
}

/**
 * okvm_exit_internal_error() - report KVM_EXIT_INTERNAL_ERROR to userspace
 * @vcpu: the vCPU
 * @suberror: KVM_INTERNAL_ERROR_*
 * @data: words that explain it (exit code, exit information)
 * @ndata: number of words, at most 16
 */
void okvm_exit_internal_error(struct okvm_vcpu *vcpu, u32 suberror,
			      const u64 *data, u32 ndata)
{
	struct kvm_run *run = vcpu->run;

	ndata = min_t(u32, ndata, ARRAY_SIZE(run->internal.data));
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = ndata;
	memcpy(run->internal.data, data, ndata * sizeof(*data));
}

/**
 * okvm_exit_emulation_failure() - report an instruction okvm cannot emulate
 * @vcpu: the vCPU, RIP still at the instruction
 * @insn: its bytes, as many as could be read
 * @insn_len: how many; 0 if none could be read
 *
 * KVM_EXIT_INTERNAL_ERROR with KVM_INTERNAL_ERROR_EMULATION, in the layout
 * that is ABI for this suberror (kvm_run's emulation_failure) and filled as
 * KVM fills it: the flags word; the first 15 bytes of the instruction,
 * padded with NOPs, if any could be read
 * (KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES); then the backend's
 * exit code and information, for a human, not ABI.
 */
void okvm_exit_emulation_failure(struct okvm_vcpu *vcpu, const u8 *insn,
				 unsigned int insn_len)
{
	struct kvm_run *run = vcpu->run;
	u64 info[OKVM_EXIT_INFO_WORDS] = {};
	u32 start = 1;

	/* The size byte and the bytes are two words of internal.data[]. */
	BUILD_BUG_ON(sizeof(run->emulation_failure.insn_size) +
		     sizeof(run->emulation_failure.insn_bytes) != 2 * sizeof(u64));
	okvm_hw->get_exit_info(vcpu, info);
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags = 0;
	insn_len = min_t(unsigned int, insn_len, sizeof(run->emulation_failure.insn_bytes));
	if (insn_len) {
		run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = insn_len;
		memset(run->emulation_failure.insn_bytes, 0x90,
		       sizeof(run->emulation_failure.insn_bytes));
		memcpy(run->emulation_failure.insn_bytes, insn, insn_len);
		start += 2;
	}
	memcpy(&run->internal.data[start], info, sizeof(info));
	run->emulation_failure.ndata = start + ARRAY_SIZE(info);
}

/**
 * okvm_exit_io() - report a port IN or OUT as KVM_EXIT_IO
 * @vcpu: the vCPU, RIP already past the instruction
 * @port: the port
 * @size: 1, 2 or 4 bytes
 * @in: IN (userspace provides the data; KVM_RUN completes it)
 *
 * Return: 0, to exit to userspace.
 */
int okvm_exit_io(struct okvm_vcpu *vcpu, u16 port, u8 size, bool in)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = OKVM_RUN_PIO_PAGE * PAGE_SIZE;
	if (in) {
		/* IN writes AL, AX or EAX like a MOV of that size. */
		vcpu->pending_read = (struct okvm_pending_read){
			.pending = true,
			.op = { .size = size, .reg = OKVM_REG_RAX, .dest_size = size },
		};
	} else {
		memcpy(vcpu->pio_page, &vcpu->regs[OKVM_REG_RAX], size);
	}
	return 0;
}

/**
 * okvm_write_read_result() - put the data of a completed read in its register
 * @vcpu: the vCPU
 * @op: where the data goes and how it is extended
 * @data: the bytes read, little-endian, op->size of them valid
 *
 * Writes as the architecture does: an 8- or 16-bit destination keeps the
 * register's other bits, a 32-bit one zero-extends into the 64-bit register.
 */
void okvm_write_read_result(struct okvm_vcpu *vcpu, const struct okvm_mmio_op *op,
			    u64 data)
{
	unsigned long *reg = &vcpu->regs[op->reg];
	unsigned int bits = op->size * 8;

	if (bits < 64)
		data &= BIT_ULL(bits) - 1;
	if (op->sign_extend)
		data = sign_extend64(data, bits - 1);

	switch (op->dest_size) {
	case 1:
		if (op->high_byte)
			*reg = (*reg & ~0xff00UL) | (u8)data << 8;
		else
			*reg = (*reg & ~0xffUL) | (u8)data;
		break;
	case 2:
		*reg = (*reg & ~0xffffUL) | (u16)data;
		break;
	case 4:
		*reg = (u32)data;
		break;
	default:
		*reg = data;
	}
}

/* The data of an IN or MMIO read arrives with the KVM_RUN after the exit. */
static void okvm_complete_pending_read(struct okvm_vcpu *vcpu)
{
	struct okvm_pending_read *pr = &vcpu->pending_read;
	u64 data = 0;

	if (!pr->pending)
		return;
	pr->pending = false;
	memcpy(&data, pr->mmio ? vcpu->run->mmio.data : vcpu->pio_page, pr->op.size);
	okvm_write_read_result(vcpu, &pr->op, data);
}

/*
 * What the APIC has for the vCPU, taken in its thread: INIT and SIPI, an
 * expired timer, and whether a halted vCPU may run again.
 */
static void okvm_vcpu_check_events(struct okvm_vcpu *vcpu)
{
	struct okvm_lapic *apic = vcpu->apic;

	clear_bit(OKVM_REQ_EVENT, &vcpu->requests);
	/* Pairs with the barrier in okvm_vcpu_wake(): see what the sender set. */
	smp_mb__after_atomic();
	okvm_lapic_accept_events(apic);
	okvm_lapic_timer_deliver(apic);
	/* An NMI wakes a halted vCPU whatever RFLAGS.IF says. */
	if (vcpu->mp_state == KVM_MP_STATE_HALTED &&
	    (okvm_vcpu_has_nmi(vcpu) ||
	     (okvm_cpu_has_interrupt(vcpu) && okvm_hw->interrupt_allowed(vcpu)))) {
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_HALT_WAKEUP);
	}
}

/*
 * A vCPU that is not runnable (HLT, or waiting for INIT or SIPI) sleeps
 * until its APIC has news (OKVM_REQ_EVENT, which okvm_vcpu_check_events()
 * cleared before it looked) or a signal comes. The caller looks at both:
 * a sender that keeps sending must not keep this loop from a signal.
 */
static void okvm_vcpu_block(struct okvm_vcpu *vcpu)
{
	trace_okvm_vcpu_block(vcpu->id, vcpu->mp_state);
	rcuwait_wait_event(&vcpu->wait, test_bit(OKVM_REQ_EVENT, &vcpu->requests),
			   TASK_INTERRUPTIBLE);
}

/*
 * KVM_RUN of an application processor that has had no INIT yet, as in
 * KVM: -EINTR at once for immediate_exit; otherwise sleep until the APIC
 * has news or a signal comes, take an INIT (and a SIPI after it), and
 * return -EAGAIN, for the VMM to run it again; -EINTR with KVM_EXIT_INTR
 * for a signal.
 */
static int okvm_vcpu_run_uninitialized(struct okvm_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->run->immediate_exit__unsafe))
		return -EINTR;
	okvm_vcpu_check_events(vcpu);
	if (vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED) {
		okvm_vcpu_block(vcpu);
		okvm_vcpu_check_events(vcpu);
	}
	if (signal_pending(current)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_SIGNAL_EXITS);
		return -EINTR;
	}
	return -EAGAIN;
}

/*
 * KVM_INTERRUPT has a place for the VMM's vector: no in-kernel irqchip, or
 * a split one whose LINT0 takes ExtINT; and none is waiting already.
 */
static bool okvm_vcpu_accepts_user_irq(struct okvm_vcpu *vcpu)
{
	if (vcpu->vm->pic || vcpu->user_irq >= 0)
		return false;
	return !vcpu->apic || okvm_lapic_accepts_extint(vcpu->apic);
}

/* The VMM asked to hear when it may inject, and now it may. */
static bool okvm_user_irq_window_open(struct okvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->run->request_interrupt_window) &&
	       okvm_vcpu_accepts_user_irq(vcpu) && okvm_hw->interrupt_allowed(vcpu);
}

/*
 * The interrupt the irqchip has for the guest goes in now if the guest can
 * take it; otherwise the backend exits when it can (the window), as it
 * does for a VMM (split irqchip) that asked for the window.
 */
static void okvm_inject_events(struct okvm_vcpu *vcpu)
{
	int vector;

	okvm_hw->set_irq_window(vcpu, OKVM_IRQ_WINDOW_NONE);
	if (!okvm_cpu_has_interrupt(vcpu)) {
		if (READ_ONCE(vcpu->run->request_interrupt_window) &&
		    okvm_vcpu_accepts_user_irq(vcpu))
			okvm_hw->set_irq_window(vcpu, OKVM_IRQ_WINDOW_ANY);
		else
			okvm_hw->set_irq_window(vcpu, okvm_lapic_tpr_blocked_class(vcpu->apic));
		return;
	}
	if (!okvm_hw->interrupt_allowed(vcpu)) {
		okvm_hw->set_irq_window(vcpu, OKVM_IRQ_WINDOW_ANY);
		return;
	}
	vector = okvm_cpu_get_interrupt(vcpu);
	if (vector < 0)
		return;
	okvm_hw->inject_irq(vcpu, vector);
	okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_IRQ_INJECTIONS);
	trace_okvm_inject_irq(vcpu->id, vector);
}

/*
 * Without an in-kernel APIC the VMM is the interrupt controller: the vector
 * of KVM_INTERRUPT goes in once the guest can take it, and with
 * request_interrupt_window set the vCPU exits as soon as it could.
 */
static void okvm_inject_user_irq(struct okvm_vcpu *vcpu)
{
	/* The window's exit asks for this pass; nothing else to do for it. */
	clear_bit(OKVM_REQ_EVENT, &vcpu->requests);
	okvm_hw->set_irq_window(vcpu, OKVM_IRQ_WINDOW_NONE);
	if (vcpu->user_irq < 0) {
		if (READ_ONCE(vcpu->run->request_interrupt_window))
			okvm_hw->set_irq_window(vcpu, OKVM_IRQ_WINDOW_ANY);
		return;
	}
	if (!okvm_hw->interrupt_allowed(vcpu)) {
		okvm_hw->set_irq_window(vcpu, OKVM_IRQ_WINDOW_ANY);
		return;
	}
	okvm_hw->inject_irq(vcpu, vcpu->user_irq);
	okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_IRQ_INJECTIONS);
	trace_okvm_inject_irq(vcpu->id, vcpu->user_irq);
	vcpu->user_irq = -1;
}

/* What kvm_run tells the VMM about interrupts at every return, as in KVM. */
static void okvm_post_run(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->apic_base = vcpu->apic_base;
	/* Always with an in-kernel PIC, as KVM says (KVM_INTERRUPT is refused). */
	run->ready_for_interrupt_injection = vcpu->vm->pic ||
		(okvm_vcpu_accepts_user_irq(vcpu) && okvm_hw->interrupt_allowed(vcpu));
	if (vcpu->apic)
		run->cr8 = okvm_lapic_get_cr8(vcpu->apic);
}

/**
 * okvm_vcpu_interrupt() - KVM_INTERRUPT: the VMM's interrupt for the guest
 * @vcpu: the vCPU (its mutex held)
 * @vector: the vector
 *
 * The vector waits until the guest can take it (KVM injects it at once and
 * leaves it to the VMM to have checked ready_for_interrupt_injection).
 *
 * With a split irqchip the vector is the ExtINT of the VMM's PIC, taken
 * when LINT0 passes it on.
 *
 * Return: 0; -EINVAL for a vector above 255; -ENXIO with an in-kernel PIC;
 * -EEXIST with a split irqchip while the last vector still waits (KVM's
 * answers).
 */
int okvm_vcpu_interrupt(struct okvm_vcpu *vcpu, u32 vector)
{
	if (vector > 0xff)
		return -EINVAL;
	if (vcpu->vm->pic)
		return -ENXIO;
	if (vcpu->apic && vcpu->user_irq >= 0)
		return -EEXIST;
	vcpu->user_irq = vector;
	if (vcpu->apic)
		okvm_make_request(vcpu, OKVM_REQ_EVENT);
	return 0;
}

/*
 * Work that must not wait for the guest's next exit: a signal for the task,
 * or the scheduler wanting the CPU. Other notifications are taken on the
 * way back to userspace.
 */
static bool okvm_host_work_pending(void)
{
	return signal_pending(current) || need_resched();
}

/*
 * Enter the guest once. Return: > 0 to go on, 0 to exit to userspace, < 0
 * to fail KVM_RUN.
 */
static int okvm_vcpu_enter(struct okvm_vcpu *vcpu)
{
	int r = 0;

	preempt_disable();
	local_irq_disable();
	/*
	 * If the task slept since KVM_RUN loaded the guest's FPU state, the
	 * registers hold someone else's: load the guest's back, or the guest
	 * would run on (and corrupt) another task's FPU registers.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	okvm_kvmclock_vcpu_moved(vcpu);
	WRITE_ONCE(vcpu->cpu, smp_processor_id());
	/* Publish the mode before reading requests; see the file comment. */
	smp_store_mb(vcpu->mode, OKVM_IN_GUEST_MODE);
	/* No VM runs again once a reboot began, like a dead VM in KVM. */
	if (unlikely(!okvm_virt_can_enter()))
		r = -EIO;
	else if (okvm_host_work_pending() ||
		 (READ_ONCE(vcpu->requests) & ~BIT(OKVM_REQ_TLB_FLUSH)))
		r = 1;	/* taken care of before the next try */
	if (r) {
		WRITE_ONCE(vcpu->mode, OKVM_OUTSIDE_GUEST_MODE);
		local_irq_enable();
		preempt_enable();
		return r;
	}
	if (test_and_clear_bit(OKVM_REQ_TLB_FLUSH, &vcpu->requests))
		okvm_hw->flush_tlb(vcpu);
	okvm_hw->run(vcpu);
	vcpu->has_run = true;
	okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_EXITS);
	/*
	 * VMSCAPE: the guest may have trained branch predictors that the VMM
	 * in host userspace uses. Ask for an IBPB before this CPU returns to
	 * userspace, as KVM does, where the kernel mitigates it that way.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);

	WRITE_ONCE(vcpu->mode, OKVM_OUTSIDE_GUEST_MODE);
	/* Host interrupts that forced the exit are taken here. */
	local_irq_enable();
	preempt_enable();

	return okvm_hw->handle_exit(vcpu);
}

static int okvm_vcpu_run(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	/* As in KVM, before the registers of kvm_run are even looked at. */
	if (vcpu->apic && vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED)
		return okvm_vcpu_run_uninitialized(vcpu);
	/* As in KVM, before a waiting IN or INS updates the registers. */
	r = okvm_sync_regs_load(vcpu);
	if (r)
		return r;
	okvm_complete_pending_read(vcpu);
	okvm_complete_msr_exit(vcpu);
	if (!okvm_complete_pio_string(vcpu))
		return 0;
	/*
	 * As in KVM, after the pending read and with exit_reason untouched:
	 * the upstream selftests complete a ucall's IN this way and then look
	 * at the exit again.
	 */
	if (READ_ONCE(run->immediate_exit__unsafe))
		return -EINTR;
	if (!vcpu->apic && vcpu->mp_state == KVM_MP_STATE_HALTED) {
		/* Without an in-kernel APIC nothing can wake it: say so. */
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	}

	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	okvm_steal_time_run_begin(vcpu);
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_SIGNAL_EXITS);
			r = -EINTR;
			break;
		}
		cond_resched();
		if (test_and_clear_bit(OKVM_REQ_APICV_UPDATE, &vcpu->requests))
			okvm_apicv_vcpu_refresh(vcpu);
		if (test_and_clear_bit(OKVM_REQ_CLOCK_UPDATE, &vcpu->requests))
			okvm_kvmclock_update(vcpu);
		if (test_and_clear_bit(OKVM_REQ_STEAL_UPDATE, &vcpu->requests))
			okvm_steal_time_update(vcpu);
		if (vcpu->apic) {
			okvm_vcpu_check_events(vcpu);
			if (vcpu->mp_state != KVM_MP_STATE_RUNNABLE) {
				okvm_vcpu_block(vcpu);
				continue;
			}
			okvm_vcpu_inject_nmi(vcpu);
			okvm_inject_events(vcpu);
		} else {
			okvm_vcpu_inject_nmi(vcpu);
			okvm_inject_user_irq(vcpu);
		}
		r = okvm_vcpu_enter(vcpu);
		if (r <= 0)
			break;
		if (test_and_clear_bit(OKVM_REQ_IOAPIC_EOI_EXIT, &vcpu->requests)) {
			run->exit_reason = KVM_EXIT_IOAPIC_EOI;
			run->eoi.vector = vcpu->pending_ioapic_eoi;
			r = 0;
			break;
		}
		if (okvm_user_irq_window_open(vcpu)) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			r = 0;
			break;
		}
	}
	okvm_steal_time_run_end(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	return r;
}

/**
 * okvm_vcpu_ioctl_run() - KVM_RUN
 * @vcpu: the vCPU (its mutex held)
 *
 * The thread runs with KVM_SET_SIGNAL_MASK's mask, if any, for the whole
 * ioctl: a signal that mask unblocks ends KVM_RUN, and stays pending after
 * it if the thread's own mask blocks it.
 *
 * Return: 0 with kvm_run describing the exit; -EINTR with
 * KVM_EXIT_INTR for a signal or immediate_exit; -EIO once the host began
 * to reboot; another -errno.
 */
long okvm_vcpu_ioctl_run(struct okvm_vcpu *vcpu)
{
	bool masked = vcpu->sigset_active;
	sigset_t saved;
	int r;

	if (masked)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &saved);
	r = okvm_vcpu_run(vcpu);
	okvm_post_run(vcpu);
	okvm_sync_regs_store(vcpu);
	if (masked)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}
