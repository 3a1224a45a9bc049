// SPDX-License-Identifier: GPL-2.0
/*
 * SVM vCPUs: the VMCB, its power-on state, and the state userspace reads
 * and writes through KVM_GET/SET_SREGS and KVM_GET/SET_MSRS.
 */
#include <linux/gfp.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>
#include <asm/trapnr.h>
#include <uapi/linux/kvm.h>

#include <okvm/cr.h>
#include <okvm/lapic.h>
#include <okvm/msr.h>

#include "svm.h"

/* The power-on PAT: WB, WT, UC-, UC, repeated. */
#define OKVM_PAT_DEFAULT	0x0007040600070406ULL

#define SEG_TYPE_LDT		2
#define SEG_TYPE_BUSY_TSS16	3

static void okvm_svm_init_controls(struct okvm_svm_vcpu *svm)
{
	static const int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_INVD, INTERCEPT_HLT, INTERCEPT_INVLPGA,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		INTERCEPT_RDPMC, INTERCEPT_VMRUN, INTERCEPT_VMMCALL,
		INTERCEPT_VMLOAD, INTERCEPT_VMSAVE, INTERCEPT_STGI,
		INTERCEPT_CLGI, INTERCEPT_SKINIT, INTERCEPT_MONITOR,
		INTERCEPT_MWAIT, INTERCEPT_MWAIT_COND, INTERCEPT_XSETBV,
		INTERCEPT_RDPRU,
		/* A write that would set CD or NW again (okvm_svm_set_cr0()). */
		INTERCEPT_SELECTIVE_CR0,
		/* CR4 bits are checked against the guest's CPUID (svm/exit.c). */
		INTERCEPT_CR4_WRITE,
	};
	/*
	 * A guest can make the CPU deliver #AC or #DB in a loop that never
	 * ends and never exits (#AC while delivering #AC, CVE-2015-5307; a
	 * breakpoint on the #DB frame, CVE-2015-8104): as exits, okvm reflects
	 * each one, and the host gets its CPU back in between. An #MC in the
	 * guest is the host's, for its machine-check handler (svm/run.c).
	 * #UD exits so that okvm can rewrite a guest's VMCALL, Intel's
	 * hypercall, to VMMCALL (svm/hypercall.c).
	 */
	static const int exceptions[] = { X86_TRAP_DB, X86_TRAP_UD, X86_TRAP_AC, X86_TRAP_MC };
	struct vmcb_control_area *c = &svm->vmcb->control;
	int i;

	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		okvm_svm_set_intercept(c, intercepts[i]);
	for (i = 0; i < ARRAY_SIZE(exceptions); i++)
		okvm_svm_set_intercept(c, INTERCEPT_EXCEPTION_OFFSET + exceptions[i]);
	/* KVM_X86_DISABLE_EXITS_HLT: the CPU halts in the guest until an interrupt. */
	if (READ_ONCE(svm->vcpu.vm->hlt_in_guest))
		okvm_svm_clr_intercept(c, INTERCEPT_HLT);
	okvm_svm_dr_intercepts(svm, true);

	c->iopm_base_pa = okvm_svm_iopm_pa;
	c->msrpm_base_pa = okvm_svm_msrpm_pa;
	/* Physical interrupts exit; the guest's RFLAGS.IF masks only its own. */
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
}

/**
 * okvm_svm_load_root() - the NPT root the vCPU's guest runs on
 * @vcpu: the vCPU
 * @root: the root table's physical address
 */
void okvm_svm_load_root(struct okvm_vcpu *vcpu, phys_addr_t root)
{
	to_svm(vcpu)->vmcb->control.nested_cr3 = __sme_set(root);
}

static void okvm_svm_init_seg(struct vmcb_seg *seg, u16 selector, u64 base,
			      u16 attrib)
{
	seg->selector = selector;
	seg->base = base;
	seg->limit = 0xffff;
	seg->attrib = attrib;
}

