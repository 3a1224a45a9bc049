// SPDX-License-Identifier: GPL-2.0
/*
 * Guests: random byte streams and sequences of small valid instructions,
 * in real mode, 16- and 32-bit protected mode, 32-bit paging, PAE paging,
 * long mode or a random state, placed in a memslot (often right at its
 * end, so the code runs off it) and aimed with their address registers at
 * slot edges, MMIO holes and read-only slots.
 *
 * Page tables, when the mode pages, are identity maps at the slot's start:
 * 4M pages (32-bit), 2M pages (PAE) or 1G pages (long mode).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz.h"

enum guest_mode { MODE_REAL, MODE_PROT16, MODE_PROT32, MODE_PAGED32, MODE_PAE, MODE_LONG,
		  MODE_RANDOM, NR_MODES };

#define CR0_PE		BIT_ULL(0)
#define CR0_ET		BIT_ULL(4)
#define CR0_NE		BIT_ULL(5)
#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_OSFXSR	BIT_ULL(9)
#define CR4_OSXSAVE	BIT_ULL(18)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)
#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_PS		BIT_ULL(7)
#define TABLE_PAGES	5	/* the most a mode needs: PAE's PDPT and 4 PDs */
#define ARENAS_END	((u64)(unsigned long)arena_base(0) + NR_ARENAS * ARENA_SIZE)

/* An instruction: its bytes, and what the mode needs to know about it. */
struct insn {
	u8 len;
	u8 flags;
	u8 bytes[6];
};

#define MEM	1	/* has a [rbx]-style operand: 0x67 in 16-bit code */
#define LONG	2	/* only means what it says in 64-bit code */

