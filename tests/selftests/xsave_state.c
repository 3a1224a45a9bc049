// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's FPU state through KVM_GET/SET_XSAVE, KVM_GET_XSAVE2 and
 * KVM_GET/SET_XCRS: the x87, SSE, AVX and PKRU values the guest loaded are
 * in the buffer at their architectural offsets (the standard XSAVE format,
 * the AVX and PKRU offsets from CPUID leaf 0xd), a value the host changes
 * there is what the guest finds when it runs again, and XCR0 round-trips
 * and refuses what XSETBV refuses.
 *
 * The host gives the guest its XCR0 with KVM_SET_XCRS rather than letting
 * it run XSETBV: QEMU's TCG, where these tests run, lets XSETBV through
 * without an exit, and kvm_amd would then load its own idea of XCR0 (x87
 * only) at the next entry, where the guest's AVX would fault.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define XFEATURE_FP		BIT_ULL(0)
#define XFEATURE_SSE		BIT_ULL(1)
#define XFEATURE_YMM		BIT_ULL(2)
#define XFEATURE_PKRU		BIT_ULL(9)
#define XFEATURE_YMM_NR		2
#define XFEATURE_PKRU_NR	9
#define CPUID_1_ECX_XSAVE	BIT_ULL(26)
#define CPUID_7_ECX_PKU		BIT_ULL(3)

/* The standard format's legacy area and header (SDM vol. 1, 13.4). */
#define XSAVE_FCW		0
#define XSAVE_MXCSR		24
#define XSAVE_ST0		32
#define XSAVE_XMM0		160
#define XSAVE_XSTATE_BV		512
#define XSAVE_XCOMP_BV		520
#define XSAVE_HDR_RESERVED	528

#define GUEST_FCW		0x027f	/* double precision, all masked */
#define GUEST_MXCSR		0x7f80	/* round toward zero, all masked */
#define GUEST_PKRU		0x5555aa50	/* key 0 (the guest's pages) open */
#define HOST_PKRU		0x0c0c0c00

/* An 80-bit normal number: 64-bit significand, then sign and exponent. */
static const u8 guest_st0[10] = {
	0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x81, 0x05, 0x40,
};

/* What the guest loads and what it finds after the exit (guest memory). */
static const u16 guest_fcw_in = GUEST_FCW;
static const u32 guest_mxcsr_in = GUEST_MXCSR;
static u8 guest_ymm_in[16][32];
static u8 guest_ymm_out[16][32];
static u8 guest_st0_out[10];
static u32 guest_mxcsr_out;
static u16 guest_fcw_out;
static u32 guest_pkru_out;
static bool guest_use_ymm, guest_use_pkru;

static void fill_pattern(u8 (*ymm)[32], u8 seed)
{
	int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < 32; j++)
			ymm[i][j] = (u8)(seed + i * 32 + j);
}

static void guest_wrpkru(u32 pkru)
{
	asm volatile("wrpkru" : : "a"(pkru), "c"(0), "d"(0) : "memory");
}

static u32 guest_rdpkru(void)
{
	u32 pkru, edx;

	asm volatile("rdpkru" : "=a"(pkru), "=d"(edx) : "c"(0));
	return pkru;
}

/*
 * Load the state, make a SYNC ucall (1), store the state: in one asm, so
 * that no compiled code touches a vector register in between, only the
 * exit and whatever the host did to the state meanwhile.
 */
#define GUEST_X87_SSE_LOAD						\
	"fninit\n\t"							\
	"fldcw %[fcw_in]\n\t"						\
	"fldt %[st0_in]\n\t"						\
	"ldmxcsr %[mxcsr_in]\n\t"
#define GUEST_X87_SSE_STORE						\
	"fstpt %[st0_out]\n\t"						\
	"fnstcw %[fcw_out]\n\t"						\
	"stmxcsr %[mxcsr_out]\n\t"
#define GUEST_UCALL "outl %%eax, %%dx\n\t"

