// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's XSAVE state as userspace saves and restores it:
 * KVM_GET/SET_XSAVE, KVM_GET_XSAVE2 and KVM_GET/SET_XCRS; and the guest's
 * own XSETBV.
 *
 * Outside KVM_RUN the guest's FPU registers are in vcpu->guest_fpu (the
 * kernel's FPU core swaps them around the run loop), its PKRU in vcpu->pkru
 * (the backend switches it around VMRUN) and its XCR0 in vcpu->xcr0. The
 * ABI's buffer is the standard, non-compacted XSAVE format; the FPU core
 * converts it from and to the kernel's own, and validates what userspace
 * gives (header, MXCSR), as it does for KVM.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/special_insns.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpuid.h>
#include <okvm/vm.h>
#include <okvm/xsave.h>

/* The host's XCR0, read at load; 0 without XSAVE. */
u64 okvm_host_xcr0;

/**
 * okvm_xsave_init() - read the host's XCR0, once at load
 */
void __init okvm_xsave_init(void)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		okvm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
}

/**
 * okvm_guest_xstate_enter() - the guest's XCR0 and PKRU into the CPU
 * @vcpu: the vCPU, about to enter; interrupts off, so no host code but an
 *	NMI handler runs with them (none on SVM, whose GIF is clear), as
 *	under KVM
 *
 * Return: the host's PKRU, for okvm_guest_xstate_exit().
 */
u32 okvm_guest_xstate_enter(struct okvm_vcpu *vcpu)
{
	u32 host_pkru = 0;

	if (okvm_host_xcr0 && vcpu->xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE)) {
		host_pkru = rdpkru();
		if (vcpu->pkru != host_pkru)
			wrpkru(vcpu->pkru);
	}
	return host_pkru;
}

/**
 * okvm_guest_xstate_exit() - the host's XCR0 and PKRU back after an exit
 * @vcpu: the vCPU that exited; interrupts still off
 * @host_pkru: what okvm_guest_xstate_enter() returned
 *
 * The guest's PKRU is whatever it left. So is its XCR0: a CPU that does
 * not honour the XSETBV intercept (QEMU 7.2's TCG, where okvm is tested)
 * lets the guest write XCR0 itself, having checked the value against what
 * the CPU supports; the host's goes back whether or not okvm knew of the
 * change.
 */
void okvm_guest_xstate_exit(struct okvm_vcpu *vcpu, u32 host_pkru)
{
	u64 xcr0;

	if (cpu_feature_enabled(X86_FEATURE_OSPKE)) {
		vcpu->pkru = rdpkru();
		if (vcpu->pkru != host_pkru)
			wrpkru(host_pkru);
	}
	if (!okvm_host_xcr0)
		return;
	xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (unlikely(xcr0 != vcpu->xcr0))
		vcpu->xcr0 = xcr0;
	if (xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, okvm_host_xcr0);
}

/**
 * okvm_emulate_xsetbv() - the guest's XSETBV, after its exit
 * @vcpu: the vCPU: ECX names the XCR, EDX:EAX holds the value
 * @cpl: the guest's CPL
 *
 * Only XCR0 exists, at CPL 0, checked against what the guest's CPUID
 * offers (leaf 0xd), not what the host has. The backend loads vcpu->xcr0
 * around each entry.
 *
 * Return: 0, and the caller steps over the instruction; -EINVAL for a #GP.
 */
int okvm_emulate_xsetbv(struct okvm_vcpu *vcpu, int cpl)
{
	unsigned long *regs = vcpu->regs;
	u64 xcr0 = (u64)(u32)regs[OKVM_REG_RDX] << 32 | (u32)regs[OKVM_REG_RAX];

	if (cpl || (u32)regs[OKVM_REG_RCX] || !okvm_guest_xcr0_valid(vcpu, xcr0))
		return -EINVAL;
	vcpu->xcr0 = xcr0;
	return 0;
}

/**
 * okvm_xsave2_size() - KVM_CAP_XSAVE2: the buffer KVM_GET_XSAVE2 fills
 *
 * Return: the size of the XSAVE area of every component a guest may
 * enable, and at least struct kvm_xsave, as in KVM.
 */
long okvm_xsave2_size(void)
{
	return max_t(long, okvm_xsave_size(okvm_guest_xfeatures()),
		     sizeof(struct kvm_xsave));
}

/**
 * okvm_cap_xcrs() - KVM_CAP_XCRS: whether the host has XCRs to offer
 *
 * Return: 1 with XSAVE, 0 without, as in KVM.
 */
long okvm_cap_xcrs(void)
{
	return boot_cpu_has(X86_FEATURE_XSAVE);
}

/*
 * The guest's state in @size bytes: the components its CPUID offers, and
 * x87 and SSE always, so that a VMM can move them whatever the CPUID is.
 */