static const struct insn snippets[] = {
	{ 2, MEM, { 0x89, 0x03 } },			/* mov [rbx], eax */
	{ 2, MEM, { 0x8b, 0x03 } },			/* mov eax, [rbx] */
	{ 2, MEM, { 0x88, 0x03 } },			/* mov [rbx], al */
	{ 2, MEM, { 0x8a, 0x23 } },			/* mov ah, [rbx] */
	{ 3, MEM, { 0x66, 0x89, 0x03 } },		/* mov [rbx], ax */
	{ 3, MEM | LONG, { 0x48, 0x89, 0x03 } },	/* mov [rbx], rax */
	{ 3, MEM | LONG, { 0x48, 0x8b, 0x0b } },	/* mov rcx, [rbx] */
	{ 3, MEM, { 0xc6, 0x03, 0x5a } },		/* mov byte [rbx], 0x5a */
	{ 6, MEM, { 0xc7, 0x03, 0x78, 0x56, 0x34, 0x12 } },
	{ 3, MEM, { 0x0f, 0xb6, 0x03 } },		/* movzx eax, byte [rbx] */
	{ 3, MEM, { 0x0f, 0xbf, 0x03 } },		/* movsx eax, word [rbx] */
	{ 2, MEM, { 0x01, 0x03 } },			/* add [rbx], eax */
	{ 2, MEM, { 0x87, 0x03 } },			/* xchg [rbx], eax */
	{ 4, MEM, { 0xf0, 0x0f, 0xb1, 0x0b } },		/* lock cmpxchg [rbx], ecx */
	{ 3, MEM, { 0x8b, 0x43, 0xfd } },		/* mov eax, [rbx - 3] */
	{ 6, MEM, { 0x89, 0x83, 0xfe, 0x0f, 0x00, 0x00 } }, /* mov [rbx + 0xffe], eax */
	{ 1, MEM, { 0xa4 } },				/* movsb */
	{ 1, MEM, { 0xaa } },				/* stosb */
	{ 2, MEM, { 0xf3, 0xaa } },			/* rep stosb */
	{ 2, MEM, { 0xf3, 0xa5 } },			/* rep movsd */
	{ 2, 0, { 0xe6, 0x80 } },			/* out 0x80, al */
	{ 2, 0, { 0xe4, 0x61 } },			/* in al, 0x61 */
	{ 2, 0, { 0xe6, 0x43 } },			/* out 0x43, al: a PIT command */
	{ 2, 0, { 0xe6, 0x40 } },			/* out 0x40, al */
	{ 2, 0, { 0xe4, 0x42 } },			/* in al, 0x42 */
	{ 1, 0, { 0xee } },				/* out dx, al */
	{ 1, 0, { 0xed } },				/* in eax, dx */
	{ 2, 0, { 0x66, 0xef } },			/* out dx, ax */
	{ 2, MEM, { 0xf3, 0x6e } },			/* rep outsb */
	{ 2, MEM, { 0xf3, 0x6c } },			/* rep insb */
	{ 1, 0, { 0xf4 } },				/* hlt */
	{ 2, 0, { 0x0f, 0xa2 } },			/* cpuid */
	{ 2, 0, { 0x0f, 0x32 } },			/* rdmsr */
	{ 2, 0, { 0x0f, 0x30 } },			/* wrmsr */
	{ 2, 0, { 0x0f, 0x31 } },			/* rdtsc */
	{ 3, 0, { 0x0f, 0x01, 0xf9 } },			/* rdtscp */
	{ 3, 0, { 0x0f, 0x01, 0xd9 } },			/* vmmcall */
	{ 3, 0, { 0x0f, 0x01, 0xd8 } },			/* vmrun */
	{ 3, 0, { 0x0f, 0x01, 0xdb } },			/* vmsave */
	{ 3, 0, { 0x0f, 0x01, 0xdc } },			/* stgi */
	{ 3, 0, { 0x0f, 0x01, 0xdd } },			/* clgi */
	{ 3, 0, { 0x0f, 0x01, 0xdf } },			/* invlpga */
	{ 3, 0, { 0x0f, 0x01, 0xde } },			/* skinit */
	{ 3, 0, { 0x0f, 0x01, 0xd1 } },			/* xsetbv */
	{ 3, 0, { 0x0f, 0x01, 0xd0 } },			/* xgetbv */
	{ 2, 0, { 0x0f, 0x08 } },			/* invd */
	{ 2, 0, { 0x0f, 0x09 } },			/* wbinvd */
	{ 3, MEM, { 0x0f, 0x01, 0x3b } },		/* invlpg [rbx] */
	{ 3, MEM, { 0x0f, 0xae, 0x3b } },		/* clflush [rbx] */
	{ 3, 0, { 0x0f, 0x01, 0xc8 } },			/* monitor */
	{ 3, 0, { 0x0f, 0x01, 0xc9 } },			/* mwait */
	{ 3, 0, { 0x0f, 0x01, 0xfd } },			/* rdpru */
	{ 2, 0, { 0x0f, 0x33 } },			/* rdpmc */
	{ 3, 0, { 0x0f, 0x22, 0xc0 } },			/* mov cr0, eax */
	{ 3, 0, { 0x0f, 0x20, 0xc0 } },			/* mov eax, cr0 */
	{ 3, 0, { 0x0f, 0x22, 0xe0 } },			/* mov cr4, eax */
	{ 3, 0, { 0x0f, 0x22, 0xd8 } },			/* mov cr3, eax */
	{ 4, LONG, { 0x44, 0x0f, 0x22, 0xc0 } },	/* mov cr8, rax */
	/*
	 * DR7 only ever cleared: QEMU 7.2 corrupts its breakpoint list, and
	 * dies, when a data breakpoint a guest armed is removed under another
	 * type (Documentation/testing.rst).
	 */
	{ 5, 0, { 0x31, 0xc0, 0x0f, 0x23, 0xf8 } },	/* xor eax, eax; mov dr7, eax */
	{ 3, 0, { 0x0f, 0x21, 0xc0 } },			/* mov eax, dr0 */
	{ 3, 0, { 0x0f, 0x23, 0xc0 } },			/* mov dr0, eax */
	{ 1, 0, { 0xfa } },				/* cli */
	{ 1, 0, { 0xfb } },				/* sti */
	{ 1, 0, { 0xcc } },				/* int3 */
	{ 2, 0, { 0xcd, 0x80 } },			/* int 0x80 */
	{ 2, 0, { 0x0f, 0x0b } },			/* ud2 */
	{ 2, 0, { 0x0f, 0x05 } },			/* syscall */
	{ 2, 0, { 0x0f, 0x07 } },			/* sysret */
	{ 2, 0, { 0x0f, 0x34 } },			/* sysenter */
	{ 3, LONG, { 0x0f, 0x01, 0xf8 } },		/* swapgs */
	{ 3, MEM, { 0x0f, 0x01, 0x13 } },		/* lgdt [rbx] */
	{ 3, MEM, { 0x0f, 0x01, 0x1b } },		/* lidt [rbx] */
	{ 3, MEM, { 0x0f, 0x00, 0x13 } },		/* lldt [rbx] */
	{ 3, MEM, { 0x0f, 0x00, 0x1b } },		/* ltr [rbx] */
	{ 2, 0, { 0x8e, 0xd8 } },			/* mov ds, eax */
	{ 2, 0, { 0x8e, 0xd0 } },			/* mov ss, eax */
	{ 2, MEM, { 0xff, 0x23 } },			/* jmp [rbx] */
	{ 2, 0, { 0xff, 0xe3 } },			/* jmp rbx */
	{ 2, 0, { 0xeb, 0xfe } },			/* jmp $: only the timer ends it */
	{ 1, 0, { 0x9c } },				/* pushf */
	{ 1, 0, { 0x9d } },				/* popf */
	{ 1, 0, { 0xc3 } },				/* ret */
	{ 1, 0, { 0xcf } },				/* iret */
	{ 3, MEM, { 0x0f, 0xae, 0x23 } },		/* xsave [rbx] */
	{ 3, MEM, { 0x0f, 0xae, 0x2b } },		/* xrstor [rbx] */
	{ 3, MEM, { 0x0f, 0xae, 0x03 } },		/* fxsave [rbx] */
	{ 3, MEM, { 0x0f, 0xae, 0x0b } },		/* fxrstor [rbx] */
	{ 3, MEM, { 0x0f, 0x28, 0x03 } },		/* movaps xmm0, [rbx] */
	{ 4, MEM, { 0xc5, 0xfc, 0x28, 0x03 } },		/* vmovaps ymm0, [rbx] */
	{ 3, 0, { 0x0f, 0x01, 0xee } },			/* rdpkru */
	{ 3, 0, { 0x0f, 0x01, 0xef } },			/* wrpkru */
	{ 3, MEM, { 0x0f, 0xc7, 0x0b } },		/* cmpxchg8b [rbx] */
	{ 1, MEM, { 0xd7 } },				/* xlat */
	{ 1, 0, { 0xf1 } },				/* icebp */
	{ 2, 0, { 0x0f, 0xaa } },			/* rsm */
	{ 2, 0, { 0xf3, 0x90 } },			/* pause */
};