/**
 * okvm_svm_dr_intercepts() - make debug-register accesses exit, or not
 * @svm: the vCPU
 * @on: every MOV to or from DR0-DR7 exits
 *
 * DR0-DR3 are not switched by VMRUN, so okvm keeps the guest's. With the
 * intercepts on, the first access exits and the guest then gets its debug
 * registers until the next exit (svm/exit.c, svm/run.c), as in KVM: it
 * never sees the host's, and okvm always knows what the guest's hold.
 */
void okvm_svm_dr_intercepts(struct okvm_svm_vcpu *svm, bool on)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	int i;

	for (i = INTERCEPT_DR0_READ; i <= INTERCEPT_DR7_WRITE; i++) {
		if (on)
			okvm_svm_set_intercept(c, i);
		else
			okvm_svm_clr_intercept(c, i);
	}
}

/**
 * okvm_svm_set_cr0() - give the guest a new CR0
 * @svm: the vCPU
 * @cr0: CR0 as the guest is to see it
 *
 * The CPU runs the guest without CD and NW, as KVM does: with them a guest
 * would run with caches disabled, for as long as it keeps them (a reset
 * vCPU has both). While the guest's CR0 and the VMCB's differ, every CR0
 * read and write exits, so the guest sees its own value; once they agree
 * neither exits, and the selective CR0 intercept (always on) catches a
 * write that would set CD or NW again.
 */
void okvm_svm_set_cr0(struct okvm_svm_vcpu *svm, u64 cr0)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u64 hw_cr0 = cr0 & ~(X86_CR0_CD | X86_CR0_NW);

	svm->guest_cr0 = cr0;
	svm->vmcb->save.cr0 = hw_cr0;
	if (hw_cr0 == cr0) {
		okvm_svm_clr_intercept(c, INTERCEPT_CR0_READ);
		okvm_svm_clr_intercept(c, INTERCEPT_CR0_WRITE);
	} else {
		okvm_svm_set_intercept(c, INTERCEPT_CR0_READ);
		okvm_svm_set_intercept(c, INTERCEPT_CR0_WRITE);
	}
}

/**
 * okvm_svm_vcpu_reset() - the architectural power-on state
 * @svm: the vCPU
 *
 * Real mode at F000:FFF0, CR0.CD and NW set (in the guest's view only, see
 * okvm_svm_set_cr0()), PAT and debug registers at their reset values. Also
 * used after a shutdown, which leaves the VMCB undefined.
 */
void okvm_svm_vcpu_reset(struct okvm_svm_vcpu *svm)
{
	struct vmcb_save_area *s = &svm->vmcb->save;
	u16 data = SVM_SELECTOR_P_MASK | SVM_SELECTOR_S_MASK | SVM_SELECTOR_WRITE_MASK;
	u16 code = SVM_SELECTOR_P_MASK | SVM_SELECTOR_S_MASK | SVM_SELECTOR_READ_MASK |
		   SVM_SELECTOR_CODE_MASK;

	memset(s, 0, sizeof(*s));
	okvm_svm_init_seg(&s->cs, 0xf000, 0xffff0000, code);
	okvm_svm_init_seg(&s->ds, 0, 0, data);
	okvm_svm_init_seg(&s->es, 0, 0, data);
	okvm_svm_init_seg(&s->fs, 0, 0, data);
	okvm_svm_init_seg(&s->gs, 0, 0, data);
	okvm_svm_init_seg(&s->ss, 0, 0, data);
	okvm_svm_init_seg(&s->ldtr, 0, 0, SVM_SELECTOR_P_MASK | SEG_TYPE_LDT);
	okvm_svm_init_seg(&s->tr, 0, 0, SVM_SELECTOR_P_MASK | SEG_TYPE_BUSY_TSS16);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->efer = EFER_SVME;
	okvm_svm_set_cr0(svm, X86_CR0_NW | X86_CR0_CD | X86_CR0_ET);
	/* DR6 with no debug event recorded: its fixed bits read as one. */
	svm->dr6 = OKVM_DR6_ACTIVE_LOW;
	s->dr6 = OKVM_DR6_ACTIVE_LOW;
	s->dr7 = DR7_FIXED_1;
	s->g_pat = OKVM_PAT_DEFAULT;
	svm->vmcb->control.int_ctl &= ~V_TPR_MASK;
	svm->vmcb->control.event_inj = 0;
	memset(svm->db, 0, sizeof(svm->db));
	okvm_svm_set_nmi_masked(&svm->vcpu, false);
	svm->nmi_singlestep = false;
	svm->nmi_immediate_exit = false;

	svm->vcpu.rip = 0xfff0;
	svm->vcpu.rflags = X86_EFLAGS_FIXED;
}

