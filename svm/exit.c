// SPDX-License-Identifier: GPL-2.0
/*
 * SVM exit handlers: what each #VMEXIT means for the guest and userspace.
 *
 * Return convention of the handlers: > 0 re-enter the guest, 0 exit to
 * userspace with kvm_run filled in, < 0 fail KVM_RUN with that errno.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/types.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>
#include <asm/traps.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpuid.h>
#include <okvm/cr.h>
#include <okvm/hw.h>
#include <okvm/insn.h>
#include <okvm/lapic.h>
#include <okvm/mmio.h>
#include <okvm/msr.h>
#include <okvm/pio.h>
#include <okvm/walk.h>
#include <okvm/xsave.h>

#include "svm.h"
#include "trace/okvm_trace.h"

/* Decode assists: exit_info_1 of a MOV to or from CRn names the GPR. */
#define OKVM_SVM_CR_VALID	BIT_ULL(63)

/*
 * Decode assists: an IOIO exit's bits 12:10 give the segment of OUTS (the
 * APM's SEG field, which <asm/svm.h> does not name).
 */
#define OKVM_SVM_IOIO_SEG_SHIFT	10
#define OKVM_SVM_IOIO_SEG_MASK	(7ULL << OKVM_SVM_IOIO_SEG_SHIFT)

static void okvm_svm_inject_exception(struct okvm_svm_vcpu *svm, u8 vector,
				      bool has_error, u32 error)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID |
		       (has_error ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = error;
}

/**
 * okvm_svm_inject_ud() - raise #UD in the guest at its instruction
 * @svm: the vCPU
 *
 * Return: 1, to re-enter the guest.
 */
int okvm_svm_inject_ud(struct okvm_svm_vcpu *svm)
{
	okvm_svm_inject_exception(svm, X86_TRAP_UD, false, 0);
	return 1;
}

static int okvm_svm_inject_gp(struct okvm_svm_vcpu *svm)
{
	okvm_svm_inject_exception(svm, X86_TRAP_GP, true, 0);
	return 1;
}

/*
 * Deliver #DB to the guest with @payload, the DR6 bits of this event in
 * their active-high sense, and update the guest's DR6 as the CPU does when
 * it delivers one: B0-B3 are this event's, the other status bits stay
 * until the guest clears them, and DR7.GD is cleared.
 */
static void okvm_svm_inject_db(struct okvm_svm_vcpu *svm, u64 payload)
{
	svm->dr6 &= ~(u64)DR_TRAP_BITS;
	svm->dr6 |= OKVM_DR6_ACTIVE_LOW | payload;
	svm->dr6 ^= payload & OKVM_DR6_ACTIVE_LOW;
	/* Bit 12 is reserved and reads as zero. */
	svm->dr6 &= ~BIT_ULL(12);
	svm->vmcb->save.dr7 &= ~OKVM_DR7_GD;
	okvm_svm_inject_exception(svm, X86_TRAP_DB, false, 0);
}

/**
 * okvm_svm_get_exit_info() - the last exit, for reports to userspace
 * @vcpu: the vCPU
 * @info: the 64-bit exit code, EXITINFO1, EXITINFO2, EXITINTINFO and its
 *	error code, as KVM reports them
 */
void okvm_svm_get_exit_info(struct okvm_vcpu *vcpu, u64 *info)
{
	const struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;

	info[0] = ((u64)c->exit_code_hi << 32) | c->exit_code;
	info[1] = c->exit_info_1;
	info[2] = c->exit_info_2;
	info[3] = c->exit_int_info;
	info[4] = c->exit_int_info_err;
}

/**
 * okvm_svm_cpu_mode() - the code size the guest executes in
 * @s: its VMCB save area
 *
 * Return: 64-bit mode with EFER.LMA and CS.L, 32-bit in protected mode
 * with CS.D, else 16-bit.
 */
enum okvm_cpu_mode okvm_svm_cpu_mode(const struct vmcb_save_area *s)
{
	if ((s->efer & EFER_LMA) && (s->cs.attrib & SVM_SELECTOR_L_MASK))
		return OKVM_MODE_64;
	if ((s->cr0 & X86_CR0_PE) && (s->cs.attrib & SVM_SELECTOR_DB_MASK))
		return OKVM_MODE_32;
	return OKVM_MODE_16;
}

