/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SVM backend's internal interface.
 */
#ifndef _OKVM_SVM_H
#define _OKVM_SVM_H

#include <linux/mem_encrypt.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/svm.h>

#include <okvm/vm.h>
#include <okvm/walk.h>

/**
 * struct okvm_svm_cpu - SVM state of one physical CPU
 * @hsave: the host save area VMRUN uses (MSR_VM_HSAVE_PA)
 * @host_save: where VMSAVE keeps the host state VMRUN does not restore
 * @host_save_pa: its physical address
 * @asid_generation: bumped when the ASIDs wrap and every ASID is flushed
 * @next_asid: the next ASID to hand out
 * @max_asid: the largest ASID the CPU supports
 * @last_vmcb: the VMCB this CPU entered last; NULL before the first entry
 *	and after that VMCB was freed (okvm_svm_forget_vmcb())
 */
struct okvm_svm_cpu {
	struct page *hsave;
	struct page *host_save;
	u64 host_save_pa;
	u64 asid_generation;
	u32 next_asid;
	u32 max_asid;
	struct vmcb *last_vmcb;
};

DECLARE_PER_CPU(struct okvm_svm_cpu, okvm_svm_cpu);

/**
 * struct okvm_svm_vcpu - an SVM vCPU
 * @vcpu: the common part
 * @vmcb: its VMCB, pinned for the vCPU's life
 * @vmcb_pa: the VMCB's physical address for VMRUN
 * @asid: its ASID on @asid_cpu
 * @asid_cpu: the CPU @asid belongs to
 * @asid_generation: that CPU's generation when @asid was handed out
 * @guest_cr0: CR0 as the guest sees it; the VMCB holds it without CD and NW
 * @db: DR0-DR3 as the guest wrote them; loaded into the CPU for the guest
 *	while its DR7 enables a breakpoint, or while @dr_passthrough
 * @dr6: the guest's DR6; the VMCB's runs at OKVM_DR6_ACTIVE_LOW unless
 *	@dr_passthrough, so that after a #DB exit it holds that event's bits
 * @dr_passthrough: the guest accesses its debug registers without exits
 *	until the next exit, which takes them back (svm/run.c)
 * @nmi_masked: the guest handles an NMI okvm injected (svm/nmi.c)
 * @nmi_awaiting_iret: its IRET exited and runs next; NMIs unmask once RIP
 *	left @nmi_iret_rip
 * @nmi_iret_rip: where that IRET is
 * @nmi_singlestep: the guest runs one instruction with RFLAGS.TF, for the
 *	NMI window
 * @nmi_singlestep_guest_flags: the guest's own TF and RF when it began
 * @nmi_immediate_exit: exit right after the next VMRUN delivered EVENTINJ
 */
struct okvm_svm_vcpu {
	struct okvm_vcpu vcpu;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	int asid_cpu;
	u64 asid_generation;
	u64 guest_cr0;
	unsigned long db[4];
	u64 dr6;
	bool dr_passthrough;
	bool nmi_masked;
	bool nmi_awaiting_iret;
	u64 nmi_iret_rip;
	bool nmi_singlestep;
	u64 nmi_singlestep_guest_flags;
	bool nmi_immediate_exit;
};

/* DR6 with no event recorded; active-low bits read as one (as in KVM). */
#define OKVM_DR6_ACTIVE_LOW	0xffff0ff0ULL
/* L0-L3 and G0-G3: a breakpoint is armed. */
#define OKVM_DR7_BP_ENABLE	0xffULL
#define OKVM_DR7_GD		BIT_ULL(13)

static inline struct okvm_svm_vcpu *to_svm(struct okvm_vcpu *vcpu)
{
	return container_of(vcpu, struct okvm_svm_vcpu, vcpu);
}

static inline void okvm_svm_set_intercept(struct vmcb_control_area *c, int bit)
{
	c->intercepts[bit / 32] |= BIT(bit % 32);
}

static inline void okvm_svm_clr_intercept(struct vmcb_control_area *c, int bit)
{
	c->intercepts[bit / 32] &= ~BIT(bit % 32);
}

/*
 * The guest is in the interrupt shadow of an STI or MOV SS: only while it
 * is still at the instruction after it. Once okvm emulated that one (RIP
 * moved since the exit), the shadow is over.
 */
static inline bool okvm_svm_interrupt_shadow(const struct vmcb *vmcb, u64 rip)
{
	return (vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) && vmcb->save.rip == rip;
}

