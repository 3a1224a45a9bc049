// SPDX-License-Identifier: GPL-2.0
/*
 * One guest entry on SVM: ASIDs, the state VMRUN does not switch, VMRUN.
 *
 * ASIDs are per physical CPU. A vCPU gets a fresh one whenever it runs on
 * another CPU than last time, when the CPU's generation moved on, or when it
 * must flush and the CPU cannot flush one ASID. Within a generation a CPU
 * hands each ASID out once; running out starts a new generation and flushes
 * every ASID, so no vCPU ever meets another's translations.
 *
 * Branch predictors are per physical CPU too: when a CPU goes from one VM's
 * vCPU to another VM's, an IBPB keeps the first guest's training from
 * steering the second (see okvm_svm_switch_vmcb()).
 *
 * Every SVM instruction here has an exception-table fixup. They fault only
 * if EFER.SVME is clear, which happens under a vCPU only if something turned
 * SVM off behind okvm's back: okvm's own reboot path stops entries first
 * (okvm_virt_can_enter()), so a fault is reported as a bug unless a reboot
 * is under way, and the entry comes back as a failed one (SVM_EXIT_ERR,
 * KVM_EXIT_FAIL_ENTRY for userspace) instead of oopsing the host.
 */
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/mce.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/svm.h>
#include <asm/trapnr.h>
#include <trace/events/ipi.h>

#include <okvm/hw.h>
#include <okvm/lapic.h>
#include <okvm/regs.h>
#include <okvm/xsave.h>

#include "svm.h"

static void okvm_svm_new_asid(struct okvm_svm_vcpu *svm, struct okvm_svm_cpu *sd,
			      int cpu)
{
	if (sd->next_asid > sd->max_asid) {
		sd->asid_generation++;
		sd->next_asid = 1;
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	svm->asid = sd->next_asid++;
	svm->asid_cpu = cpu;
	svm->asid_generation = sd->asid_generation;
}

/*
 * An #MC the CPU took in guest mode exits instead of reaching the host's
 * machine-check handler: call it by hand, as KVM's kvm_machine_check()
 * does, on this CPU and before the vCPU can move. The registers say user
 * mode: the error hit the guest, never host kernel code.
 */
static void okvm_svm_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

/**
 * okvm_svm_switch_vmcb() - note that @svm is about to run on @sd's CPU
 * @sd: this CPU's SVM state
 * @svm: the vCPU about to enter
 *
 * Issues an IBPB if the CPU ran another VMCB last, or one unknown (none yet,
 * or freed since), unless the CPU already issues one at every #VMEXIT
 * (X86_FEATURE_IBPB_ON_VMEXIT, set by the retbleed and SRSO mitigations).
 * Another vCPU of the same VM gets one too, as in KVM: a guest process on
 * one vCPU must not train the branches of one on another vCPU, and the
 * guest cannot know that the two shared a physical CPU. The barrier itself
 * is the kernel's, a no-op where the kernel does not use IBPB. Counted in
 * the entering vCPU's "ibpb" statistic.
 *
 * Runs with preemption off, on @sd's CPU.
 *
 * Return: true if it issued the barrier.
 */
bool okvm_svm_switch_vmcb(struct okvm_svm_cpu *sd, struct okvm_svm_vcpu *svm)
{
	if (READ_ONCE(sd->last_vmcb) == svm->vmcb)
		return false;
	/* okvm_svm_forget_vmcb() may clear it from another CPU at any time. */
	WRITE_ONCE(sd->last_vmcb, svm->vmcb);
	if (cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
		return false;
	indirect_branch_prediction_barrier();
	okvm_vcpu_stat_inc(&svm->vcpu.stats, OKVM_VCPU_STAT_IBPB);
	return true;
}

/**
 * okvm_svm_forget_vmcb() - a VMCB is about to be freed
 * @vmcb: the VMCB
 *
 * Clears it from every CPU's @last_vmcb: its page may come back as a new
 * vCPU's VMCB, in another VM, which must not look like the vCPU the CPU ran
 * last.
 */
void okvm_svm_forget_vmcb(struct vmcb *vmcb)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&okvm_svm_cpu, cpu)->last_vmcb, vmcb, NULL);
}

