// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM asks of the in-kernel APIC at start-up and reset, beyond its
 * state: QEMU sets the TPR shadow page (KVM_SET_VAPIC_ADDR) to none at
 * every APIC reset, and learns of TSC-deadline mode from
 * KVM_CAP_TSC_DEADLINE_TIMER, which KVM_GET_SUPPORTED_CPUID does not
 * offer (a VMM with an APIC of its own must not pass it on by copying the
 * table).
 *
 * Plain KVM ABI: the same on kvm_amd, but for the nonzero page, which
 * okvm refuses (it has none: KVM_CAP_VAPIC is 0) and KVM takes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"

#define CPUID_1_ECX_TSC_DEADLINE	BIT_ULL(24)

static void guest_nothing(void)
{
}

TEST(vapic_addr_none_with_an_in_kernel_apic)
{
	struct kvm_vapic_addr va = { .vapic_addr = 0 };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_nothing, &vcpu);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	if (okvm_dev_is_okvm(vm->dev_fd)) {
		EXPECT_EQ(0, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_VAPIC));
		va.vapic_addr = 0x10000;
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
		EXPECT_EQ(EINVAL, errno);
	}
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(vapic_addr_needs_an_in_kernel_apic)
{
	struct kvm_vapic_addr va = { .vapic_addr = 0 };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(EINVAL, errno);
	okvm_vm_free(vm);
}

TEST(tsc_deadline_is_a_cap_not_a_supported_cpuid_bit)
{
	int fd = okvm_dev_open(O_RDWR);
	struct kvm_cpuid_entry2 e;

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER));
	ASSERT_TRUE(okvm_supported_cpuid_entry(fd, 1, 0, &e));
	EXPECT_FALSE(e.ecx & CPUID_1_ECX_TSC_DEADLINE);
	close(fd);
}

TEST_HARNESS_MAIN