static void guest_sync_holding_fpu(void)
{
	struct okvm_ucall uc = { .cmd = UCALL_SYNC, .args = { 1 } };

	if (READ_ONCE(guest_use_ymm))
		asm volatile(GUEST_X87_SSE_LOAD
			     ".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t"
			     "vmovdqu \\n*32(%[src]), %%ymm\\n\n\t"
			     ".endr\n\t"
			     GUEST_UCALL
			     ".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t"
			     "vmovdqu %%ymm\\n, \\n*32(%[dst])\n\t"
			     ".endr\n\t"
			     GUEST_X87_SSE_STORE
			     : [st0_out] "=m"(guest_st0_out), [fcw_out] "=m"(guest_fcw_out),
			       [mxcsr_out] "=m"(guest_mxcsr_out)
			     : [src] "r"(guest_ymm_in), [dst] "r"(guest_ymm_out),
			       [fcw_in] "m"(guest_fcw_in),
			       [st0_in] "m"(guest_st0),
			       [mxcsr_in] "m"(guest_mxcsr_in),
			       "a"((u32)(uintptr_t)&uc), "d"((u16)OKVM_UCALL_PORT)
			     : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			       "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			       "xmm13", "xmm14", "xmm15", "st");
	else
		asm volatile(GUEST_X87_SSE_LOAD
			     ".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t"
			     "movdqu \\n*32(%[src]), %%xmm\\n\n\t"
			     ".endr\n\t"
			     GUEST_UCALL
			     ".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t"
			     "movdqu %%xmm\\n, \\n*32(%[dst])\n\t"
			     ".endr\n\t"
			     GUEST_X87_SSE_STORE
			     : [st0_out] "=m"(guest_st0_out), [fcw_out] "=m"(guest_fcw_out),
			       [mxcsr_out] "=m"(guest_mxcsr_out)
			     : [src] "r"(guest_ymm_in), [dst] "r"(guest_ymm_out),
			       [fcw_in] "m"(guest_fcw_in),
			       [st0_in] "m"(guest_st0),
			       [mxcsr_in] "m"(guest_mxcsr_in),
			       "a"((u32)(uintptr_t)&uc), "d"((u16)OKVM_UCALL_PORT)
			     : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			       "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			       "xmm13", "xmm14", "xmm15", "st");
}

static void guest_code(void)
{
	if (READ_ONCE(guest_use_pkru))
		guest_wrpkru(GUEST_PKRU);
	guest_sync_holding_fpu();
	if (READ_ONCE(guest_use_pkru))
		guest_pkru_out = guest_rdpkru();
	GUEST_SYNC(2);
}

/* What the host's CPU and the supported CPUID offer. */
struct xsave_env {
	bool xsave;
	u64 supported_xcr0;	/* KVM_GET_SUPPORTED_CPUID's leaf 0xd.0 */
	bool pku;
	u32 ymm_offset;		/* CPUID.0xd.2:EBX */
	u32 pkru_offset;	/* CPUID.0xd.9:EBX */
};

static void get_env(struct okvm_vm *vm, struct xsave_env *env)
{
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vm->dev_fd);
	u32 eax, ebx, ecx, edx;
	unsigned int i;

	memset(env, 0, sizeof(*env));
	__cpuid(1, eax, ebx, ecx, edx);
	env->xsave = ecx & CPUID_1_ECX_XSAVE;
	for (i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 0xd && e->index == 0)
			env->supported_xcr0 = e->eax | (u64)e->edx << 32;
		if (e->function == 7 && e->index == 0)
			env->pku = e->ecx & CPUID_7_ECX_PKU;
	}
	free(cpuid);
	if (env->supported_xcr0 & XFEATURE_YMM) {
		__cpuid_count(0xd, XFEATURE_YMM_NR, eax, ebx, ecx, edx);
		env->ymm_offset = ebx;
	}
	if (env->supported_xcr0 & XFEATURE_PKRU) {
		__cpuid_count(0xd, XFEATURE_PKRU_NR, eax, ebx, ecx, edx);
		env->pkru_offset = ebx;
	}
	env->pku = env->pku && env->pkru_offset;
}

/* KVM_SET_XCRS of XCR0 alone; its result as is (errno set). */
static int set_xcr0(struct okvm_vcpu *vcpu, u64 xcr0)
{
	struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = xcr0 } } };

	return ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs);
}

static u64 get_xcr0(struct okvm_vcpu *vcpu)
{
	struct kvm_xcrs xcrs;

	memset(&xcrs, 0xcc, sizeof(xcrs));
	okvm_vcpu_ioctl(vcpu, KVM_GET_XCRS, &xcrs);
	OKVM_REQUIRE(xcrs.nr_xcrs == 1 && xcrs.flags == 0 && xcrs.xcrs[0].xcr == 0,
		     "KVM_GET_XCRS: nr_xcrs %u flags 0x%x xcr %u", xcrs.nr_xcrs,
		     xcrs.flags, xcrs.xcrs[0].xcr);
	return xcrs.xcrs[0].value;
}