/* A copy of a slot of @vm for code, in the arenas; made if there is none. */
static bool code_slot(struct fuzz_rng *r, struct fuzz_obj *vm, bool below_4g,
		      struct fuzz_slot *out)
{
	struct kvm_userspace_memory_region2 m = {};
	struct fuzz_slot *found[MAX_TRACKED_SLOTS];
	unsigned int i, n = 0;
	bool used[32] = {};
	u64 off;

	pool_lock();
	for (i = 0; i < MAX_TRACKED_SLOTS; i++) {
		struct fuzz_slot *s = &vm->slots[i];

		if (!s->live)
			continue;
		if (s->id < 32)
			used[s->id] = true;
		if (s->hva >= (unsigned long)arena_base(0) && s->hva + s->size <= ARENAS_END &&
		    s->size >= 8 * FUZZ_PAGE && (!below_4g || s->gpa + s->size <= BIT_ULL(32)))
			found[n++] = s;
	}
	if (n && (rng_chance(r, 85) || vm->dead)) {
		*out = *found[rng_below(r, n)];
		pool_unlock();
		return true;
	}
	pool_unlock();
	if (vm->dead)
		return false;

	for (i = 0; i < 32 && used[i]; i++)
		;
	if (i == 32)
		return false;
	m.slot = i;
	m.memory_size = rng_chance(r, 50) ? (8 + rng_below(r, 504)) * FUZZ_PAGE :
			(1 + rng_below(r, 4)) * FUZZ_2M;
	off = rng_below(r, (NR_ARENAS * ARENA_SIZE - m.memory_size) / FUZZ_PAGE + 1) * FUZZ_PAGE;
	if (rng_chance(r, 50))
		off &= ~(FUZZ_2M - 1);
	m.userspace_addr = (unsigned long)arena_base(0) + off;
	m.guest_phys_addr = rng_below(r, 0xf0000000ULL / FUZZ_2M) * FUZZ_2M;
	if (rng_chance(r, 30))
		m.guest_phys_addr += rng_below(r, 512) * FUZZ_PAGE;
	if (!below_4g && rng_chance(r, 30))
		m.guest_phys_addr += rng_below(r, 500) * FUZZ_1G;
	m.flags = rng_chance(r, 30) ? KVM_MEM_LOG_DIRTY_PAGES : 0;
	if (rng_chance(r, 10))
		m.flags |= KVM_MEM_READONLY;
	if (set_memslot(vm, &m, rng_chance(r, 50)))
		return false;
	*out = (struct fuzz_slot){
		.live = true, .id = m.slot, .flags = m.flags, .gpa = m.guest_phys_addr,
		.size = m.memory_size, .hva = m.userspace_addr,
	};
	return true;
}

