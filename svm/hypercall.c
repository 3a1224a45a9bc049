// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall instruction on SVM. VMMCALL exits, and okvm runs the KVM
 * hypercall in RAX (core/hypercall.c). A guest built for Intel uses VMCALL,
 * which raises #UD on AMD: while the VM has KVM_X86_QUIRK_FIX_HYPERCALL_INSN
 * (the default), okvm rewrites that VMCALL to VMMCALL in guest memory and
 * lets the guest execute it again, as KVM does; without the quirk, and for
 * any other instruction, the guest gets its #UD.
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/svm.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>
#include <uapi/linux/kvm.h>

#include <okvm/hypercall.h>
#include <okvm/insn.h>
#include <okvm/memslot.h>
#include <okvm/walk.h>

#include "svm.h"

static const u8 okvm_vmcall[] = { 0x0f, 0x01, 0xc1 };
static const u8 okvm_vmmcall[] = { 0x0f, 0x01, 0xd9 };

/**
 * okvm_svm_vmmcall() - the guest executed VMMCALL: a KVM hypercall
 * @svm: the vCPU
 *
 * Return: 1 to re-enter past it, or 0 with an emulation failure.
 */
int okvm_svm_vmmcall(struct okvm_svm_vcpu *svm)
{
	const struct vmcb_save_area *s = &svm->vmcb->save;

	okvm_emulate_hypercall(&svm->vcpu, okvm_svm_cpu_mode(s) == OKVM_MODE_64, s->cpl);
	return okvm_svm_skip(svm);
}

/* Page tables the walker cannot read are no page fault: say so apart. */
static int okvm_svm_read_table(void *vm, gpa_t gpa, void *buf, unsigned int len)
{
	return okvm_read_guest(vm, gpa, buf, len) ? -ENXIO : 0;
}

/*
 * Write @len bytes over the instruction at CS:RIP, as a data write of the
 * guest at its CPL, which its page tables must allow: every page is
 * translated before the first byte is written.
 * Return: 0; -EFAULT with *error and *fault_la set for a page fault the
 * write raises; -ENXIO where the memory is no writable guest RAM.
 */
static int okvm_svm_write_insn(struct okvm_svm_vcpu *svm, enum okvm_cpu_mode mode,
			       const u8 *bytes, unsigned int len, u32 *error, u64 *fault_la)
{
	const struct vmcb_save_area *s = &svm->vmcb->save;
	struct okvm_paging pg = { s->cr0, s->cr3, s->cr4, s->efer };
	u32 access = X86_PF_WRITE | (s->cpl == 3 ? X86_PF_USER : 0);
	u64 linear = mode == OKVM_MODE_64 ? svm->vcpu.rip : (u32)(s->cs.base + svm->vcpu.rip);
	unsigned int chunk[2], n, i, nr = 0;
	gpa_t gpa[2];
	int r;

	for (n = 0; n < len; n += chunk[nr++]) {
		chunk[nr] = min_t(unsigned long, len - n, PAGE_SIZE - offset_in_page(linear + n));
		r = okvm_walk(&pg, okvm_svm_read_table, svm->vcpu.vm, linear + n, access,
			      &gpa[nr], error);
		if (r == -EFAULT)
			*fault_la = linear + n;
		if (r)
			return r;
	}
	for (i = 0, n = 0; i < nr; n += chunk[i++]) {
		if (okvm_write_guest(svm->vcpu.vm, gpa[i], bytes + n, chunk[i]))
			return -ENXIO;
	}
	return 0;
}

/**
 * okvm_svm_ud() - the guest raised #UD
 * @svm: the vCPU
 *
 * A VMCALL, with the quirk on, becomes VMMCALL, which the guest executes
 * next: RIP stays. A write that page-faults raises that #PF, as KVM's
 * emulated write would; memory that is no writable RAM leaves the #UD.
 *
 * Return: 1, to re-enter the guest.
 */
int okvm_svm_ud(struct okvm_svm_vcpu *svm)
{
	u8 bytes[OKVM_INSN_MAX];
	enum okvm_cpu_mode mode;
	u64 fault_la;
	u32 error;
	int r;

	if (!okvm_vm_has_quirk(svm->vcpu.vm, KVM_X86_QUIRK_FIX_HYPERCALL_INSN) ||
	    okvm_fetch_insn(&svm->vcpu, bytes, &mode) < sizeof(okvm_vmcall) ||
	    memcmp(bytes, okvm_vmcall, sizeof(okvm_vmcall)))
		return okvm_svm_inject_ud(svm);
	BUILD_BUG_ON(sizeof(okvm_vmmcall) != sizeof(okvm_vmcall));
	r = okvm_svm_write_insn(svm, mode, okvm_vmmcall, sizeof(okvm_vmmcall), &error,
				&fault_la);
	if (r == -EFAULT)
		okvm_svm_inject_fault(&svm->vcpu, X86_TRAP_PF, error, fault_la);
	else if (r)
		return okvm_svm_inject_ud(svm);
	return 1;
}