static u64 xstate_bv(const struct kvm_xsave *xsave)
{
	u64 bv;

	memcpy(&bv, (const u8 *)xsave->region + XSAVE_XSTATE_BV, sizeof(bv));
	return bv;
}

static void set_xstate_bv(struct kvm_xsave *xsave, u64 bv)
{
	memcpy((u8 *)xsave->region + XSAVE_XSTATE_BV, &bv, sizeof(bv));
}

static u8 *xsave_at(struct kvm_xsave *xsave, u32 offset)
{
	return (u8 *)xsave->region + offset;
}

TEST(xsave_capabilities)
{
	struct okvm_vm *vm = okvm_vm_create();
	struct xsave_env env;
	int size;

	get_env(vm, &env);
	EXPECT_EQ(1, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE));
	EXPECT_EQ(env.xsave, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS));
	size = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	EXPECT_GE(size, (int)sizeof(struct kvm_xsave));
	EXPECT_EQ(size, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2));
	okvm_vm_free(vm);
}

TEST(guest_fpu_state_in_xsave)
{
	u64 xcr0, fp_sse = XFEATURE_FP | XFEATURE_SSE;
	struct kvm_xsave *xsave, *xsave2;
	u8 expected[16][32];
	struct okvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct xsave_env env;
	struct okvm_vm *vm;
	u32 mxcsr, pkru;
	int size, i;
	u16 fcw;

	vm = okvm_vm_create_long_mode(1, guest_code, &vcpu);
	get_env(vm, &env);
	if (!env.xsave || !env.supported_xcr0) {
		okvm_vm_free(vm);
		SKIP(return, "no XSAVE");
	}
	xcr0 = env.supported_xcr0 & (fp_sse | XFEATURE_YMM | (env.pku ? XFEATURE_PKRU : 0));
	guest_use_ymm = xcr0 & XFEATURE_YMM;
	guest_use_pkru = env.pku;
	fill_pattern(guest_ymm_in, 0x11);
	okvm_sync_global_to_guest(vm, guest_ymm_in);
	okvm_sync_global_to_guest(vm, guest_use_ymm);
	okvm_sync_global_to_guest(vm, guest_use_pkru);

	okvm_vcpu_get_sregs(vcpu, &sregs);
	sregs.cr4 |= X86_CR4_OSXSAVE | (env.pku ? X86_CR4_PKE : 0);
	okvm_vcpu_set_sregs(vcpu, &sregs);
	ASSERT_EQ(0, set_xcr0(vcpu, xcr0));
	ASSERT_EQ(xcr0, get_xcr0(vcpu));

	okvm_vcpu_expect_sync(vcpu, 1);

	/* KVM_GET_XSAVE: the values the guest holds, where the SDM puts them. */
	xsave = calloc(1, sizeof(*xsave));
	ASSERT_NE(NULL, xsave);
	okvm_vcpu_ioctl(vcpu, KVM_GET_XSAVE, xsave);
	EXPECT_EQ(xstate_bv(xsave) & (xcr0 & ~XFEATURE_PKRU), xcr0 & ~XFEATURE_PKRU)
		TH_LOG("XSTATE_BV 0x%llx, XCR0 0x%llx", xstate_bv(xsave), xcr0);
	memcpy(&fcw, xsave_at(xsave, XSAVE_FCW), sizeof(fcw));
	memcpy(&mxcsr, xsave_at(xsave, XSAVE_MXCSR), sizeof(mxcsr));
	EXPECT_EQ(GUEST_FCW, fcw);
	EXPECT_EQ(GUEST_MXCSR, mxcsr);
	EXPECT_EQ(0, memcmp(xsave_at(xsave, XSAVE_ST0), guest_st0, sizeof(guest_st0)));
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(0, memcmp(xsave_at(xsave, XSAVE_XMM0 + i * 16), guest_ymm_in[i], 16))
			TH_LOG("XMM%d", i);
		if (guest_use_ymm)
			EXPECT_EQ(0, memcmp(xsave_at(xsave, env.ymm_offset + i * 16),
					    &guest_ymm_in[i][16], 16))
				TH_LOG("upper half of YMM%d", i);
	}
	if (env.pku && (xstate_bv(xsave) & XFEATURE_PKRU)) {
		memcpy(&pkru, xsave_at(xsave, env.pkru_offset), sizeof(pkru));
		EXPECT_EQ(GUEST_PKRU, pkru);
	}

	/* KVM_GET_XSAVE2: the same state, in exactly KVM_CAP_XSAVE2's bytes. */
	size = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	ASSERT_GE(size, (int)sizeof(*xsave));
	xsave2 = malloc(size + 64);
	ASSERT_NE(NULL, xsave2);
	memset(xsave2, 0xa5, size + 64);
	okvm_vcpu_ioctl(vcpu, KVM_GET_XSAVE2, xsave2);
	EXPECT_EQ(0, memcmp(xsave, xsave2, sizeof(*xsave)));
	for (i = size; i < size + 64; i++)
		EXPECT_EQ(0xa5, ((u8 *)xsave2)[i]) TH_LOG("byte %d past the buffer", i);
	free(xsave2);

	/* KVM_SET_XSAVE of one changed register (and PKRU): the guest sees it. */
	memcpy(expected, guest_ymm_in, sizeof(expected));
	memset(expected[1], 0x5a, sizeof(expected[1]));
	if (!guest_use_ymm)
		memcpy(&expected[1][16], &guest_ymm_in[1][16], 16);
	memcpy(xsave_at(xsave, XSAVE_XMM0 + 16), expected[1], 16);
	if (guest_use_ymm)
		memcpy(xsave_at(xsave, env.ymm_offset + 16), &expected[1][16], 16);
	if (env.pku) {
		pkru = HOST_PKRU;
		memcpy(xsave_at(xsave, env.pkru_offset), &pkru, sizeof(pkru));
		set_xstate_bv(xsave, xstate_bv(xsave) | XFEATURE_PKRU);
	}
	okvm_vcpu_ioctl(vcpu, KVM_SET_XSAVE, xsave);
	free(xsave);

	okvm_vcpu_expect_sync(vcpu, 2);
	okvm_sync_global_from_guest(vm, guest_ymm_out);
	okvm_sync_global_from_guest(vm, guest_st0_out);
	okvm_sync_global_from_guest(vm, guest_fcw_out);
	okvm_sync_global_from_guest(vm, guest_mxcsr_out);
	okvm_sync_global_from_guest(vm, guest_pkru_out);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0, memcmp(expected[i], guest_ymm_out[i], guest_use_ymm ? 32 : 16))
			TH_LOG("register %d", i);
	EXPECT_EQ(0, memcmp(guest_st0, guest_st0_out, sizeof(guest_st0)));
	EXPECT_EQ(GUEST_FCW, guest_fcw_out);
	EXPECT_EQ(GUEST_MXCSR, guest_mxcsr_out);
	if (env.pku)
		EXPECT_EQ(HOST_PKRU, guest_pkru_out);
	/* XCR0 is still what KVM_SET_XCRS gave. */
	EXPECT_EQ(xcr0, get_xcr0(vcpu));
	okvm_vcpu_expect_done(vcpu);
	okvm_vm_free(vm);
}

