// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O (INS, OUTS, with and without REP) from a real-mode guest
 * reaches the host as KVM reports it: OUTS one element per KVM_EXIT_IO,
 * read from DS:SI (or the override's segment) with SI and CX already
 * moved on; INS a batch per exit (io.count elements, up to 1024 bytes and
 * the rest of DI's page) written to ES:DI at the next KVM_RUN, with DI and
 * CX moved only then; with REP, IP at the instruction at every exit, until
 * the guest runs it with CX 0; RFLAGS.DF running both backwards, and a
 * count of zero doing nothing. The registers are checked at every exit.
 * In 64-bit mode, an element whose address does not translate raises #PF
 * in the guest, and the PICs take string I/O in the kernel. Memory that is
 * not RAM is never written: KVM emulates it as MMIO, okvm stops with an
 * emulation error.
 */
#include <errno.h>
#include <string.h>

#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define CODE	OKVM_REAL_MODE_CODE_GPA

struct string_regs {
	u64 rsi;
	u64 rdi;
	u64 rcx;
	u64 rip;
};

/* Run once; the exit must be port I/O as given. Returns its data. */
static void *expect_io(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
		       u8 direction, u16 port, u8 size, u32 count)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (run->exit_reason != KVM_EXIT_IO)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for port I/O");
	EXPECT_EQ(direction, run->io.direction);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(size, run->io.size);
	EXPECT_EQ(count, run->io.count);
	EXPECT_GE(run->io.data_offset, sizeof(*run));
	EXPECT_LE(run->io.data_offset + (u64)size * count, vcpu->run_size);
	return (char *)run + run->io.data_offset;
}

static void expect_regs(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
			const struct string_regs *want, const char *when)
{
	struct kvm_regs regs;

	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(want->rsi, regs.rsi) TH_LOG("RSI %s", when);
	EXPECT_EQ(want->rdi, regs.rdi) TH_LOG("RDI %s", when);
	EXPECT_EQ(want->rcx, regs.rcx) TH_LOG("RCX %s", when);
	EXPECT_EQ(want->rip, regs.rip) TH_LOG("RIP %s", when);
}

TEST(rep_outsb_exits_once_per_byte_from_ds_si)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x02,	/* mov $0x200, %ax */
		0x8e, 0xd8,		/* mov %ax, %ds */
		0xbe, 0x10, 0x00,	/* mov $0x10, %si */
		0xb9, 0x04, 0x00,	/* mov $4, %cx */
		0xba, 0xe0, 0x00,	/* mov $0xe0, %dx */
		0xfc,			/* cld */
		0xf3, 0x6e,		/* 0x0f: rep outsb */
		0xf4,			/* 0x11: hlt */
	};
	static const char text[] = "wxyz";
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int i;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	memcpy(okvm_gpa_to_hva(vm, 0x2010), text, 4);
	for (i = 0; i < 4; i++) {
		struct string_regs want = {
			.rsi = 0x10 + i + 1, .rcx = 3 - i,
			/*
			 * IP stays at the instruction, the last time too:
			 * the guest runs it again with CX 0, which moves on.
			 */
			.rip = CODE + 0x0f,
		};
		u8 *data = expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 0xe0, 1, 1);

		EXPECT_EQ(text[i], data[0]) TH_LOG("byte %u", i);
		expect_regs(_metadata, vcpu, &want, "at an OUTSB exit");
	}
	/* HLT exits after the instruction: RIP is past it. */
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	okvm_vm_free(vm);
}

TEST(rep_outsw_reads_through_a_segment_override)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x03,	/* mov $0x300, %ax */
		0x8e, 0xc0,		/* mov %ax, %es */
		0xbe, 0x20, 0x00,	/* mov $0x20, %si */
		0xb9, 0x03, 0x00,	/* mov $3, %cx */
		0xba, 0x34, 0x12,	/* mov $0x1234, %dx */
		0xfc,			/* cld */
		0x26, 0xf3, 0x6f,	/* 0x0f: es rep outsw */
		0xf4,			/* 0x12: hlt */
	};
	static const u16 words[] = { 0x1111, 0x2222, 0x3333 };
	static const u16 decoy[] = { 0xdead, 0xdead, 0xdead };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	unsigned int i;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	memcpy(okvm_gpa_to_hva(vm, 0x3020), words, sizeof(words));
	/* What DS:SI (DS is 0) would read without the override. */
	memcpy(okvm_gpa_to_hva(vm, 0x20), decoy, sizeof(decoy));
	for (i = 0; i < 3; i++) {
		struct string_regs want = {
			.rsi = 0x20 + 2 * (i + 1), .rcx = 2 - i, .rip = CODE + 0x0f,
		};
		u16 word;

		memcpy(&word, expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 0x1234, 2, 1), 2);
		EXPECT_EQ(words[i], word) TH_LOG("word %u", i);
		expect_regs(_metadata, vcpu, &want, "at an OUTSW exit");
	}
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	okvm_vm_free(vm);
}

