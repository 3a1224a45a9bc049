// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's IN or OUT: the in-kernel devices on the port bus (the PICs)
 * take theirs in the vCPU's thread; an OUT to a coalesced zone is queued
 * (core/coalesced_io.c); every other port is the VMM's, through
 * KVM_EXIT_IO.
 */
#include <okvm/coalesced_io.h>
#include <okvm/mmio.h>
#include <okvm/pic.h>
#include <okvm/pio.h>
#include <okvm/vm.h>

/**
 * okvm_emulate_pio() - a port IN or OUT the guest executed
 * @vcpu: the vCPU, RIP already past the instruction
 * @port: the port
 * @size: 1, 2 or 4 bytes
 * @in: IN (the value goes to AL, AX or EAX)
 *
 * Return: 1 when an in-kernel device took it (the guest goes on), else
 * okvm_exit_io()'s 0, to exit to userspace.
 */
int okvm_emulate_pio(struct okvm_vcpu *vcpu, u16 port, u8 size, bool in)
{
	u32 data = vcpu->regs[OKVM_REG_RAX];
	struct okvm_mmio_op op = { .size = size, .reg = OKVM_REG_RAX, .dest_size = size };

	if (okvm_pic_pio(vcpu->vm, port, in, size, &data) &&
	    (in || !okvm_coalesced_io_write(vcpu->vm, port, size, true, &data)))
		return okvm_exit_io(vcpu, port, size, in);
	if (in)
		okvm_write_read_result(vcpu, &op, data);
	return 1;
}