TEST(xsave_refuses_bad_state)
{
	struct okvm_vcpu *vcpu;
	struct kvm_xsave *xsave, *bad;
	struct xsave_env env;
	struct okvm_vm *vm;
	u64 bit, all = 0;
	u32 mxcsr;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	get_env(vm, &env);
	if (!env.xsave || !env.supported_xcr0) {
		okvm_vm_free(vm);
		SKIP(return, "no XSAVE");
	}
	xsave = calloc(1, sizeof(*xsave));
	bad = calloc(1, sizeof(*bad));
	ASSERT_NE(NULL, xsave);
	ASSERT_NE(NULL, bad);
	okvm_vcpu_ioctl(vcpu, KVM_GET_XSAVE, xsave);

	/* Every supported component is taken, without KVM_SET_CPUID2. */
	memcpy(bad, xsave, sizeof(*bad));
	set_xstate_bv(bad, env.supported_xcr0);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));

	/* A component the host does not offer. */
	for (bit = 2; bit < 63; bit++)
		if (!(env.supported_xcr0 & BIT_ULL(bit)))
			break;
	memcpy(bad, xsave, sizeof(*bad));
	set_xstate_bv(bad, xstate_bv(xsave) | BIT_ULL(bit));
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));
	EXPECT_EQ(EINVAL, errno) TH_LOG("XSTATE_BV bit %llu", bit);

	/* The compacted format, and the header's reserved bytes. */
	memcpy(bad, xsave, sizeof(*bad));
	all = BIT_ULL(63) | XFEATURE_FP;
	memcpy(xsave_at(bad, XSAVE_XCOMP_BV), &all, sizeof(all));
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));
	EXPECT_EQ(EINVAL, errno);
	memcpy(bad, xsave, sizeof(*bad));
	*xsave_at(bad, XSAVE_HDR_RESERVED + 8) = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));
	EXPECT_EQ(EINVAL, errno);

	/* Reserved MXCSR bits (bit 31 is reserved on every CPU). */
	memcpy(bad, xsave, sizeof(*bad));
	mxcsr = 0x1f80 | BIT_ULL(31);
	memcpy(xsave_at(bad, XSAVE_MXCSR), &mxcsr, sizeof(mxcsr));
	set_xstate_bv(bad, xstate_bv(xsave) | XFEATURE_SSE);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, bad));
	EXPECT_EQ(EINVAL, errno);

	/* None of it changed the state. */
	okvm_vcpu_ioctl(vcpu, KVM_GET_XSAVE, bad);
	memcpy(&mxcsr, xsave_at(bad, XSAVE_MXCSR), sizeof(mxcsr));
	EXPECT_EQ(0x1f80, mxcsr);

	/* Pointers that do not point at memory. */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_XSAVE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_XSAVE2, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XSAVE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_GET_XCRS, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, NULL));
	EXPECT_EQ(EFAULT, errno);

	free(bad);
	free(xsave);
	okvm_vm_free(vm);
}

