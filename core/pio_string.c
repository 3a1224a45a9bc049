// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O: INS and OUTS, with and without REP, as KVM does them.
 *
 * Each element goes through the guest's page tables (mmu/walk.c) to a gpa
 * and from there through the memslots (okvm_read_guest(),
 * okvm_write_guest()): nothing but the VM's own memory is read or written.
 * A linear address that does not translate raises #PF in the guest (#GP,
 * or #SS through SS, for a non-canonical one); a gpa that no memslot backs
 * as RAM (MMIO, a write to a read-only slot) ends KVM_RUN with
 * KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_EMULATION.
 *
 * What userspace sees is KVM's (arch/x86/kvm/emulate.c, x86.c):
 *
 * - OUTS exits once per element (io.count 1). rSI and rCX have moved past
 *   it already.
 * - INS asks for a batch: io.count is rCX, at most the elements that fit
 *   in 1024 bytes and what is left of rDI's page in the direction of
 *   RFLAGS.DF (in bytes, as KVM counts it; at least 1). At the exit rDI
 *   and rCX are as they were; the next KVM_RUN writes the data and moves
 *   them. A VMM may change the registers in between (upstream's
 *   userspace_io_test edits rCX): the next KVM_RUN writes no more elements
 *   than rCX asks for now and than the exit asked for, at the rDI it finds.
 * - With REP, RIP stays at the instruction after every batch, the last
 *   too: the guest executes it again, and the execution that finds rCX 0
 *   moves RIP past it. Without REP, RIP moves past it with its element.
 *
 * An in-kernel device (on the port bus), an ioeventfd or a coalesced zone
 * takes OUTS elements one by one, an in-kernel device INS elements, a
 * batch per exit, and the guest executes the instruction again for the
 * next.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/page.h>
#include <asm/processor-flags.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>
#include <uapi/linux/kvm.h>

#include <okvm/hw.h>
#include <okvm/insn.h>
#include <okvm/memslot.h>
#include <okvm/pic.h>
#include <okvm/pio.h>
#include <okvm/vm.h>
#include <okvm/walk.h>

/* The most data one batch moves, as KVM's read-ahead buffer holds. */
#define OKVM_PIO_BATCH_BYTES	1024

/**
 * struct okvm_pio_mem - the guest memory one batch of elements goes through
 * @vcpu: the vCPU
 * @view: its paging registers, CPL, code size and segment base
 * @seg: the segment (for #SS rather than #GP through SS)
 * @access: X86_PF_WRITE for INS, X86_PF_USER at CPL 3
 * @vector: on -EFAULT, the exception to raise
 * @error_code: its error code
 * @cr2: for #PF, the linear address
 * @gpa: on -ENOENT, the guest physical address no memslot served
 */
struct okvm_pio_mem {
	struct okvm_vcpu *vcpu;
	struct okvm_data_view view;
	u8 seg;
	u32 access;
	u8 vector;
	u32 error_code;
	u64 cr2;
	gpa_t gpa;
};

static u64 okvm_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : BIT_ULL(addr_size * 8) - 1;
}

/*
 * Move a string register by @delta within its low @addr_size bytes: the
 * bytes above stay as they are, as KVM keeps them.
 */
static void okvm_pio_reg_add(unsigned long *reg, u8 addr_size, s64 delta)
{
	u64 mask = okvm_addr_mask(addr_size);

	*reg = (*reg & ~mask) | ((*reg + delta) & mask);
}

/* Elements left: rCX with REP, else one. */
static u64 okvm_pio_count(const struct okvm_vcpu *vcpu, const struct okvm_pio_string *io)
{
	if (!io->rep)
		return 1;
	return vcpu->regs[OKVM_REG_RCX] & okvm_addr_mask(io->addr_size);
}

/*
 * How many elements one exit takes, KVM's way: what is left, within 1024
 * bytes and within the bytes of @ptr's page ahead in the direction of
 * RFLAGS.DF (a quirk kept: bytes, not elements), and at least one.
 */
static unsigned int okvm_pio_batch(const struct okvm_vcpu *vcpu,
				   const struct okvm_pio_string *io, u64 ptr)
{
	u64 in_page = vcpu->rflags & X86_EFLAGS_DF ? offset_in_page(ptr) :
						     PAGE_SIZE - offset_in_page(ptr);
	u64 n = min3(okvm_pio_count(vcpu, io), in_page,
		     (u64)(OKVM_PIO_BATCH_BYTES / io->size));

	return max_t(u64, n, 1);
}

/* One element done: the pointer moves by its size, against DF; rCX counts down. */
static void okvm_pio_advance(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io,
			     int ptr_reg)
{
	s64 step = vcpu->rflags & X86_EFLAGS_DF ? -(s64)io->size : io->size;

	okvm_pio_reg_add(&vcpu->regs[ptr_reg], io->addr_size, step);
	if (io->rep)
		okvm_pio_reg_add(&vcpu->regs[OKVM_REG_RCX], io->addr_size, -1);
}

