// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's debug registers are its own: a data breakpoint the guest arms
 * in DR0/DR7 fires at the guest's address, once, into the guest's own #DB
 * handler with DR6 saying which breakpoint; a single step does the same
 * with DR6.BS. KVM_GET/SET_DEBUGREGS read and write the same registers the
 * guest sees, with KVM's rules for what they refuse.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define DR6_INIT		0xffff0ff0ULL	/* no event recorded */
#define DR6_B0			BIT_ULL(0)
#define DR6_TRAP_BITS		0xfULL
#define DR6_BD			BIT_ULL(13)
#define DR6_BS			BIT_ULL(14)
#define DR6_BT			BIT_ULL(15)
#define DR7_INIT		0x400ULL
#define DR7_L0			BIT_ULL(0)
#define DR7_RW0_WRITE		BIT_ULL(16)	/* R/W0 01b: data writes */
#define DR7_LEN0_8		BIT_ULL(19)	/* LEN0 10b: 8 bytes (long mode) */
#define DR7_WATCH0_WRITE8	(DR7_INIT | DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8)

/* Guest globals the #DB handler below updates. */
u64 guest_db_count;
u64 guest_db_dr6;

/*
 * The guest's #DB handler: count, keep DR6, then clear DR6 as an OS does
 * and RFLAGS.TF in the frame (a single step ends here), and return. The
 * frame is RIP, CS, RFLAGS above the saved RAX.
 */
static __naked void guest_db_handler(void)
{
	asm("push %rax\n\t"
	    "mov %dr6, %rax\n\t"
	    "mov %rax, guest_db_dr6(%rip)\n\t"
	    "incq guest_db_count(%rip)\n\t"
	    "mov $0xffff0ff0, %eax\n\t"
	    "mov %rax, %dr6\n\t"
	    "andq $~0x100, 24(%rsp)\n\t"
	    "pop %rax\n\t"
	    "iretq");
}

/* What the breakpoint watches: 8 bytes, 8-byte aligned (as any u64). */
static u64 watched;

static struct okvm_vm *create_vm(void *guest_code, struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_code, vcpu);

	okvm_guest_set_handler(vm, X86_VEC_DB, guest_db_handler);
	return vm;
}

static void guest_write_breakpoint(void)
{
	u64 dr6;

	WRITE_ONCE(guest_db_count, 0);
	WRITE_ONCE(watched, 0);
	guest_write_dr(0, (u64)&watched);
	guest_write_dr(7, DR7_WATCH0_WRITE8);
	GUEST_ASSERT_EQ(guest_read_dr(0), (u64)&watched);
	GUEST_ASSERT_EQ(guest_read_dr(7), DR7_WATCH0_WRITE8);

	WRITE_ONCE(watched, 0x1234);
	barrier();
	/* A data breakpoint is a trap: the store is done, the handler ran once. */
	GUEST_ASSERT_EQ(READ_ONCE(guest_db_count), 1);
	GUEST_ASSERT_EQ(READ_ONCE(watched), 0x1234);
	dr6 = READ_ONCE(guest_db_dr6);
	GUEST_ASSERT_EQ(dr6 & DR6_TRAP_BITS, DR6_B0);
	GUEST_ASSERT_EQ(dr6 & (DR6_BD | DR6_BS | DR6_BT), 0);
	/* The handler cleared DR6. */
	GUEST_ASSERT_EQ(guest_read_dr(6) & (DR6_TRAP_BITS | DR6_BS), 0);

	guest_write_dr(7, DR7_INIT);
	WRITE_ONCE(watched, 0x5678);
	barrier();
	GUEST_ASSERT_EQ(READ_ONCE(guest_db_count), 1);
	GUEST_SYNC(READ_ONCE(guest_db_count));
}

/*
 * Before okvm switched DR0-DR3, the CPU ran the guest with the guest's DR7
 * and the host's DR0: the breakpoint never fired (count 0). Under QEMU's
 * TCG the breakpoint is armed by the guest's own MOV to DR7 and fires only
 * until the next exit (see guest_store_watched()): none comes between.
 */
