// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_SYNC_REGS: register sets that travel in struct kvm_run (s.regs)
 * instead of through KVM_GET/SET_REGS, _SREGS and _VCPU_EVENTS. Before
 * KVM_RUN enters the guest it loads the sets userspace marked in
 * kvm_dirty_regs, with the checks of those ioctls; at every return it
 * stores the sets kvm_valid_regs asks for.
 *
 * kvm_run is shared with userspace, which may write it while KVM_RUN reads
 * it (the upstream sync_regs_test does, from another thread): each set is
 * copied out of the page once, and the copy is what is checked and loaded.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>
#include <okvm/sync_regs.h>
#include <okvm/vcpu_events.h>
#include <okvm/vm.h>

/*
 * Bits that name no set, as KVM finds them: its check is 32 bits wide, so
 * bits 63:32 of either field are ignored rather than refused.
 */
#define OKVM_SYNC_REGS_INVALID	((u32)~KVM_SYNC_X86_VALID_FIELDS)

/* A set is loaded, so the next KVM_RUN does not load it again: as in KVM. */
static void okvm_sync_regs_loaded(struct kvm_run *run, u64 set)
{
	WRITE_ONCE(run->kvm_dirty_regs, READ_ONCE(run->kvm_dirty_regs) & ~set);
}

/**
 * okvm_sync_regs_load() - take the register sets userspace marked dirty
 * @vcpu: the vCPU (its mutex held), in KVM_RUN before its first entry
 *
 * The general-purpose registers, then the special registers, then the
 * events, as in KVM; each set loaded has its bit cleared in
 * kvm_dirty_regs. A set that fails its ioctl's checks stops here, with
 * the sets before it loaded and its own bit still set.
 *
 * Return: 0; -EINVAL for a bit among 31:0 of kvm_valid_regs or
 * kvm_dirty_regs that names no set, or a set its ioctl would refuse.
 */
int okvm_sync_regs_load(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_vcpu_events events;
	} copy;

	if ((valid | dirty) & OKVM_SYNC_REGS_INVALID)
		return -EINVAL;
	if (dirty & KVM_SYNC_X86_REGS) {
		copy.regs = run->s.regs.regs;
		okvm_vcpu_set_regs(vcpu, &copy.regs);
		okvm_sync_regs_loaded(run, KVM_SYNC_X86_REGS);
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		copy.sregs = run->s.regs.sregs;
		if (okvm_hw->set_sregs(vcpu, &copy.sregs))
			return -EINVAL;
		okvm_sync_regs_loaded(run, KVM_SYNC_X86_SREGS);
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		copy.events = run->s.regs.events;
		if (okvm_vcpu_set_events(vcpu, &copy.events))
			return -EINVAL;
		okvm_sync_regs_loaded(run, KVM_SYNC_X86_EVENTS);
	}
	return 0;
}

/**
 * okvm_sync_regs_store() - give userspace the register sets it asked for
 * @vcpu: the vCPU (its mutex held), at the end of KVM_RUN
 *
 * Every set kvm_valid_regs names is written to s.regs as its KVM_GET_*
 * ioctl reports it, whatever KVM_RUN returns, as in KVM. The getters only
 * write their structure, so a userspace that writes it meanwhile can only
 * spoil its own copy.
 */
void okvm_sync_regs_store(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);

	if (valid & KVM_SYNC_X86_REGS)
		okvm_vcpu_get_regs(vcpu, &run->s.regs.regs);
	if (valid & KVM_SYNC_X86_SREGS)
		okvm_hw->get_sregs(vcpu, &run->s.regs.sregs);
	if (valid & KVM_SYNC_X86_EVENTS)
		okvm_vcpu_get_events(vcpu, &run->s.regs.events);
}
