/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * okvm's additions to the KVM ioctl ABI of <linux/kvm.h>.
 *
 * okvm answers the KVM ioctls with KVM's numbers and structures; what it adds
 * lives here, in number ranges that upstream KVM does not use, so a client
 * can ask KVM_CHECK_EXTENSION whether it talks to okvm at all.
 */
#ifndef _UAPI_OKVM_H
#define _UAPI_OKVM_H

/*
 * okvm's capabilities start far above KVM's (KVM_CAP_* is below 300 in 2024)
 * so the two number spaces never meet. "OK" in ASCII.
 */
#define OKVM_CAP_BASE		0x4f4b0000

/*
 * KVM_CHECK_EXTENSION(OKVM_CAP_ABI) returns okvm's ABI revision (> 0) on okvm
 * and 0 on upstream KVM: the way a test tells the two apart.
 */
#define OKVM_CAP_ABI		(OKVM_CAP_BASE + 0)

#define OKVM_ABI_REVISION	1

#endif /* _UAPI_OKVM_H */
