// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_REGS/SREGS/FPU/MSRS store what the host gives them: the matching
 * KVM_GET_* reads it back, and the guest sees it in its registers. MSR
 * batches stop at the first MSR the hypervisor does not know, and say how
 * many went through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/sse.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

/* Not an MSR of any x86 CPU or of KVM's paravirtual ranges. */
#define MSR_NOT_IMPLEMENTED	0xdeadbeef

static void guest_report_args(u64 a, u64 b, u64 c, u64 d)
{
	GUEST_SYNC(a);
	GUEST_SYNC(b);
	GUEST_SYNC(c);
	GUEST_SYNC(d);
}

TEST(regs_roundtrip)
{
	struct kvm_regs regs, back;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 *reg;
	int i;

	vm = okvm_vm_create_long_mode(1, guest_report_args, &vcpu);
	okvm_vcpu_get_regs(vcpu, &regs);
	/* Every GPR gets its own value, from rax (first field) to r15. */
	for (reg = &regs.rax, i = 0; reg <= &regs.r15; reg++, i++)
		*reg = 0x1111111111111111ULL * (i % 15 + 1) + i;
	regs.rip = 0x401234;
	regs.rflags = X86_EFLAGS_FIXED | X86_EFLAGS_CF | X86_EFLAGS_ZF | X86_EFLAGS_OF;
	okvm_vcpu_set_regs(vcpu, &regs);

	okvm_vcpu_get_regs(vcpu, &back);
	for (reg = &regs.rax, i = 0; reg <= &regs.r15; reg++, i++)
		EXPECT_EQ(*reg, (&back.rax)[i]) TH_LOG("GPR %d", i);
	EXPECT_EQ(regs.rip, back.rip);
	EXPECT_EQ(regs.rflags, back.rflags);
	okvm_vm_free(vm);
}

TEST(guest_sees_gprs_set_by_host)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_report_args, &vcpu);
	okvm_vcpu_set_args(vcpu, 4, 0xa5a5a5a5a5a5a5a5ULL, 0x0123456789abcdefULL,
			   0xffffffff00000000ULL, 1ULL);
	okvm_vcpu_expect_sync(vcpu, 0xa5a5a5a5a5a5a5a5ULL);
	okvm_vcpu_expect_sync(vcpu, 0x0123456789abcdefULL);
	okvm_vcpu_expect_sync(vcpu, 0xffffffff00000000ULL);
	okvm_vcpu_expect_sync(vcpu, 1);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

static void expect_same_segment(struct __test_metadata *_metadata, const char *name,
				const struct kvm_segment *set, const struct kvm_segment *got)
{
	EXPECT_EQ(set->base, got->base) TH_LOG("%s.base", name);
	EXPECT_EQ(set->limit, got->limit) TH_LOG("%s.limit", name);
	EXPECT_EQ(set->selector, got->selector) TH_LOG("%s.selector", name);
	EXPECT_EQ(set->type, got->type) TH_LOG("%s.type", name);
	EXPECT_EQ(set->present, got->present) TH_LOG("%s.present", name);
	EXPECT_EQ(set->dpl, got->dpl) TH_LOG("%s.dpl", name);
	EXPECT_EQ(set->db, got->db) TH_LOG("%s.db", name);
	EXPECT_EQ(set->s, got->s) TH_LOG("%s.s", name);
	EXPECT_EQ(set->l, got->l) TH_LOG("%s.l", name);
	EXPECT_EQ(set->g, got->g) TH_LOG("%s.g", name);
}

TEST(sregs_roundtrip)
{
	struct kvm_sregs sregs, back;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_report_args, &vcpu);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	sregs.fs.base = 0x7f0012340000ULL;
	sregs.gs.base = 0xffff888012345000ULL;
	sregs.gdt.base = 0x7100;
	sregs.gdt.limit = 0x2f;
	sregs.idt.base = 0x8800;
	sregs.idt.limit = 0xfff;
	sregs.cr2 = 0x5a5a5000;
	sregs.cr8 = 5;
	sregs.efer |= EFER_SCE;
	okvm_vcpu_set_sregs(vcpu, &sregs);

	okvm_vcpu_get_sregs(vcpu, &back);
	expect_same_segment(_metadata, "cs", &sregs.cs, &back.cs);
	expect_same_segment(_metadata, "ds", &sregs.ds, &back.ds);
	expect_same_segment(_metadata, "es", &sregs.es, &back.es);
	expect_same_segment(_metadata, "fs", &sregs.fs, &back.fs);
	expect_same_segment(_metadata, "gs", &sregs.gs, &back.gs);
	expect_same_segment(_metadata, "ss", &sregs.ss, &back.ss);
	expect_same_segment(_metadata, "tr", &sregs.tr, &back.tr);
	EXPECT_EQ(sregs.gdt.base, back.gdt.base);
	EXPECT_EQ(sregs.gdt.limit, back.gdt.limit);
	EXPECT_EQ(sregs.idt.base, back.idt.base);
	EXPECT_EQ(sregs.idt.limit, back.idt.limit);
	EXPECT_EQ(sregs.cr0, back.cr0);
	EXPECT_EQ(sregs.cr2, back.cr2);
	EXPECT_EQ(sregs.cr3, back.cr3);
	EXPECT_EQ(sregs.cr4, back.cr4);
	EXPECT_EQ(sregs.cr8, back.cr8);
	EXPECT_EQ(sregs.efer, back.efer);
	EXPECT_EQ(sregs.apic_base, back.apic_base);
	okvm_vm_free(vm);
}

