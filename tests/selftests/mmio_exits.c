// SPDX-License-Identifier: GPL-2.0
/*
 * A guest access to guest-physical memory that no memslot backs exits with
 * KVM_EXIT_MMIO carrying the address, length, direction and (for a write)
 * the data of the access; the next KVM_RUN completes the instruction, a read
 * with the data the host put in the exit.
 *
 * Every instruction form here is written in inline assembly, so the encoding
 * under test is the one in the comment next to it, not whatever the compiler
 * picks. The guest checks what its reads produced, including sign and zero
 * extension and the upper bits of the destination register: a 32-bit write
 * to a register clears bits 63:32, an 8- or 16-bit write keeps the rest.
 *
 * Forms outside what a MOV-only MMIO emulator decodes are KVM_EXIT_INTERNAL_
 * ERROR (KVM_INTERNAL_ERROR_EMULATION) on okvm; KVM's full emulator may
 * handle them, and its answer is accepted.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/mmio.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/* 1G: below 2G, so an absolute disp32 and a RIP-relative disp32 reach it. */
#define MMIO_GPA		0x40000000ULL
#define MMIO_SIZE		PAGE_SIZE_2M

/* What registers hold before a load, so bits a load must keep are visible. */
#define PRESET			0xa5a5a5a5a5a5a5a5ULL
#define PRESET_ABOVE_8		(PRESET & ~0xffULL)
#define PRESET_ABOVE_16		(PRESET & ~0xffffULL)

/* A long-mode VM running @guest_code(MMIO_GPA), with MMIO_GPA mapped. */
static struct okvm_vm *create_mmio_vm(void *guest_code, struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_code, vcpu);

	okvm_guest_identity_map(vm, MMIO_GPA, MMIO_SIZE);
	okvm_vcpu_set_args(*vcpu, 1, MMIO_GPA);
	return vm;
}

/* Run @guest_code to its end; it must make exactly @accesses, in order. */
static void run_expecting(void *guest_code, const struct okvm_mmio_access *accesses,
			  size_t nr_accesses)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm = create_mmio_vm(guest_code, &vcpu);

	okvm_vcpu_expect_mmio_list(vcpu, accesses, nr_accesses);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void guest_mov_register_to_mmio(u64 mmio)
{
	register u64 r9 asm("r9") = 0xfedcba9876543244ULL;
	register u64 r10 asm("r10") = 0xfedcba9876547788ULL;
	register u64 r11 asm("r11") = 0xfedcba98ddeeff01ULL;
	register u64 r15 asm("r15") = 0x0123456789abcdefULL;

	asm volatile("mov %%al, (%%rbx)\n\t"		/* 88 03 */
		     "mov %%ah, 1(%%rbx)\n\t"		/* 88 63 01 */
		     "mov %%sil, 2(%%rbx)\n\t"		/* 40 88 73 02 */
		     "mov %%r9b, 3(%%rbx)\n\t"		/* 44 88 4b 03 */
		     "mov %%cx, 4(%%rbx)\n\t"		/* 66 89 4b 04 */
		     "mov %%r10w, 6(%%rbx)\n\t"		/* 66 44 89 53 06 */
		     "mov %%edx, 8(%%rbx)\n\t"		/* 89 53 08 */
		     "mov %%r11d, 12(%%rbx)\n\t"	/* 44 89 5b 0c */
		     "mov %%rsi, 16(%%rbx)\n\t"		/* 48 89 73 10 */
		     "mov %%r15, 24(%%rbx)"		/* 4c 89 7b 18 */
		     : : "b"(mmio), "a"(0xfedcba9876542211ULL),
		       "S"(0x8877665544332233ULL), "c"(0xfedcba9876545566ULL),
		       "d"(0xfedcba9899aabbccULL), "r"(r9), "r"(r10), "r"(r11),
		       "r"(r15)
		     : "memory");
}

