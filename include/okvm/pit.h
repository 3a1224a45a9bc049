/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel 8254 PIT of KVM_CREATE_PIT2 (apicv/pit.c).
 */
#ifndef _OKVM_PIT_H
#define _OKVM_PIT_H

#include <linux/types.h>

struct kvm_pit_state2;
struct okvm_vm;

/* Counters 0 to 2, then the control word. */
#define OKVM_PIT_PORT		0x40
#define OKVM_PIT_NR_PORTS	4
/* Counter 2's gate and output, with the speaker's data (KVM_PIT_SPEAKER_DUMMY). */
#define OKVM_PIT_SPEAKER_PORT	0x61

int okvm_pit_create(struct okvm_vm *vm, u32 flags);
void okvm_pit_free(struct okvm_vm *vm);
int okvm_pit_pio(struct okvm_vm *vm, u16 port, bool in, unsigned int size, u32 *data);
int okvm_pit_speaker_pio(struct okvm_vm *vm, u16 port, bool in, unsigned int size,
			 u32 *data);
int okvm_pit_get_state(struct okvm_vm *vm, struct kvm_pit_state2 *state);
int okvm_pit_set_state(struct okvm_vm *vm, const struct kvm_pit_state2 *state, bool flags);

#endif /* _OKVM_PIT_H */