static void write_gpa(const struct fuzz_slot *s, u64 gpa, const void *buf, size_t len)
{
	if (gpa < s->gpa || gpa >= s->gpa + s->size)
		return;
	if (len > s->gpa + s->size - gpa)
		len = s->gpa + s->size - gpa;
	mem_write((void *)(unsigned long)(s->hva + gpa - s->gpa), buf, len);
}

/* Identity-mapping page tables at the slot's start; returns CR3. */
static u64 build_tables(const struct fuzz_slot *s, enum guest_mode mode)
{
	static __thread u64 table[512];
	static __thread u32 table32[1024];
	unsigned int i, pd;

	switch (mode) {
	case MODE_PAGED32:
		for (i = 0; i < 1024; i++)
			table32[i] = (i << 22) | PTE_P | PTE_RW | PTE_PS;
		write_gpa(s, s->gpa, table32, sizeof(table32));
		break;
	case MODE_PAE:
		for (pd = 0; pd < 4; pd++)
			table[pd] = (s->gpa + (1 + pd) * FUZZ_PAGE) | PTE_P;
		write_gpa(s, s->gpa, table, 4 * sizeof(u64));
		for (pd = 0; pd < 4; pd++) {
			for (i = 0; i < 512; i++)
				table[i] = ((u64)pd * FUZZ_1G + i * FUZZ_2M) |
					   PTE_P | PTE_RW | PTE_PS;
			write_gpa(s, s->gpa + (1 + pd) * FUZZ_PAGE, table, sizeof(table));
		}
		break;
	case MODE_LONG:
		memset(table, 0, sizeof(table));
		table[0] = (s->gpa + FUZZ_PAGE) | PTE_P | PTE_RW;
		write_gpa(s, s->gpa, table, sizeof(table));
		for (i = 0; i < 512; i++)
			table[i] = (i * FUZZ_1G) | PTE_P | PTE_RW | PTE_PS;
		write_gpa(s, s->gpa + FUZZ_PAGE, table, sizeof(table));
		break;
	default:
		break;
	}
	return s->gpa;
}

static void set_seg(struct kvm_segment *seg, u64 base, u32 limit, u16 sel, u8 type,
		    unsigned int bits)
{
	*seg = (struct kvm_segment){
		.base = base, .limit = limit, .selector = sel, .type = type, .present = 1,
		.s = 1, .db = bits == 32, .l = bits == 64, .g = limit > 0xfffff,
	};
}

/* An address worth touching: slot edges, holes, read-only slots. */
static u64 interesting_gpa(struct fuzz_rng *r, struct fuzz_obj *vm, const struct fuzz_slot *code)
{
	static const u64 holes[] = { 0xa0000, 0xfec00000, 0xfee00000, 0xfee00300, 0xffff0000,
				     0xfffffffc, 1ULL << 32, BIT_ULL(39) - 8 };
	struct fuzz_slot s = *code;
	unsigned int i, n = 0;

	pool_lock();
	for (i = 0; i < MAX_TRACKED_SLOTS; i++) {
		if (!vm->slots[i].live)
			continue;
		/* Read-only slots first, then any other. */
		if ((vm->slots[i].flags & KVM_MEM_READONLY) || !rng_below(r, ++n))
			s = vm->slots[i];
		if ((vm->slots[i].flags & KVM_MEM_READONLY) && rng_chance(r, 50))
			break;
	}
	pool_unlock();
	switch (rng_below(r, 8)) {
	case 0:
	case 1:
		return s.gpa + s.size - rng_below(r, 16);
	case 2:
		return s.gpa + s.size + rng_below(r, 16);
	case 3:
		return s.gpa - 8 + rng_below(r, 16);
	case 4:
		return s.gpa + rng_below(r, s.size);
	case 5:
		return rng_pick(r, holes);
	case 6:
		return s.gpa + s.size + rng_below(r, 64) * FUZZ_PAGE;
	default:
		return rng_chance(r, 50) ? rng_below(r, 1ULL << 32) : rng_boundary(r);
	}
}

