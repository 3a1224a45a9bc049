// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit guests that run the test program's own functions.
 *
 * Guest physical memory, slot 0, from 0 to the program image's end rounded
 * up to 2M; guest virtual addresses equal physical ones (identity map):
 *
 *   0x1000   PML4
 *   0x2000   PDPT (4 entries used: guest memory lives below 4G)
 *   0x3000   4 page directories of 2M pages, 0x3000-0x6fff
 *   0x7000   GDT: null, 64-bit code (0x08), data (0x10), 64-bit TSS (0x18)
 *   0x8000   IDT: 256 gates, the first 32 to guest_entry.S's exception stubs,
 *            the others not present until a test gives them a handler
 *   0x9000   TSS (all zero: no privilege change, no IST)
 *   0x10000  page tables of okvm_guest_map_page(), up to the stacks
 *   0x100000 vCPU stacks, 64K each, vCPU n's at 0x100000 + n * 64K
 *   0x400000 the program's PT_LOAD segments, at their link addresses
 *
 * Tests put their own memslots above 4M (below 4G) and map them with
 * okvm_guest_identity_map().
 *
 * The program image is read from /proc/self/exe, not copied from the running
 * process: every VM starts from the program's initial data, whatever the host
 * did to its own copy, and okvm_sync_global_to_guest() says it explicitly
 * when a test wants to hand a value over.
 *
 * Rules for guest code (the Makefile's flags keep the compiler to them):
 * - No libc call, no thread-local variable, no stack protector: the guest has
 *   no FS base and no libc state; glibc's string functions are picked at
 *   startup by CPU feature (ifuncs) and may use AVX, which the guest does not
 *   enable. -fno-stack-protector and -fno-tree-loop-distribute-patterns stop
 *   the compiler from adding such calls behind a test's back.
 * - SSE is fine: CR4.OSFXSR is set, so compiler-generated SSE code works.
 * - -mno-red-zone: exceptions are delivered on the running stack (CPL 0), so
 *   a red zone would be overwritten by the exception frame before the handler
 *   reports it.
 * - Interrupts are off (RFLAGS.IF = 0) unless a test turns them on; exceptions
 *   are fatal and reported, except on a vector a test gave its own handler
 *   (okvm_guest_set_handler(), for interrupt vectors too).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/elf.h>

#include "guest_entry.h"
#include "ucall.h"
#include "vm.h"
#include "x86.h"

#define PML4_GPA		0x1000ULL
#define PDPT_GPA		0x2000ULL
#define PD_GPA			0x3000ULL
#define NR_PDS			4
#define GDT_GPA			0x7000ULL
#define IDT_GPA			0x8000ULL
#define TSS_GPA			0x9000ULL
#define PAGE_TABLES_GPA		0x10000ULL
#define STACKS_GPA		0x100000ULL
#define STACK_SIZE		0x10000ULL
#define IMAGE_MIN_GPA		0x400000ULL
#define MAPPED_LIMIT		(NR_PDS * PAGE_SIZE_1G)
#define PTE_ADDR_MASK		0x000ffffffffff000ULL
#define PTES_PER_TABLE		512
#define LOWER_HALF_END		BIT_ULL(47)

#define SEL_CODE		0x08
#define SEL_DATA		0x10
#define SEL_TSS			0x18
#define GDT_SIZE		0x28	/* 3 descriptors and a 16-byte TSS one */
#define TSS_LIMIT		0x67
#define NR_EXCEPTION_VECTORS	32
#define NR_IDT_VECTORS		256
#define IDT_GATE_INTERRUPT	0xe

static const struct kvm_segment code64_segment = {
	.base = 0, .limit = 0xffffffff, .selector = SEL_CODE,
	.type = SEG_TYPE_CODE_RX_ACCESSED, .present = 1, .s = 1, .l = 1, .g = 1,
};

static const struct kvm_segment data_segment = {
	.base = 0, .limit = 0xffffffff, .selector = SEL_DATA,
	.type = SEG_TYPE_DATA_RW_ACCESSED, .present = 1, .s = 1, .db = 1, .g = 1,
};

static const struct kvm_segment tss_segment = {
	.base = TSS_GPA, .limit = TSS_LIMIT, .selector = SEL_TSS,
	.type = SEG_TYPE_TSS64_BUSY, .present = 1,
};

/* The low 8 bytes of the GDT descriptor that describes @seg. */
static u64 descriptor(const struct kvm_segment *seg)
{
	u64 limit = seg->g ? seg->limit >> 12 : seg->limit;
	u64 base = seg->base;

	return (limit & 0xffff) | (base & 0xffffff) << 16 |
	       (u64)seg->type << 40 | (u64)seg->s << 44 |
	       (u64)seg->dpl << 45 | (u64)seg->present << 47 |
	       ((limit >> 16) & 0xf) << 48 | (u64)seg->avl << 52 |
	       (u64)seg->l << 53 | (u64)seg->db << 54 |
	       (u64)seg->g << 55 | ((base >> 24) & 0xff) << 56;
}

static void write_u64(struct okvm_vm *vm, u64 gpa, u64 value)
{
	okvm_write_guest(vm, gpa, &value, sizeof(value));
}

static void build_gdt(struct okvm_vm *vm)
{
	write_u64(vm, GDT_GPA + SEL_CODE, descriptor(&code64_segment));
	write_u64(vm, GDT_GPA + SEL_DATA, descriptor(&data_segment));
	/* A system descriptor in long mode takes 16 bytes: base[63:32] next. */
	write_u64(vm, GDT_GPA + SEL_TSS, descriptor(&tss_segment));
	write_u64(vm, GDT_GPA + SEL_TSS + 8, tss_segment.base >> 32);
}

/* A 64-bit interrupt gate: present, DPL 0, no IST, to SEL_CODE:@handler. */
static void write_idt_gate(struct okvm_vm *vm, unsigned int vector, u64 handler)
{
	u64 low = (handler & 0xffff) | (u64)SEL_CODE << 16 |
		  (u64)IDT_GATE_INTERRUPT << 40 | 1ULL << 47 |
		  ((handler >> 16) & 0xffff) << 48;

	write_u64(vm, IDT_GPA + vector * 16, low);
	write_u64(vm, IDT_GPA + vector * 16 + 8, handler >> 32);
}

static void build_idt(struct okvm_vm *vm)
{
	unsigned int vector;

	for (vector = 0; vector < NR_EXCEPTION_VECTORS; vector++)
		write_idt_gate(vm, vector, (u64)(uintptr_t)okvm_guest_exception_stubs +
					   vector * OKVM_EXCEPTION_STUB_SIZE);
}

void okvm_guest_set_handler(struct okvm_vm *vm, unsigned int vector, const void *handler)
{
	OKVM_REQUIRE(vm->long_mode, "not a long-mode VM");
	OKVM_REQUIRE(vector < NR_IDT_VECTORS, "vector %u has no IDT gate", vector);
	write_idt_gate(vm, vector, (u64)(uintptr_t)handler);
}

static void build_page_tables(struct okvm_vm *vm)
{
	int i;

	write_u64(vm, PML4_GPA, PDPT_GPA | PTE_PRESENT | PTE_WRITABLE);
	for (i = 0; i < NR_PDS; i++)
		write_u64(vm, PDPT_GPA + i * 8,
			  (PD_GPA + i * PAGE_SIZE_4K) | PTE_PRESENT | PTE_WRITABLE);
}

void okvm_guest_identity_map(struct okvm_vm *vm, u64 gpa, u64 size)
{
	u64 start = gpa & ~(PAGE_SIZE_2M - 1);
	u64 end = gpa + size;
	u64 page;

	OKVM_REQUIRE(vm->long_mode, "not a long-mode VM");
	OKVM_REQUIRE(end <= MAPPED_LIMIT && end > gpa,
		     "guest memory at 0x%llx+0x%llx is not below 4G",
		     (unsigned long long)gpa, (unsigned long long)size);
	/* The page directories are contiguous: entry n maps n * 2M. */
	for (page = start; page < end; page += PAGE_SIZE_2M)
		write_u64(vm, PD_GPA + (page / PAGE_SIZE_2M) * 8,
			  page | PTE_PRESENT | PTE_WRITABLE | PTE_LARGE);
}

/* A zeroed 4K page for a page table, from the area below the stacks. */
static u64 alloc_page_table(struct okvm_vm *vm)
{
	u64 gpa = vm->next_page_table_gpa;

	OKVM_REQUIRE(gpa + PAGE_SIZE_4K <= STACKS_GPA, "out of guest page-table pages");
	vm->next_page_table_gpa += PAGE_SIZE_4K;
	memset(okvm_gpa_to_hva(vm, gpa), 0, PAGE_SIZE_4K);
	return gpa;
}

/* The table that entry @index of @table points to, made if missing. */
static u64 next_level_table(struct okvm_vm *vm, u64 table, unsigned int index)
{
	u64 *entry = okvm_gpa_to_hva(vm, table + index * 8);

	if (!(*entry & PTE_PRESENT))
		*entry = alloc_page_table(vm) | PTE_PRESENT | PTE_WRITABLE;
	OKVM_REQUIRE(!(*entry & PTE_LARGE), "entry 0x%llx of table 0x%llx maps a large page",
		     (unsigned long long)*entry, (unsigned long long)table);
	return *entry & PTE_ADDR_MASK;
}

void okvm_guest_map_page(struct okvm_vm *vm, u64 gva, u64 gpa)
{
	u64 table = PML4_GPA;
	int shift;

	OKVM_REQUIRE(vm->long_mode, "not a long-mode VM");
	OKVM_REQUIRE(gva >= MAPPED_LIMIT && gva < LOWER_HALF_END,
		     "gva 0x%llx is not between 4G and the lower half's end",
		     (unsigned long long)gva);
	OKVM_REQUIRE(!(gva % PAGE_SIZE_4K) && !(gpa % PAGE_SIZE_4K),
		     "gva 0x%llx or gpa 0x%llx is not page aligned",
		     (unsigned long long)gva, (unsigned long long)gpa);
	/* PML4, PDPT, PD: each level indexes 9 bits of the gva. */
	for (shift = 39; shift > 12; shift -= 9)
		table = next_level_table(vm, table, (gva >> shift) % PTES_PER_TABLE);
	write_u64(vm, table + ((gva >> 12) % PTES_PER_TABLE) * 8,
		  gpa | PTE_PRESENT | PTE_WRITABLE);
}

/* Open /proc/self/exe and read its ELF header, which must be ET_EXEC. */
static int open_image(struct elf64_hdr *ehdr)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	OKVM_REQUIRE(fd >= 0, "open /proc/self/exe: %s", strerror(errno));
	OKVM_REQUIRE(pread(fd, ehdr, sizeof(*ehdr), 0) == sizeof(*ehdr), "short ELF header");
	OKVM_REQUIRE(ehdr->e_type == ET_EXEC,
		     "the test program must be static and not PIE (e_type %u)", ehdr->e_type);
	return fd;
}

