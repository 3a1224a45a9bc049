// SPDX-License-Identifier: GPL-2.0
/*
 * Steal time, the gfn-to-pfn cache's second user: KVM's MSR_KVM_STEAL_TIME
 * (Linux's Documentation/virt/kvm/x86/msr.rst). The guest gives a 64-byte
 * aligned struct kvm_steal_time; okvm adds to its steal field the time the
 * vCPU's thread waited for a host CPU while runnable (the scheduler's
 * run_delay), before the vCPU enters after KVM_RUN begins or after the
 * thread was scheduled back in, and sets its preempted byte while the
 * thread is scheduled out runnable, so the guest can tell a preempted vCPU
 * from a busy one. The preempted byte is written from the scheduler, where
 * nothing may sleep: through okvm_gpc_lock_atomic(), skipped if the cache
 * needs a refresh (the next update refreshes it).
 */
#include <linux/preempt.h>
#include <linux/sched.h>
#include <asm/kvm_para.h>

#include <okvm/gpc.h>
#include <okvm/msr.h>
#include <okvm/steal_time.h>
#include <okvm/vm.h>

#ifdef CONFIG_PREEMPT_NOTIFIERS
static struct okvm_vcpu *okvm_pn_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct okvm_vcpu, preempt_notifier);
}

/* Back on a CPU: the wait is counted before the guest runs again. */
static void okvm_steal_time_sched_in(struct preempt_notifier *pn, int cpu)
{
	okvm_make_request(okvm_pn_vcpu(pn), OKVM_REQ_STEAL_UPDATE);
}

/* Off the CPU while runnable: preempted, not halted. */
static void okvm_steal_time_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	struct okvm_vcpu *vcpu = okvm_pn_vcpu(pn);
	struct kvm_steal_time *st;

	if (!READ_ONCE(current->on_rq))
		return;
	st = okvm_gpc_lock_atomic(&vcpu->steal_time);
	if (IS_ERR(st))
		return;
	WRITE_ONCE(st->preempted, KVM_VCPU_PREEMPTED);
	okvm_gpc_unlock_atomic(&vcpu->steal_time);
}

static struct preempt_ops okvm_steal_time_preempt_ops = {
	.sched_in = okvm_steal_time_sched_in,
	.sched_out = okvm_steal_time_sched_out,
};
#endif

/**
 * okvm_steal_time_vcpu_init() - a new vCPU has no steal time record
 * @vcpu: the vCPU
 */
void okvm_steal_time_vcpu_init(struct okvm_vcpu *vcpu)
{
	okvm_gpc_init(&vcpu->steal_time, vcpu->vm);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_init(&vcpu->preempt_notifier, &okvm_steal_time_preempt_ops);
#endif
}

/**
 * okvm_steal_time_reset() - INIT turns steal time off, as in KVM
 * @vcpu: the vCPU, on its own thread (KVM_RUN: the notifier is registered
 *	and finds the cache inactive from now on)
 */
void okvm_steal_time_reset(struct okvm_vcpu *vcpu)
{
	vcpu->steal_time_msr = 0;
	okvm_gpc_deactivate(&vcpu->steal_time);
}

/**
 * okvm_steal_time_vcpu_free() - a vCPU goes: its cache lets go of the page
 * @vcpu: the vCPU
 */
void okvm_steal_time_vcpu_free(struct okvm_vcpu *vcpu)
{
	okvm_gpc_deactivate(&vcpu->steal_time);
}

/* With KVM_CAP_ENFORCE_PV_FEATURE_CPUID, the guest's CPUID must offer it. */
static bool okvm_steal_time_allowed(struct okvm_vcpu *vcpu)
{
	return !vcpu->pv_enforce || (vcpu->pv_features & BIT(KVM_FEATURE_STEAL_TIME));
}

/**
 * okvm_steal_time_msr() - MSR_KVM_STEAL_TIME
 * @vcpu: the vCPU (every one has it)
 * @index: the MSR
 *
 * Return: true for MSR_KVM_STEAL_TIME.
 */
bool okvm_steal_time_msr(const struct okvm_vcpu *vcpu, u32 index)
{
	return index == MSR_KVM_STEAL_TIME;
}

/**
 * okvm_steal_time_get_msr() - MSR_KVM_STEAL_TIME: the last value written
 * @vcpu: the vCPU
 * @index: MSR_KVM_STEAL_TIME
 * @data: the value
 * @host: KVM_GET_MSRS
 *
 * Return: 0, or -EINVAL (#GP) where the guest's CPUID forbids it; the VMM
 * then reads 0.
 */
