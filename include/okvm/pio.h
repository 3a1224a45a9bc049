/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port I/O from the guest: in-kernel devices first, else KVM_EXIT_IO
 * (core/pio.c).
 */
#ifndef _OKVM_PIO_H
#define _OKVM_PIO_H

#include <linux/types.h>

struct okvm_vcpu;

int okvm_emulate_pio(struct okvm_vcpu *vcpu, u16 port, u8 size, bool in);

#endif /* _OKVM_PIO_H */
