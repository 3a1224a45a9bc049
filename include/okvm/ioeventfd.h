/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_IOEVENTFD: guest writes that signal eventfds (core/ioeventfd.c).
 */
#ifndef _OKVM_IOEVENTFD_H
#define _OKVM_IOEVENTFD_H

#include <linux/types.h>

struct kvm_ioeventfd;
struct okvm_vm;

int okvm_ioeventfd(struct okvm_vm *vm, const struct kvm_ioeventfd *args);
bool okvm_ioeventfd_write(struct okvm_vm *vm, u64 addr, u32 len, bool pio, const void *data);
void okvm_ioeventfd_vm_init(struct okvm_vm *vm);
void okvm_ioeventfd_vm_destroy(struct okvm_vm *vm);

#endif /* _OKVM_IOEVENTFD_H */
