/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port I/O from the guest: in-kernel devices first, else KVM_EXIT_IO
 * (core/pio.c); the string forms, INS and OUTS, in core/pio_string.c.
 */
#ifndef _OKVM_PIO_H
#define _OKVM_PIO_H

#include <linux/types.h>

struct okvm_vcpu;
struct okvm_vm;

/**
 * struct okvm_pio_device - an in-kernel device's run of ports
 * @first: its first port
 * @last: its last port
 * @access: an IN (the value read goes to @data) or OUT (@data holds the
 *	value) of 1, 2 or 4 bytes at a port of the run; 0 when the device
 *	took it, -ENODEV when the VM has no such device (the port is then
 *	userspace's)
 */
struct okvm_pio_device {
	u16 first;
	u16 last;
	int (*access)(struct okvm_vm *vm, u16 port, bool in, unsigned int size, u32 *data);
};

/**
 * struct okvm_pio_string - an INS or OUTS, as the backend decoded its exit
 * @next_rip: RIP after the instruction
 * @port: the port (DX)
 * @size: bytes of each element: 1, 2 or 4
 * @in: INS, which writes memory at ES:rDI; else OUTS, which reads @seg:rSI
 * @rep: a REP prefix: rCX counts the elements
 * @addr_size: 2, 4 or 8: the bytes of rSI, rDI and rCX the instruction uses
 * @seg: the segment OUTS reads through (enum okvm_seg: DS or an override)
 * @count: for an INS waiting for userspace's data (okvm_vcpu::pending_ins),
 *	the elements the exit asked for; 0 when none waits
 */
struct okvm_pio_string {
	u64 next_rip;
	u16 port;
	u8 size;
	bool in;
	bool rep;
	u8 addr_size;
	u8 seg;
	u16 count;
};

int okvm_pio_device_access(struct okvm_vm *vm, u16 port, bool in, unsigned int size,
			   u32 *data);
bool okvm_pio_write_in_kernel(struct okvm_vm *vm, u16 port, unsigned int size, u32 *data);
int okvm_emulate_pio(struct okvm_vcpu *vcpu, u16 port, u8 size, bool in);
int okvm_emulate_pio_string(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io);
int okvm_complete_pio_string(struct okvm_vcpu *vcpu);

#endif /* _OKVM_PIO_H */