/*
 * One SVM instruction without operands; true if it ran, false if it
 * faulted (EFER.SVME clear): the exception-table fixup lands on label 2.
 */
#define okvm_svm_insn_ran(insn) ({					\
	bool __ran;							\
									\
	asm volatile("1: " insn "\n\t"					\
		     "mov $1, %[ran]\n\t"					\
		     "jmp 3f\n"						\
		     "2: mov $0, %[ran]\n"					\
		     "3:\n\t"						\
		     _ASM_EXTABLE(1b, 2b)					\
		     : [ran] "=q" (__ran) : : "memory");			\
	__ran;								\
})

static __always_inline bool okvm_svm_clgi(void)
{
	return okvm_svm_insn_ran("clgi");
}

static __always_inline bool okvm_svm_stgi(void)
{
	return okvm_svm_insn_ran("stgi");
}

/* An SVM instruction faulted: report it unless a reboot explains it. */
static void okvm_svm_insn_faulted(void)
{
	WARN_ONCE(!READ_ONCE(okvm_rebooting),
		  "okvm: SVM instruction faulted on CPU %d outside a reboot (EFER.SVME clear?)\n",
		  smp_processor_id());
}

/* The entry did not happen: make it look like a VMRUN that failed. */
static void okvm_svm_entry_failed(struct vmcb *vmcb)
{
	okvm_svm_insn_faulted();
	vmcb->control.exit_code = SVM_EXIT_ERR;
	vmcb->control.exit_code_hi = 0;
	vmcb->control.exit_info_1 = 0;
	vmcb->control.exit_info_2 = 0;
	vmcb->control.exit_int_info = 0;
}

/**
 * okvm_svm_flush_tlb() - drop the vCPU's guest translations at its next VMRUN
 * @vcpu: the vCPU; interrupts and preemption off, just before okvm_svm_run()
 *
 * With FLUSHBYASID that VMRUN flushes the vCPU's ASID; without, the vCPU
 * takes a new ASID, which holds no translations yet.
 */
void okvm_svm_flush_tlb(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	if (boot_cpu_has(X86_FEATURE_FLUSHBYASID))
		svm->vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ASID;
	else
		svm->asid_cpu = -1;
}

/**
 * okvm_svm_run() - enter the guest once
 * @vcpu: the vCPU
 *
 * Runs with interrupts and preemption off.
 */
