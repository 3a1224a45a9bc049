// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CAP_SYNC_REGS: registers that travel in kvm_run's s.regs. A set
 * changed there reaches the guest when its kvm_dirty_regs bit is set, and
 * only then; the bit is cleared once the set is loaded. After an exit the
 * sets kvm_valid_regs asks for are what KVM_GET_REGS, _SREGS and
 * _VCPU_EVENTS report. A bit that names no set (among bits 31:0, which
 * are all KVM checks), and a set its ioctl would refuse, fail KVM_RUN with
 * EINVAL. A thread that rewrites s.regs while
 * KVM_RUN loads it never gets an illegal state past the checks.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kselftest_harness.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define SYNC_PORT	0x1000
#define ALL_SETS	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)
#define NO_SET		BIT_ULL(3)

u64 guest_uds;

/* An injected #UD has no faulting instruction: return to where it was. */
static __naked void guest_ud_handler(void)
{
	asm("incq guest_uds(%rip)\n\t"
	    "iretq");
}

/*
 * Exit on an OUT, then count in RBX and copy CR2 to RCX, forever: the host
 * reads both from the registers at the next exit. No C between the exits,
 * so the compiler cannot move RBX or RCX.
 */
static void guest_count_and_copy_cr2(void)
{
	asm volatile("1: outb %%al, %%dx\n\t"
		     "add $1, %%rbx\n\t"
		     "mov %%cr2, %%rcx\n\t"
		     "jmp 1b"
		     : : "d" (SYNC_PORT) : "rax", "rbx", "rcx", "memory");
}

static struct okvm_vm *create_vm(struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_count_and_copy_cr2, vcpu);
	okvm_guest_set_handler(vm, X86_VEC_UD, guest_ud_handler);
	return vm;
}

/* One KVM_RUN that must end at the guest's OUT. */
static void run_to_out(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu)
{
	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (vcpu->run->exit_reason != KVM_EXIT_IO || vcpu->run->io.port != SYNC_PORT)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for the OUT");
}

/* KVM_RUN that must fail with EINVAL before the guest runs. */
static void run_expect_einval(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu)
{
	EXPECT_EQ(-1, okvm_vcpu_run_raw(vcpu));
	EXPECT_EQ(EINVAL, errno) TH_LOG("%s", strerror(errno));
}

/* s.regs holds, for each set asked for, what the ioctls report. */
static void expect_sets_match_ioctls(struct __test_metadata *_metadata,
				     struct okvm_vcpu *vcpu)
{
	struct kvm_sync_regs *s = &vcpu->run->s.regs;
	struct kvm_vcpu_events events;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0, memcmp(&regs, &s->regs, sizeof(regs)));
	EXPECT_EQ(regs.rip, s->regs.rip);
	EXPECT_EQ(regs.rbx, s->regs.rbx);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(0, memcmp(&sregs, &s->sregs, sizeof(sregs)));
	EXPECT_EQ(sregs.cr4, s->sregs.cr4);
	EXPECT_EQ(sregs.efer, s->sregs.efer);
	memset(&events, 0, sizeof(events));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events));
	EXPECT_EQ(0, memcmp(&events, &s->events, sizeof(events)));
	EXPECT_EQ(events.flags, s->events.flags);
}

TEST(cap_names_the_three_sets)
{
	struct okvm_vm *vm = okvm_vm_create();

	EXPECT_EQ(ALL_SETS, ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS));
	okvm_vm_free(vm);
}

TEST(valid_sets_match_the_get_ioctls)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_vm(&vcpu);
	u64 rbx;

	vcpu->run->kvm_valid_regs = ALL_SETS;
	run_to_out(_metadata, vcpu);
	expect_sets_match_ioctls(_metadata, vcpu);
	rbx = vcpu->run->s.regs.regs.rbx;
	/* Again after the guest ran between two exits. */
	run_to_out(_metadata, vcpu);
	expect_sets_match_ioctls(_metadata, vcpu);
	EXPECT_EQ(rbx + 1, vcpu->run->s.regs.regs.rbx);
	okvm_vm_free(vm);
}

