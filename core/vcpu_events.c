// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_VCPU_EVENTS: the events a vCPU carries between exits, for
 * save and restore. The event being delivered (an exception, an NMI or an
 * interrupt) and the interrupt shadow are the backend's (its EVENTINJ);
 * the NMIs that wait, NMI masking, the SIPI vector and a latched INIT are
 * core's and the APIC's. okvm has no SMM, no exception payloads and no
 * triple-fault event: their flags are refused as KVM refuses them when it
 * lacks them.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/traps.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>
#include <okvm/lapic.h>
#include <okvm/nmi.h>
#include <okvm/vcpu_events.h>
#include <okvm/vm.h>

#define OKVM_VCPUEVENT_FLAGS	(KVM_VCPUEVENT_VALID_NMI_PENDING | \
				 KVM_VCPUEVENT_VALID_SIPI_VECTOR | \
				 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM)

/**
 * okvm_vcpu_get_events() - KVM_GET_VCPU_EVENTS
 * @vcpu: the vCPU (its mutex held)
 * @events: filled in, as KVM fills it without exception payloads
 */
void okvm_vcpu_get_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *events)
{
	memset(events, 0, sizeof(*events));
	okvm_hw->get_events(vcpu, events);
	events->nmi.pending = okvm_vcpu_nmis_pending(vcpu);
	events->nmi.masked = okvm_hw->nmi_masked(vcpu);
	/* sipi_vector is never reported, as in KVM. */
	if (vcpu->apic)
		events->smi.latched_init = test_bit(OKVM_APIC_INIT, &vcpu->apic->pending_events);
	events->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
			KVM_VCPUEVENT_VALID_SMM;
}

/**
 * okvm_vcpu_set_events() - KVM_SET_VCPU_EVENTS
 * @vcpu: the vCPU (its mutex held)
 * @events: what to restore
 *
 * Return: 0; -EINVAL for flags okvm does not know (payloads, triple
 * faults), an exception vector above 31 or NMI's, SMM state (okvm has no
 * SMM), a soft interrupt (the ABI gives no instruction length, which SVM
 * needs to inject one), or more than one event being delivered (EVENTINJ
 * holds one; KVM's state could hold them all).
 */
int okvm_vcpu_set_events(struct okvm_vcpu *vcpu, const struct kvm_vcpu_events *events)
{
	int r;

	if (events->flags & ~OKVM_VCPUEVENT_FLAGS)
		return -EINVAL;
	if (events->exception.injected &&
	    (events->exception.nr > 31 || events->exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	if (events->interrupt.injected && events->interrupt.soft)
		return -EINVAL;
	if ((events->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (events->smi.smm || events->smi.pending || events->smi.smm_inside_nmi))
		return -EINVAL;
	if (!!events->exception.injected + !!events->nmi.injected +
	    !!events->interrupt.injected > 1)
		return -EINVAL;

	r = okvm_hw->set_events(vcpu, events);
	if (r)
		return r;
	if (events->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		okvm_vcpu_set_nmis_pending(vcpu, events->nmi.pending);
	okvm_hw->set_nmi_masked(vcpu, events->nmi.masked);
	if (vcpu->apic && (events->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR))
		WRITE_ONCE(vcpu->apic->sipi_vector, events->sipi_vector);
	if (vcpu->apic && (events->flags & KVM_VCPUEVENT_VALID_SMM)) {
		if (events->smi.latched_init)
			set_bit(OKVM_APIC_INIT, &vcpu->apic->pending_events);
		else
			clear_bit(OKVM_APIC_INIT, &vcpu->apic->pending_events);
	}
	okvm_make_request(vcpu, OKVM_REQ_EVENT);
	return 0;
}