TEST(xcrs_round_trip_and_refusals)
{
	u64 fp_sse = XFEATURE_FP | XFEATURE_SSE, bit;
	struct okvm_vcpu *vcpu;
	struct kvm_xcrs xcrs;
	struct xsave_env env;
	struct okvm_vm *vm;

	vm = okvm_vm_create();
	vcpu = okvm_vcpu_create(vm, 0);
	get_env(vm, &env);
	if (!env.xsave || !env.supported_xcr0) {
		okvm_vm_free(vm);
		SKIP(return, "no XSAVE");
	}
	/* A new vCPU has x87 state only; without CPUID, nothing else goes. */
	EXPECT_EQ(XFEATURE_FP, get_xcr0(vcpu));
	EXPECT_EQ(-1, set_xcr0(vcpu, fp_sse));
	EXPECT_EQ(EINVAL, errno);
	okvm_vcpu_set_supported_cpuid(vcpu);

	/* Every value XSETBV could load round-trips. */
	ASSERT_EQ(0, set_xcr0(vcpu, fp_sse));
	EXPECT_EQ(fp_sse, get_xcr0(vcpu));
	ASSERT_EQ(0, set_xcr0(vcpu, env.supported_xcr0));
	EXPECT_EQ(env.supported_xcr0, get_xcr0(vcpu));

	/* What XSETBV refuses, EINVAL, and XCR0 stays. */
	EXPECT_EQ(-1, set_xcr0(vcpu, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_xcr0(vcpu, XFEATURE_SSE));
	EXPECT_EQ(EINVAL, errno);
	if (env.supported_xcr0 & XFEATURE_YMM) {
		EXPECT_EQ(-1, set_xcr0(vcpu, XFEATURE_FP | XFEATURE_YMM));
		EXPECT_EQ(EINVAL, errno);
	}
	for (bit = 2; bit < 64; bit++) {
		if (env.supported_xcr0 & BIT_ULL(bit))
			continue;
		EXPECT_EQ(-1, set_xcr0(vcpu, env.supported_xcr0 | BIT_ULL(bit)));
		EXPECT_EQ(EINVAL, errno) TH_LOG("XCR0 bit %llu", bit);
	}
	EXPECT_EQ(env.supported_xcr0, get_xcr0(vcpu));

	/* Flags, and more XCRs than the structure holds: EINVAL. */
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].value = fp_sse;
	xcrs.flags = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(EINVAL, errno);
	xcrs.flags = 0;
	xcrs.nr_xcrs = KVM_MAX_XCRS + 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(env.supported_xcr0, get_xcr0(vcpu));

	/* No entry, or only XCRs that do not exist: nothing changes. */
	xcrs.nr_xcrs = 0;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].xcr = 1;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(env.supported_xcr0, get_xcr0(vcpu));

	/* The first XCR0 entry counts. */
	xcrs.nr_xcrs = 3;
	xcrs.xcrs[1].xcr = 0;
	xcrs.xcrs[1].value = fp_sse;
	xcrs.xcrs[2].xcr = 0;
	xcrs.xcrs[2].value = 0;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(fp_sse, get_xcr0(vcpu));
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
