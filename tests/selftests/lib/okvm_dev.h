/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Selftest helpers for reaching the hypervisor device.
 *
 * Every selftest takes the device path from OKVM_DEV (default /dev/okvm), so
 * the same binary runs against okvm and against upstream KVM's /dev/kvm.
 */
#ifndef OKVM_SELFTEST_DEV_H
#define OKVM_SELFTEST_DEV_H

#include <stdbool.h>

/* The device under test: $OKVM_DEV or /dev/okvm. */
const char *okvm_dev_path(void);

/* open() the device; returns the fd or -1 with errno set. */
int okvm_dev_open(int flags);

/* True if @dev_fd is okvm (it answers OKVM_CAP_ABI), false for KVM. */
bool okvm_dev_is_okvm(int dev_fd);

/*
 * The reference count of the modules behind the device: okvm's, or KVM's
 * (kvm and its vendor module, which a VM holds); -1 if unreadable. KVM
 * drops its references a moment after the last file of a VM is closed.
 */
long okvm_dev_module_refs(void);

#endif /* OKVM_SELFTEST_DEV_H */
