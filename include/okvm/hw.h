/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between okvm's common code and a hardware backend (SVM, VMX).
 *
 * core/ calls the backend only through struct okvm_hw_ops, chosen once at
 * load from the CPU vendor; core/ never touches a VMCB or a VMCS.
 */
#ifndef _OKVM_HW_H
#define _OKVM_HW_H

#include <linux/types.h>

struct kvm_debugregs;
struct kvm_vcpu_events;
struct kvm_sregs;
struct okvm_data_view;
struct okvm_spte_format;
struct okvm_vcpu;
struct okvm_vm;

/**
 * struct okvm_hw_ops - what a hardware backend provides
 * @name: "SVM" or "VMX", for messages
 * @kvm_module: the upstream module that wants the same hardware
 *	("kvm_amd", "kvm_intel"), for messages
 * @exit: undo what the backend's init did (free per-CPU areas)
 * @prepare_cpu: sleepable per-CPU setup, run before @enable_cpu on that CPU
 * @owned_elsewhere_cpu: true if another hypervisor enabled virtualization
 *	on this CPU; runs on the CPU with interrupts off
 * @enable_cpu: turn virtualization on for this CPU; runs on the CPU with
 *	interrupts off; -EBUSY if someone else owns it
 * @disable_cpu: turn it off again; interrupts off
 * @emergency_disable_cpu: crash/kexec path: turn virtualization off on this
 *	CPU from NMI context, whatever state the CPU was left in
 * @spte_format: the TDP page-table format (NPT or EPT)
 * @maps_apic_access_page: true if guest accesses to the APIC gfn are
 *	accelerated, so that the APIC-access page is mapped there while
 *	APICv is active (apicv/); false leaves APICv inhibited for good
 * @vcpu_create: allocate a vCPU of @vm in its power-on state; an ERR_PTR
 *	on failure
 * @vcpu_free: free what @vcpu_create allocated
 * @get_sregs: segment, control and descriptor-table registers for userspace
 * @set_sregs: load them; -EINVAL for values the architecture forbids
 * @get_msr: read an MSR the backend holds; -ENOENT if it holds no such MSR
 * @set_msr: write one; -ENOENT as above. core/msr.c has refused values
 *	no MSR may hold (a base that is not canonical, reserved EFER or PAT
 *	bits)
 * @set_tsc_offset: the offset the CPU adds to the host's TSC for the
 *	guest's RDTSC, RDTSCP and RDMSR of IA32_TSC
 * @get_cr4: the guest's CR4 (CPUID reflects some of its bits)
 * @get_debugregs: DR0-DR3, DR6 and DR7 as the guest sees them
 * @set_debugregs: load them; -EINVAL for what KVM_SET_DEBUGREGS refuses
 * @reset: the architectural state after power-on or INIT
 * @get_data_view: the paging registers, CPL, code size and the base of
 *	segment @seg (enum okvm_seg), for an access okvm emulates
 * @inject_fault: deliver exception @vector with @error_code at the next
 *	entry, with CR2 set to @cr2 for a page fault; RIP stays where it is
 * @interrupt_allowed: the guest would take an external interrupt now
 *	(RFLAGS.IF set, no interrupt shadow, no event being injected)
 * @inject_irq: deliver an external interrupt at the next entry
 * @set_irq_window: exit once the guest can take an interrupt of a priority
 *	class (0-15; OKVM_IRQ_WINDOW_ANY: RFLAGS.IF alone decides), or stop
 *	asking (OKVM_IRQ_WINDOW_NONE)
 * @nmi_masked: the guest is handling an NMI (until its IRET completes)
 * @set_nmi_masked: set or clear that (KVM_SET_VCPU_EVENTS, INIT)
 * @nmi_allowed: the guest would take an NMI now (not masked, no interrupt
 *	shadow, no event being injected)
 * @inject_nmi: deliver an NMI at the next entry; masks NMIs
 * @set_nmi_window: exit as soon as the guest could take an NMI
 * @get_events: the event being delivered (exception, NMI or interrupt) and
 *	the interrupt shadow, for KVM_GET_VCPU_EVENTS
 * @set_events: restore them (at most one event); -EINVAL for what the
 *	backend cannot hold
 * @load_root: make @root the vCPU's TDP root (NPT's nCR3, EPT's EPTP), for
 *	the entries that follow
 * @flush_tlb: drop the vCPU's guest translations before its next entry;
 *	interrupts and preemption off, just before @run
 * @run: enter the guest once and return at the next exit; runs with
 *	interrupts and preemption off
 * @handle_exit: handle the last exit: > 0 to re-enter, 0 to return to
 *	userspace (kvm_run filled in), < 0 for an error of KVM_RUN
 * @get_exit_info: the last exit's code and information words, for the
 *	reports of what okvm could not handle (OKVM_EXIT_INFO_WORDS of them)
 */