int okvm_steal_time_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	if (!okvm_steal_time_allowed(vcpu)) {
		*data = 0;
		return host ? 0 : -EINVAL;
	}
	*data = vcpu->steal_time_msr;
	return 0;
}

/**
 * okvm_steal_time_set_msr() - MSR_KVM_STEAL_TIME: place the record
 * @vcpu: the vCPU
 * @index: MSR_KVM_STEAL_TIME
 * @data: the record's gpa, 64-byte aligned, with KVM_MSR_ENABLED
 * @host: KVM_SET_MSRS
 *
 * The steal counted starts from now. A record no memslot backs is not
 * written, as in KVM.
 *
 * Return: 0, or -EINVAL (#GP) for reserved bits, or where the guest's CPUID
 * forbids it (the VMM may then write 0 only).
 */
int okvm_steal_time_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	if (!okvm_steal_time_allowed(vcpu))
		return host && !data ? 0 : -EINVAL;
	if (data & KVM_STEAL_RESERVED_MASK)
		return -EINVAL;
	vcpu->steal_time_msr = data;
	if (!(data & KVM_MSR_ENABLED) ||
	    okvm_gpc_activate(&vcpu->steal_time, data & KVM_STEAL_VALID_BITS,
			      sizeof(struct kvm_steal_time))) {
		okvm_gpc_deactivate(&vcpu->steal_time);
		return 0;
	}
	vcpu->steal_last_run_delay = current->sched_info.run_delay;
	okvm_make_request(vcpu, OKVM_REQ_STEAL_UPDATE);
	return 0;
}

const struct okvm_msr_ops okvm_steal_time_msr_ops = {
	.owns = okvm_steal_time_msr,
	.get = okvm_steal_time_get_msr,
	.set = okvm_steal_time_set_msr,
};

/**
 * okvm_steal_time_update() - OKVM_REQ_STEAL_UPDATE: add what was stolen
 * @vcpu: the vCPU, on its own thread, before it enters (may sleep)
 *
 * Also clears the preempted byte: the vCPU runs again.
 */
void okvm_steal_time_update(struct okvm_vcpu *vcpu)
{
	u64 run_delay = current->sched_info.run_delay;
	struct kvm_steal_time *st;
	u32 version;

	if (!(vcpu->steal_time_msr & KVM_MSR_ENABLED))
		return;
	st = okvm_gpc_lock(&vcpu->steal_time);
	if (IS_ERR(st))
		return;
	version = (READ_ONCE(st->version) + 1) | 1;
	WRITE_ONCE(st->version, version);
	/* Odd before the fields change, as for the kvmclock record. */
	smp_wmb();
	WRITE_ONCE(st->preempted, 0);
	WRITE_ONCE(st->steal, READ_ONCE(st->steal) + run_delay - vcpu->steal_last_run_delay);
	vcpu->steal_last_run_delay = run_delay;
	/* Even again only after them. */
	smp_wmb();
	WRITE_ONCE(st->version, version + 1);
	okvm_gpc_unlock(&vcpu->steal_time);
	okvm_gpc_mark_dirty(&vcpu->steal_time);
}

/**
 * okvm_steal_time_run_begin() - KVM_RUN starts on the vCPU's thread
 * @vcpu: the vCPU
 *
 * The time the thread waited since the last KVM_RUN is stolen too; from
 * now on the scheduler tells okvm when the thread leaves a CPU and comes
 * back.
 */
void okvm_steal_time_run_begin(struct okvm_vcpu *vcpu)
{
	if (!(vcpu->steal_time_msr & KVM_MSR_ENABLED))
		return;
	okvm_make_request(vcpu, OKVM_REQ_STEAL_UPDATE);
#ifdef CONFIG_PREEMPT_NOTIFIERS
	preempt_notifier_register(&vcpu->preempt_notifier);
	vcpu->preempt_notifier_registered = true;
#endif
}

/**
 * okvm_steal_time_run_end() - KVM_RUN returns
 * @vcpu: the vCPU
 */
void okvm_steal_time_run_end(struct okvm_vcpu *vcpu)
{
#ifdef CONFIG_PREEMPT_NOTIFIERS
	if (vcpu->preempt_notifier_registered) {
		preempt_notifier_unregister(&vcpu->preempt_notifier);
		vcpu->preempt_notifier_registered = false;
	}
#endif
}