TEST(mov_register_to_mmio_each_size)
{
	static const struct okvm_mmio_access accesses[] = {
		MMIO_WRITE(MMIO_GPA + 0, 1, 0x11),
		MMIO_WRITE(MMIO_GPA + 1, 1, 0x22),
		MMIO_WRITE(MMIO_GPA + 2, 1, 0x33),
		MMIO_WRITE(MMIO_GPA + 3, 1, 0x44),
		MMIO_WRITE(MMIO_GPA + 4, 2, 0x5566),
		MMIO_WRITE(MMIO_GPA + 6, 2, 0x7788),
		MMIO_WRITE(MMIO_GPA + 8, 4, 0x99aabbcc),
		MMIO_WRITE(MMIO_GPA + 12, 4, 0xddeeff01),
		MMIO_WRITE(MMIO_GPA + 16, 8, 0x8877665544332233ULL),
		MMIO_WRITE(MMIO_GPA + 24, 8, 0x0123456789abcdefULL),
	};

	run_expecting(guest_mov_register_to_mmio, accesses, ARRAY_SIZE(accesses));
}

static void guest_mov_register_from_mmio(u64 mmio)
{
	register u64 r9 asm("r9") = PRESET;
	register u64 r10 asm("r10") = PRESET;
	register u64 r11 asm("r11") = PRESET;
	register u64 r12 asm("r12") = PRESET;
	u64 rax = PRESET, rcx = PRESET, rdx = PRESET, rsi = PRESET, rdi = PRESET;
	u64 rbx = mmio;

	asm volatile("mov (%%rbx), %%cl\n\t"		/* 8a 0b */
		     "mov 1(%%rbx), %%ah\n\t"		/* 8a 63 01 */
		     "mov 2(%%rbx), %%sil\n\t"		/* 40 8a 73 02 */
		     "mov 3(%%rbx), %%r9b\n\t"		/* 44 8a 4b 03 */
		     "mov 4(%%rbx), %%dx\n\t"		/* 66 8b 53 04 */
		     "mov 6(%%rbx), %%r10w\n\t"		/* 66 44 8b 53 06 */
		     "mov 8(%%rbx), %%edi\n\t"		/* 8b 7b 08 */
		     "mov 12(%%rbx), %%r11d\n\t"	/* 44 8b 5b 0c */
		     "mov 16(%%rbx), %%r12\n\t"		/* 4c 8b 63 10 */
		     "mov 24(%%rbx), %%rbx"		/* 48 8b 5b 18 */
		     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi),
		       "+D"(rdi), "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12)
		     : : "memory");

	GUEST_ASSERT_EQ(rcx, PRESET_ABOVE_8 | 0x81);
	GUEST_ASSERT_EQ(rax, (PRESET & ~0xff00ULL) | 0x8200);
	GUEST_ASSERT_EQ(rsi, PRESET_ABOVE_8 | 0x83);
	GUEST_ASSERT_EQ(r9, PRESET_ABOVE_8 | 0x84);
	GUEST_ASSERT_EQ(rdx, PRESET_ABOVE_16 | 0x8586);
	GUEST_ASSERT_EQ(r10, PRESET_ABOVE_16 | 0x8788);
	GUEST_ASSERT_EQ(rdi, 0x898a8b8cULL);
	GUEST_ASSERT_EQ(r11, 0x8d8e8f90ULL);
	GUEST_ASSERT_EQ(r12, 0x9192939495969798ULL);
	GUEST_ASSERT_EQ(rbx, 0xa1a2a3a4a5a6a7a8ULL);
}

