/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MMIO emulation: a guest access to a gpa that no memslot backs for it
 * becomes KVM_EXIT_MMIO.
 */
#ifndef _OKVM_MMIO_H
#define _OKVM_MMIO_H

#include <linux/kvm_types.h>
#include <linux/types.h>

#include <okvm/insn.h>

struct okvm_vcpu;

/**
 * struct okvm_mmio_op - what an instruction does to its memory operand
 * @is_write: it stores
 * @size: bytes accessed (1, 2, 4 or 8)
 * @value: the value stored, for a write
 * @reg: the destination register of a read (OKVM_REG_*)
 * @high_byte: the destination is AH, CH, DH or BH
 * @dest_size: bytes of @reg written (after extension)
 * @sign_extend: the value read is sign-extended to @dest_size
 */
struct okvm_mmio_op {
	bool is_write;
	u8 size;
	u64 value;
	u8 reg;
	bool high_byte;
	u8 dest_size;
	bool sign_extend;
};

int okvm_mmio_op_from_insn(const struct okvm_insn *insn, const unsigned long *regs,
			   struct okvm_mmio_op *op);
int okvm_emulate_mmio(struct okvm_vcpu *vcpu, gpa_t gpa, const u8 *bytes,
		      unsigned int nr_bytes, enum okvm_cpu_mode mode);
int okvm_handle_tdp_fault(struct okvm_vcpu *vcpu, gpa_t gpa, u32 access);

#endif /* _OKVM_MMIO_H */
