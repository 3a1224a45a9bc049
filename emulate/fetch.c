// SPDX-License-Identifier: GPL-2.0
/*
 * The instruction at the guest's CS:RIP, for the exits that must look at
 * it: fetched through the guest's page tables as the CPU would fetch it,
 * decoded, or handed to userspace when okvm cannot emulate it. Neither
 * backend's control block is read here: the backend gives its registers
 * through get_data_view.
 */
#include <linux/minmax.h>
#include <linux/mm.h>
#include <asm/trap_pf.h>

#include <okvm/hw.h>
#include <okvm/insn.h>
#include <okvm/memslot.h>
#include <okvm/vm.h>
#include <okvm/walk.h>

static int okvm_fetch_read_gpa(void *vm, gpa_t gpa, void *buf, unsigned int len)
{
	return okvm_read_guest(vm, gpa, buf, len);
}

/**
 * okvm_fetch_insn() - read the instruction bytes at the guest's CS:RIP
 * @vcpu: the vCPU
 * @bytes: room for OKVM_INSN_MAX bytes
 * @mode: set to the guest's code size
 *
 * Through the guest's page tables, as an instruction fetch at its CPL,
 * page by page: the bytes up to the first page that does not translate.
 *
 * Return: how many bytes could be read, up to OKVM_INSN_MAX.
 */
unsigned int okvm_fetch_insn(struct okvm_vcpu *vcpu, u8 *bytes, enum okvm_cpu_mode *mode)
{
	struct okvm_data_view cs;
	unsigned int n = 0;
	u32 access, error;
	u64 linear;

	okvm_hw->get_data_view(vcpu, OKVM_SEG_CS, &cs);
	*mode = cs.mode;
	access = X86_PF_INSTR | (cs.cpl == 3 ? X86_PF_USER : 0);
	linear = cs.mode == OKVM_MODE_64 ? vcpu->rip : (u32)(cs.seg_base + vcpu->rip);

	while (n < OKVM_INSN_MAX) {
		unsigned int chunk = min_t(unsigned long, OKVM_INSN_MAX - n,
					   PAGE_SIZE - offset_in_page(linear + n));
		gpa_t gpa;

		if (okvm_walk(&cs.pg, okvm_fetch_read_gpa, vcpu->vm, linear + n, access,
			      &gpa, &error) ||
		    okvm_read_guest(vcpu->vm, gpa, bytes + n, chunk))
			break;
		n += chunk;
	}
	return n;
}

/**
 * okvm_decode_at_rip() - decode the instruction at the guest's CS:RIP
 * @vcpu: the vCPU
 * @insn: filled in
 *
 * Return: 0, or -EINVAL for bytes that could not be fetched or decoded.
 */
int okvm_decode_at_rip(struct okvm_vcpu *vcpu, struct okvm_insn *insn)
{
	u8 bytes[OKVM_INSN_MAX];
	enum okvm_cpu_mode mode;
	unsigned int n = okvm_fetch_insn(vcpu, bytes, &mode);

	return okvm_insn_decode(bytes, n, mode, insn);
}

/**
 * okvm_emulation_failure_at_rip() - okvm cannot emulate the instruction at RIP
 * @vcpu: the vCPU
 *
 * KVM_INTERNAL_ERROR_EMULATION with the instruction's bytes; RIP stays at
 * the instruction.
 *
 * Return: 0, to exit to userspace.
 */
int okvm_emulation_failure_at_rip(struct okvm_vcpu *vcpu)
{
	u8 bytes[OKVM_INSN_MAX];
	enum okvm_cpu_mode mode;
	unsigned int n = okvm_fetch_insn(vcpu, bytes, &mode);

	okvm_exit_emulation_failure(vcpu, bytes, n);
	return 0;
}