TEST(mov_register_from_mmio_each_size)
{
	static const struct okvm_mmio_access accesses[] = {
		MMIO_READ(MMIO_GPA + 0, 1, 0x81),
		MMIO_READ(MMIO_GPA + 1, 1, 0x82),
		MMIO_READ(MMIO_GPA + 2, 1, 0x83),
		MMIO_READ(MMIO_GPA + 3, 1, 0x84),
		MMIO_READ(MMIO_GPA + 4, 2, 0x8586),
		MMIO_READ(MMIO_GPA + 6, 2, 0x8788),
		MMIO_READ(MMIO_GPA + 8, 4, 0x898a8b8c),
		MMIO_READ(MMIO_GPA + 12, 4, 0x8d8e8f90),
		MMIO_READ(MMIO_GPA + 16, 8, 0x9192939495969798ULL),
		MMIO_READ(MMIO_GPA + 24, 8, 0xa1a2a3a4a5a6a7a8ULL),
	};

	run_expecting(guest_mov_register_from_mmio, accesses, ARRAY_SIZE(accesses));
}

static void guest_mov_immediate_to_mmio(u64 mmio)
{
	register u64 r12 asm("r12") = mmio + 0x100;

	asm volatile("movb $0x5a, (%%rbx)\n\t"		/* c6 03 5a */
		     "movw $0xbeef, 2(%%rbx)\n\t"	/* 66 c7 43 02 ef be */
		     "movl $0xdeadbeef, 4(%%rbx)\n\t"	/* c7 43 04 ef be ad de */
		     /* imm32 0xdeadbeef, sign-extended to 64 bits */
		     "movq $-0x21524111, 8(%%rbx)\n\t"	/* 48 c7 43 08 ef be ad de */
		     "movq $0x7eadbeef, 16(%%rbx)\n\t"	/* 48 c7 43 10 ef be ad 7e */
		     /* the immediate after a SIB byte and a disp8 */
		     "movl $0x12345678, 0x20(%%r12)\n\t" /* 41 c7 44 24 20 78 56 34 12 */
		     "movb $0xa5, 0x10(%%rbx,%%rcx,4)\n\t" /* c6 44 8b 10 a5 */
		     /* the immediate after a disp32 */
		     "movw $0x1234, 0x1000(%%rbx)"	/* 66 c7 83 00 10 00 00 34 12 */
		     : : "b"(mmio), "c"(3ULL), "r"(r12) : "memory");
}

TEST(mov_immediate_to_mmio)
{
	static const struct okvm_mmio_access accesses[] = {
		MMIO_WRITE(MMIO_GPA + 0, 1, 0x5a),
		MMIO_WRITE(MMIO_GPA + 2, 2, 0xbeef),
		MMIO_WRITE(MMIO_GPA + 4, 4, 0xdeadbeef),
		MMIO_WRITE(MMIO_GPA + 8, 8, 0xffffffffdeadbeefULL),
		MMIO_WRITE(MMIO_GPA + 16, 8, 0x7eadbeefULL),
		MMIO_WRITE(MMIO_GPA + 0x120, 4, 0x12345678),
		MMIO_WRITE(MMIO_GPA + 0x1c, 1, 0xa5),
		MMIO_WRITE(MMIO_GPA + 0x1000, 2, 0x1234),
	};

	run_expecting(guest_mov_immediate_to_mmio, accesses, ARRAY_SIZE(accesses));
}