static int okvm_vcpu_get_xsave(struct okvm_vcpu *vcpu, void __user *argp,
			       unsigned int size)
{
	u64 xfeatures = okvm_guest_supported_xcr0(vcpu) | XFEATURE_MASK_FPSSE;
	void *buf;
	int r = 0;

	/* Zeroed: without XSAVE the FPU core writes the legacy area only. */
	buf = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, buf, size, xfeatures,
				       vcpu->pkru);
	if (copy_to_user(argp, buf, size))
		r = -EFAULT;
	kfree(buf);
	return r;
}

/*
 * Any component okvm can switch is taken, whatever the guest's CPUID, as
 * KVM takes what it supports: a VMM restores the state before or without
 * KVM_SET_CPUID2. PKRU changes only if its bit is in XSTATE_BV.
 */
static int okvm_vcpu_set_xsave(struct okvm_vcpu *vcpu, const void __user *argp)
{
	unsigned int size = vcpu->guest_fpu.uabi_size;
	union fpregs_state *state;
	int r;

	state = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!state)
		return -ENOMEM;
	r = -EFAULT;
	if (copy_from_user(state, argp, size))
		goto out;
	/*
	 * A component that XFD disables must stay in its initial state, or
	 * the next XRSTOR raises #NM in the host; KVM drops such bits too.
	 */
	state->xsave.header.xfeatures &= ~vcpu->guest_fpu.fpstate->xfd;
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, state,
					   okvm_guest_xfeatures(), &vcpu->pkru);
out:
	kfree(state);
	return r;
}

static int okvm_vcpu_get_xcrs(struct okvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs *xcrs;
	int r = 0;

	xcrs = kzalloc(sizeof(*xcrs), GFP_KERNEL_ACCOUNT);
	if (!xcrs)
		return -ENOMEM;
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		xcrs->nr_xcrs = 1;
		xcrs->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs->xcrs[0].value = vcpu->xcr0;
	}
	if (copy_to_user(argp, xcrs, sizeof(*xcrs)))
		r = -EFAULT;
	kfree(xcrs);
	return r;
}

/*
 * XCR0 passes the checks of the guest's own XSETBV. As in KVM, the first
 * entry for XCR0 counts; entries for other XCRs, which do not exist, are
 * ignored.
 */
static int okvm_vcpu_set_xcrs(struct okvm_vcpu *vcpu, const void __user *argp)
{
	struct kvm_xcrs *xcrs;
	u32 i;
	int r;

	xcrs = kmalloc(sizeof(*xcrs), GFP_KERNEL_ACCOUNT);
	if (!xcrs)
		return -ENOMEM;
	r = -EFAULT;
	if (copy_from_user(xcrs, argp, sizeof(*xcrs)))
		goto out;
	r = -EINVAL;
	if (!boot_cpu_has(X86_FEATURE_XSAVE) || xcrs->nr_xcrs > KVM_MAX_XCRS ||
	    xcrs->flags)
		goto out;
	r = 0;
	for (i = 0; i < xcrs->nr_xcrs; i++) {
		if (xcrs->xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;
		if (okvm_guest_xcr0_valid(vcpu, xcrs->xcrs[i].value))
			vcpu->xcr0 = xcrs->xcrs[i].value;
		else
			r = -EINVAL;
		break;
	}
out:
	kfree(xcrs);
	return r;
}

/**
 * okvm_vcpu_xsave_ioctl() - KVM_GET/SET_XSAVE, KVM_GET_XSAVE2, KVM_GET/SET_XCRS
 * @vcpu: the vCPU, its mutex held (so not in KVM_RUN)
 * @ioctl: one of those
 * @argp: userspace's struct kvm_xsave, buffer of KVM_CAP_XSAVE2's size or
 *	struct kvm_xcrs
 *
 * Return: 0; -EINVAL for state the FPU core or XSETBV would refuse, for a
 * KVM_GET_XSAVE whose state would not fit struct kvm_xsave, or for XCRs
 * without XSAVE; -EFAULT, -ENOMEM; -ENOTTY for another ioctl.
 */
long okvm_vcpu_xsave_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_XSAVE:
		if (vcpu->guest_fpu.uabi_size > sizeof(struct kvm_xsave))
			return -EINVAL;
		return okvm_vcpu_get_xsave(vcpu, argp, sizeof(struct kvm_xsave));
	case KVM_GET_XSAVE2:
		return okvm_vcpu_get_xsave(vcpu, argp, vcpu->guest_fpu.uabi_size);
	case KVM_SET_XSAVE:
		return okvm_vcpu_set_xsave(vcpu, argp);
	case KVM_GET_XCRS:
		return okvm_vcpu_get_xcrs(vcpu, argp);
	case KVM_SET_XCRS:
		return okvm_vcpu_set_xcrs(vcpu, argp);
	default:
		return -ENOTTY;
	}
}