/**
 * okvm_svm_reset() - the state after power-on or INIT, for core/
 * @vcpu: the vCPU
 */
void okvm_svm_reset(struct okvm_vcpu *vcpu)
{
	okvm_svm_vcpu_reset(to_svm(vcpu));
}

/**
 * okvm_svm_vcpu_create() - allocate an SVM vCPU and its VMCB
 * @vm: the VM
 *
 * Return: the vCPU in its power-on state, or ERR_PTR(-ENOMEM).
 */
struct okvm_vcpu *okvm_svm_vcpu_create(struct okvm_vm *vm)
{
	struct okvm_svm_vcpu *svm;
	struct page *page;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	if (!svm)
		return ERR_PTR(-ENOMEM);
	/* The CPU reads the VMCB by physical address: a pinned page. */
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(svm);
		return ERR_PTR(-ENOMEM);
	}
	svm->vmcb = page_address(page);
	svm->vmcb_pa = okvm_svm_page_pa(page);
	svm->asid_cpu = -1;
	svm->vcpu.vm = vm;
	okvm_svm_init_controls(svm);
	okvm_svm_vcpu_reset(svm);
	return &svm->vcpu;
}

/**
 * okvm_svm_vcpu_free() - free an SVM vCPU
 * @vcpu: the vCPU
 */
void okvm_svm_vcpu_free(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	okvm_svm_forget_vmcb(svm->vmcb);
	free_page((unsigned long)svm->vmcb);
	kfree(svm);
}

/**
 * okvm_svm_get_cr4() - the guest's CR4
 * @vcpu: the vCPU
 *
 * Return: CR4 as the guest last wrote it.
 */
u64 okvm_svm_get_cr4(struct okvm_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.cr4;
}

static void okvm_svm_get_seg(const struct vmcb_seg *s, struct kvm_segment *var)
{
	var->base = s->base;
	var->limit = s->limit;
	var->selector = s->selector;
	var->type = s->attrib & SVM_SELECTOR_TYPE_MASK;
	var->s = !!(s->attrib & SVM_SELECTOR_S_MASK);
	var->dpl = (s->attrib >> SVM_SELECTOR_DPL_SHIFT) & 3;
	var->present = !!(s->attrib & SVM_SELECTOR_P_MASK);
	var->avl = !!(s->attrib & SVM_SELECTOR_AVL_MASK);
	var->l = !!(s->attrib & SVM_SELECTOR_L_MASK);
	var->db = !!(s->attrib & SVM_SELECTOR_DB_MASK);
	var->g = !!(s->attrib & SVM_SELECTOR_G_MASK);
	var->unusable = !var->present;
	var->padding = 0;
}

static void okvm_svm_set_seg(struct vmcb_seg *s, const struct kvm_segment *var)
{
	s->base = var->base;
	s->limit = var->limit;
	s->selector = var->selector;
	s->attrib = 0;
	if (var->unusable)
		return;
	s->attrib = (var->type & SVM_SELECTOR_TYPE_MASK) |
		    (var->s ? SVM_SELECTOR_S_MASK : 0) |
		    ((var->dpl & 3) << SVM_SELECTOR_DPL_SHIFT) |
		    (var->present ? SVM_SELECTOR_P_MASK : 0) |
		    (var->avl ? SVM_SELECTOR_AVL_MASK : 0) |
		    (var->l ? SVM_SELECTOR_L_MASK : 0) |
		    (var->db ? SVM_SELECTOR_DB_MASK : 0) |
		    (var->g ? SVM_SELECTOR_G_MASK : 0);
}