static void guest_movzx_movsx_from_mmio(u64 mmio)
{
	register u64 r9 asm("r9") = PRESET;
	register u64 r10 asm("r10") = PRESET;
	register u64 r11 asm("r11") = PRESET;
	register u64 r12 asm("r12") = PRESET;
	register u64 r13 asm("r13") = PRESET;
	register u64 r14 asm("r14") = PRESET;
	u64 rax = PRESET, rcx = PRESET, rdx = PRESET, rsi = PRESET, rdi = PRESET;

	asm volatile("movzbl (%%rbx), %%r9d\n\t"	/* 44 0f b6 0b */
		     "movzwl 2(%%rbx), %%eax\n\t"	/* 0f b7 43 02 */
		     "movzbq 4(%%rbx), %%r12\n\t"	/* 4c 0f b6 63 04 */
		     "movzbw 5(%%rbx), %%r10w\n\t"	/* 66 44 0f b6 53 05 */
		     "movsbl 6(%%rbx), %%ecx\n\t"	/* 0f be 4b 06 */
		     "movsbq 7(%%rbx), %%rdx\n\t"	/* 48 0f be 53 07 */
		     "movswl 8(%%rbx), %%esi\n\t"	/* 0f bf 73 08 */
		     "movswq 10(%%rbx), %%r11\n\t"	/* 4c 0f bf 5b 0a */
		     "movsbw 12(%%rbx), %%di\n\t"	/* 66 0f be 7b 0c */
		     "movsbq 13(%%rbx), %%r13\n\t"	/* 4c 0f be 6b 0d */
		     "movswq 14(%%rbx), %%r14"		/* 4c 0f bf 73 0e */
		     : "+a"(rax), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi),
		       "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
		       "+r"(r14)
		     : "b"(mmio) : "memory");

	GUEST_ASSERT_EQ(r9, 0x80);
	GUEST_ASSERT_EQ(rax, 0x8001);
	GUEST_ASSERT_EQ(r12, 0xf0);
	GUEST_ASSERT_EQ(r10, PRESET_ABOVE_16 | 0x00fe);
	GUEST_ASSERT_EQ(rcx, 0xffffff80ULL);
	GUEST_ASSERT_EQ(rdx, 0xffffffffffffff81ULL);
	GUEST_ASSERT_EQ(rsi, 0xffff8002ULL);
	GUEST_ASSERT_EQ(r11, 0xffffffffffff8003ULL);
	GUEST_ASSERT_EQ(rdi, PRESET_ABOVE_16 | 0xff84);
	GUEST_ASSERT_EQ(r13, 0x7f);
	GUEST_ASSERT_EQ(r14, 0x7ffe);
}

TEST(movzx_movsx_from_mmio)
{
	static const struct okvm_mmio_access accesses[] = {
		MMIO_READ(MMIO_GPA + 0, 1, 0x80),
		MMIO_READ(MMIO_GPA + 2, 2, 0x8001),
		MMIO_READ(MMIO_GPA + 4, 1, 0xf0),
		MMIO_READ(MMIO_GPA + 5, 1, 0xfe),
		MMIO_READ(MMIO_GPA + 6, 1, 0x80),
		MMIO_READ(MMIO_GPA + 7, 1, 0x81),
		MMIO_READ(MMIO_GPA + 8, 2, 0x8002),
		MMIO_READ(MMIO_GPA + 10, 2, 0x8003),
		MMIO_READ(MMIO_GPA + 12, 1, 0x84),
		MMIO_READ(MMIO_GPA + 13, 1, 0x7f),
		MMIO_READ(MMIO_GPA + 14, 2, 0x7ffe),
	};

	run_expecting(guest_movzx_movsx_from_mmio, accesses, ARRAY_SIZE(accesses));
}

/*
 * ModRM/SIB forms whose decoding has traps: R12 as a base needs a SIB byte,
 * R13 as a base needs a displacement, REX.X extends the index, a SIB with no
 * base is an absolute disp32, and so is ModRM 00/100/SIB 25 without index;
 * ModRM 00/101 is RIP-relative in 64-bit mode.
 */