TEST(dirty_sets_reach_the_guest)
{
	struct kvm_run *run;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_vm(&vcpu);
	struct kvm_regs regs;

	run = vcpu->run;
	run->kvm_valid_regs = ALL_SETS;
	run_to_out(_metadata, vcpu);

	/* RBX and CR2 changed in s.regs, marked dirty: the guest sees both. */
	run->s.regs.regs.rbx = 0xbad1dea;
	run->s.regs.sregs.cr2 = 0xc2c2000;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	run_to_out(_metadata, vcpu);
	EXPECT_EQ(0, run->kvm_dirty_regs);
	EXPECT_EQ(0xbad1dea + 1, run->s.regs.regs.rbx);
	EXPECT_EQ(0xc2c2000, run->s.regs.regs.rcx);
	expect_sets_match_ioctls(_metadata, vcpu);

	/* An exception injected through the events set is delivered. */
	run->s.regs.events.exception.injected = 1;
	run->s.regs.events.exception.nr = X86_VEC_UD;
	run->kvm_dirty_regs = KVM_SYNC_X86_EVENTS;
	run_to_out(_metadata, vcpu);
	EXPECT_EQ(0, run->kvm_dirty_regs);
	EXPECT_EQ(0, run->s.regs.events.exception.injected);
	okvm_sync_global_from_guest(vm, guest_uds);
	EXPECT_EQ(1, guest_uds);

	/* Dirty without valid: loaded, and s.regs is left as userspace wrote it. */
	run->kvm_valid_regs = 0;
	run->s.regs.regs.rbx = 0xbbbb;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	run_to_out(_metadata, vcpu);
	EXPECT_EQ(0xbbbb, run->s.regs.regs.rbx);
	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0xbbbb + 1, regs.rbx);
	okvm_vm_free(vm);
}

TEST(clean_sets_do_not_reach_the_guest)
{
	struct kvm_run *run;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_vm(&vcpu);
	struct kvm_regs regs;
	u64 rbx;

	run = vcpu->run;
	run->kvm_valid_regs = ALL_SETS;
	run_to_out(_metadata, vcpu);
	rbx = run->s.regs.regs.rbx;

	/* Not dirty: ignored, and overwritten by the guest's value. */
	run->s.regs.regs.rbx = 0xdeadbeef;
	run->s.regs.sregs.cr2 = 0xdead000;
	run_to_out(_metadata, vcpu);
	EXPECT_EQ(rbx + 1, run->s.regs.regs.rbx);
	EXPECT_NE(0xdead000, run->s.regs.regs.rcx);
	EXPECT_NE(0xdead000, run->s.regs.sregs.cr2);

	/* Neither valid nor dirty: s.regs is not touched either way. */
	run->kvm_valid_regs = 0;
	run->s.regs.regs.rbx = 0xaaaa;
	okvm_vcpu_get_regs(vcpu, &regs);
	regs.rbx = 0xbac0;
	okvm_vcpu_set_regs(vcpu, &regs);
	run_to_out(_metadata, vcpu);
	EXPECT_EQ(0xaaaa, run->s.regs.regs.rbx);
	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0xbac0 + 1, regs.rbx);
	okvm_vm_free(vm);
}

TEST(bits_that_name_no_set_fail_run)
{
	struct kvm_run *run;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_vm(&vcpu);
	struct kvm_regs before, after;

	run = vcpu->run;
	run_to_out(_metadata, vcpu);
	okvm_vcpu_get_regs(vcpu, &before);

	run->kvm_valid_regs = NO_SET;
	run_expect_einval(_metadata, vcpu);
	run->kvm_valid_regs = ALL_SETS | 0x80000000;
	run_expect_einval(_metadata, vcpu);
	run->kvm_valid_regs = 0;

	/* A valid dirty set beside a bad bit is not loaded either. */
	run->s.regs.regs = before;
	run->s.regs.regs.rbx = 0x777;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | NO_SET;
	run_expect_einval(_metadata, vcpu);
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | BIT_ULL(31);
	run_expect_einval(_metadata, vcpu);

	/* The guest did not run, and its registers are as they were. */
	okvm_vcpu_get_regs(vcpu, &after);
	EXPECT_EQ(before.rbx, after.rbx);
	EXPECT_EQ(before.rip, after.rip);
	run->kvm_dirty_regs = 0;
	run_to_out(_metadata, vcpu);
	okvm_vcpu_get_regs(vcpu, &after);
	EXPECT_EQ(before.rbx + 1, after.rbx);

	/* KVM's check is 32 bits wide: bits 63:32 are ignored, not refused. */
	run->s.regs.regs = after;
	run->s.regs.regs.rbx = 0x777;
	run->kvm_valid_regs = KVM_SYNC_X86_REGS | BIT_ULL(63);
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | BIT_ULL(32);
	run_to_out(_metadata, vcpu);
	EXPECT_EQ(0x777 + 1, run->s.regs.regs.rbx);
	EXPECT_EQ(BIT_ULL(32), run->kvm_dirty_regs);
	okvm_vm_free(vm);
}