/**
 * okvm_svm_get_sregs() - KVM_GET_SREGS from the VMCB
 * @vcpu: the vCPU
 * @sregs: filled in
 */
void okvm_svm_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	const struct vmcb_save_area *s = &svm->vmcb->save;

	memset(sregs, 0, sizeof(*sregs));
	okvm_svm_get_seg(&s->cs, &sregs->cs);
	okvm_svm_get_seg(&s->ds, &sregs->ds);
	okvm_svm_get_seg(&s->es, &sregs->es);
	okvm_svm_get_seg(&s->fs, &sregs->fs);
	okvm_svm_get_seg(&s->gs, &sregs->gs);
	okvm_svm_get_seg(&s->ss, &sregs->ss);
	okvm_svm_get_seg(&s->tr, &sregs->tr);
	okvm_svm_get_seg(&s->ldtr, &sregs->ldt);
	sregs->gdt.base = s->gdtr.base;
	sregs->gdt.limit = s->gdtr.limit;
	sregs->idt.base = s->idtr.base;
	sregs->idt.limit = s->idtr.limit;
	sregs->cr0 = svm->guest_cr0;
	sregs->cr2 = s->cr2;
	sregs->cr3 = s->cr3;
	sregs->cr4 = s->cr4;
	sregs->cr8 = vcpu->apic ? okvm_lapic_get_cr8(vcpu->apic) :
				  svm->vmcb->control.int_ctl & V_TPR_MASK;
	sregs->efer = s->efer & ~EFER_SVME;
	sregs->apic_base = vcpu->apic_base;
}

/**
 * okvm_svm_set_sregs() - KVM_SET_SREGS into the VMCB
 * @vcpu: the vCPU
 * @sregs: the new state
 *
 * Return: 0, or -EINVAL for a combination the architecture forbids.
 */
int okvm_svm_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;
	u32 *int_ctl = &svm->vmcb->control.int_ctl;

	if (!okvm_sregs_valid(vcpu, sregs) || sregs->cr8 > 0xf ||
	    okvm_set_msr(vcpu, MSR_IA32_APICBASE, sregs->apic_base, true))
		return -EINVAL;

	okvm_svm_set_seg(&s->cs, &sregs->cs);
	okvm_svm_set_seg(&s->ds, &sregs->ds);
	okvm_svm_set_seg(&s->es, &sregs->es);
	okvm_svm_set_seg(&s->fs, &sregs->fs);
	okvm_svm_set_seg(&s->gs, &sregs->gs);
	okvm_svm_set_seg(&s->ss, &sregs->ss);
	okvm_svm_set_seg(&s->tr, &sregs->tr);
	okvm_svm_set_seg(&s->ldtr, &sregs->ldt);
	/* The CPL is the DPL of SS; VMRUN takes it from the VMCB. */
	s->cpl = sregs->ss.dpl & 3;
	s->gdtr.base = sregs->gdt.base;
	s->gdtr.limit = sregs->gdt.limit;
	s->idtr.base = sregs->idt.base;
	s->idtr.limit = sregs->idt.limit;
	okvm_svm_set_cr0(svm, sregs->cr0);
	s->cr2 = sregs->cr2;
	s->cr3 = sregs->cr3;
	s->cr4 = sregs->cr4;
	s->efer = sregs->efer | EFER_SVME;
	*int_ctl = (*int_ctl & ~V_TPR_MASK) | sregs->cr8;
	if (vcpu->apic)
		okvm_lapic_set_cr8(vcpu->apic, sregs->cr8);
	return 0;
}

/**
 * okvm_svm_get_debugregs() - KVM_GET_DEBUGREGS
 * @vcpu: the vCPU
 * @dbg: filled in: DR0-DR3, DR6 and DR7 as the guest sees them, flags 0
 */