/**
 * okvm_svm_get_data_view() - what a data access of the guest goes through
 * @vcpu: the vCPU
 * @seg: the segment, enum okvm_seg
 * @view: filled in from the VMCB
 */
void okvm_svm_get_data_view(struct okvm_vcpu *vcpu, int seg, struct okvm_data_view *view)
{
	const struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	const struct vmcb_seg *segs[OKVM_NR_SEGS] = {
		[OKVM_SEG_ES] = &s->es, [OKVM_SEG_CS] = &s->cs, [OKVM_SEG_SS] = &s->ss,
		[OKVM_SEG_DS] = &s->ds, [OKVM_SEG_FS] = &s->fs, [OKVM_SEG_GS] = &s->gs,
	};

	*view = (struct okvm_data_view){
		.pg = { s->cr0, s->cr3, s->cr4, s->efer },
		.cpl = s->cpl,
		.mode = okvm_svm_cpu_mode(s),
	};
	if (WARN_ON_ONCE(seg < 0 || seg >= OKVM_NR_SEGS))
		return;
	/* 64-bit mode takes only the bases of FS and GS. */
	if (view->mode != OKVM_MODE_64 || seg == OKVM_SEG_FS || seg == OKVM_SEG_GS)
		view->seg_base = segs[seg]->base;
}

/**
 * okvm_svm_inject_fault() - raise an exception with an error code in the guest
 * @vcpu: the vCPU
 * @vector: the exception
 * @error_code: its error code
 * @cr2: the faulting linear address, for #PF
 */
void okvm_svm_inject_fault(struct okvm_vcpu *vcpu, u8 vector, u32 error_code, u64 cr2)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	/* The CPU sets CR2 as it delivers #PF; VMRUN loads the guest's from here. */
	if (vector == X86_TRAP_PF)
		svm->vmcb->save.cr2 = cr2;
	okvm_svm_inject_exception(svm, vector, true, error_code);
}

/*
 * Where the intercepted instruction ends: the CPU says so with NRIPS,
 * else it is decoded. Return: 0, or -EINVAL if it cannot be decoded.
 */
static int okvm_svm_next_rip(struct okvm_svm_vcpu *svm, u64 *next_rip)
{
	struct okvm_insn insn;

	if (boot_cpu_has(X86_FEATURE_NRIPS)) {
		*next_rip = svm->vmcb->control.next_rip;
		return 0;
	}
	if (okvm_decode_at_rip(&svm->vcpu, &insn))
		return -EINVAL;
	*next_rip = svm->vcpu.rip + insn.len;
	return 0;
}

/**
 * okvm_svm_skip() - step over the intercepted instruction
 * @svm: the vCPU
 *
 * By the next RIP the CPU saved if it has NRIPS, else by decoding it.
 *
 * Return: 1 to re-enter, or 0 with an emulation failure for userspace.
 */
int okvm_svm_skip(struct okvm_svm_vcpu *svm)
{
	u64 next_rip;

	if (okvm_svm_next_rip(svm, &next_rip))
		return okvm_emulation_failure_at_rip(&svm->vcpu);
	svm->vcpu.rip = next_rip;
	return 1;
}

/* Step over an instruction the handler already decoded. */
static int okvm_svm_step(struct okvm_svm_vcpu *svm, const struct okvm_insn *insn)
{
	svm->vcpu.rip += insn->len;
	return 1;
}

/*
 * An exit can interrupt the delivery of an event (an NPF on the IDT, a
 * host interrupt): deliver it again on the next entry. Software interrupts
 * and INT3/INTO are not re-injected: RIP still points at the instruction,
 * which raises them again.
 */
static void okvm_svm_requeue_event(struct okvm_svm_vcpu *svm)
{
	struct vmcb_control_area *c = &svm->vmcb->control;
	u32 info = c->exit_int_info;
	u32 type = info & SVM_EXITINTINFO_TYPE_MASK;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;

	c->event_inj = 0;
	if (!(info & SVM_EXITINTINFO_VALID) || type == SVM_EXITINTINFO_TYPE_SOFT)
		return;
	if (type == SVM_EXITINTINFO_TYPE_EXEPT &&
	    (vector == X86_TRAP_BP || vector == X86_TRAP_OF))
		return;
	c->event_inj = info;
	c->event_inj_err = c->exit_int_info_err;
}

