// SPDX-License-Identifier: GPL-2.0
/*
 * An erratum of QEMU's TCG, the emulated SVM okvm is tested on (and
 * kvm_amd with it): VMRUN delivers an external interrupt from EVENTINJ at
 * once, but leaves its vector behind as the CPU's pending exception. If
 * the emulator then stops the vCPU for its own reasons (another vCPU's
 * turn, an I/O thread's request) before the guest raises an exception or
 * exits, it delivers that vector again, as an exception, whatever
 * RFLAGS.IF says. A Linux guest takes its interrupt a second time inside
 * the handler, on the handler's own lock, and spins there forever.
 *
 * Under TCG okvm therefore makes an entry that injects an interrupt exit
 * right after the delivery: a self-IPI (an irq_work), raised with GIF
 * clear, is a physical interrupt pending across VMRUN, which exits before
 * the guest's first instruction, and the exit clears the stale vector. One
 * more exit per interrupt, only where the CPU says it is TCG.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irq_work.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/svm.h>

#include "svm.h"

#define OKVM_CPUID_HYPERVISOR_BASE	0x40000000

static int tcg_injection_exit = -1;
module_param(tcg_injection_exit, int, 0444);
MODULE_PARM_DESC(tcg_injection_exit,
		 "exit right after each interrupt VMRUN injects, for QEMU TCG's erratum (-1: when the CPU is TCG, the default; 0: never; 1: always)");

static bool okvm_svm_injection_exits;

static void okvm_svm_injection_exit_fn(struct irq_work *work)
{
	/* Nothing: the interrupt itself did the work, the #VMEXIT. */
}

/*
 * Set up at load, not by a static initializer: on the test kernel the
 * module's copy of an initialized per-CPU irq_work came up zeroed, and the
 * first self-IPI called a NULL function.
 */
static DEFINE_PER_CPU(struct irq_work, okvm_svm_injection_exit);

/* QEMU's TCG names itself in the hypervisor leaves (its tcg-cpuid, on by default). */
static bool okvm_cpu_is_tcg(void)
{
	u32 eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(OKVM_CPUID_HYPERVISOR_BASE, &eax, &sig[0], &sig[1], &sig[2]);
	return !memcmp(sig, "TCGTCGTCGTCG", sizeof(sig));
}

/**
 * okvm_svm_tcg_quirk_init() - decide, at load, whether entries that inject
 *	an interrupt exit right after it
 */
void okvm_svm_tcg_quirk_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct irq_work *work = per_cpu_ptr(&okvm_svm_injection_exit, cpu);

		*work = IRQ_WORK_INIT_HARD(okvm_svm_injection_exit_fn);
	}
	okvm_svm_injection_exits = tcg_injection_exit < 0 ? okvm_cpu_is_tcg() :
				   tcg_injection_exit > 0;
	if (okvm_svm_injection_exits)
		pr_info("each injected interrupt exits right after its delivery (QEMU TCG's erratum)\n");
}

/**
 * okvm_svm_tcg_quirk_before_vmrun() - raise the self-IPI for an entry that
 *	injects an external interrupt
 * @vmcb: the VMCB about to be entered
 *
 * Context: interrupts off, GIF clear.
 */
void okvm_svm_tcg_quirk_before_vmrun(const struct vmcb *vmcb)
{
	u32 inj = vmcb->control.event_inj;

	if (okvm_svm_injection_exits &&
	    (inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR))
		irq_work_queue(this_cpu_ptr(&okvm_svm_injection_exit));
}

/**
 * okvm_svm_tcg_quirk_exit() - at unload: no self-IPI's work is left to run
 */
void okvm_svm_tcg_quirk_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(per_cpu_ptr(&okvm_svm_injection_exit, cpu));
}
