/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Coalesced MMIO and port I/O: guest writes to zones the VMM registered are
 * queued in a ring the VMM reads later, instead of exiting one by one.
 */
#ifndef _OKVM_COALESCED_IO_H
#define _OKVM_COALESCED_IO_H

#include <linux/types.h>

struct kvm_coalesced_mmio_zone;
struct okvm_vm;

int okvm_coalesced_io_init(struct okvm_vm *vm);
void okvm_coalesced_io_free(struct okvm_vm *vm);
void *okvm_coalesced_io_ring(struct okvm_vm *vm);
int okvm_coalesced_io_register(struct okvm_vm *vm, const struct kvm_coalesced_mmio_zone *zone);
int okvm_coalesced_io_unregister(struct okvm_vm *vm, const struct kvm_coalesced_mmio_zone *zone);
bool okvm_coalesced_io_write(struct okvm_vm *vm, u64 addr, u32 len, bool pio, const void *data);

#endif /* _OKVM_COALESCED_IO_H */
