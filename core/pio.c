// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's IN or OUT: the in-kernel devices on the port bus take theirs
 * in the vCPU's thread; an OUT that an ioeventfd matches signals it
 * (core/ioeventfd.c), one to a coalesced zone is queued
 * (core/coalesced_io.c); every other port is the VMM's, through
 * KVM_EXIT_IO.
 */
#include <okvm/coalesced_io.h>
#include <okvm/ioeventfd.h>
#include <okvm/mmio.h>
#include <okvm/pic.h>
#include <okvm/pio.h>
#include <okvm/pit.h>
#include <okvm/vm.h>

/*
 * The port bus: each in-kernel device's ports, at the addresses the PC
 * gives them. A device the VM has not made answers -ENODEV.
 */
static const struct okvm_pio_device okvm_pio_devices[] = {
	{ OKVM_PIC_MASTER_PORT, OKVM_PIC_MASTER_PORT + 1, okvm_pic_pio },
	{ OKVM_PIC_SLAVE_PORT, OKVM_PIC_SLAVE_PORT + 1, okvm_pic_pio },
	{ OKVM_PIC_ELCR_PORT, OKVM_PIC_ELCR_PORT + 1, okvm_pic_pio },
	{ OKVM_PIT_PORT, OKVM_PIT_PORT + OKVM_PIT_NR_PORTS - 1, okvm_pit_pio },
	{ OKVM_PIT_SPEAKER_PORT, OKVM_PIT_SPEAKER_PORT, okvm_pit_speaker_pio },
};

/**
 * okvm_pio_device_access() - an IN or OUT, to the in-kernel device at @port
 * @vm: the VM
 * @port: the port
 * @in: an IN
 * @size: bytes, 1, 2 or 4
 * @data: the value written, or where the value read goes
 *
 * Return: 0 if a device took it, -ENODEV if none of the VM's has @port.
 */
int okvm_pio_device_access(struct okvm_vm *vm, u16 port, bool in, unsigned int size,
			   u32 *data)
{
	const struct okvm_pio_device *dev;

	for (dev = okvm_pio_devices; dev < okvm_pio_devices + ARRAY_SIZE(okvm_pio_devices);
	     dev++) {
		if (port >= dev->first && port <= dev->last)
			return dev->access(vm, port, in, size, data);
	}
	return -ENODEV;
}

/**
 * okvm_pio_write_in_kernel() - an OUT, or one element of an OUTS, that
 *	goes no further than the kernel
 * @vm: the VM
 * @port: the port
 * @size: bytes, 1, 2 or 4
 * @data: the value written
 *
 * Return: true if an in-kernel device, an ioeventfd or a coalesced zone
 * took it; false if it is the VMM's.
 */
bool okvm_pio_write_in_kernel(struct okvm_vm *vm, u16 port, unsigned int size, u32 *data)
{
	return !okvm_pio_device_access(vm, port, false, size, data) ||
	       okvm_ioeventfd_write(vm, port, size, true, data) ||
	       okvm_coalesced_io_write(vm, port, size, true, data);
}

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

	if (in ? okvm_pio_device_access(vcpu->vm, port, true, size, &data) :
		 !okvm_pio_write_in_kernel(vcpu->vm, port, size, &data))
		return okvm_exit_io(vcpu, port, size, in);
	if (in)
		okvm_write_read_result(vcpu, &op, data);
	return 1;
}