TEST(rep_insb_is_one_batch_into_es_di)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x04,	/* mov $0x400, %ax */
		0x8e, 0xc0,		/* mov %ax, %es */
		0xbf, 0x30, 0x00,	/* mov $0x30, %di */
		0xb9, 0x08, 0x00,	/* mov $8, %cx */
		0xba, 0x60, 0x00,	/* mov $0x60, %dx */
		0xfc,			/* cld */
		0xf3, 0x6c,		/* 0x0f: rep insb */
		0xf4,			/* 0x11: hlt */
	};
	static const char text[] = "ABCDEFGH";
	struct string_regs before = { .rdi = 0x30, .rcx = 8, .rip = CODE + 0x0f };
	struct string_regs after = { .rdi = 0x38, .rcx = 0, .rip = CODE + sizeof(code) };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u8 *data;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	memset(okvm_gpa_to_hva(vm, 0x4000), 0xee, 0x100);
	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x60, 1, 8);
	/* Nothing moves until the data is there. */
	expect_regs(_metadata, vcpu, &before, "at the INSB exit");
	memcpy(data, text, 8);
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	expect_regs(_metadata, vcpu, &after, "after the INSB");
	EXPECT_EQ(0, memcmp(okvm_gpa_to_hva(vm, 0x4030), text, 8));
	EXPECT_EQ(0xee, *(u8 *)okvm_gpa_to_hva(vm, 0x402f));
	EXPECT_EQ(0xee, *(u8 *)okvm_gpa_to_hva(vm, 0x4038));
	okvm_vm_free(vm);
}

TEST(rep_insd_is_one_batch_of_dwords)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x04,	/* mov $0x400, %ax */
		0x8e, 0xc0,		/* mov %ax, %es */
		0xbf, 0x40, 0x00,	/* mov $0x40, %di */
		0xb9, 0x03, 0x00,	/* mov $3, %cx */
		0xba, 0x64, 0x00,	/* mov $0x64, %dx */
		0xfc,			/* cld */
		0x66, 0xf3, 0x6d,	/* 0x0f: rep insl */
		0xf4,			/* 0x12: hlt */
	};
	static const u32 dwords[] = { 0x04030201, 0x08070605, 0xcafef00d };
	struct string_regs before = { .rdi = 0x40, .rcx = 3, .rip = CODE + 0x0f };
	struct string_regs after = { .rdi = 0x4c, .rcx = 0, .rip = CODE + sizeof(code) };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	memcpy(expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x64, 4, 3), dwords, sizeof(dwords));
	expect_regs(_metadata, vcpu, &before, "at the INSD exit");
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	expect_regs(_metadata, vcpu, &after, "after the INSD");
	EXPECT_EQ(0, memcmp(okvm_gpa_to_hva(vm, 0x4040), dwords, sizeof(dwords)));
	okvm_vm_free(vm);
}

/* 1500 bytes: a batch of 1024, IP left at the instruction, then 476. */
TEST(rep_insb_longer_than_a_batch_exits_again)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x05,	/* mov $0x500, %ax */
		0x8e, 0xc0,		/* mov %ax, %es */
		0xbf, 0x00, 0x00,	/* mov $0, %di */
		0xb9, 0xdc, 0x05,	/* mov $1500, %cx */
		0xba, 0x68, 0x00,	/* mov $0x68, %dx */
		0xfc,			/* cld */
		0xf3, 0x6c,		/* 0x0f: rep insb */
		0xf4,			/* 0x11: hlt */
	};
	struct string_regs first = { .rdi = 0, .rcx = 1500, .rip = CODE + 0x0f };
	struct string_regs second = { .rdi = 1024, .rcx = 476, .rip = CODE + 0x0f };
	struct string_regs after = { .rdi = 1500, .rcx = 0, .rip = CODE + sizeof(code) };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u8 *mem;
	int i;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	memset(expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x68, 1, 1024), 0x11, 1024);
	expect_regs(_metadata, vcpu, &first, "at the first exit");
	memset(expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x68, 1, 476), 0x22, 476);
	expect_regs(_metadata, vcpu, &second, "at the second exit");
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	expect_regs(_metadata, vcpu, &after, "after the INSB");
	mem = okvm_gpa_to_hva(vm, 0x5000);
	for (i = 0; i < 1500; i++)
		ASSERT_EQ(i < 1024 ? 0x11 : 0x22, mem[i]) TH_LOG("byte %d", i);
	okvm_vm_free(vm);
}

