/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 architecture constants the selftests need, and the few privileged
 * instructions guest code uses, as inline functions.
 *
 * The uapi <asm/processor-flags.h> gives the CR0/CR4/RFLAGS bits; MSR numbers
 * and descriptor layouts are not uapi, so they are spelled out here.
 */
#ifndef OKVM_SELFTEST_X86_H
#define OKVM_SELFTEST_X86_H

#include "kernel_types.h"
#include <asm/processor-flags.h>

#define MSR_IA32_SYSENTER_CS	0x00000174
#define MSR_IA32_SYSENTER_ESP	0x00000175
#define MSR_IA32_SYSENTER_EIP	0x00000176
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

#define EFER_SCE		BIT_ULL(0)
#define EFER_LME		BIT_ULL(8)
#define EFER_LMA		BIT_ULL(10)
#define EFER_NX			BIT_ULL(11)

/* Page-table entry bits (the same at every level of 4-level paging). */
#define PTE_PRESENT		BIT_ULL(0)
#define PTE_WRITABLE		BIT_ULL(1)
#define PTE_LARGE		BIT_ULL(7)	/* 2M page in a PDE */

#define PAGE_SIZE_4K		0x1000ULL
#define PAGE_SIZE_2M		0x200000ULL
#define PAGE_SIZE_1G		0x40000000ULL

/* Exception vectors the tests name. */
#define X86_VEC_DE		0
#define X86_VEC_DB		1
#define X86_VEC_UD		6
#define X86_VEC_DF		8
#define X86_VEC_GP		13
#define X86_VEC_PF		14
#define X86_VEC_AC		17

/* Segment descriptor type values (the S=1 code/data encodings, and TSS). */
#define SEG_TYPE_DATA_RW_ACCESSED	0x3
#define SEG_TYPE_CODE_RX_ACCESSED	0xb
#define SEG_TYPE_TSS64_BUSY		0xb
#define SEG_TYPE_LDT			0x2

/*
 * The pseudo-descriptor LIDT and LGDT take: a 2-byte limit right before an
 * 8-byte base. The padding puts the limit at offset 6 so the base is
 * naturally aligned; the instruction is given the limit's address.
 */
struct x86_table_register {
	u16 pad[3];
	u16 limit;
	u64 base;
};

static inline u64 guest_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | ((u64)hi << 32);
}

static inline void guest_wrmsr(u32 msr, u64 value)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)value),
		     "d"((u32)(value >> 32)) : "memory");
}

static inline void guest_cpuid(u32 leaf, u32 subleaf, u32 *eax,
			       u32 *ebx, u32 *ecx, u32 *edx)
{
	asm volatile("cpuid"
		     : "=a"(*eax), "=b"(*ebx), "=c"(*ecx), "=d"(*edx)
		     : "a"(leaf), "c"(subleaf));
}

static inline u64 guest_read_cr2(void)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	return cr2;
}

static inline u64 guest_read_cr0(void)
{
	u64 cr0;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	return cr0;
}