static void guest_report_gs_base_and_cr2(void)
{
	GUEST_SYNC(guest_rdmsr(MSR_GS_BASE));
	GUEST_SYNC(guest_read_cr2());
}

TEST(guest_sees_sregs_set_by_host)
{
	struct okvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_report_gs_base_and_cr2, &vcpu);
	okvm_vcpu_get_sregs(vcpu, &sregs);
	sregs.gs.base = 0xffff888000abc000ULL;
	sregs.cr2 = 0xcafe0000;
	okvm_vcpu_set_sregs(vcpu, &sregs);
	okvm_vcpu_expect_sync(vcpu, 0xffff888000abc000ULL);
	okvm_vcpu_expect_sync(vcpu, 0xcafe0000);
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

/* The x87 control word with double instead of extended precision. */
#define FCW_DOUBLE_PRECISION	0x27f

static void fill_xmm_pattern(u8 xmm[16][16], u8 seed)
{
	int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			xmm[i][j] = seed + i * 16 + j;
}

/*
 * KVM_GET_FPU and KVM_SET_FPU carry the x87 and XMM registers; upstream KVM
 * ignores struct kvm_fpu's mxcsr field both ways (MXCSR travels only in
 * KVM_GET/SET_XSAVE), so MXCSR is not checked here.
 */
TEST(fpu_roundtrip)
{
	struct kvm_fpu fpu, back;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_report_args, &vcpu);
	okvm_vcpu_ioctl(vcpu, KVM_GET_FPU, &fpu);
	fill_xmm_pattern(fpu.xmm, 0x30);
	fpu.fcw = FCW_DOUBLE_PRECISION;
	okvm_vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu);

	memset(&back, 0, sizeof(back));
	okvm_vcpu_ioctl(vcpu, KVM_GET_FPU, &back);
	EXPECT_EQ(0, memcmp(fpu.xmm, back.xmm, sizeof(fpu.xmm)));
	EXPECT_EQ(FCW_DOUBLE_PRECISION, back.fcw);
	okvm_vm_free(vm);
}

/* What the guest found in its SSE registers right after a ucall. */
static u8 guest_xmm_seen[16][16];
static u16 guest_fcw_seen;

static void guest_report_sse_state(void)
{
	struct okvm_ucall uc = { .cmd = UCALL_SYNC };

	/*
	 * One asm statement from the ucall to the stores, so the compiler has
	 * no chance to use an XMM register in between.
	 */
	asm volatile("outl %%eax, %%dx\n\t"
		     STORE_ALL_XMM
		     "fnstcw %[fcw]"
		     : [fcw] "=m"(guest_fcw_seen)
		     : "a"((u32)(uintptr_t)&uc), "d"((u16)OKVM_UCALL_PORT),
		       [xmm_dst] "r"(guest_xmm_seen)
		     : "memory");
}

TEST(guest_sees_fpu_set_by_host)
{
	u8 expected[16][16];
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	struct kvm_fpu fpu;

	vm = okvm_vm_create_long_mode(1, guest_report_sse_state, &vcpu);
	/* The guest stopped in the middle of its ucall: load its registers now. */
	okvm_vcpu_next_sync(vcpu);
	okvm_vcpu_ioctl(vcpu, KVM_GET_FPU, &fpu);
	fill_xmm_pattern(fpu.xmm, 0x80);
	fpu.fcw = FCW_DOUBLE_PRECISION;
	okvm_vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu);
	okvm_vcpu_expect_done(vcpu);

	fill_xmm_pattern(expected, 0x80);
	okvm_sync_global_from_guest(vm, guest_xmm_seen);
	okvm_sync_global_from_guest(vm, guest_fcw_seen);
	EXPECT_EQ(0, memcmp(expected, guest_xmm_seen, sizeof(expected)));
	EXPECT_EQ(FCW_DOUBLE_PRECISION, guest_fcw_seen);
	okvm_vm_free(vm);
}

/* A struct kvm_msrs with room for @nr entries. */
static struct kvm_msrs *alloc_msrs(unsigned int nr)
{
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + nr * sizeof(msrs->entries[0]));

	if (msrs)
		msrs->nmsrs = nr;
	return msrs;
}

