// SPDX-License-Identifier: GPL-2.0
/*
 * One guest entry on SVM: ASIDs, the state VMRUN does not switch, VMRUN.
 *
 * ASIDs are per physical CPU. A vCPU gets a fresh one whenever it runs on
 * another CPU than last time, when the CPU's generation moved on, or when it
 * must flush and the CPU cannot flush one ASID. Within a generation a CPU
 * hands each ASID out once; running out starts a new generation and flushes
 * every ASID, so no vCPU ever meets another's translations.
 */
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/special_insns.h>
#include <asm/svm.h>
#include <asm/trapnr.h>

#include <okvm/regs.h>

#include "svm.h"

/* The host's XCR0, read at load; 0 without XSAVE. */
u64 okvm_host_xcr0;

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
 * okvm_svm_run() - enter the guest once
 * @vcpu: the vCPU
 * @flush_tlb: flush the vCPU's guest translations first
 *
 * Runs with interrupts and preemption off.
 */
void okvm_svm_run(struct okvm_vcpu *vcpu, bool flush_tlb)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	struct okvm_svm_cpu *sd = this_cpu_ptr(&okvm_svm_cpu);
	struct vmcb *vmcb = svm->vmcb;
	bool pku = cpu_feature_enabled(X86_FEATURE_OSPKE);
	int cpu = smp_processor_id();
	u32 host_pkru = 0;

	if (svm->asid_cpu != cpu || svm->asid_generation != sd->asid_generation ||
	    (flush_tlb && !boot_cpu_has(X86_FEATURE_FLUSHBYASID)))
		okvm_svm_new_asid(svm, sd, cpu);
	else if (flush_tlb)
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ASID;
	vmcb->control.asid = svm->asid;
	/* okvm rewrites whatever it changed; tell the CPU to cache nothing. */
	vmcb->control.clean = 0;

	vmcb->save.rax = vcpu->regs[OKVM_REG_RAX];
	vmcb->save.rsp = vcpu->regs[OKVM_REG_RSP];
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags;

	/* GIF off: not even an NMI may see guest XCR0, PKRU, FS or GS. */
	asm volatile("clgi" ::: "memory");
	if (okvm_host_xcr0 && vcpu->xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	if (pku) {
		host_pkru = rdpkru();
		if (svm->guest_pkru != host_pkru)
			wrpkru(svm->guest_pkru);
	}

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
	raw_local_irq_enable();
	okvm_svm_vmrun(svm->vmcb_pa, sd->host_save_pa, vcpu->regs);
	raw_local_irq_disable();

	if (pku) {
		svm->guest_pkru = rdpkru();
		if (svm->guest_pkru != host_pkru)
			wrpkru(host_pkru);
	}
	if (okvm_host_xcr0 && vcpu->xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, okvm_host_xcr0);
	asm volatile("stgi" ::: "memory");

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
}