/*
 * After a batch: RIP moves past an instruction without REP. With REP it
 * stays, even once rCX is 0, as in KVM: the guest executes the
 * instruction again, okvm_emulate_pio_string() finds no element left and
 * only then moves RIP on.
 */
static int okvm_pio_string_step(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io)
{
	if (!io->rep)
		vcpu->rip = io->next_rip;
	return 1;
}

static void okvm_pio_mem_init(struct okvm_pio_mem *m, struct okvm_vcpu *vcpu, u8 seg,
			      bool write)
{
	*m = (struct okvm_pio_mem){ .vcpu = vcpu, .seg = seg };
	okvm_hw->get_data_view(vcpu, seg, &m->view);
	m->access = (write ? X86_PF_WRITE : 0) | (m->view.cpl == 3 ? X86_PF_USER : 0);
}

/* The linear address of a string register's element. */
static u64 okvm_pio_linear(const struct okvm_pio_mem *m, unsigned long reg, u8 addr_size)
{
	u64 la = m->view.seg_base + (reg & okvm_addr_mask(addr_size));

	return m->view.mode == OKVM_MODE_64 ? la : (u32)la;
}

/* The walker's table reads: a table outside guest RAM is not a page fault. */
static int okvm_pio_read_table(void *ctx, gpa_t gpa, void *buf, unsigned int len)
{
	struct okvm_pio_mem *m = ctx;

	if (okvm_read_guest(m->vcpu->vm, gpa, buf, len)) {
		m->gpa = gpa;
		return -ENOENT;
	}
	return 0;
}

/*
 * Translate @la. Return: 0; -EFAULT with the exception in @m; -ENOENT with
 * the gpa of a page table that is not in guest RAM.
 */
static int okvm_pio_translate(struct okvm_pio_mem *m, u64 la, gpa_t *gpa)
{
	const struct okvm_paging *pg = &m->view.pg;
	u32 error_code;
	int r;

	if (m->view.mode == OKVM_MODE_64 &&
	    !__is_canonical_address(la, pg->cr4 & X86_CR4_LA57 ? 57 : 48)) {
		m->vector = m->seg == OKVM_SEG_SS ? X86_TRAP_SS : X86_TRAP_GP;
		m->error_code = 0;
		return -EFAULT;
	}
	r = okvm_walk(pg, okvm_pio_read_table, m, la, m->access, gpa, &error_code);
	if (r == -EFAULT) {
		m->vector = X86_TRAP_PF;
		m->error_code = error_code;
		m->cr2 = la;
	}
	return r;
}

/*
 * Read or write the @size bytes of one element at @la. An element across
 * a page boundary has both pages translated before either is touched.
 * Return: 0, or -EFAULT / -ENOENT as okvm_pio_translate() says, -ENOENT
 * also for a gpa no memslot serves as RAM.
 */
static int okvm_pio_access(struct okvm_pio_mem *m, u64 la, void *data, unsigned int size)
{
	unsigned int first = min_t(u64, size, PAGE_SIZE - offset_in_page(la));
	u64 la2 = la + first;
	gpa_t gpa[2] = {};
	unsigned int i;
	int r;

	if (m->view.mode != OKVM_MODE_64)
		la2 = (u32)la2;
	r = okvm_pio_translate(m, la, &gpa[0]);
	if (!r && first < size)
		r = okvm_pio_translate(m, la2, &gpa[1]);
	if (r)
		return r;

	for (i = 0; i < 2 && size; i++) {
		unsigned int len = i ? size : first;

		if (m->access & X86_PF_WRITE)
			r = okvm_write_guest(m->vcpu->vm, gpa[i], data, len);
		else
			r = okvm_read_guest(m->vcpu->vm, gpa[i], data, len);
		if (r) {
			m->gpa = gpa[i];
			return -ENOENT;
		}
		data += len;
		size -= len;
	}
	return 0;
}

/*
 * An element's access failed: raise the exception in the guest (the
 * elements before it are done, RIP stays at the instruction), or end
 * KVM_RUN for memory okvm cannot emulate.
 */
static int okvm_pio_fail(struct okvm_pio_mem *m, int r)
{
	struct kvm_run *run = m->vcpu->run;

	if (r == -EFAULT) {
		okvm_hw->inject_fault(m->vcpu, m->vector, m->error_code, m->cr2);
		return 1;
	}
	/* KVM's layout for the suberror, and the gpa in the last word after it. */
	okvm_exit_emulation_failure(m->vcpu, NULL, 0);
	run->internal.data[run->internal.ndata++] = m->gpa;
	return 0;
}

static void okvm_pio_exit(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io,
			  unsigned int count)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = io->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = count;
	run->io.data_offset = OKVM_RUN_PIO_PAGE * PAGE_SIZE;
}

