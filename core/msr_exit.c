// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's RDMSR and WRMSR: the MSR filter first (core/msr_filter.c),
 * then okvm's own MSRs (core/msr.c); an access neither lets through either
 * exits to userspace (KVM_EXIT_X86_RDMSR, KVM_EXIT_X86_WRMSR) where
 * KVM_CAP_X86_USER_SPACE_MSR asked for its reason, or raises #GP. The
 * backend decodes the exit and says where the instruction ends.
 *
 * After such an exit the next KVM_RUN completes the instruction as KVM
 * does: with kvm_run.msr.error set the guest gets #GP and RIP stays;
 * otherwise a read's kvm_run.msr.data goes to EDX:EAX and RIP moves past.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/trapnr.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>
#include <okvm/msr.h>
#include <okvm/msr_filter.h>
#include <okvm/vm.h>

/* What okvm_get/set_msr() never return: the filter denied the access. */
#define OKVM_MSR_FILTERED	(-EACCES)

/**
 * okvm_enable_user_space_msr() - KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)
 * @vm: the VM
 * @reasons: the KVM_MSR_EXIT_REASON_* whose accesses exit to userspace
 *	instead of raising #GP; 0 turns the exits off again
 *
 * Return: 0, or -EINVAL for an unknown reason.
 */
int okvm_enable_user_space_msr(struct okvm_vm *vm, u64 reasons)
{
	if (reasons & ~(u64)KVM_MSR_EXIT_REASON_VALID_MASK)
		return -EINVAL;
	/* Read by each vCPU at its MSR exits; nothing else depends on it. */
	WRITE_ONCE(vm->user_space_msr_reasons, reasons);
	return 0;
}

/* KVM's reasons: an MSR okvm does not have, a filtered access, a bad value. */
static u32 okvm_msr_exit_reason(int err)
{
	switch (err) {
	case -ENOENT:
		return KVM_MSR_EXIT_REASON_UNKNOWN;
	case OKVM_MSR_FILTERED:
		return KVM_MSR_EXIT_REASON_FILTER;
	default:
		return KVM_MSR_EXIT_REASON_INVAL;
	}
}

static void okvm_msr_write_edx_eax(struct okvm_vcpu *vcpu, u64 data)
{
	vcpu->regs[OKVM_REG_RAX] = lower_32_bits(data);
	vcpu->regs[OKVM_REG_RDX] = upper_32_bits(data);
}

/* A failed access: to userspace if it asked for this reason, else #GP. */
static int okvm_msr_failed(struct okvm_vcpu *vcpu, u32 index, u64 data, bool write,
			   u64 next_rip, int err)
{
	u32 reason = okvm_msr_exit_reason(err);
	struct kvm_run *run = vcpu->run;

	if (!(READ_ONCE(vcpu->vm->user_space_msr_reasons) & reason)) {
		okvm_hw->inject_fault(vcpu, X86_TRAP_GP, 0, 0);
		return 1;
	}
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = data;
	vcpu->pending_msr = (struct okvm_pending_msr){
		.pending = true,
		.read = !write,
		.next_rip = next_rip,
	};
	return 0;
}

/**
 * okvm_emulate_rdmsr() - a guest RDMSR of the MSR in ECX
 * @vcpu: the vCPU
 * @next_rip: the address after the instruction
 *
 * Return: 1 to go on (EDX:EAX loaded and RIP advanced, or #GP raised), 0
 * for a KVM_EXIT_X86_RDMSR exit to userspace.
 */
int okvm_emulate_rdmsr(struct okvm_vcpu *vcpu, u64 next_rip)
{
	u32 index = vcpu->regs[OKVM_REG_RCX];
	int r = OKVM_MSR_FILTERED;
	u64 data = 0;

	if (okvm_msr_allowed(vcpu->vm, index, KVM_MSR_FILTER_READ))
		r = okvm_get_msr(vcpu, index, &data, false);
	if (r)
		return okvm_msr_failed(vcpu, index, 0, false, next_rip, r);
	okvm_msr_write_edx_eax(vcpu, data);
	vcpu->rip = next_rip;
	return 1;
}

/**
 * okvm_emulate_wrmsr() - a guest WRMSR of EDX:EAX to the MSR in ECX
 * @vcpu: the vCPU
 * @next_rip: the address after the instruction
 *
 * Return: 1 to go on (written and RIP advanced, or #GP raised), 0 for a
 * KVM_EXIT_X86_WRMSR exit to userspace.
 */
int okvm_emulate_wrmsr(struct okvm_vcpu *vcpu, u64 next_rip)
{
	u32 index = vcpu->regs[OKVM_REG_RCX];
	u64 data = (u64)(u32)vcpu->regs[OKVM_REG_RDX] << 32 | (u32)vcpu->regs[OKVM_REG_RAX];
	int r = OKVM_MSR_FILTERED;

	if (okvm_msr_allowed(vcpu->vm, index, KVM_MSR_FILTER_WRITE))
		r = okvm_set_msr(vcpu, index, data, false);
	if (r)
		return okvm_msr_failed(vcpu, index, data, true, next_rip, r);
	vcpu->rip = next_rip;
	return 1;
}

/**
 * okvm_complete_msr_exit() - finish the RDMSR or WRMSR userspace handled
 * @vcpu: the vCPU, at the start of KVM_RUN
 *
 * Nothing to do unless the last exit was KVM_EXIT_X86_RDMSR or _WRMSR.
 */
void okvm_complete_msr_exit(struct okvm_vcpu *vcpu)
{
	struct okvm_pending_msr *pm = &vcpu->pending_msr;

	if (!pm->pending)
		return;
	pm->pending = false;
	if (READ_ONCE(vcpu->run->msr.error)) {
		okvm_hw->inject_fault(vcpu, X86_TRAP_GP, 0, 0);
		return;
	}
	if (pm->read)
		okvm_msr_write_edx_eax(vcpu, READ_ONCE(vcpu->run->msr.data));
	vcpu->rip = pm->next_rip;
}