static const struct {
	u32 index;
	u64 value;
} msr_values[] = {
	/* AMD keeps 32 bits of the SYSENTER MSRs for an AMD guest. */
	{ MSR_IA32_SYSENTER_CS, 0x10 },
	{ MSR_IA32_SYSENTER_ESP, 0x12345000 },
	{ MSR_IA32_SYSENTER_EIP, 0x23456000 },
	{ MSR_STAR, 0x0023001000000000ULL },
	{ MSR_LSTAR, 0xffffffff81234560ULL },
	{ MSR_CSTAR, 0xffffffff81234570ULL },
	{ MSR_SYSCALL_MASK, 0x47700 },
	{ MSR_KERNEL_GS_BASE, 0xffff888076543000ULL },
};

TEST(msrs_roundtrip)
{
	unsigned int i, nr = ARRAY_SIZE(msr_values);
	struct okvm_vcpu *vcpu;
	struct kvm_msrs *msrs;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_report_args, &vcpu);
	msrs = alloc_msrs(nr);
	ASSERT_NE(NULL, msrs);
	for (i = 0; i < nr; i++) {
		msrs->entries[i].index = msr_values[i].index;
		msrs->entries[i].data = msr_values[i].value;
	}
	EXPECT_EQ(nr, ioctl(vcpu->fd, KVM_SET_MSRS, msrs)) TH_LOG("%s", strerror(errno));

	for (i = 0; i < nr; i++)
		msrs->entries[i].data = 0;
	EXPECT_EQ(nr, ioctl(vcpu->fd, KVM_GET_MSRS, msrs)) TH_LOG("%s", strerror(errno));
	for (i = 0; i < nr; i++)
		EXPECT_EQ(msr_values[i].value, msrs->entries[i].data)
			TH_LOG("MSR 0x%x", msr_values[i].index);
	free(msrs);
	okvm_vm_free(vm);
}

static void guest_msr_exchange(u64 kernel_gs_base)
{
	GUEST_SYNC(guest_rdmsr(MSR_LSTAR));
	GUEST_SYNC(guest_rdmsr(MSR_STAR));
	guest_wrmsr(MSR_KERNEL_GS_BASE, kernel_gs_base);
	GUEST_SYNC(0);
}

static u64 get_msr(struct okvm_vcpu *vcpu, u32 index)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} one = { .header.nmsrs = 1, .entry.index = index };

	OKVM_REQUIRE(ioctl(vcpu->fd, KVM_GET_MSRS, &one) == 1,
		     "KVM_GET_MSRS 0x%x: %s", index, strerror(errno));
	return one.entry.data;
}

static void set_msr(struct okvm_vcpu *vcpu, u32 index, u64 value)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} one = { .header.nmsrs = 1, .entry = { .index = index, .data = value } };

	OKVM_REQUIRE(ioctl(vcpu->fd, KVM_SET_MSRS, &one) == 1,
		     "KVM_SET_MSRS 0x%x: %s", index, strerror(errno));
}

TEST(guest_and_host_see_each_others_msrs)
{
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_msr_exchange, &vcpu);
	set_msr(vcpu, MSR_LSTAR, 0xffffffff8abcdef0ULL);
	set_msr(vcpu, MSR_STAR, 0x0033002200000000ULL);
	okvm_vcpu_set_args(vcpu, 1, 0xffff8880aaaa0000ULL);

	okvm_vcpu_expect_sync(vcpu, 0xffffffff8abcdef0ULL);
	okvm_vcpu_expect_sync(vcpu, 0x0033002200000000ULL);
	okvm_vcpu_expect_sync(vcpu, 0);
	EXPECT_EQ(0xffff8880aaaa0000ULL, get_msr(vcpu, MSR_KERNEL_GS_BASE));
	okvm_vm_free(vm);
}

TEST(msrs_stop_at_unknown_index)
{
	struct okvm_vcpu *vcpu;
	struct kvm_msrs *msrs;
	struct okvm_vm *vm;

	vm = okvm_vm_create_long_mode(1, guest_report_args, &vcpu);
	set_msr(vcpu, MSR_LSTAR, 0xffffffff80000000ULL);
	msrs = alloc_msrs(3);
	ASSERT_NE(NULL, msrs);
	msrs->entries[0].index = MSR_STAR;
	msrs->entries[0].data = 0x0010000800000000ULL;
	msrs->entries[1].index = MSR_NOT_IMPLEMENTED;
	msrs->entries[2].index = MSR_LSTAR;
	msrs->entries[2].data = 0xffffffff81000000ULL;

	/* The count of MSRs processed before the unknown one. */
	EXPECT_EQ(1, ioctl(vcpu->fd, KVM_SET_MSRS, msrs));
	EXPECT_EQ(0x0010000800000000ULL, get_msr(vcpu, MSR_STAR));
	EXPECT_EQ(0xffffffff80000000ULL, get_msr(vcpu, MSR_LSTAR));

	msrs->entries[0].data = 0;
	EXPECT_EQ(1, ioctl(vcpu->fd, KVM_GET_MSRS, msrs));
	EXPECT_EQ(0x0010000800000000ULL, msrs->entries[0].data);

	/* An unknown MSR first: nothing is processed. */
	msrs->entries[0].index = MSR_NOT_IMPLEMENTED;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_GET_MSRS, msrs));
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_MSRS, msrs));
	free(msrs);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