TEST(direction_flag_runs_backwards)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x06,	/* mov $0x600, %ax */
		0x8e, 0xc0,		/* mov %ax, %es */
		0x8e, 0xd8,		/* mov %ax, %ds */
		0xbf, 0x03, 0x01,	/* mov $0x103, %di */
		0xbe, 0x03, 0x02,	/* mov $0x203, %si */
		0xb9, 0x04, 0x00,	/* mov $4, %cx */
		0xba, 0x70, 0x00,	/* mov $0x70, %dx */
		0xfd,			/* std */
		0xf3, 0x6c,		/* 0x14: rep insb */
		0xb9, 0x02, 0x00,	/* 0x16: mov $2, %cx */
		0xf3, 0x6e,		/* 0x19: rep outsb */
		0xfc,			/* 0x1b: cld */
		0xf4,			/* 0x1c: hlt */
	};
	struct string_regs ins = { .rsi = 0x203, .rdi = 0x103, .rcx = 4, .rip = CODE + 0x14 };
	struct string_regs out1 = { .rsi = 0x202, .rdi = 0xff, .rcx = 1, .rip = CODE + 0x19 };
	struct string_regs out2 = { .rsi = 0x201, .rdi = 0xff, .rcx = 0, .rip = CODE + 0x19 };
	struct okvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct okvm_vm *vm;
	u8 *mem, *data;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	mem = okvm_gpa_to_hva(vm, 0x6000);
	memset(mem + 0xfc, 0xee, 9);
	mem[0x203] = 'p';
	mem[0x202] = 'q';

	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x70, 1, 4);
	expect_regs(_metadata, vcpu, &ins, "at the INSB exit");
	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_TRUE(regs.rflags & X86_EFLAGS_DF);
	memcpy(data, "1234", 4);

	/* The first element at DI, the next below it. */
	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 0x70, 1, 1);
	EXPECT_EQ('p', data[0]);
	expect_regs(_metadata, vcpu, &out1, "at the first OUTSB exit");
	EXPECT_EQ(0, memcmp(mem + 0x100, "4321", 4));
	EXPECT_EQ(0xee, mem[0xff]);
	EXPECT_EQ(0xee, mem[0x104]);

	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 0x70, 1, 1);
	EXPECT_EQ('q', data[0]);
	expect_regs(_metadata, vcpu, &out2, "at the second OUTSB exit");
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	okvm_vm_free(vm);
}

TEST(count_of_zero_does_nothing)
{
	static const u8 code[] = {
		0x31, 0xc9,		/* xor %cx, %cx */
		0xbe, 0x10, 0x00,	/* mov $0x10, %si */
		0xbf, 0x20, 0x00,	/* mov $0x20, %di */
		0xba, 0x80, 0x00,	/* mov $0x80, %dx */
		0xf3, 0x6e,		/* rep outsb */
		0xf3, 0x6c,		/* rep insb */
		0xb0, 0x5a,		/* mov $0x5a, %al */
		0xe6, 0x81,		/* out %al, $0x81 */
		0xf4,			/* hlt */
	};
	struct string_regs want = {
		.rsi = 0x10, .rdi = 0x20, .rcx = 0, .rip = CODE + sizeof(code),
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u8 *data;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	*(u8 *)okvm_gpa_to_hva(vm, 0x20) = 0xee;
	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 0x81, 1, 1);
	EXPECT_EQ(0x5a, data[0]);
	/* KVM's IP stays at a plain OUT until the next KVM_RUN: look at HLT. */
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	expect_regs(_metadata, vcpu, &want, "after both string instructions");
	EXPECT_EQ(0xee, *(u8 *)okvm_gpa_to_hva(vm, 0x20));
	okvm_vm_free(vm);
}

