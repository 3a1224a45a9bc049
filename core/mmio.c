// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest access that no memslot serves, decoded from the instruction
 * bytes and handed to a device in the kernel (the local APIC) or, as
 * KVM_EXIT_MMIO, to userspace. The special APIC gfn comes here even where
 * a memslot covers it (apicv/access_page.c): what this vCPU's APIC does
 * not claim there is the memslot's memory, as on hardware.
 *
 * RIP moves past the instruction when the exit is reported; a read's data
 * reaches its register with the next KVM_RUN, as an IN's does.
 */
#include <linux/mm.h>
#include <uapi/linux/kvm.h>

#include <okvm/coalesced_io.h>
#include <okvm/insn.h>
#include <okvm/ioapic.h>
#include <okvm/ioeventfd.h>
#include <okvm/lapic.h>
#include <okvm/memslot.h>
#include <okvm/mmio.h>
#include <okvm/mmu.h>
#include <okvm/vm.h>

/* A device in the kernel (the local APIC, the IOAPIC) takes the access, or -ENODEV. */
static int okvm_kernel_mmio(struct okvm_vcpu *vcpu, gpa_t gpa, const struct okvm_mmio_op *op)
{
	u64 data = op->value;
	int r;

	r = okvm_lapic_mmio(vcpu, gpa, op->is_write, &data, op->size);
	if (r == -ENODEV)
		r = okvm_ioapic_mmio(vcpu->vm, gpa, op->is_write, &data, op->size);
	if (r)
		return r;
	if (!op->is_write)
		okvm_write_read_result(vcpu, op, data);
	return 0;
}

/*
 * Memory, for an access that no device took although a memslot serves it:
 * the special APIC gfn of a vCPU whose APIC is disabled or elsewhere. A
 * write to a read-only slot is refused (-EFAULT) and goes to userspace, as
 * such a write does everywhere else.
 */
static int okvm_memory_behind_mmio(struct okvm_vcpu *vcpu, gpa_t gpa,
				   const struct okvm_mmio_op *op)
{
	u64 data = 0;
	int r;

	if (op->is_write)
		return okvm_write_guest(vcpu->vm, gpa, &op->value, op->size);
	r = okvm_read_guest(vcpu->vm, gpa, &data, op->size);
	if (!r)
		okvm_write_read_result(vcpu, op, data);
	return r;
}

/* A write no device took: an ioeventfd or a coalesced zone may, before the VMM. */
static bool okvm_mmio_write_absorbed(struct okvm_vm *vm, gpa_t gpa, const struct okvm_mmio_op *op)
{
	return okvm_ioeventfd_write(vm, gpa, op->size, false, &op->value) ||
	       okvm_coalesced_io_write(vm, gpa, op->size, false, &op->value);
}

/**
 * okvm_emulate_mmio() - emulate a guest MMIO access, in the kernel or in userspace
 * @vcpu: the vCPU, RIP at the faulting instruction
 * @gpa: the guest physical address the access faulted on
 * @bytes: the instruction bytes at RIP
 * @nr_bytes: how many could be read
 * @mode: the guest's code size
 *
 * Return: 1 to re-enter when a device in the kernel or memory took it; 0, to exit to
 * userspace with KVM_EXIT_MMIO, or with KVM_EXIT_INTERNAL_ERROR
 * (KVM_INTERNAL_ERROR_EMULATION) for an instruction okvm does not emulate
 * or an access that crosses a page.
 */
int okvm_emulate_mmio(struct okvm_vcpu *vcpu, gpa_t gpa, const u8 *bytes,
		      unsigned int nr_bytes, enum okvm_cpu_mode mode)
{
	struct kvm_run *run = vcpu->run;
	struct okvm_mmio_op op;
	struct okvm_insn insn;

	if (okvm_insn_decode(bytes, nr_bytes, mode, &insn) ||
	    okvm_mmio_op_from_insn(&insn, vcpu->regs, &op) ||
	    offset_in_page(gpa) + op.size > PAGE_SIZE) {
		okvm_exit_emulation_failure(vcpu, bytes, nr_bytes);
		return 0;
	}

	if (!okvm_kernel_mmio(vcpu, gpa, &op) || !okvm_memory_behind_mmio(vcpu, gpa, &op) ||
	    (op.is_write && okvm_mmio_write_absorbed(vcpu->vm, gpa, &op))) {
		vcpu->rip += insn.len;
		return 1;
	}

	okvm_vcpu_stat_inc(&vcpu->stats, OKVM_VCPU_STAT_MMIO_EXITS);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = op.size;
	run->mmio.is_write = op.is_write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (op.is_write)
		memcpy(run->mmio.data, &op.value, op.size);
	else
		vcpu->pending_read = (struct okvm_pending_read){
			.pending = true, .mmio = true, .op = op,
		};
	vcpu->rip += insn.len;
	return 0;
}

/**
 * okvm_handle_tdp_fault() - a guest access its TDP tables did not translate
 * @vcpu: the vCPU, RIP at the faulting instruction
 * @gpa: the guest physical address of the access
 * @access: X86_PF_WRITE and X86_PF_INSTR as the fault reports them
 *
 * The MMU maps @gpa where a memslot backs it; where none does, the access
 * is MMIO, emulated from the instruction at RIP (NPT's and EPT's exits
 * alike end here).
 *
 * Return: as okvm_mmu_page_fault(), or as okvm_emulate_mmio() for MMIO.
 */
int okvm_handle_tdp_fault(struct okvm_vcpu *vcpu, gpa_t gpa, u32 access)
{
	u8 bytes[OKVM_INSN_MAX];
	enum okvm_cpu_mode mode;
	unsigned int n;
	int r;

	r = okvm_mmu_page_fault(vcpu, gpa, access);
	if (r != OKVM_PF_EMULATE)
		return r;
	n = okvm_fetch_insn(vcpu, bytes, &mode);
	return okvm_emulate_mmio(vcpu, gpa, bytes, n, mode);
}