/* The address the CPU needs for a page it reads by physical address. */
static inline u64 okvm_svm_page_pa(struct page *page)
{
	return __sme_set(page_to_phys(page));
}

extern u64 okvm_svm_iopm_pa;
extern u64 okvm_svm_msrpm_pa;

int okvm_svm_prepare_cpu(unsigned int cpu);
void okvm_svm_free_cpus(void);
bool okvm_svm_owned_elsewhere_cpu(void);
int okvm_svm_enable_cpu(void);
void okvm_svm_disable_cpu(void);
void okvm_svm_emergency_disable_cpu(void);

bool okvm_svm_vmrun(u64 vmcb_pa, u64 host_save_pa, unsigned long *regs);

struct okvm_vcpu *okvm_svm_vcpu_create(struct okvm_vm *vm);
void okvm_svm_vcpu_free(struct okvm_vcpu *vcpu);
void okvm_svm_vcpu_reset(struct okvm_svm_vcpu *svm);
void okvm_svm_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *sregs);
int okvm_svm_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs);
int okvm_svm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data);
int okvm_svm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data);
void okvm_svm_set_tsc_offset(struct okvm_vcpu *vcpu, u64 offset);
u64 okvm_svm_get_cr4(struct okvm_vcpu *vcpu);
bool okvm_svm_switch_vmcb(struct okvm_svm_cpu *sd, struct okvm_svm_vcpu *svm);
void okvm_svm_forget_vmcb(struct vmcb *vmcb);
void okvm_svm_set_cr0(struct okvm_svm_vcpu *svm, u64 cr0);
void okvm_svm_dr_intercepts(struct okvm_svm_vcpu *svm, bool on);
void okvm_svm_get_debugregs(struct okvm_vcpu *vcpu, struct kvm_debugregs *dbg);
int okvm_svm_set_debugregs(struct okvm_vcpu *vcpu, const struct kvm_debugregs *dbg);
void okvm_svm_load_root(struct okvm_vcpu *vcpu, phys_addr_t root);
void okvm_svm_flush_tlb(struct okvm_vcpu *vcpu);
void okvm_svm_run(struct okvm_vcpu *vcpu);
void okvm_svm_reset(struct okvm_vcpu *vcpu);
bool okvm_svm_interrupt_allowed(struct okvm_vcpu *vcpu);
void okvm_svm_inject_irq(struct okvm_vcpu *vcpu, u8 vector);
void okvm_svm_set_irq_window(struct okvm_vcpu *vcpu, int class);
int okvm_svm_handle_exit(struct okvm_vcpu *vcpu);
int okvm_svm_inject_ud(struct okvm_svm_vcpu *svm);
enum okvm_cpu_mode okvm_svm_cpu_mode(const struct vmcb_save_area *s);
int okvm_svm_skip(struct okvm_svm_vcpu *svm);
int okvm_svm_vmmcall(struct okvm_svm_vcpu *svm);
int okvm_svm_ud(struct okvm_svm_vcpu *svm);
bool okvm_svm_nmi_masked(struct okvm_vcpu *vcpu);
void okvm_svm_set_nmi_masked(struct okvm_vcpu *vcpu, bool masked);
bool okvm_svm_nmi_allowed(struct okvm_vcpu *vcpu);
void okvm_svm_inject_nmi(struct okvm_vcpu *vcpu);
void okvm_svm_set_nmi_window(struct okvm_vcpu *vcpu);
int okvm_svm_nmi_iret(struct okvm_svm_vcpu *svm);
void okvm_svm_nmi_after_exit(struct okvm_svm_vcpu *svm);
bool okvm_svm_nmi_step_done(struct okvm_svm_vcpu *svm, u64 *dr6);
void okvm_svm_get_exit_info(struct okvm_vcpu *vcpu, u64 *info);
void okvm_svm_get_data_view(struct okvm_vcpu *vcpu, int seg, struct okvm_data_view *view);
void okvm_svm_inject_fault(struct okvm_vcpu *vcpu, u8 vector, u32 error_code, u64 cr2);
void okvm_svm_get_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *events);
int okvm_svm_set_events(struct okvm_vcpu *vcpu, const struct kvm_vcpu_events *events);

/* QEMU TCG's erratum of interrupts injected at VMRUN (svm/tcg_quirk.c). */
void okvm_svm_tcg_quirk_init(void);
void okvm_svm_tcg_quirk_before_vmrun(const struct vmcb *vmcb);
void okvm_svm_tcg_quirk_exit(void);

#endif /* _OKVM_SVM_H */
