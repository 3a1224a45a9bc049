// SPDX-License-Identifier: GPL-2.0
/*
 * KVM hypercalls (Documentation/virt/kvm/x86/hypercalls.rst): the number in
 * RAX, the arguments in RBX, RCX, RDX and RSI, the result back in RAX. The
 * backend decodes its instruction (VMMCALL on SVM) and steps over it.
 *
 * okvm has the two whose work needs no more than an answer: VAPIC_POLL_IRQ,
 * which only returns, and SCHED_YIELD, a hint that okvm takes as KVM does
 * when it finds no vCPU to yield to. Every other number, the ones KVM
 * implements and okvm does not yet among them (KICK_CPU, SEND_IPI,
 * CLOCK_PAIRING, MAP_GPA_RANGE), fails with -KVM_ENOSYS.
 */
#include <linux/kvm_para.h>

#include <okvm/hypercall.h>
#include <okvm/regs.h>
#include <okvm/vm.h>

/**
 * okvm_hypercall_result() - what a KVM hypercall returns to the guest
 * @nr: its number, already cut to 32 bits outside 64-bit mode
 * @cpl: the guest's current privilege level
 * @allowed: the KVM_FEATURE_* bits whose hypercalls the guest may make:
 *	every bit without KVM_CAP_ENFORCE_PV_FEATURE_CPUID, else its CPUID's
 *
 * As in KVM: only CPL 0 may make hypercalls (-KVM_EPERM), and one whose
 * feature is not allowed does not exist (-KVM_ENOSYS).
 *
 * Return: the value for RAX.
 */
long okvm_hypercall_result(unsigned long nr, u8 cpl, u32 allowed)
{
	if (cpl)
		return -KVM_EPERM;
	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
		return 0;
	case KVM_HC_SCHED_YIELD:
		return allowed & BIT(KVM_FEATURE_PV_SCHED_YIELD) ? 0 : -KVM_ENOSYS;
	default:
		return -KVM_ENOSYS;
	}
}

/**
 * okvm_emulate_hypercall() - run the guest's KVM hypercall
 * @vcpu: the vCPU, its registers holding the call
 * @op_64_bit: the guest is in 64-bit mode; elsewhere only the low 32 bits
 *	of the number count, and of the result
 * @cpl: the guest's current privilege level
 *
 * The result goes to RAX; the caller steps over the instruction.
 */
void okvm_emulate_hypercall(struct okvm_vcpu *vcpu, bool op_64_bit, u8 cpl)
{
	unsigned long nr = vcpu->regs[OKVM_REG_RAX];
	u32 allowed = vcpu->pv_enforce ? vcpu->pv_features : ~0U;
	unsigned long ret;

	if (!op_64_bit)
		nr = (u32)nr;
	ret = okvm_hypercall_result(nr, cpl, allowed);
	vcpu->regs[OKVM_REG_RAX] = op_64_bit ? ret : (u32)ret;
}