/* An exit okvm has no handler for: its code and information go to userspace. */
static int okvm_svm_unexpected(struct okvm_svm_vcpu *svm)
{
	u64 info[OKVM_EXIT_INFO_WORDS];

	okvm_svm_get_exit_info(&svm->vcpu, info);
	okvm_exit_internal_error(&svm->vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				 info, ARRAY_SIZE(info));
	return 0;
}

static int okvm_svm_npf(struct okvm_svm_vcpu *svm)
{
	const struct vmcb_control_area *c = &svm->vmcb->control;

	okvm_vcpu_stat_inc(&svm->vcpu.stats, OKVM_VCPU_STAT_NPF_EXITS);
	/* okvm never writes reserved bits: such a fault is okvm's bug. */
	if (c->exit_info_1 & X86_PF_RSVD)
		return okvm_svm_unexpected(svm);
	/* EXITINFO1 is a #PF error code: its access bits are the MMU's. */
	return okvm_handle_tdp_fault(&svm->vcpu, c->exit_info_2,
				     c->exit_info_1 & (X86_PF_WRITE | X86_PF_INSTR));
}

/*
 * INS or OUTS. The exit gives the port, element size, REP and the next
 * RIP; the address size and OUTS's segment it gives only with decode
 * assists (QEMU's SVM sets neither): without, they come from the
 * instruction's prefixes.
 */
static int okvm_svm_ioio_string(struct okvm_svm_vcpu *svm, u64 info, u8 size)
{
	struct okvm_pio_string io = {
		.next_rip = svm->vmcb->control.exit_info_2,
		.port = info >> 16,
		.size = size,
		.in = info & SVM_IOIO_TYPE_MASK,
		.rep = info & SVM_IOIO_REP_MASK,
		.seg = OKVM_SEG_DS,
	};
	u32 asize = (info & SVM_IOIO_ASIZE_MASK) >> SVM_IOIO_ASIZE_SHIFT;
	struct okvm_insn insn;

	if (boot_cpu_has(X86_FEATURE_DECODEASSISTS) && asize) {
		/* A16, A32, A64: bits 7, 8, 9. */
		io.addr_size = asize * 2;
		io.seg = (info & OKVM_SVM_IOIO_SEG_MASK) >> OKVM_SVM_IOIO_SEG_SHIFT;
	} else {
		if (okvm_decode_at_rip(&svm->vcpu, &insn) ||
		    insn.opcode < 0x6c || insn.opcode > 0x6f)
			return okvm_emulation_failure_at_rip(&svm->vcpu);
		io.addr_size = insn.addr_size;
		if (insn.seg_override >= 0)
			io.seg = insn.seg_override;
	}
	if ((io.addr_size != 2 && io.addr_size != 4 && io.addr_size != 8) ||
	    io.seg >= OKVM_NR_SEGS)
		return okvm_emulation_failure_at_rip(&svm->vcpu);
	/* INS always writes through ES; no override applies. */
	if (io.in)
		io.seg = OKVM_SEG_ES;
	return okvm_emulate_pio_string(&svm->vcpu, &io);
}

static int okvm_svm_ioio(struct okvm_svm_vcpu *svm)
{
	u64 info = svm->vmcb->control.exit_info_1;
	u8 size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT;

	okvm_vcpu_stat_inc(&svm->vcpu.stats, OKVM_VCPU_STAT_IO_EXITS);
	if (size != 1 && size != 2 && size != 4)
		return okvm_emulation_failure_at_rip(&svm->vcpu);
	if (info & SVM_IOIO_STR_MASK)
		return okvm_svm_ioio_string(svm, info, size);
	/* exit_info_2 is the next RIP for IOIO exits. */
	svm->vcpu.rip = svm->vmcb->control.exit_info_2;
	return okvm_emulate_pio(&svm->vcpu, info >> 16, size, info & SVM_IOIO_TYPE_MASK);
}