TEST(guest_data_breakpoint_fires_once)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = create_vm(guest_write_breakpoint, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_store_watched(void)
{
	u64 dr7 = guest_read_dr(7);

	GUEST_ASSERT_EQ(guest_read_dr(0), (u64)&watched);
	GUEST_ASSERT_EQ(dr7, DR7_WATCH0_WRITE8);
	/*
	 * Off and on again: a no-op on a CPU, but QEMU's TCG applies DR7 to
	 * its breakpoints only on a MOV to DR7 that changes an enable bit,
	 * not on the VMRUN that loads DR7 from the VMCB (under kvm_amd as
	 * under okvm; see Documentation/testing.rst).
	 */
	guest_write_dr(7, DR7_INIT);
	guest_write_dr(7, dr7);
	WRITE_ONCE(guest_db_count, 0);
	WRITE_ONCE(watched, 0x1234);
	barrier();
	/* Disarmed by the guest itself: see Documentation/testing.rst. */
	guest_write_dr(7, DR7_INIT);
	GUEST_SYNC(READ_ONCE(guest_db_count));
	GUEST_SYNC(READ_ONCE(guest_db_dr6) & (DR6_TRAP_BITS | DR6_BS));
}

/* The host arms the breakpoint with KVM_SET_DEBUGREGS; the guest hits it. */
TEST(host_armed_breakpoint_fires_in_guest)
{
	struct kvm_debugregs dbg;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = create_vm(guest_store_watched, &vcpu);
	okvm_vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dbg);
	dbg.db[0] = (u64)&watched;
	dbg.dr7 = DR7_WATCH0_WRITE8;
	okvm_vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dbg);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_sync(vcpu, DR6_B0);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_single_step(void)
{
	WRITE_ONCE(guest_db_count, 0);
	/* TF from POPF traps after the next instruction; the handler ends it. */
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     "nop\n\t"
		     "nop" ::: "memory", "cc");
	GUEST_ASSERT_EQ(READ_ONCE(guest_db_count), 1);
	GUEST_ASSERT_EQ(READ_ONCE(guest_db_dr6) & (DR6_TRAP_BITS | DR6_BS), DR6_BS);
	GUEST_SYNC(READ_ONCE(guest_db_count));
}

/* #DB exits to the hypervisor now; it must still reach the guest. */
TEST(single_step_reaches_guest_handler)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = create_vm(guest_single_step, &vcpu);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_report_debugregs(void)
{
	GUEST_SYNC(guest_read_dr(0));
	GUEST_SYNC(guest_read_dr(1));
	GUEST_SYNC(guest_read_dr(2));
	GUEST_SYNC(guest_read_dr(3));
	GUEST_SYNC(guest_read_dr(6));
	GUEST_SYNC(guest_read_dr(7));
	guest_write_dr(0, 0xabc000);
	guest_write_dr(6, DR6_INIT | 2);
	/* A breakpoint described but not enabled (no L0). */
	guest_write_dr(7, DR7_WATCH0_WRITE8 & ~DR7_L0);
	GUEST_SYNC(0);
}

static void expect_debugregs_eq(struct __test_metadata *_metadata,
				const struct kvm_debugregs *a,
				const struct kvm_debugregs *b)
{
	int i;

	for (i = 0; i < 4; i++)
		EXPECT_EQ(a->db[i], b->db[i]) TH_LOG("DR%d", i);
	EXPECT_EQ(a->dr6, b->dr6);
	EXPECT_EQ(a->dr7, b->dr7);
	EXPECT_EQ(a->flags, b->flags);
}

TEST(debugregs_roundtrip)
{
	struct kvm_debugregs dbg, back, bad;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	int i;

	vm = create_vm(guest_report_debugregs, &vcpu);
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS));

	/* The reset values. */
	memset(&dbg, 0xa5, sizeof(dbg));
	okvm_vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &dbg);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, dbg.db[i]) TH_LOG("DR%d", i);
	EXPECT_EQ(DR6_INIT, dbg.dr6);
	EXPECT_EQ(DR7_INIT, dbg.dr7);
	EXPECT_EQ(0, dbg.flags);

	memset(&dbg, 0, sizeof(dbg));
	for (i = 0; i < 4; i++)
		dbg.db[i] = 0x1000 * (i + 1);
	dbg.dr6 = DR6_INIT | DR6_B0;
	dbg.dr7 = DR7_INIT | BIT_ULL(8);	/* LE: enables no breakpoint */
	okvm_vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &dbg);
	okvm_vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &back);
	expect_debugregs_eq(_metadata, &dbg, &back);

	/* KVM's refusals; none of them changes anything. */
	bad = dbg;
	bad.flags = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = dbg;
	bad.db[0] = 0x9000;
	bad.dr6 |= BIT_ULL(32);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &bad));
	EXPECT_EQ(EINVAL, errno);
	bad = dbg;
	bad.db[0] = 0x9000;
	bad.dr7 |= BIT_ULL(63);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &bad));
	EXPECT_EQ(EINVAL, errno);
	okvm_vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &back);
	expect_debugregs_eq(_metadata, &dbg, &back);

	/* The guest reads what the host set... */
	for (i = 0; i < 4; i++)
		okvm_vcpu_expect_sync(vcpu, dbg.db[i]);
	okvm_vcpu_expect_sync(vcpu, dbg.dr6);
	okvm_vcpu_expect_sync(vcpu, dbg.dr7);
	/* ...and the host reads what the guest wrote. */
	okvm_vcpu_expect_sync(vcpu, 0);
	okvm_vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &back);
	EXPECT_EQ(0xabc000, back.db[0]);
	EXPECT_EQ(dbg.db[1], back.db[1]);
	EXPECT_EQ(DR6_INIT | 2, back.dr6);
	EXPECT_EQ(DR7_WATCH0_WRITE8 & ~DR7_L0, back.dr7);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