/* Without REP: one element each, CX untouched. */
TEST(outsb_and_insw_without_rep)
{
	static const u8 code[] = {
		0xb9, 0x05, 0x00,	/* mov $5, %cx */
		0xbe, 0x10, 0x00,	/* mov $0x10, %si */
		0xbf, 0x20, 0x00,	/* mov $0x20, %di */
		0xba, 0x90, 0x00,	/* mov $0x90, %dx */
		0x6e,			/* 0x0c: outsb */
		0x6d,			/* 0x0d: insw */
		0xf4,			/* 0x0e: hlt */
	};
	struct string_regs out = { .rsi = 0x11, .rdi = 0x20, .rcx = 5, .rip = CODE + 0x0d };
	struct string_regs after = {
		.rsi = 0x11, .rdi = 0x22, .rcx = 5, .rip = CODE + sizeof(code),
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u16 word = 0xbeef;
	u8 *data;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	*(u8 *)okvm_gpa_to_hva(vm, 0x10) = 0x77;
	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, 0x90, 1, 1);
	EXPECT_EQ(0x77, data[0]);
	expect_regs(_metadata, vcpu, &out, "at the OUTSB exit");
	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x90, 2, 1);
	memcpy(data, &word, 2);
	EXPECT_EQ(CODE + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	expect_regs(_metadata, vcpu, &after, "after the INSW");
	EXPECT_EQ(0xbeef, *(u16 *)okvm_gpa_to_hva(vm, 0x20));
	okvm_vm_free(vm);
}

/* Above the guest's identity map and never mapped. */
#define UNMAPPED_GVA	0x140000000ULL
#define PF_PORT		0x62

/* Eight-byte aligned: an exit's batch of four bytes fits in its page. */
u64 guest_buf[2];
u64 guest_pf_count;
u64 guest_pf_cr2;
u64 guest_pf_error;

/*
 * #PF handler: note CR2 and the error code, point RSI and RDI at
 * guest_buf, and return to the string instruction, which runs again.
 */
static __naked void guest_pf_retarget(void)
{
	asm("push %rax\n\t"
	    "mov %cr2, %rax\n\t"
	    "mov %rax, guest_pf_cr2(%rip)\n\t"
	    "mov 8(%rsp), %rax\n\t"
	    "mov %rax, guest_pf_error(%rip)\n\t"
	    "pop %rax\n\t"
	    "incq guest_pf_count(%rip)\n\t"
	    "lea guest_buf(%rip), %rsi\n\t"
	    "lea guest_buf(%rip), %rdi\n\t"
	    "add $8, %rsp\n\t"
	    "iretq");
}

static void guest_string_io_faults(void)
{
	u8 *p = (u8 *)UNMAPPED_GVA;
	u64 count = 4;

	/* The data comes first; writing it to the unmapped page faults. */
	asm volatile("cld; rep insb" : "+D"(p), "+c"(count) : "d"(PF_PORT) : "memory");
	GUEST_ASSERT_EQ(READ_ONCE(guest_pf_count), 1);
	GUEST_ASSERT_EQ(READ_ONCE(guest_pf_cr2), UNMAPPED_GVA);
	/* Not present, a write, at CPL 0. */
	GUEST_ASSERT_EQ(READ_ONCE(guest_pf_error), 2);
	GUEST_ASSERT_EQ(count, 0);
	GUEST_ASSERT_EQ((u64)p, (u64)guest_buf + 4);
	GUEST_ASSERT_EQ(READ_ONCE(((u8 *)guest_buf)[0]), 'w');
	GUEST_ASSERT_EQ(READ_ONCE(((u8 *)guest_buf)[3]), 'z');

	/* OUTS reads before it exits: the fault comes with no exit at all. */
	p = (u8 *)UNMAPPED_GVA + 0x10;
	count = 2;
	asm volatile("cld; rep outsb" : "+S"(p), "+c"(count) : "d"(PF_PORT) : "memory");
	GUEST_ASSERT_EQ(READ_ONCE(guest_pf_count), 2);
	GUEST_ASSERT_EQ(READ_ONCE(guest_pf_cr2), UNMAPPED_GVA + 0x10);
	GUEST_ASSERT_EQ(READ_ONCE(guest_pf_error), 0);
	GUEST_ASSERT_EQ((u64)p, (u64)guest_buf + 2);
	GUEST_DONE();
}

TEST(element_that_does_not_translate_raises_pf)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u8 *data;

	vm = okvm_vm_create_long_mode(1, guest_string_io_faults, &vcpu);
	okvm_guest_set_handler(vm, X86_VEC_PF, guest_pf_retarget);

	memcpy(expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, PF_PORT, 1, 4), "abcd", 4);
	/* Written after the fault to guest_buf, where the handler points RDI. */
	memcpy(expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, PF_PORT, 1, 4), "wxyz", 4);
	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, PF_PORT, 1, 1);
	EXPECT_EQ('w', data[0]);
	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, PF_PORT, 1, 1);
	EXPECT_EQ('x', data[0]);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static const u8 guest_masks[3] = { 0x12, 0x34, 0xfb };
u8 guest_imr_reads[4];

