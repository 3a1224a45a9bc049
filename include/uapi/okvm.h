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

/*
 * KVM_CHECK_EXTENSION answers 1; KVM_ENABLE_CAP on the VM with args[0] = 1
 * sets userspace's APICv inhibit reason and 0 clears it: a test and
 * debugging knob (Documentation/apicv.rst). Setting it returns once no
 * vCPU can reach the APIC-access page through a mapping.
 */
#define OKVM_CAP_APICV_USER_INHIBIT	(OKVM_CAP_BASE + 1)

/*
 * The VM stats fd's apicv_inhibit_reasons is a mask of these bits: why
 * APICv is off for the VM now.
 */
/**
 * enum okvm_apicv_inhibit - why APICv is off for a VM (one bit each)
 * @OKVM_APICV_INHIBIT_DISABLED: the module parameter apicv=0
 * @OKVM_APICV_INHIBIT_NO_HARDWARE: the backend does not accelerate APIC
 *	accesses on this CPU (SVM without AVIC)
 * @OKVM_APICV_INHIBIT_NO_IRQCHIP: no in-kernel local APIC (yet): there is
 *	nothing to accelerate
 * @OKVM_APICV_INHIBIT_X2APIC: a local APIC is in x2APIC mode, which the
 *	hardware does not accelerate through the access page
 * @OKVM_APICV_INHIBIT_APIC_ID: an APIC ID is not its vCPU's id
 * @OKVM_APICV_INHIBIT_APIC_BASE: the vCPUs' xAPIC bases differ, and the
 *	access page sits at one gfn
 * @OKVM_APICV_INHIBIT_USER: userspace asked (OKVM_CAP_APICV_USER_INHIBIT)
 * @OKVM_APICV_INHIBIT_GUEST_DEBUG: reserved for a vCPU debugged from the
 *	host with interrupts blocked; nothing sets it yet
 * @OKVM_APICV_INHIBIT_IRQ_WINDOW: reserved for a backend that must leave
 *	APICv to open an interrupt window (AVIC); nothing sets it yet
 * @OKVM_APICV_INHIBIT_TEST: set and cleared by the KUnit suites only
 * @OKVM_NR_APICV_INHIBITS: the number of reasons
 */
enum okvm_apicv_inhibit {
	OKVM_APICV_INHIBIT_DISABLED,
	OKVM_APICV_INHIBIT_NO_HARDWARE,
	OKVM_APICV_INHIBIT_NO_IRQCHIP,
	OKVM_APICV_INHIBIT_X2APIC,
	OKVM_APICV_INHIBIT_APIC_ID,
	OKVM_APICV_INHIBIT_APIC_BASE,
	OKVM_APICV_INHIBIT_USER,
	OKVM_APICV_INHIBIT_GUEST_DEBUG,
	OKVM_APICV_INHIBIT_IRQ_WINDOW,
	OKVM_APICV_INHIBIT_TEST,
	OKVM_NR_APICV_INHIBITS,
};

#endif /* _UAPI_OKVM_H */