static void read_program_header(int fd, const struct elf64_hdr *ehdr, int index,
				struct elf64_phdr *phdr)
{
	off_t offset = ehdr->e_phoff + (off_t)index * ehdr->e_phentsize;

	OKVM_REQUIRE(pread(fd, phdr, sizeof(*phdr), offset) == sizeof(*phdr),
		     "short program header");
}

/* Where the last PT_LOAD segment of the program ends. */
static u64 image_end(void)
{
	u64 end = 0;
	struct elf64_hdr ehdr;
	struct elf64_phdr phdr;
	int fd, i;

	fd = open_image(&ehdr);
	for (i = 0; i < ehdr.e_phnum; i++) {
		read_program_header(fd, &ehdr, i, &phdr);
		if (phdr.p_type == PT_LOAD && phdr.p_vaddr + phdr.p_memsz > end)
			end = phdr.p_vaddr + phdr.p_memsz;
	}
	close(fd);
	return end;
}

/* Copy the PT_LOAD segments of the program to their addresses in the guest. */
static void load_image(struct okvm_vm *vm)
{
	struct elf64_hdr ehdr;
	struct elf64_phdr phdr;
	int fd, i;

	fd = open_image(&ehdr);
	for (i = 0; i < ehdr.e_phnum; i++) {
		read_program_header(fd, &ehdr, i, &phdr);
		if (phdr.p_type != PT_LOAD)
			continue;
		OKVM_REQUIRE(phdr.p_vaddr >= IMAGE_MIN_GPA,
			     "segment at 0x%llx overlaps the guest's system area",
			     (unsigned long long)phdr.p_vaddr);
		/* Slot 0 is fresh anonymous memory: the .bss part is zero. */
		OKVM_REQUIRE(pread(fd, okvm_gpa_to_hva(vm, phdr.p_vaddr), phdr.p_filesz,
				   phdr.p_offset) == (ssize_t)phdr.p_filesz,
			     "reading a segment of /proc/self/exe: %s", strerror(errno));
	}
	close(fd);
}