static inline void guest_write_cr0(u64 cr0)
{
	asm volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

/* MOV from DR@n (0-3, 6, 7); inlined, so @n is a constant there. */
static inline u64 guest_read_dr(int n)
{
	u64 v = 0;

	switch (n) {
	case 0:
		asm volatile("mov %%dr0, %0" : "=r"(v));
		break;
	case 1:
		asm volatile("mov %%dr1, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%dr2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%dr3, %0" : "=r"(v));
		break;
	case 6:
		asm volatile("mov %%dr6, %0" : "=r"(v));
		break;
	case 7:
		asm volatile("mov %%dr7, %0" : "=r"(v));
		break;
	}
	return v;
}

/* MOV to DR@n (0-3, 6, 7). */
static inline void guest_write_dr(int n, u64 v)
{
	switch (n) {
	case 0:
		asm volatile("mov %0, %%dr0" : : "r"(v) : "memory");
		break;
	case 1:
		asm volatile("mov %0, %%dr1" : : "r"(v) : "memory");
		break;
	case 2:
		asm volatile("mov %0, %%dr2" : : "r"(v) : "memory");
		break;
	case 3:
		asm volatile("mov %0, %%dr3" : : "r"(v) : "memory");
		break;
	case 6:
		asm volatile("mov %0, %%dr6" : : "r"(v) : "memory");
		break;
	case 7:
		asm volatile("mov %0, %%dr7" : : "r"(v) : "memory");
		break;
	}
}

static inline void guest_lidt(const struct x86_table_register *idtr)
{
	asm volatile("lidt %0" : : "m"(idtr->limit) : "memory");
}

static inline void guest_halt(void)
{
	asm volatile("hlt" : : : "memory");
}

/* STI's shadow covers the HLT: an interrupt pending already wakes it. */
static inline void guest_safe_halt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

static inline void guest_cli(void)
{
	asm volatile("cli" : : : "memory");
}

/*
 * Interrupts on, one instruction at a time, until *@count reaches @n
 * (a handler counts). No HLT: kvm_amd under the emulator now and then
 * misses the wakeup of a halted vCPU whose interrupt was pending before
 * the HLT (Documentation/testing.rst); tests of the wakeup halt.
 */
static inline void guest_spin_until(const u64 *count, u64 n)
{
	while (READ_ONCE(*count) < n)
		asm volatile("sti; nop; cli" : : : "memory");
}

static inline void guest_outb(u16 port, u8 value)
{
	asm volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline u8 guest_inb(u16 port)
{
	u8 value;

	asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
	return value;
}

/* The PICs' vector bases as a PC BIOS sets them: 0x20 and 0x28. */
#define GUEST_PIC_MASTER_BASE	0x20
#define GUEST_PIC_SLAVE_BASE	0x28

/*
 * A PC BIOS's initialization of the PICs: those vector bases, the slave
 * on the master's pin 2, 8086 mode; the master's mask @master_imr, every
 * slave pin masked.
 */
static inline void guest_pic_init(u8 master_imr)
{
	guest_outb(0x20, 0x11);
	guest_outb(0x21, GUEST_PIC_MASTER_BASE);
	guest_outb(0x21, 0x04);
	guest_outb(0x21, 0x01);
	guest_outb(0xa0, 0x11);
	guest_outb(0xa1, GUEST_PIC_SLAVE_BASE);
	guest_outb(0xa1, 0x02);
	guest_outb(0xa1, 0x01);
	guest_outb(0x21, master_imr);
	guest_outb(0xa1, 0xff);
}

static inline u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

/* The local APIC: its default base, and registers of <asm/apicdef.h>. */
#define APIC_DEFAULT_GPA	0xfee00000ULL
#define MSR_IA32_APICBASE	0x0000001b
#define MSR_IA32_TSC_DEADLINE	0x000006e0
#define APICBASE_BSP		BIT_ULL(8)
#define APICBASE_EXTD		BIT_ULL(10)
#define APICBASE_ENABLE		BIT_ULL(11)
#define APIC_REG_ID		0x20
#define APIC_REG_TPR		0x80
#define APIC_REG_PPR		0xa0
#define APIC_REG_EOI		0xb0
#define APIC_REG_SVR		0xf0
#define APIC_SVR_ENABLE		BIT_ULL(8)
#define APIC_REG_ISR		0x100
#define APIC_REG_IRR		0x200
#define APIC_REG_ICR		0x300
#define APIC_REG_ICR2		0x310
#define APIC_ICR_INIT		0x500
#define APIC_ICR_STARTUP	0x600
#define APIC_ICR_ASSERT		BIT_ULL(14)
#define APIC_ICR_SELF		BIT_ULL(18)
#define APIC_ICR_LEVEL		BIT_ULL(15)
#define APIC_REG_LVTT		0x320
#define APIC_LVT_MASKED		BIT_ULL(16)
#define APIC_LVTT_PERIODIC	BIT_ULL(17)
#define APIC_LVTT_TSC_DEADLINE	BIT_ULL(18)
#define APIC_REG_TMICT		0x380
#define APIC_REG_TMCCT		0x390
#define APIC_REG_TDCR		0x3e0
#define APIC_TDCR_DIV_1		0xb
#define X2APIC_MSR(reg)		(0x800 + ((reg) >> 4))

/* One 32-bit MOV each, which the hypervisor's MMIO emulation takes. */
static inline u32 guest_xapic_read(u32 reg)
{
	return READ_ONCE(*(u32 *)(APIC_DEFAULT_GPA + reg));
}

static inline void guest_xapic_write(u32 reg, u32 value)
{
	WRITE_ONCE(*(u32 *)(APIC_DEFAULT_GPA + reg), value);
}

#endif /* OKVM_SELFTEST_X86_H */
