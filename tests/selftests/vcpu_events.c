// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_VCPU_EVENTS: a new vCPU reports no event and KVM's flags;
 * what KVM refuses is refused; an exception set as injected is delivered
 * at the next entry; an NMI set pending while NMIs are set masked waits
 * for the guest's next IRET; the interrupt shadow round-trips; an NMI set
 * pending beside an injected exception goes in after it, and the guest
 * sees no single-step of the hypervisor's.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define DB_VECTOR	1
#define NMI_VECTOR	2
#define UD_VECTOR	6

u64 guest_nmis;
u64 guest_uds;
u64 guest_dbs;

static __naked void guest_db_handler(void)
{
	asm("incq guest_dbs(%rip)\n\t"
	    "iretq");
}

static __naked void guest_nmi_handler(void)
{
	asm("incq guest_nmis(%rip)\n\t"
	    "iretq");
}

/* A #UD okvm injects has no faulting instruction: return to where it was. */
static __naked void guest_ud_handler(void)
{
	asm("incq guest_uds(%rip)\n\t"
	    "iretq");
}

/* An IRET with no NMI in service: a frame for the next instruction. */
static void guest_iret_to_self(void)
{
	asm volatile("mov %%ss, %%eax\n\t"
		     "push %%rax\n\t"
		     "push %%rsp\n\t"
		     "addq $8, (%%rsp)\n\t"
		     "pushfq\n\t"
		     "mov %%cs, %%eax\n\t"
		     "push %%rax\n\t"
		     "lea 1f(%%rip), %%rax\n\t"
		     "push %%rax\n\t"
		     "iretq\n\t"
		     "1:"
		     : : : "rax", "memory");
}

static void guest_code(void)
{
	int i;

	GUEST_SYNC(0);
	GUEST_SYNC(READ_ONCE(guest_uds));
	/* The host set an NMI pending and NMIs masked: nothing until an IRET. */
	for (i = 0; i < 20; i++)
		guest_cpuid(0, 0, &(u32){0}, &(u32){0}, &(u32){0}, &(u32){0});
	GUEST_SYNC(READ_ONCE(guest_nmis));
	guest_iret_to_self();
	for (i = 0; i < 20 && !READ_ONCE(guest_nmis); i++)
		guest_cpuid(0, 0, &(u32){0}, &(u32){0}, &(u32){0}, &(u32){0});
	GUEST_SYNC(READ_ONCE(guest_nmis));
}

static int set_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	return ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, ev) ? errno : 0;
}

TEST(events_round_trip_and_take_effect)
{
	struct kvm_vcpu_events ev, zero = {};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_code, &vcpu);
	okvm_guest_set_handler(vm, NMI_VECTOR, guest_nmi_handler);
	okvm_guest_set_handler(vm, UD_VECTOR, guest_ud_handler);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS));

	memset(&ev, 0xcc, sizeof(ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		  KVM_VCPUEVENT_VALID_SMM, ev.flags);
	ev.flags = 0;
	EXPECT_EQ(0, memcmp(&ev, &zero, sizeof(ev)));
	okvm_vcpu_expect_sync(vcpu, 0);

	/* What KVM refuses. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = 0x40;
	EXPECT_EQ(EINVAL, set_events(vcpu, &ev));
	ev.flags = 0;
	ev.exception.injected = 1;
	ev.exception.nr = NMI_VECTOR;
	EXPECT_EQ(EINVAL, set_events(vcpu, &ev));
	ev.exception.nr = 32;
	EXPECT_EQ(EINVAL, set_events(vcpu, &ev));

	/* An injected #UD is delivered at the next entry. */
	ev.exception.nr = UD_VECTOR;
	ASSERT_EQ(0, set_events(vcpu, &ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.exception.injected);
	EXPECT_EQ(UD_VECTOR, ev.exception.nr);
	EXPECT_EQ(0, ev.exception.has_error_code);
	okvm_vcpu_expect_sync(vcpu, 1);

	/* One NMI pending, NMIs masked: both read back. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.nmi.pending = 1;
	ev.nmi.masked = 1;
	ASSERT_EQ(0, set_events(vcpu, &ev));
	memset(&ev, 0, sizeof(ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.nmi.pending);
	EXPECT_EQ(1, ev.nmi.masked);
	EXPECT_EQ(0, ev.exception.injected);
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_sync(vcpu, 1);

	/* The shadow round-trips; cleared, it reads 0. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	ASSERT_EQ(0, set_events(vcpu, &ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_NE(0, ev.interrupt.shadow);
	ev.interrupt.shadow = 0;
	ASSERT_EQ(0, set_events(vcpu, &ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.interrupt.shadow);
	EXPECT_EQ(0, ev.nmi.masked);

	okvm_vcpu_expect_done(vcpu);
	okvm_sync_global_from_guest(vm, guest_uds);
	EXPECT_EQ(1, guest_uds);
	okvm_vm_free(vm);
}

static void guest_exception_then_nmi(void)
{
	u64 rflags;
	int i;

	GUEST_SYNC(0);
	for (i = 0; i < 20; i++)
		guest_cpuid(0, 0, &(u32){0}, &(u32){0}, &(u32){0}, &(u32){0});
	asm volatile("pushfq; pop %0" : "=r"(rflags));
	GUEST_SYNC(READ_ONCE(guest_uds));
	GUEST_SYNC(READ_ONCE(guest_nmis));
	GUEST_SYNC(READ_ONCE(guest_dbs));
	GUEST_SYNC(rflags & BIT_ULL(8));
}

TEST(nmi_after_an_injected_exception)
{
	struct kvm_vcpu_events ev = {};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_exception_then_nmi, &vcpu);
	okvm_guest_set_handler(vm, NMI_VECTOR, guest_nmi_handler);
	okvm_guest_set_handler(vm, UD_VECTOR, guest_ud_handler);
	okvm_guest_set_handler(vm, DB_VECTOR, guest_db_handler);
	okvm_vcpu_expect_sync(vcpu, 0);
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.exception.injected = 1;
	ev.exception.nr = UD_VECTOR;
	ev.nmi.pending = 1;
	ASSERT_EQ(0, set_events(vcpu, &ev));
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_sync(vcpu, 1);
	/* No #DB and no TF: nothing of a step for the NMI reached the guest. */
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* okvm has no SMM: SMM state is refused (KVM with SMM takes it). */
TEST(smm_state_is_refused_without_smm)
{
	struct kvm_vcpu_events ev = { .flags = KVM_VCPUEVENT_VALID_SMM };
	struct okvm_vm *vm = okvm_vm_create();
	struct okvm_vcpu *vcpu = okvm_vcpu_create(vm, 0);

	if (!okvm_dev_is_okvm(vm->dev_fd)) {
		okvm_vm_free(vm);
		SKIP(return, "KVM has SMM");
	}
	EXPECT_EQ(0, set_events(vcpu, &ev));
	ev.smi.smm = 1;
	EXPECT_EQ(EINVAL, set_events(vcpu, &ev));
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