struct okvm_hw_ops {
	const char *name;
	const char *kvm_module;
	void (*exit)(void);
	int (*prepare_cpu)(unsigned int cpu);
	bool (*owned_elsewhere_cpu)(void);
	int (*enable_cpu)(void);
	void (*disable_cpu)(void);
	void (*emergency_disable_cpu)(void);

	const struct okvm_spte_format *(*spte_format)(void);
	bool (*maps_apic_access_page)(void);
	struct okvm_vcpu *(*vcpu_create)(struct okvm_vm *vm);
	void (*vcpu_free)(struct okvm_vcpu *vcpu);
	void (*get_sregs)(struct okvm_vcpu *vcpu, struct kvm_sregs *sregs);
	int (*set_sregs)(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs);
	int (*get_msr)(struct okvm_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct okvm_vcpu *vcpu, u32 index, u64 data);
	void (*set_tsc_offset)(struct okvm_vcpu *vcpu, u64 offset);
	u64 (*get_cr4)(struct okvm_vcpu *vcpu);
	void (*get_debugregs)(struct okvm_vcpu *vcpu, struct kvm_debugregs *dbg);
	int (*set_debugregs)(struct okvm_vcpu *vcpu, const struct kvm_debugregs *dbg);
	void (*reset)(struct okvm_vcpu *vcpu);
	void (*get_data_view)(struct okvm_vcpu *vcpu, int seg, struct okvm_data_view *view);
	void (*inject_fault)(struct okvm_vcpu *vcpu, u8 vector, u32 error_code, u64 cr2);
	bool (*interrupt_allowed)(struct okvm_vcpu *vcpu);
	void (*inject_irq)(struct okvm_vcpu *vcpu, u8 vector);
	void (*set_irq_window)(struct okvm_vcpu *vcpu, int class);
	bool (*nmi_masked)(struct okvm_vcpu *vcpu);
	void (*set_nmi_masked)(struct okvm_vcpu *vcpu, bool masked);
	bool (*nmi_allowed)(struct okvm_vcpu *vcpu);
	void (*inject_nmi)(struct okvm_vcpu *vcpu);
	void (*set_nmi_window)(struct okvm_vcpu *vcpu);
	void (*get_events)(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *events);
	int (*set_events)(struct okvm_vcpu *vcpu, const struct kvm_vcpu_events *events);
	void (*load_root)(struct okvm_vcpu *vcpu, phys_addr_t root);
	void (*flush_tlb)(struct okvm_vcpu *vcpu);
	void (*run)(struct okvm_vcpu *vcpu);
	int (*handle_exit)(struct okvm_vcpu *vcpu);
	void (*get_exit_info)(struct okvm_vcpu *vcpu, u64 *info);
};

/* Exit code, two information words, the interrupted event and its error code. */
#define OKVM_EXIT_INFO_WORDS	5

#define OKVM_IRQ_WINDOW_NONE	(-1)
#define OKVM_IRQ_WINDOW_ANY	16

/* The backend chosen at load. */
extern const struct okvm_hw_ops *okvm_hw;

int okvm_svm_init(const struct okvm_hw_ops **ops);
int okvm_vmx_init(const struct okvm_hw_ops **ops);

extern bool okvm_rebooting;

int okvm_virt_enable(void);
void okvm_virt_disable(void);
bool okvm_virt_can_enter(void);

#endif /* _OKVM_HW_H */