/* OUTS: read each element at seg:rSI and give it to a device or to userspace. */
static int okvm_outs(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io)
{
	unsigned long *rsi = &vcpu->regs[OKVM_REG_RSI];
	unsigned int i, n = okvm_pio_batch(vcpu, io, *rsi);
	struct okvm_pio_mem m;
	u32 data;
	int r;

	okvm_pio_mem_init(&m, vcpu, io->seg, false);
	for (i = 0; i < n; i++) {
		data = 0;
		r = okvm_pio_access(&m, okvm_pio_linear(&m, *rsi, io->addr_size), &data, io->size);
		if (r)
			return okvm_pio_fail(&m, r);
		if (!okvm_pio_write_in_kernel(vcpu->vm, io->port, io->size, &data)) {
			/* A port no device in the kernel has: userspace's, one element. */
			if (i)
				break;
			memcpy(vcpu->pio_page, &data, io->size);
			okvm_pio_exit(vcpu, io, 1);
			okvm_pio_advance(vcpu, io, OKVM_REG_RSI);
			okvm_pio_string_step(vcpu, io);
			return 0;
		}
		okvm_pio_advance(vcpu, io, OKVM_REG_RSI);
	}
	return okvm_pio_string_step(vcpu, io);
}

/* Write @data as the next INS element at ES:rDI and move on. */
static int okvm_ins_store(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io,
			  struct okvm_pio_mem *m, void *data)
{
	unsigned long rdi = vcpu->regs[OKVM_REG_RDI];
	int r;

	r = okvm_pio_access(m, okvm_pio_linear(m, rdi, io->addr_size), data, io->size);
	if (r)
		return r;
	okvm_pio_advance(vcpu, io, OKVM_REG_RDI);
	return 0;
}

/* INS: a device in the kernel gives the elements, or userspace a batch of them. */
static int okvm_ins(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io)
{
	unsigned int i, n = okvm_pio_batch(vcpu, io, vcpu->regs[OKVM_REG_RDI]);
	struct okvm_pio_mem m;
	u32 data;
	int r;

	okvm_pio_mem_init(&m, vcpu, OKVM_SEG_ES, true);
	for (i = 0; i < n; i++) {
		data = 0;
		if (okvm_pio_device_access(vcpu->vm, io->port, true, io->size, &data)) {
			if (i)
				break;
			/* Registers and RIP stay until the data comes. */
			memset(vcpu->pio_page, 0, n * io->size);
			okvm_pio_exit(vcpu, io, n);
			vcpu->pending_ins = *io;
			vcpu->pending_ins.count = n;
			return 0;
		}
		r = okvm_ins_store(vcpu, io, &m, &data);
		if (r)
			return okvm_pio_fail(&m, r);
	}
	return okvm_pio_string_step(vcpu, io);
}

/**
 * okvm_emulate_pio_string() - an INS or OUTS the guest executed
 * @vcpu: the vCPU, RIP at the instruction
 * @io: the instruction, as the backend decoded it
 *
 * Return: 1 to re-enter the guest (an in-kernel device took the elements,
 * or an exception goes in); 0 to exit to userspace with KVM_EXIT_IO, or
 * KVM_EXIT_INTERNAL_ERROR for memory okvm cannot emulate.
 */
int okvm_emulate_pio_string(struct okvm_vcpu *vcpu, const struct okvm_pio_string *io)
{
	/* REP with rCX 0 does nothing; the CPU still exits on the port. */
	if (io->rep && !okvm_pio_count(vcpu, io)) {
		vcpu->rip = io->next_rip;
		return 1;
	}
	return io->in ? okvm_ins(vcpu, io) : okvm_outs(vcpu, io);
}

/**
 * okvm_complete_pio_string() - write the data of an INS that went to userspace
 * @vcpu: the vCPU, at the KVM_RUN after the exit
 *
 * The elements are in the port I/O page. As many as the exit asked for
 * are written, fewer if rCX now asks for fewer, at ES:rDI as the registers
 * are now; rDI and rCX move past them, and RIP past an INS without REP.
 *
 * Return: 1 to go on into the guest (an exception may be on its way);
 * 0 to return to userspace with KVM_EXIT_INTERNAL_ERROR.
 */
int okvm_complete_pio_string(struct okvm_vcpu *vcpu)
{
	struct okvm_pio_string io = vcpu->pending_ins;
	struct okvm_pio_mem m;
	u64 i, n;
	int r;

	if (!io.count)
		return 1;
	vcpu->pending_ins.count = 0;
	n = min_t(u64, okvm_pio_count(vcpu, &io), io.count);
	okvm_pio_mem_init(&m, vcpu, OKVM_SEG_ES, true);
	for (i = 0; i < n; i++) {
		r = okvm_ins_store(vcpu, &io, &m, vcpu->pio_page + i * io.size);
		if (r)
			return okvm_pio_fail(&m, r);
	}
	return okvm_pio_string_step(vcpu, &io);
}