/* OUTS to the master PIC's mask register and INS from it, with no exit. */
static void guest_string_io_to_the_pic(void)
{
	const u8 *src = guest_masks;
	u8 *dst = guest_imr_reads;
	u64 count = 3;
	int i;

	asm volatile("cld; rep outsb" : "+S"(src), "+c"(count) : "d"(0x21) : "memory");
	GUEST_ASSERT_EQ(count, 0);
	GUEST_ASSERT_EQ((u64)src, (u64)guest_masks + 3);
	count = 4;
	asm volatile("cld; rep insb" : "+D"(dst), "+c"(count) : "d"(0x21) : "memory");
	GUEST_ASSERT_EQ(count, 0);
	GUEST_ASSERT_EQ((u64)dst, (u64)guest_imr_reads + 4);
	for (i = 0; i < 4; i++)
		GUEST_ASSERT_EQ(READ_ONCE(guest_imr_reads[i]), 0xfb);
	GUEST_DONE();
}

TEST(pic_takes_string_io_in_the_kernel)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode_irqchip(1, guest_string_io_to_the_pic, &vcpu);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
	EXPECT_EQ(0xfb, chip.chip.pic.imr);
	okvm_vm_free(vm);
}

/*
 * The next KVM_RUN must stop on memory that is not RAM at @gpa: on okvm an
 * emulation error naming it, with the registers left at the element; on
 * KVM, whose emulator goes on with MMIO, an MMIO exit there.
 */
static void expect_not_ram(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
			   u64 gpa, bool is_write, const struct string_regs *regs)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (!okvm_dev_is_okvm(vcpu->vm->dev_fd)) {
		ASSERT_EQ(KVM_EXIT_MMIO, run->exit_reason);
		EXPECT_EQ(gpa, run->mmio.phys_addr);
		EXPECT_EQ(is_write, run->mmio.is_write);
		return;
	}
	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason)
		TH_LOG("exit %s", okvm_exit_reason_name(run->exit_reason));
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);
	/* KVM's emulation_failure layout: no instruction bytes, the gpa last. */
	ASSERT_LE(2, run->internal.ndata);
	EXPECT_EQ(0, run->emulation_failure.flags);
	EXPECT_EQ(gpa, run->internal.data[run->internal.ndata - 1]);
	expect_regs(_metadata, vcpu, regs, "at the emulation error");
}

TEST(ins_never_writes_a_read_only_slot)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x20,	/* mov $0x2000, %ax */
		0x8e, 0xc0,		/* mov %ax, %es */
		0xbf, 0x10, 0x00,	/* mov $0x10, %di */
		0xb9, 0x04, 0x00,	/* mov $4, %cx */
		0xba, 0x66, 0x00,	/* mov $0x66, %dx */
		0xfc,			/* cld */
		0xf3, 0x6c,		/* 0x0f: rep insb */
		0xf4,			/* hlt */
	};
	struct string_regs at = { .rdi = 0x10, .rcx = 4, .rip = CODE + 0x0f };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u8 *rom;
	int i;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	if (!okvm_vm_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM)) {
		okvm_vm_free(vm);
		SKIP(return, "KVM_CAP_READONLY_MEM is 0");
	}
	rom = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rom);
	memset(rom, 0x55, 0x1000);
	ASSERT_EQ(0, okvm_vm_set_region_raw(vm, 1, KVM_MEM_READONLY, 0x20000, 0x1000, rom));

	memcpy(expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x66, 1, 4), "abcd", 4);
	expect_not_ram(_metadata, vcpu, 0x20010, true, &at);
	for (i = 0; i < 0x1000; i++)
		ASSERT_EQ(0x55, rom[i]) TH_LOG("byte 0x%x of the read-only slot", i);
	okvm_vm_free(vm);
	munmap(rom, 0x1000);
}

TEST(outs_from_no_memslot_stops)
{
	static const u8 code[] = {
		0xb8, 0x00, 0x30,	/* mov $0x3000, %ax */
		0x8e, 0xd8,		/* mov %ax, %ds */
		0xbe, 0x10, 0x00,	/* mov $0x10, %si */
		0xb9, 0x02, 0x00,	/* mov $2, %cx */
		0xba, 0x66, 0x00,	/* mov $0x66, %dx */
		0xfc,			/* cld */
		0xf3, 0x6e,		/* 0x0f: rep outsb */
		0xf4,			/* hlt */
	};
	struct string_regs at = { .rsi = 0x10, .rcx = 2, .rip = CODE + 0x0f };
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	/* gpa 0x30010 is in no memslot: the element is read before any exit. */
	expect_not_ram(_metadata, vcpu, 0x30010, false, &at);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