static void guest_addressing_modes(u64 mmio)
{
	register u64 r12 asm("r12") = mmio + 0x100;
	register u64 r13 asm("r13") = mmio + 0x200;
	register u64 r14 asm("r14") = 5;
	register u64 r9 asm("r9") = PRESET;
	register u64 r15 asm("r15") = PRESET;

	asm volatile("mov %%eax, 0x10(%%rbx,%%rcx,4)\n\t"	/* 89 44 8b 10 */
		     "mov %%eax, (%%r12)\n\t"			/* 41 89 04 24 */
		     "mov %%eax, (%%r13)\n\t"			/* 41 89 45 00 */
		     "mov %%eax, 0x7f(%%r12,%%r14,8)\n\t"	/* 43 89 44 f4 7f */
		     "mov %%eax, -0x10(%%r13)\n\t"		/* 41 89 45 f0 */
		     "mov %%eax, 0x1234(%%rbx)\n\t"		/* 89 83 34 12 00 00 */
		     "mov %%eax, %c[absolute]\n\t"		/* 89 04 25 <disp32> */
		     "mov %%eax, %c[no_base](,%%rcx,8)\n\t"	/* 89 04 cd <disp32> */
		     /* the linker makes the disp32 reach absolute @rip_target */
		     "1: mov %%eax, 0(%%rip)\n\t"		/* 89 05 <disp32> */
		     ".reloc 1b + 2, R_X86_64_PC32, %c[rip_target] - 4\n\t"
		     "mov %%rax, 0x601(%%rbx)\n\t"		/* 48 89 83 01 06 00 00 */
		     "mov 0x10(%%rbx,%%rcx,4), %%r9d\n\t"	/* 44 8b 4c 8b 10 */
		     "mov 0x7f(%%r12,%%r14,8), %%r15"		/* 4f 8b 7c f4 7f */
		     : "+r"(r9), "+r"(r15)
		     : "a"(0x600dcafeULL), "b"(mmio), "c"(3ULL), "r"(r12), "r"(r13),
		       "r"(r14), [absolute] "i"(MMIO_GPA + 0x400),
		       [no_base] "i"(MMIO_GPA + 0x300), [rip_target] "i"(MMIO_GPA + 0x500)
		     : "memory");

	GUEST_ASSERT_EQ(r9, 0x87654321);
	GUEST_ASSERT_EQ(r15, 0x1122334455667788ULL);
}

TEST(addressing_modes_reach_the_right_gpa)
{
	static const struct okvm_mmio_access accesses[] = {
		MMIO_WRITE(MMIO_GPA + 0x1c, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x100, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x200, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x1a7, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x1f0, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x1234, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x400, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x318, 4, 0x600dcafe),
		MMIO_WRITE(MMIO_GPA + 0x500, 4, 0x600dcafe),
		/* unaligned, inside one page */
		MMIO_WRITE(MMIO_GPA + 0x601, 8, 0x600dcafe),
		MMIO_READ(MMIO_GPA + 0x1c, 4, 0x87654321),
		MMIO_READ(MMIO_GPA + 0x1a7, 8, 0x1122334455667788ULL),
	};

	run_expecting(guest_addressing_modes, accesses, ARRAY_SIZE(accesses));
}

/* Nothing about an MMIO gpa is cached: every access exits, with its data. */
static void guest_same_gpa_three_times(u64 mmio)
{
	u32 *reg = (u32 *)mmio;
	int i;

	for (i = 0; i < 3; i++)
		GUEST_SYNC(READ_ONCE(*reg));
	for (i = 0; i < 3; i++)
		WRITE_ONCE(*reg, i);
}

TEST(every_access_to_the_same_gpa_exits)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u32 i;

	vm = create_mmio_vm(guest_same_gpa_three_times, &vcpu);
	for (i = 0; i < 3; i++) {
		struct okvm_mmio_access read = MMIO_READ(MMIO_GPA, 4, 0x1000 + i);

		okvm_vcpu_expect_mmio(vcpu, &read);
		okvm_vcpu_expect_sync(vcpu, 0x1000 + i);
	}
	for (i = 0; i < 3; i++) {
		struct okvm_mmio_access write = MMIO_WRITE(MMIO_GPA, 4, i);

		okvm_vcpu_expect_mmio(vcpu, &write);
	}
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/*
 * Through 4-level paging with 4K pages, at a gva that is not the gpa (and
 * not in PML4 entry 0): the exit carries the guest-physical address. A RAM
 * page mapped the same way shows the mapping itself is right.
 */
#define OTHER_GVA_MMIO		0x7f0000123000ULL
#define OTHER_GVA_RAM		0x7f0000124000ULL
#define OTHER_GVA_MMIO_GPA	(MMIO_GPA + 0x5000)
#define RAM_SLOT		1
#define RAM_GPA			0x10000000ULL

