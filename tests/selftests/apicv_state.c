// SPDX-License-Identifier: GPL-2.0
/*
 * okvm's APICv state through its ABI: KVM_ENABLE_CAP(OKVM_CAP_APICV_USER_INHIBIT)
 * sets and clears userspace's inhibit reason, the VM stats fd shows the
 * reasons set now (apicv_inhibit_reasons) and how often they changed, and a
 * vCPU's apicv_active takes the VM's state at its next entry. A VM gets its
 * in-kernel APIC's reason cleared with KVM_CREATE_IRQCHIP. okvm-only (an
 * extension): skips on KVM.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <okvm.h>

#include "kselftest_harness.h"
#include "lib/apicv.h"
#include "lib/stats.h"
#include "lib/ucall.h"
#include "lib/vm.h"

static void guest_sync_forever(void)
{
	for (;;)
		GUEST_SYNC(0);
}

FIXTURE(apicv) {
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
};

FIXTURE_SETUP(apicv)
{
	self->vm = okvm_vm_create_long_mode_irqchip(1, guest_sync_forever, &self->vcpu);
	if (ioctl(self->vm->fd, KVM_CHECK_EXTENSION, OKVM_CAP_APICV_USER_INHIBIT) != 1)
		SKIP(return, "no OKVM_CAP_APICV_USER_INHIBIT (not okvm)");
}

FIXTURE_TEARDOWN(apicv)
{
	okvm_vm_free(self->vm);
}

TEST_F(apicv, user_inhibit_sets_and_clears_its_bit)
{
	u64 changes = okvm_stat(self->vm->fd, "apicv_inhibit_changes");
	u64 reasons = okvm_stat(self->vm->fd, "apicv_inhibit_reasons");

	EXPECT_EQ(0, reasons & (1ULL << OKVM_APICV_INHIBIT_NO_IRQCHIP));
	EXPECT_EQ(0, reasons & (1ULL << OKVM_APICV_INHIBIT_USER));

	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(self->vm, 1));
	EXPECT_EQ(reasons | 1ULL << OKVM_APICV_INHIBIT_USER,
		  okvm_stat(self->vm->fd, "apicv_inhibit_reasons"));
	EXPECT_EQ(changes + 1, okvm_stat(self->vm->fd, "apicv_inhibit_changes"));
	/* Setting it again changes nothing. */
	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(self->vm, 1));
	EXPECT_EQ(changes + 1, okvm_stat(self->vm->fd, "apicv_inhibit_changes"));

	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(self->vm, 0));
	EXPECT_EQ(reasons, okvm_stat(self->vm->fd, "apicv_inhibit_reasons"));
	EXPECT_EQ(changes + 2, okvm_stat(self->vm->fd, "apicv_inhibit_changes"));

	EXPECT_EQ(-1, okvm_apicv_set_user_inhibit(self->vm, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(reasons, okvm_stat(self->vm->fd, "apicv_inhibit_reasons"));
}

/* apicv_active is what the vCPU saw when it last entered the guest. */
TEST_F(apicv, a_vcpu_takes_the_state_at_its_next_entry)
{
	u64 reasons = okvm_stat(self->vm->fd, "apicv_inhibit_reasons");

	okvm_vcpu_expect_sync(self->vcpu, 0);
	EXPECT_EQ(reasons == 0, okvm_stat(self->vcpu->fd, "apicv_active"));

	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(self->vm, 1));
	okvm_vcpu_expect_sync(self->vcpu, 0);
	EXPECT_EQ(0, okvm_stat(self->vcpu->fd, "apicv_active"));

	ASSERT_EQ(0, okvm_apicv_set_user_inhibit(self->vm, 0));
	okvm_vcpu_expect_sync(self->vcpu, 0);
	EXPECT_EQ(reasons == 0, okvm_stat(self->vcpu->fd, "apicv_active"));
}

TEST(without_an_irqchip_apicv_is_inhibited)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_sync_forever, &vcpu);
	if (ioctl(vm->fd, KVM_CHECK_EXTENSION, OKVM_CAP_APICV_USER_INHIBIT) != 1) {
		okvm_vm_free(vm);
		SKIP(return, "no OKVM_CAP_APICV_USER_INHIBIT (not okvm)");
	}
	okvm_vcpu_expect_sync(vcpu, 0);
	EXPECT_NE(0, okvm_stat(vm->fd, "apicv_inhibit_reasons") &
		  (1ULL << OKVM_APICV_INHIBIT_NO_IRQCHIP));
	EXPECT_EQ(0, okvm_stat(vcpu->fd, "apicv_active"));
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