static int okvm_svm_hlt(struct okvm_svm_vcpu *svm)
{
	int r = okvm_svm_skip(svm);

	okvm_vcpu_stat_inc(&svm->vcpu.stats, OKVM_VCPU_STAT_HALT_EXITS);
	if (r <= 0)
		return r;
	/* With an in-kernel APIC, KVM_RUN sleeps until an interrupt comes. */
	if (svm->vcpu.apic) {
		svm->vcpu.mp_state = KVM_MP_STATE_HALTED;
		return 1;
	}
	/* Without, userspace decides what wakes it. */
	svm->vcpu.run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

static int okvm_svm_cpuid(struct okvm_svm_vcpu *svm)
{
	okvm_vcpu_stat_inc(&svm->vcpu.stats, OKVM_VCPU_STAT_CPUID_EXITS);
	if (svm->vmcb->save.cpl && okvm_cpuid_fault_enabled(&svm->vcpu))
		return okvm_svm_inject_gp(svm);
	okvm_emulate_cpuid(&svm->vcpu, svm->vmcb->save.cr4);
	return okvm_svm_skip(svm);
}

/* EXITINFO1 is 1 for WRMSR, 0 for RDMSR; core/msr_exit.c does the rest. */
static int okvm_svm_msr(struct okvm_svm_vcpu *svm)
{
	u64 next_rip;

	okvm_vcpu_stat_inc(&svm->vcpu.stats, OKVM_VCPU_STAT_MSR_EXITS);
	if (okvm_svm_next_rip(svm, &next_rip))
		return okvm_emulation_failure_at_rip(&svm->vcpu);
	if (svm->vmcb->control.exit_info_1)
		return okvm_emulate_wrmsr(&svm->vcpu, next_rip);
	return okvm_emulate_rdmsr(&svm->vcpu, next_rip);
}

/* XSETBV: core/xsave.c; svm/run.c loads the guest's XCR0 around VMRUN. */
static int okvm_svm_xsetbv(struct okvm_svm_vcpu *svm)
{
	if (okvm_emulate_xsetbv(&svm->vcpu, svm->vmcb->save.cpl))
		return okvm_svm_inject_gp(svm);
	return okvm_svm_skip(svm);
}

/*
 * The general-purpose register of a decoded MOV to or from CRn (ModRM.rm,
 * extended by REX.B), and the operand size: 64 bits in 64-bit mode, 32
 * elsewhere.
 */
static unsigned long *okvm_svm_mov_gpr(struct okvm_svm_vcpu *svm,
				       const struct okvm_insn *insn, bool *wide)
{
	*wide = okvm_svm_cpu_mode(&svm->vmcb->save) == OKVM_MODE_64;
	return &svm->vcpu.regs[okvm_insn_rm(insn)];
}

/*
 * The first MOV to or from a debug register since the last entry. Rather
 * than emulate it and every one after it, okvm gives the guest its debug
 * registers, all loaded into the CPU (svm/run.c), and lets it run the
 * instruction again itself, as KVM does: the CPU then checks CPL, CR4.DE,
 * DR7.GD and reserved bits. The next exit takes them back.
 */
static int okvm_svm_dr(struct okvm_svm_vcpu *svm)
{
	okvm_svm_dr_intercepts(svm, false);
	svm->dr_passthrough = true;
	return 1;
}

/*
 * A #DB exit. The CPU ran the guest with DR6 at OKVM_DR6_ACTIVE_LOW (no
 * event) unless the guest had its debug registers, so what differs now is
 * this #DB's cause (and, after a pass-through, bits the guest left set,
 * as in KVM): reflect it.
 */
static int okvm_svm_db(struct okvm_svm_vcpu *svm)
{
	u64 payload = svm->vmcb->save.dr6 ^ OKVM_DR6_ACTIVE_LOW;

	/* okvm's own step for the NMI window alone is not the guest's. */
	if (!okvm_svm_nmi_step_done(svm, &payload))
		okvm_svm_inject_db(svm, payload);
	return 1;
}

/* The guest's view of the registers a CR write is checked against. */
static void okvm_svm_get_cr_state(struct okvm_svm_vcpu *svm, struct okvm_cr_state *cr)
{
	const struct vmcb_save_area *s = &svm->vmcb->save;

	cr->cr0 = svm->guest_cr0;
	cr->cr3 = s->cr3;
	cr->cr4 = s->cr4;
	cr->efer = s->efer & ~EFER_SVME;
	cr->cs_l = s->cs.attrib & SVM_SELECTOR_L_MASK;
}

/* A guest CR0 write (MOV, CLTS, LMSW). Return: 0, or -EINVAL for #GP. */
static int okvm_svm_write_cr0(struct okvm_svm_vcpu *svm, u64 cr0)
{
	struct okvm_cr_state cr;
	int r;

	okvm_svm_get_cr_state(svm, &cr);
	r = okvm_cr0_write(&svm->vcpu, &cr, cr0);
	if (r)
		return r;
	svm->vmcb->save.efer = cr.efer | EFER_SVME;
	okvm_svm_set_cr0(svm, cr.cr0);
	return 0;
}

/* SMSW stores all of CR0 in a 32- or 64-bit register, its low 16 bits in a 16-bit one. */
static void okvm_svm_smsw(struct okvm_svm_vcpu *svm, const struct okvm_insn *insn)
{
	unsigned long *gpr = &svm->vcpu.regs[okvm_insn_rm(insn)];
	u64 cr0 = svm->guest_cr0;

	if (insn->op_size == 2)
		*gpr = (*gpr & ~0xffffUL) | (u16)cr0;
	else if (insn->op_size == 4)
		*gpr = (u32)cr0;
	else
		*gpr = cr0;
}

/*
 * CR0 intercepts: reads and writes while the CPU's CR0 differs from the
 * guest's (okvm_svm_set_cr0()), and selective writes (any bit but TS and
 * MP changing) always. The instructions are MOV to and from CR0, SMSW,
 * CLTS and LMSW; the register forms are emulated, the memory forms of
 * SMSW and LMSW are not (KVM_INTERNAL_ERROR_EMULATION).
 */
static int okvm_svm_cr0(struct okvm_svm_vcpu *svm, bool write)
{
	const struct vmcb_control_area *c = &svm->vmcb->control;
	u8 cpl = svm->vmcb->save.cpl;
	struct okvm_insn insn;
	unsigned long *gpr;
	bool wide;
	u64 val;
	int r;

	/* With decode assists and next-RIP saving nothing is fetched. */
	if (boot_cpu_has(X86_FEATURE_DECODEASSISTS) && boot_cpu_has(X86_FEATURE_NRIPS) &&
	    (c->exit_info_1 & OKVM_SVM_CR_VALID)) {
		wide = okvm_svm_cpu_mode(&svm->vmcb->save) == OKVM_MODE_64;
		gpr = &svm->vcpu.regs[c->exit_info_1 & SVM_EXITINFO_REG_MASK];
		if (cpl)
			return okvm_svm_inject_gp(svm);
		if (write) {
			if (okvm_svm_write_cr0(svm, wide ? *gpr : (u32)*gpr))
				return okvm_svm_inject_gp(svm);
		} else {
			*gpr = wide ? svm->guest_cr0 : (u32)svm->guest_cr0;
		}
		svm->vcpu.rip = c->next_rip;
		return 1;
	}

	if (okvm_decode_at_rip(&svm->vcpu, &insn))
		return okvm_emulation_failure_at_rip(&svm->vcpu);
	if (insn.opcode == OKVM_OP_SMSW_REG && !write) {
		okvm_svm_smsw(svm, &insn);
		return okvm_svm_step(svm, &insn);
	}
	if (cpl)
		return okvm_svm_inject_gp(svm);
	switch (insn.opcode) {
	case 0x0f20:	/* MOV r, CR0 */
		if (write || okvm_insn_reg(&insn))
			break;
		gpr = okvm_svm_mov_gpr(svm, &insn, &wide);
		*gpr = wide ? svm->guest_cr0 : (u32)svm->guest_cr0;
		return okvm_svm_step(svm, &insn);
	case 0x0f22:	/* MOV CR0, r */
		if (!write || okvm_insn_reg(&insn))
			break;
		gpr = okvm_svm_mov_gpr(svm, &insn, &wide);
		val = wide ? *gpr : (u32)*gpr;
		goto write_cr0;
	case 0x0f06:	/* CLTS */
		if (!write)
			break;
		val = svm->guest_cr0 & ~X86_CR0_TS;
		goto write_cr0;
	case OKVM_OP_LMSW_REG:
		if (!write)
			break;
		/* PE, MP, EM and TS from the source; LMSW cannot clear PE. */
		val = (svm->guest_cr0 & ~0xeULL) |
		      (svm->vcpu.regs[okvm_insn_rm(&insn)] & 0xf);
		goto write_cr0;
	}
	return okvm_emulation_failure_at_rip(&svm->vcpu);

write_cr0:
	r = okvm_svm_write_cr0(svm, val);
	if (r)
		return okvm_svm_inject_gp(svm);
	return okvm_svm_step(svm, &insn);
}

/*
 * The source of an intercepted MOV to a control register and the RIP
 * after it: from decode assists where the CPU gives them, else by
 * decoding it. The exit says which register it is, whatever form the
 * instruction took. In 64-bit mode the source is 64 bits, elsewhere 32.
 * Return: 0, or -EINVAL for an instruction that is no such MOV.
 */
static int okvm_svm_mov_to_cr(struct okvm_svm_vcpu *svm, u64 *val, unsigned long *next)
{
	const struct vmcb_control_area *c = &svm->vmcb->control;
	struct okvm_vcpu *vcpu = &svm->vcpu;
	bool wide = okvm_svm_cpu_mode(&svm->vmcb->save) == OKVM_MODE_64;
	struct okvm_insn insn;

	if (boot_cpu_has(X86_FEATURE_DECODEASSISTS) && boot_cpu_has(X86_FEATURE_NRIPS) &&
	    (c->exit_info_1 & OKVM_SVM_CR_VALID)) {
		*val = vcpu->regs[c->exit_info_1 & SVM_EXITINFO_REG_MASK];
		*next = c->next_rip;
	} else {
		if (okvm_decode_at_rip(&svm->vcpu, &insn) || insn.opcode != 0x0f22)
			return -EINVAL;
		*val = *okvm_svm_mov_gpr(svm, &insn, &wide);
		*next = vcpu->rip + insn.len;
	}
	if (!wide)
		*val = (u32)*val;
	return 0;
}

/*
 * MOV CR8, r, intercepted while the TPR holds an interrupt back
 * (okvm_svm_set_irq_window()): the new TPR goes to the APIC, which asks
 * for OKVM_REQ_EVENT, and the interrupt goes in if it may now.
 */
static int okvm_svm_cr8_write(struct okvm_svm_vcpu *svm)
{
	struct okvm_vcpu *vcpu = &svm->vcpu;
	unsigned long next;
	u64 val;

	if (!vcpu->apic || okvm_svm_mov_to_cr(svm, &val, &next))
		return okvm_emulation_failure_at_rip(&svm->vcpu);
	if (svm->vmcb->save.cpl || (val & ~0xfULL))
		return okvm_svm_inject_gp(svm);
	okvm_lapic_set_cr8(vcpu->apic, val);
	vcpu->rip = next;
	return 1;
}

/* A guest MOV to CR4. Return: 0, or -EINVAL for #GP. */
static int okvm_svm_write_cr4(struct okvm_svm_vcpu *svm, u64 cr4)
{
	struct okvm_cr_state cr;
	int r;

	okvm_svm_get_cr_state(svm, &cr);
	r = okvm_cr4_write(&svm->vcpu, &cr, cr4);
	if (r)
		return r;
	svm->vmcb->save.cr4 = cr.cr4;
	return 0;
}

/* MOV CR4, r: always intercepted, so that the guest's CPUID decides. */
static int okvm_svm_cr4_write(struct okvm_svm_vcpu *svm)
{
	unsigned long next;
	u64 val;

	if (okvm_svm_mov_to_cr(svm, &val, &next))
		return okvm_emulation_failure_at_rip(&svm->vcpu);
	if (svm->vmcb->save.cpl || okvm_svm_write_cr4(svm, val))
		return okvm_svm_inject_gp(svm);
	svm->vcpu.rip = next;
	return 1;
}

static int okvm_svm_fail_entry(struct okvm_svm_vcpu *svm)
{
	struct kvm_run *run = svm->vcpu.run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	/* The 32-bit exit code, as KVM reports it: 0xffffffff. */
	run->fail_entry.hardware_entry_failure_reason = svm->vmcb->control.exit_code;
	run->fail_entry.cpu = svm->vcpu.cpu;
	return 0;
}

static int okvm_svm_shutdown(struct okvm_svm_vcpu *svm)
{
	/* The VMCB's guest state is undefined after a shutdown intercept. */
	okvm_svm_vcpu_reset(svm);
	svm->vcpu.run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/**
 * okvm_svm_handle_exit() - handle the exit okvm_svm_run() returned from
 * @vcpu: the vCPU
 *
 * Return: > 0 to re-enter, 0 to exit to userspace, < 0 to fail KVM_RUN.
 */
int okvm_svm_handle_exit(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	u32 exit_code = svm->vmcb->control.exit_code;

	trace_okvm_vm_exit(vcpu->id, exit_code, vcpu->rip, svm->vmcb->control.exit_info_1,
			   svm->vmcb->control.exit_info_2);
	if (exit_code == SVM_EXIT_ERR)
		return okvm_svm_fail_entry(svm);
	okvm_svm_nmi_after_exit(svm);
	/* CR8 writes exit only while the TPR holds an interrupt back: take V_TPR. */
	if (vcpu->apic)
		okvm_lapic_set_cr8(vcpu->apic, svm->vmcb->control.int_ctl & V_TPR_MASK);

	/*
	 * Without the CR0 write intercept the guest changed CR0 itself: TS
	 * and MP freely, anything on a CPU without the selective intercept.
	 * Take its value, and keep CD and NW out of the CPU's again.
	 */
	if (!(svm->vmcb->control.intercepts[INTERCEPT_CR0_WRITE / 32] &
	      BIT(INTERCEPT_CR0_WRITE % 32)) && svm->vmcb->save.cr0 != svm->guest_cr0)
		okvm_svm_set_cr0(svm, svm->vmcb->save.cr0);

	okvm_svm_requeue_event(svm);

	if (exit_code >= SVM_EXIT_READ_DR0 && exit_code <= SVM_EXIT_WRITE_DR7)
		return okvm_svm_dr(svm);

	switch (exit_code) {
	case SVM_EXIT_READ_CR0:
		return okvm_svm_cr0(svm, false);
	case SVM_EXIT_WRITE_CR0:
	case SVM_EXIT_CR0_SEL_WRITE:
		return okvm_svm_cr0(svm, true);
	case SVM_EXIT_WRITE_CR4:
		return okvm_svm_cr4_write(svm);
	case SVM_EXIT_WRITE_CR8:
		return okvm_svm_cr8_write(svm);
	case SVM_EXIT_EXCP_BASE + X86_TRAP_DB:
		return okvm_svm_db(svm);
	case SVM_EXIT_EXCP_BASE + X86_TRAP_UD:
		return okvm_svm_ud(svm);
	case SVM_EXIT_EXCP_BASE + X86_TRAP_AC:
		/* #AC always pushes an error code of zero. */
		okvm_svm_inject_exception(svm, X86_TRAP_AC, true, 0);
		return 1;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_MC:
		/* The host's handler ran already (okvm_svm_run()). */
		return 1;
	case SVM_EXIT_INTR:
		okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_IRQ_EXITS);
		fallthrough;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		/* The host took it when interrupts came back on. */
		return 1;
	case SVM_EXIT_IRET:
		return okvm_svm_nmi_iret(svm);
	case SVM_EXIT_VINTR:
		/* The interrupt window is open: inject before the next entry. */
		okvm_svm_set_irq_window(vcpu, OKVM_IRQ_WINDOW_NONE);
		okvm_make_request(vcpu, OKVM_REQ_EVENT);
		return 1;
	case SVM_EXIT_NPF:
		return okvm_svm_npf(svm);
	case SVM_EXIT_IOIO:
		return okvm_svm_ioio(svm);
	case SVM_EXIT_HLT:
		return okvm_svm_hlt(svm);
	case SVM_EXIT_CPUID:
		return okvm_svm_cpuid(svm);
	case SVM_EXIT_MSR:
		return okvm_svm_msr(svm);
	case SVM_EXIT_XSETBV:
		return okvm_svm_xsetbv(svm);
	case SVM_EXIT_SHUTDOWN:
		return okvm_svm_shutdown(svm);
	case SVM_EXIT_INVD:
		/* Dropping dirty lines would corrupt the host: treat as a no-op. */
		return okvm_svm_skip(svm);
	case SVM_EXIT_VMMCALL:
		return okvm_svm_vmmcall(svm);
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_RDPRU:
	case SVM_EXIT_RDPMC:
		/* Not offered to guests (no nested SVM, no PMU). */
		return okvm_svm_inject_ud(svm);
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
		/* No C-states for a guest: a NOP, or #UD (core/cpuid.c). */
		if (okvm_mwait_is_undefined(&svm->vcpu))
			return okvm_svm_inject_ud(svm);
		return okvm_svm_skip(svm);
	default:
		return okvm_svm_unexpected(svm);
	}
}