/* Code at @gpa: random bytes, or valid instructions with random bytes between. */
static void write_code(struct fuzz_rng *r, const struct fuzz_slot *s, u64 gpa, bool bits16,
		       bool long_mode)
{
	u8 code[512];
	size_t len = 0;
	unsigned int i, n;

	if (rng_chance(r, 30)) {
		len = 16 + rng_below(r, sizeof(code) - 16);
		rng_fill(r, code, len);
	} else {
		n = 1 + rng_below(r, 8);
		for (i = 0; i < n && len + 16 < sizeof(code); i++) {
			const struct insn *in = &rng_pick(r, snippets);

			if ((in->flags & LONG) && !long_mode && rng_chance(r, 70))
				continue;
			if ((in->flags & MEM) && bits16)
				code[len++] = 0x67;
			if (bits16 && rng_chance(r, 30))
				code[len++] = 0x66;
			memcpy(code + len, in->bytes, in->len);
			len += in->len;
			if (rng_chance(r, 5)) {
				rng_fill(r, code + len, 4);
				len += 4;
			}
		}
		code[len++] = rng_chance(r, 70) ? 0xf4 : 0xcc;
		if (rng_chance(r, 20)) {
			rng_fill(r, code + len, 8);
			len += 8;
		}
	}
	write_gpa(s, gpa, code, len);
}

bool guest_setup(struct fuzz_rng *r, struct fuzz_obj *vcpu)
{
	/* Random, mostly illegal, states unless --no-random-guest-state. */
	enum guest_mode mode = rng_below(r, cfg.random_state ? NR_MODES : MODE_RANDOM);
	struct fuzz_obj *vm = vcpu->vm;
	struct kvm_sregs sregs;
	struct kvm_regs regs = {};
	struct fuzz_slot s;
	unsigned int bits;
	u64 code, cr3;

	if (!code_slot(r, vm, mode != MODE_LONG && mode != MODE_RANDOM, &s))
		return false;
	if (s.gpa + s.size > 512 * FUZZ_1G && mode == MODE_LONG)
		mode = MODE_RANDOM;
	if (fuzz_ioctl(vcpu->fd, KVM_GET_SREGS, (unsigned long)&sregs, true))
		memset(&sregs, 0, sizeof(sregs));

	cr3 = build_tables(&s, mode);
	switch (rng_below(r, 10)) {
	case 0:
	case 1:
		/* Right at the slot's end: the code runs off it. */
		code = s.gpa + s.size - 1 - rng_below(r, 15);
		break;
	case 2:
		code = interesting_gpa(r, vm, &s);
		break;
	default:
		code = s.gpa + TABLE_PAGES * FUZZ_PAGE +
		       rng_below(r, s.size - TABLE_PAGES * FUZZ_PAGE - 512);
		break;
	}
	bits = mode == MODE_REAL || mode == MODE_PROT16 ? 16 : mode == MODE_LONG ? 64 : 32;
	trace("  guest mode %d code 0x%llx in slot %u at 0x%llx+0x%llx", mode,
	      (unsigned long long)code, s.id, (unsigned long long)s.gpa,
	      (unsigned long long)s.size);
	write_code(r, &s, code, bits == 16, bits == 64);

	sregs.cr0 = CR0_ET | CR0_NE | (mode == MODE_REAL ? 0 : CR0_PE);
	sregs.cr4 = CR4_OSFXSR | (rng_chance(r, 30) ? CR4_OSXSAVE : 0);
	sregs.efer = 0;
	sregs.cr3 = cr3;
	if (mode == MODE_PAGED32) {
		sregs.cr0 |= CR0_PG;
		sregs.cr4 |= CR4_PSE;
	} else if (mode == MODE_PAE) {
		sregs.cr0 |= CR0_PG;
		sregs.cr4 |= CR4_PAE;
	} else if (mode == MODE_LONG) {
		sregs.cr0 |= CR0_PG;
		sregs.cr4 |= CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
	}
	if (bits == 16) {
		set_seg(&sregs.cs, code & ~0xffffULL, 0xffff, mode == MODE_REAL ? 0 : 8, 0xb, 16);
		regs.rip = code & 0xffff;
	} else {
		set_seg(&sregs.cs, 0, 0xffffffff, 8, 0xb, bits);
		regs.rip = code;
	}
	set_seg(&sregs.ds, 0, 0xffffffff, 0x10, 3, 32);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	if (bits == 16)
		sregs.ss.db = 0;
	sregs.tr = (struct kvm_segment){ .limit = 0x67, .type = 0xb, .present = 1 };
	sregs.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	if (mode == MODE_RANDOM) {
		/* Anything, from the current state with bits flipped or all random. */
		rng_fill(r, &sregs, rng_chance(r, 20) ? sizeof(sregs) : 0);
		sregs.cr0 ^= 1ULL << rng_below(r, 32);
		sregs.cr4 ^= 1ULL << rng_below(r, 32);
		sregs.efer ^= 1ULL << rng_below(r, 16);
		((u8 *)&sregs.cs)[rng_below(r, sizeof(sregs.cs))] ^= 1 << rng_below(r, 8);
		/*
		 * QEMU 7.2's TCG never returns from a nested guest with EFER.LME
		 * set and paging off, under kvm_amd as under okvm; hardware runs
		 * it as protected mode (Documentation/testing.rst).
		 */
		if (!(sregs.cr0 & CR0_PG))
			sregs.efer &= ~EFER_LME;
		regs.rip = code;
	}
	fuzz_ioctl(vcpu->fd, KVM_SET_SREGS, (unsigned long)&sregs, true);

	regs.rbx = interesting_gpa(r, vm, &s);
	regs.rsi = interesting_gpa(r, vm, &s);
	regs.rdi = interesting_gpa(r, vm, &s);
	regs.rcx = rng_chance(r, 80) ? rng_below(r, 64) : rng_boundary(r);
	regs.rax = rng_chance(r, 50) ? rng_boundary(r) : rng_next(r);
	regs.rdx = rng_chance(r, 50) ? rng_below(r, 0x10000) : rng_boundary(r);
	regs.rsp = s.gpa + s.size - 64 - rng_below(r, 64) * 8;
	if (bits == 16)
		regs.rsp &= 0xffff;
	regs.rflags = 2;
	/* Arithmetic flags, TF, IF, DF; VM, NT, AC and the rest with the random states. */
	if (rng_chance(r, 10))
		regs.rflags |= rng_next(r) & (cfg.random_state ? 0x3f7fd5 : 0xfd5);
	fuzz_ioctl(vcpu->fd, KVM_SET_REGS, (unsigned long)&regs, true);
	return true;
}