void okvm_svm_run(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	struct okvm_svm_cpu *sd = this_cpu_ptr(&okvm_svm_cpu);
	struct vmcb *vmcb = svm->vmcb;
	int cpu = smp_processor_id();
	u32 host_pkru;
	bool faulted;

	/*
	 * The NMI window's exit after EVENTINJ (svm/nmi.c): an IPI to this
	 * CPU, pending with interrupts off, ends the guest's run as soon as
	 * VMRUN delivered the event.
	 */
	if (svm->nmi_immediate_exit) {
		svm->nmi_immediate_exit = false;
		smp_send_reschedule(cpu);
	}
	okvm_svm_switch_vmcb(sd, svm);
	if (svm->asid_cpu != cpu || svm->asid_generation != sd->asid_generation)
		okvm_svm_new_asid(svm, sd, cpu);
	vmcb->control.asid = svm->asid;
	/* okvm rewrites whatever it changed; tell the CPU to cache nothing. */
	vmcb->control.clean = 0;

	if (!okvm_svm_interrupt_shadow(vmcb, vcpu->rip))
		vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	vmcb->save.rax = vcpu->regs[OKVM_REG_RAX];
	vmcb->save.rsp = vcpu->regs[OKVM_REG_RSP];
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags;
	/* The NMI window's single step (svm/nmi.c). */
	if (svm->nmi_singlestep)
		vmcb->save.rflags |= X86_EFLAGS_TF | X86_EFLAGS_RF;
	if (vcpu->apic)
		vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
					okvm_lapic_get_cr8(vcpu->apic);

	/*
	 * GIF off: not even an NMI may see guest XCR0, PKRU, FS or GS. If SVM
	 * is off, nothing of the guest's has been loaded yet: leave.
	 */
	if (!okvm_svm_clgi()) {
		okvm_svm_entry_failed(vmcb);
		return;
	}
	host_pkru = okvm_guest_xstate_enter(vcpu);

	/*
	 * VMRUN switches DR6 and DR7 but not DR0-DR3. The host's breakpoints
	 * go off first (hw_breakpoint_restore() brings them back), so none
	 * fires in host code at a guest address; then the guest's DR0-DR3 go
	 * in if its DR7 arms a breakpoint or it may read them. Unless it may
	 * write DR6, DR6 runs at its no-event value, so that a #DB exit tells
	 * what happened (svm/exit.c).
	 */
	if (hw_breakpoint_active())
		set_debugreg(0, 7);
	if (svm->dr_passthrough || (vmcb->save.dr7 & OKVM_DR7_BP_ENABLE)) {
		set_debugreg(svm->db[0], 0);
		set_debugreg(svm->db[1], 1);
		set_debugreg(svm->db[2], 2);
		set_debugreg(svm->db[3], 3);
	}
	vmcb->save.dr6 = svm->dr_passthrough ? svm->dr6 : OKVM_DR6_ACTIVE_LOW;

	/*
	 * With V_INTR_MASKING the host's RFLAGS.IF at VMRUN decides whether
	 * physical interrupts reach the guest and so force a #VMEXIT: set it.
	 * GIF is clear, so no interrupt is taken in host code. Not STI right
	 * before VMRUN: its interrupt shadow leaks into the guest's state when
	 * an event delivered at VMRUN causes a #VMEXIT (QEMU then even records
	 * the host's RIP as the guest's).
	 */
	okvm_svm_tcg_quirk_before_vmrun(vmcb);
	raw_local_irq_enable();
	faulted = okvm_svm_vmrun(svm->vmcb_pa, sd->host_save_pa, vcpu->regs);
	raw_local_irq_disable();
	if (unlikely(faulted))
		okvm_svm_entry_failed(vmcb);

	okvm_guest_xstate_exit(vcpu, host_pkru);
	if (!okvm_svm_stgi())
		okvm_svm_insn_faulted();

	/*
	 * A guest that had its debug registers may have written them: keep
	 * them, and make its next access exit again.
	 */
	if (svm->dr_passthrough) {
		get_debugreg(svm->db[0], 0);
		get_debugreg(svm->db[1], 1);
		get_debugreg(svm->db[2], 2);
		get_debugreg(svm->db[3], 3);
		svm->dr6 = vmcb->save.dr6;
		svm->dr_passthrough = false;
		okvm_svm_dr_intercepts(svm, true);
	}
	/*
	 * #VMEXIT cleared DR7; give the host its breakpoints back. Without
	 * any, DR0-DR3 may keep the guest's: nothing enables them, and the
	 * next guest to read them exits first and gets its own.
	 */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (unlikely(vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + X86_TRAP_MC))
		okvm_svm_machine_check();

	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	vcpu->regs[OKVM_REG_RAX] = vmcb->save.rax;
	vcpu->regs[OKVM_REG_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	/*
	 * The guest does not see the step flags it did not set itself; an
	 * IRET stepped over popped its own.
	 */
	if (svm->nmi_singlestep &&
	    !(svm->nmi_awaiting_iret && vcpu->rip != svm->nmi_iret_rip))
		vcpu->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_RF) | svm->nmi_singlestep_guest_flags;
}
