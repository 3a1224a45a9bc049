/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel 8259A PICs (apicv/pic.c).
 */
#ifndef _OKVM_PIC_H
#define _OKVM_PIC_H

#include <linux/types.h>

struct kvm_pic_state;
struct okvm_vm;

/* The PICs' ports: command and data, the slave's, and the ELCR pair. */
#define OKVM_PIC_MASTER_PORT	0x20
#define OKVM_PIC_SLAVE_PORT	0xa0
#define OKVM_PIC_ELCR_PORT	0x4d0

/* The ISA interrupt lines: 8 on the master, 8 on the slave. */
#define OKVM_PIC_NUM_PINS	16

int okvm_pic_create(struct okvm_vm *vm);
void okvm_pic_free(struct okvm_vm *vm);
int okvm_pic_set_irq(struct okvm_vm *vm, unsigned int pin, bool level);
bool okvm_pic_output(struct okvm_vm *vm);
int okvm_pic_read_irq(struct okvm_vm *vm);
int okvm_pic_pio(struct okvm_vm *vm, u16 port, bool in, unsigned int size, u32 *data);
void okvm_pic_get_state(struct okvm_vm *vm, bool slave, struct kvm_pic_state *s);
void okvm_pic_set_state(struct okvm_vm *vm, bool slave, const struct kvm_pic_state *s);

#endif /* _OKVM_PIC_H */