void guest_answer_exit(struct fuzz_rng *r, struct fuzz_obj *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 bytes;

	if (!run)
		return;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		bytes = (u64)run->io.size * run->io.count;
		if (run->io.direction == KVM_EXIT_IO_IN &&
		    run->io.data_offset < vcpu->run_size &&
		    bytes <= vcpu->run_size - run->io.data_offset)
			rng_fill(r, (u8 *)run + run->io.data_offset, bytes);
		break;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			rng_fill(r, run->mmio.data, sizeof(run->mmio.data));
		break;
	default:
		break;
	}
}

void op_guest(struct fuzz_rng *r)
{
	struct fuzz_obj *vcpu = pool_get(r, OBJ_VCPU);
	unsigned int i, n = 1 + rng_below(r, 6);
	struct kvm_regs regs;

	if (!vcpu)
		return;
	if (!guest_setup(r, vcpu) && (!cfg.random_state || rng_chance(r, 70))) {
		pool_put(vcpu);
		return;
	}
	for (i = 0; i < n && !fuzz_stopping(); i++) {
		if (vcpu_run(vcpu, r) && errno != EINTR && rng_chance(r, 50))
			break;
		guest_answer_exit(r, vcpu);
		if (vcpu->run && rng_chance(r, 50) &&
		    (vcpu->run->exit_reason == KVM_EXIT_SHUTDOWN ||
		     vcpu->run->exit_reason == KVM_EXIT_FAIL_ENTRY ||
		     vcpu->run->exit_reason == KVM_EXIT_INTERNAL_ERROR))
			break;
		if (rng_chance(r, 15) &&
		    !fuzz_ioctl(vcpu->fd, KVM_GET_REGS, (unsigned long)&regs, true)) {
			regs.rip += rng_below(r, 16);
			regs.rbx = rng_boundary(r);
			fuzz_ioctl(vcpu->fd, KVM_SET_REGS, (unsigned long)&regs, true);
		}
	}
	pool_put(vcpu);
}