void okvm_svm_get_debugregs(struct okvm_vcpu *vcpu, struct kvm_debugregs *dbg)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	int i;

	memset(dbg, 0, sizeof(*dbg));
	for (i = 0; i < ARRAY_SIZE(svm->db); i++)
		dbg->db[i] = svm->db[i];
	dbg->dr6 = svm->dr6;
	dbg->dr7 = svm->vmcb->save.dr7;
}

/**
 * okvm_svm_set_debugregs() - KVM_SET_DEBUGREGS
 * @vcpu: the vCPU
 * @dbg: the new registers
 *
 * KVM's rules: DR0-DR3 are taken as they are, DR6 and DR7 too once their
 * bits 63:32 are clear (VMRUN refuses them otherwise).
 *
 * Return: 0, or -EINVAL for non-zero flags or DR6/DR7 above 32 bits.
 */
int okvm_svm_set_debugregs(struct okvm_vcpu *vcpu, const struct kvm_debugregs *dbg)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	int i;

	if (dbg->flags || upper_32_bits(dbg->dr6) || upper_32_bits(dbg->dr7))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(svm->db); i++)
		svm->db[i] = dbg->db[i];
	svm->dr6 = dbg->dr6;
	svm->vmcb->save.dr7 = dbg->dr7;
	return 0;
}

/**
 * okvm_svm_set_tsc_offset() - the guest's TSC offset, in the VMCB
 * @vcpu: the vCPU
 * @offset: what the CPU adds to the host's TSC for the guest
 */
void okvm_svm_set_tsc_offset(struct okvm_vcpu *vcpu, u64 offset)
{
	to_svm(vcpu)->vmcb->control.tsc_offset = offset;
}

/**
 * okvm_svm_get_msr() - read an MSR held in the VMCB
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 *
 * Return: 0, or -ENOENT for an MSR SVM does not hold.
 */
int okvm_svm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data)
{
	const struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	switch (index) {
	case MSR_EFER:
		*data = s->efer & ~EFER_SVME;
		break;
	case MSR_STAR:
		*data = s->star;
		break;
	case MSR_LSTAR:
		*data = s->lstar;
		break;
	case MSR_CSTAR:
		*data = s->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = s->sfmask;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = s->kernel_gs_base;
		break;
	case MSR_FS_BASE:
		*data = s->fs.base;
		break;
	case MSR_GS_BASE:
		*data = s->gs.base;
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = s->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = s->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = s->sysenter_eip;
		break;
	case MSR_IA32_CR_PAT:
		*data = s->g_pat;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/**
 * okvm_svm_set_msr() - write an MSR held in the VMCB
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 *
 * core/msr.c has refused what no MSR may hold (reserved EFER or PAT bits,
 * a base that is not canonical).
 *
 * Return: 0, or -ENOENT for an MSR SVM does not hold.
 */
int okvm_svm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_save_area *s = &svm->vmcb->save;

	switch (index) {
	case MSR_EFER:
		s->efer = data | EFER_SVME;
		break;
	case MSR_STAR:
		s->star = data;
		break;
	case MSR_LSTAR:
		s->lstar = data;
		break;
	case MSR_CSTAR:
		s->cstar = data;
		break;
	case MSR_SYSCALL_MASK:
		s->sfmask = data;
		break;
	case MSR_KERNEL_GS_BASE:
		s->kernel_gs_base = data;
		break;
	case MSR_FS_BASE:
		s->fs.base = data;
		break;
	case MSR_GS_BASE:
		s->gs.base = data;
		break;
	case MSR_IA32_SYSENTER_CS:
		s->sysenter_cs = data;
		break;
	case MSR_IA32_SYSENTER_ESP:
		s->sysenter_esp = data;
		break;
	case MSR_IA32_SYSENTER_EIP:
		s->sysenter_eip = data;
		break;
	case MSR_IA32_CR_PAT:
		s->g_pat = data;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}