static void guest_mmio_at_other_gva(u64 mmio_gva, u64 ram_gva)
{
	u64 rax = 0;

	WRITE_ONCE(*(u64 *)ram_gva, 0x5eed);
	asm volatile("movl $0xfeedf00d, 0x10(%%rbx)\n\t"	/* c7 43 10 0d f0 ed fe */
		     "mov 0x18(%%rbx), %%rax"			/* 48 8b 43 18 */
		     : "+a"(rax) : "b"(mmio_gva) : "memory");
	GUEST_ASSERT_EQ(rax, 0x0123456789abcdefULL);
}

TEST(mmio_through_4k_paging_at_another_gva)
{
	static const struct okvm_mmio_access accesses[] = {
		MMIO_WRITE(OTHER_GVA_MMIO_GPA + 0x10, 4, 0xfeedf00d),
		MMIO_READ(OTHER_GVA_MMIO_GPA + 0x18, 8, 0x0123456789abcdefULL),
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *ram;

	vm = okvm_vm_create_long_mode(1, guest_mmio_at_other_gva, &vcpu);
	ram = okvm_vm_add_anon_region(vm, RAM_SLOT, RAM_GPA, PAGE_SIZE_2M);
	okvm_guest_map_page(vm, OTHER_GVA_MMIO, OTHER_GVA_MMIO_GPA);
	okvm_guest_map_page(vm, OTHER_GVA_RAM, RAM_GPA);
	okvm_vcpu_set_args(vcpu, 2, OTHER_GVA_MMIO, OTHER_GVA_RAM);

	okvm_vcpu_expect_mmio_list(vcpu, accesses, ARRAY_SIZE(accesses));
	okvm_vcpu_expect_done(vcpu);
	EXPECT_EQ(0x5eed, ram[0]);
	okvm_vm_free(vm);
}

/*
 * Real mode: the VM's only slot covers [0, 64K), so DS = 0xa000 puts
 * offsets 0-0xffff at gpa 0xa0000-0xaffff, which no slot backs (where a PC
 * has its VGA window). 16-bit ModRM has its own table ([bx+si], [bx]+disp8,
 * disp16 alone) and 0x66 selects 32-bit operands.
 */
#define REAL_MODE_MMIO_SEGMENT	0xa000
#define REAL_MODE_MMIO_GPA	(REAL_MODE_MMIO_SEGMENT * 16ULL)

/* The code below, which lives in .rodata: its address and length. */
static const u8 *real_mode_mmio_code(size_t *len)
{
	const u8 *start, *end;

	asm(".pushsection .rodata\n"
	    "1:\n\t"
	    ".code16\n\t"
	    "mov $0xa000, %%ax\n\t"
	    "mov %%ax, %%ds\n\t"
	    "mov $0x5a, %%cl\n\t"
	    "mov %%cl, 0x10\n\t"		/* 88 0e 10 00 */
	    "mov $0x1234, %%cx\n\t"
	    "mov %%cx, 0x20\n\t"		/* 89 0e 20 00 */
	    "mov $0x12345678, %%ecx\n\t"
	    "mov %%ecx, 0x30\n\t"		/* 66 89 0e 30 00 */
	    "mov $0x100, %%bx\n\t"
	    "mov $0x8, %%si\n\t"
	    "movb $0xa5, 0x10(%%bx,%%si)\n\t"	/* c6 40 10 a5 */
	    "mov 0x40, %%dl\n\t"		/* 8a 16 40 00 */
	    "mov 0x50(%%bx), %%di\n\t"		/* 8b 7f 50 */
	    "mov 0x60, %%ebp\n\t"		/* 66 8b 2e 60 00 */
	    "movzbw 0x70, %%cx\n\t"		/* 0f b6 0e 70 00 */
	    "hlt\n\t"
	    ".code64\n"
	    "2:\n\t"
	    ".popsection\n\t"
	    "lea 1b(%%rip), %0\n\t"
	    "lea 2b(%%rip), %1"
	    : "=r"(start), "=r"(end));
	*len = end - start;
	return start;
}

TEST(mmio_in_real_mode)
{
	static const struct okvm_mmio_access accesses[] = {
		MMIO_WRITE(REAL_MODE_MMIO_GPA + 0x10, 1, 0x5a),
		MMIO_WRITE(REAL_MODE_MMIO_GPA + 0x20, 2, 0x1234),
		MMIO_WRITE(REAL_MODE_MMIO_GPA + 0x30, 4, 0x12345678),
		MMIO_WRITE(REAL_MODE_MMIO_GPA + 0x118, 1, 0xa5),
		MMIO_READ(REAL_MODE_MMIO_GPA + 0x40, 1, 0x81),
		MMIO_READ(REAL_MODE_MMIO_GPA + 0x150, 2, 0x8283),
		MMIO_READ(REAL_MODE_MMIO_GPA + 0x60, 4, 0x84858687),
		MMIO_READ(REAL_MODE_MMIO_GPA + 0x70, 1, 0x88),
	};
	struct okvm_vcpu *vcpu;
	struct kvm_regs regs;
	struct okvm_vm *vm;
	const u8 *code;
	size_t len;

	code = real_mode_mmio_code(&len);
	vm = okvm_vm_create_real_mode(code, len, &vcpu);
	okvm_vcpu_expect_mmio_list(vcpu, accesses, ARRAY_SIZE(accesses));

	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (vcpu->run->exit_reason != KVM_EXIT_HLT)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for HLT");
	okvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(OKVM_REAL_MODE_CODE_GPA + len, regs.rip);
	EXPECT_EQ(0x81, regs.rdx & 0xff);
	EXPECT_EQ(0x8283, regs.rdi & 0xffff);
	EXPECT_EQ(0x84858687, regs.rbp & 0xffffffff);
	/* MOVZX into CX: the loaded byte, zero-extended to 16 bits. */
	EXPECT_EQ(0x0088, regs.rcx & 0xffff);
	okvm_vm_free(vm);
}

/*
 * Forms a MOV-only emulator does not decode. On okvm the access is
 * KVM_EXIT_INTERNAL_ERROR with KVM_INTERNAL_ERROR_EMULATION, RIP still at
 * the instruction and nothing of it done; the host then steps over it and
 * the guest goes on, so the vCPU survives. KVM's emulator may complete the
 * instruction through MMIO exits instead: that is logged and accepted.
 */
static void guest_xchg_with_mmio(u64 mmio, u64 ram)
{
	GUEST_SYNC(0);
	asm volatile("xchg %%eax, (%%rbx)"		/* 87 03 */
		     : : "a"(0), "b"(mmio) : "memory");
	GUEST_SYNC(1);
}

static void guest_add_register_to_mmio(u64 mmio, u64 ram)
{
	GUEST_SYNC(0);
	asm volatile("add %%eax, (%%rbx)"		/* 01 03 */
		     : : "a"(1), "b"(mmio) : "memory", "cc");
	GUEST_SYNC(1);
}

static void guest_add_mmio_to_register(u64 mmio, u64 ram)
{
	u32 eax = 1;

	GUEST_SYNC(0);
	asm volatile("add (%%rbx), %%eax"		/* 03 03 */
		     : "+a"(eax) : "b"(mmio) : "memory", "cc");
	GUEST_SYNC(1);
}

static void guest_movsb_from_mmio(u64 mmio, u64 ram)
{
	GUEST_SYNC(0);
	asm volatile("cld\n\t"
		     "movsb"				/* a4 */
		     : "+S"(mmio), "+D"(ram) : : "memory");
	GUEST_SYNC(1);
}

FIXTURE(unsupported_form_stops_cleanly) {
};

FIXTURE_VARIANT(unsupported_form_stops_cleanly) {
	void *guest_code;
	u8 insn[4];
	size_t insn_len;
};

FIXTURE_VARIANT_ADD(unsupported_form_stops_cleanly, xchg) {
	.guest_code = guest_xchg_with_mmio,
	.insn = { 0x87, 0x03 },
	.insn_len = 2,
};

FIXTURE_VARIANT_ADD(unsupported_form_stops_cleanly, add_to_mmio) {
	.guest_code = guest_add_register_to_mmio,
	.insn = { 0x01, 0x03 },
	.insn_len = 2,
};

FIXTURE_VARIANT_ADD(unsupported_form_stops_cleanly, add_from_mmio) {
	.guest_code = guest_add_mmio_to_register,
	.insn = { 0x03, 0x03 },
	.insn_len = 2,
};

FIXTURE_VARIANT_ADD(unsupported_form_stops_cleanly, movsb_from_mmio) {
	.guest_code = guest_movsb_from_mmio,
	.insn = { 0xa4 },
	.insn_len = 1,
};

FIXTURE_SETUP(unsupported_form_stops_cleanly)
{
}

FIXTURE_TEARDOWN(unsupported_form_stops_cleanly)
{
}

/* More MMIO exits than any of these instructions can make on KVM. */
#define MAX_EXITS_PER_INSN	4
#define SCRATCH_RAM_GPA		0x10000000ULL

TEST_F(unsupported_form_stops_cleanly, emulation_error_on_okvm)
{
	struct okvm_vcpu *vcpu;
	struct kvm_run *run;
	struct okvm_ucall uc;
	struct kvm_regs regs;
	struct okvm_vm *vm;
	u8 insn[sizeof(variant->insn)];
	bool is_okvm;
	int exits;

	vm = create_mmio_vm(variant->guest_code, &vcpu);
	okvm_vm_add_anon_region(vm, RAM_SLOT, SCRATCH_RAM_GPA, PAGE_SIZE_2M);
	okvm_guest_identity_map(vm, SCRATCH_RAM_GPA, PAGE_SIZE_2M);
	okvm_vcpu_set_args(vcpu, 2, MMIO_GPA, SCRATCH_RAM_GPA);
	is_okvm = okvm_dev_is_okvm(vm->dev_fd);
	run = vcpu->run;

	okvm_vcpu_expect_sync(vcpu, 0);
	for (exits = 0; exits < MAX_EXITS_PER_INSN; exits++) {
		ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
		if (run->exit_reason != KVM_EXIT_MMIO)
			break;
		TH_LOG("emulated by the hypervisor: MMIO %s gpa 0x%llx len %u",
		       run->mmio.is_write ? "write" : "read", run->mmio.phys_addr,
		       run->mmio.len);
		ASSERT_FALSE(is_okvm) TH_LOG("okvm emulated an instruction it does not decode");
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0x42, sizeof(run->mmio.data));
	}
	ASSERT_LT(exits, MAX_EXITS_PER_INSN);

	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		TH_LOG("internal error, suberror %u", run->internal.suberror);
		EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);
		okvm_vcpu_get_regs(vcpu, &regs);
		okvm_read_guest(vm, regs.rip, insn, variant->insn_len);
		ASSERT_EQ(0, memcmp(insn, variant->insn, variant->insn_len))
			TH_LOG("RIP 0x%llx is not at the instruction", regs.rip);
		/* Step over it as a VMM that gives up on the access would. */
		regs.rip += variant->insn_len;
		okvm_vcpu_set_regs(vcpu, &regs);
		okvm_vcpu_expect_sync(vcpu, 1);
	} else {
		ASSERT_FALSE(is_okvm) TH_LOG("okvm: exit %s instead of an emulation error",
					     okvm_exit_reason_name(run->exit_reason));
		ASSERT_EQ(UCALL_SYNC, okvm_vcpu_decode_ucall(vcpu, &uc));
		ASSERT_EQ(1, uc.args[0]);
	}
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