void okvm_long_mode_sregs(struct okvm_vm *vm, struct kvm_sregs *sregs)
{
	struct kvm_segment ldt = { .type = SEG_TYPE_LDT, .unusable = 1 };

	sregs->cs = code64_segment;
	sregs->ds = data_segment;
	sregs->es = data_segment;
	sregs->fs = data_segment;
	sregs->gs = data_segment;
	sregs->ss = data_segment;
	sregs->tr = tss_segment;
	sregs->ldt = ldt;
	sregs->gdt.base = GDT_GPA;
	sregs->gdt.limit = GDT_SIZE - 1;
	sregs->idt.base = IDT_GPA;
	sregs->idt.limit = NR_IDT_VECTORS * 16 - 1;
	sregs->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		     X86_CR0_WP | X86_CR0_PG;
	sregs->cr3 = PML4_GPA;
	sregs->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs->efer = EFER_LME | EFER_LMA;
}

struct okvm_vcpu *okvm_vcpu_add_long_mode(struct okvm_vm *vm, u32 id,
					  void *guest_code)
{
	u64 return_stub = (u64)(uintptr_t)okvm_guest_return_stub;
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct okvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	OKVM_REQUIRE(vm->long_mode, "not a long-mode VM");
	OKVM_REQUIRE(id < OKVM_MAX_VCPUS, "vCPU id %u has no stack", id);
	vcpu = okvm_vcpu_create(vm, id);
	okvm_vcpu_set_supported_cpuid(vcpu);

	okvm_vcpu_get_sregs(vcpu, &sregs);
	okvm_long_mode_sregs(vm, &sregs);
	okvm_vcpu_set_sregs(vcpu, &sregs);

	/*
	 * Enter @guest_code as if called: RSP + 8 is 16-byte aligned and the
	 * return address is a stub that reports UCALL_DONE.
	 */
	vcpu->stack_top = STACKS_GPA + (id + 1) * STACK_SIZE;
	write_u64(vm, vcpu->stack_top - 8, return_stub);
	memset(&regs, 0, sizeof(regs));
	regs.rip = (u64)(uintptr_t)guest_code;
	regs.rsp = vcpu->stack_top - 8;
	regs.rflags = X86_EFLAGS_FIXED;
	okvm_vcpu_set_regs(vcpu, &regs);
	/*
	 * With an in-kernel APIC an AP starts waiting for INIT and SIPI; this
	 * one starts at @guest_code, as upstream's selftests start theirs.
	 */
	okvm_vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp);
	return vcpu;
}