TEST(sets_their_ioctls_refuse_fail_run)
{
	struct kvm_run *run;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_vm(&vcpu);
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	run = vcpu->run;
	run->kvm_valid_regs = ALL_SETS;
	run_to_out(_metadata, vcpu);
	run->kvm_valid_regs = 0;

	/*
	 * Long mode without CR4.PAE, as KVM_SET_SREGS refuses it: the
	 * registers before it are loaded and their bit cleared, the special
	 * registers are not and keep theirs.
	 */
	run->s.regs.regs.rbx = 0x5151;
	run->s.regs.sregs.cr4 &= ~X86_CR4_PAE;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
	run_expect_einval(_metadata, vcpu);
	EXPECT_EQ(KVM_SYNC_X86_SREGS, run->kvm_dirty_regs);
	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0x5151, regs.rbx);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_TRUE(sregs.cr4 & X86_CR4_PAE);
	run->s.regs.sregs = sregs;

	/* An exception vector above 31, as KVM_SET_VCPU_EVENTS refuses it. */
	run->s.regs.events.exception.injected = 1;
	run->s.regs.events.exception.nr = 255;
	run->kvm_dirty_regs = KVM_SYNC_X86_EVENTS;
	run_expect_einval(_metadata, vcpu);
	EXPECT_EQ(KVM_SYNC_X86_EVENTS, run->kvm_dirty_regs);

	/* Mended, the same sets load and the guest goes on. */
	run->s.regs.events.exception.injected = 0;
	run->s.regs.events.exception.nr = 0;
	run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	run->kvm_dirty_regs = KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS;
	run_to_out(_metadata, vcpu);
	EXPECT_EQ(0, run->kvm_dirty_regs);
	EXPECT_EQ(0x5151 + 1, run->s.regs.regs.rbx);
	okvm_vm_free(vm);
}

struct cr4_flipper {
	struct kvm_run *run;
	u64 cr4;
	int stop;
};

/* Mark SREGS dirty and flip CR4.PAE under KVM_RUN's feet. */
static void *flip_cr4_pae(void *arg)
{
	struct cr4_flipper *f = arg;
	u64 *cr4 = &f->run->s.regs.sregs.cr4;

	while (!READ_ONCE(f->stop)) {
		WRITE_ONCE(*cr4, f->cr4);
		WRITE_ONCE(f->run->kvm_dirty_regs, KVM_SYNC_X86_SREGS);
		asm volatile(".rept 256\n\tpause\n\t.endr" : : : "memory");
		WRITE_ONCE(*cr4, f->cr4 & ~X86_CR4_PAE);
		WRITE_ONCE(f->run->kvm_dirty_regs, KVM_SYNC_X86_SREGS);
		asm volatile(".rept 256\n\tpause\n\t.endr" : : : "memory");
	}
	return NULL;
}

TEST(racing_writer_gets_no_illegal_state_in)
{
	struct cr4_flipper f = {};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_vm(&vcpu);
	struct kvm_sregs sregs;
	unsigned long runs = 0, refused = 0;
	pthread_t thread;
	time_t end;

	f.run = vcpu->run;
	f.run->kvm_valid_regs = KVM_SYNC_X86_SREGS;
	run_to_out(_metadata, vcpu);
	f.run->kvm_valid_regs = 0;
	f.cr4 = f.run->s.regs.sregs.cr4;
	ASSERT_TRUE((f.cr4 & X86_CR4_PAE) && (f.run->s.regs.sregs.efer & EFER_LME));
	ASSERT_EQ(0, pthread_create(&thread, NULL, flip_cr4_pae, &f));

	for (end = time(NULL) + 2; time(NULL) < end; runs++) {
		if (okvm_vcpu_run_raw(vcpu)) {
			EXPECT_EQ(EINVAL, errno);
			refused++;
			continue;
		}
		if (vcpu->run->exit_reason != KVM_EXIT_IO)
			okvm_vcpu_fail_unexpected_exit(vcpu, "racing s.regs");
		/* Whatever got in was checked: long mode still has PAE. */
		okvm_vcpu_get_sregs(vcpu, &sregs);
		ASSERT_TRUE(sregs.cr4 & X86_CR4_PAE);
	}
	WRITE_ONCE(f.stop, 1);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("%lu runs, %lu refused", runs, refused);
	EXPECT_GT(runs, refused);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