/* Which irqchip a long-mode VM gets before its vCPUs. */
enum irqchip_mode {
	IRQCHIP_NONE,
	IRQCHIP_KERNEL,		/* KVM_CREATE_IRQCHIP */
	IRQCHIP_SPLIT,		/* KVM_CAP_SPLIT_IRQCHIP, 24 IOAPIC pins */
};

static struct okvm_vm *create_long_mode(unsigned int nr_vcpus, void *guest_code,
					struct okvm_vcpu **vcpus, enum irqchip_mode irqchip)
{
	struct okvm_vm *vm = okvm_vm_create();
	u64 size = (image_end() + PAGE_SIZE_2M - 1) & ~(PAGE_SIZE_2M - 1);
	unsigned int i;

	vm->long_mode = true;
	vm->next_page_table_gpa = PAGE_TABLES_GPA;
	okvm_vm_add_anon_region(vm, 0, 0, size);
	load_image(vm);
	build_page_tables(vm);
	okvm_guest_identity_map(vm, 0, size);
	build_gdt(vm);
	build_idt(vm);
	/* Before any vCPU: each gets its local APIC when it is created. */
	if (irqchip != IRQCHIP_NONE) {
		struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };

		if (irqchip == IRQCHIP_SPLIT)
			okvm_vm_ioctl(vm, KVM_ENABLE_CAP, &split);
		else
			okvm_vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0);
		okvm_guest_identity_map(vm, APIC_DEFAULT_GPA & ~(PAGE_SIZE_2M - 1), PAGE_SIZE_2M);
	}

	for (i = 0; i < nr_vcpus; i++)
		vcpus[i] = okvm_vcpu_add_long_mode(vm, i, guest_code);
	return vm;
}

struct okvm_vm *okvm_vm_create_long_mode(unsigned int nr_vcpus, void *guest_code,
					 struct okvm_vcpu **vcpus)
{
	return create_long_mode(nr_vcpus, guest_code, vcpus, IRQCHIP_NONE);
}

struct okvm_vm *okvm_vm_create_long_mode_irqchip(unsigned int nr_vcpus, void *guest_code,
						 struct okvm_vcpu **vcpus)
{
	return create_long_mode(nr_vcpus, guest_code, vcpus, IRQCHIP_KERNEL);
}

struct okvm_vm *okvm_vm_create_long_mode_split_irqchip(unsigned int nr_vcpus, void *guest_code,
						       struct okvm_vcpu **vcpus)
{
	return create_long_mode(nr_vcpus, guest_code, vcpus, IRQCHIP_SPLIT);
}
