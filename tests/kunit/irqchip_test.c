// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the in-kernel irqchip on vCPUs that are only their common part
 * (no backend state, never run). Suite okvm_lapic: apicv/lapic.c and
 * apicv/apic_bus.c, the local APIC's register semantics and its priority
 * and destination rules. Suite okvm_ioapic: apicv/ioapic.c, pins, their
 * redirection entries, Remote IRR and the EOI that clears it. Suite
 * okvm_pic: apicv/pic.c and apicv/cpu_irq.c, the 8259A pair, its ports,
 * priorities and cascade, and the ExtINT path into a vCPU.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <uapi/linux/kvm.h>

#include <okvm/cpu_irq.h>
#include <okvm/hw.h>
#include <okvm/ioapic.h>
#include <okvm/lapic.h>
#include <okvm/pic.h>
#include <okvm/pio.h>
#include <okvm/vm.h>

#define NR_TEST_VCPUS	4

struct lapic_fixture {
	struct okvm_vm *vm;
	struct okvm_vcpu *vcpus[NR_TEST_VCPUS];
};

static int lapic_test_init(struct kunit *test)
{
	struct lapic_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->vm = kunit_kzalloc(test, sizeof(*f->vm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->vm);
	/*
	 * The APICs' changes reach the APICv state; without TDP tables the
	 * VM must stay inhibited (NO_IRQCHIP), so that nothing is zapped.
	 */
	okvm_apicv_init(f->vm);
	for (i = 0; i < NR_TEST_VCPUS; i++) {
		struct okvm_vcpu *vcpu = kunit_kzalloc(test, sizeof(*vcpu), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, vcpu);
		vcpu->vm = f->vm;
		vcpu->id = i;
		vcpu->cpu = -1;
		vcpu->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE;
		rcuwait_init(&vcpu->wait);
		KUNIT_ASSERT_EQ(test, okvm_lapic_create(vcpu), 0);
		f->vcpus[i] = vcpu;
		f->vm->vcpus[i] = vcpu;
	}
	f->vm->nr_vcpus = NR_TEST_VCPUS;
	test->priv = f;
	return 0;
}

static void lapic_test_exit(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	unsigned int i;

	for (i = 0; i < NR_TEST_VCPUS; i++)
		okvm_lapic_free(f->vcpus[i]);
}

static u32 rd(struct okvm_vcpu *vcpu, u32 reg)
{
	u64 v = 0;

	okvm_lapic_mmio(vcpu, APIC_DEFAULT_PHYS_BASE + reg, false, &v, 4);
	return v;
}

static void wr(struct okvm_vcpu *vcpu, u32 reg, u32 value)
{
	u64 v = value;

	okvm_lapic_mmio(vcpu, APIC_DEFAULT_PHYS_BASE + reg, true, &v, 4);
}

static bool irr_has(struct okvm_vcpu *vcpu, u8 vector)
{
	return rd(vcpu, APIC_IRR + (vector / 32) * 0x10) & BIT(vector % 32);
}

static void fixed(struct kunit *test, struct okvm_vcpu *vcpu, u8 vector)
{
	struct okvm_apic_irq irq = { .vector = vector, .delivery_mode = APIC_DM_FIXED };

	KUNIT_EXPECT_TRUE(test, okvm_apic_accept(vcpu->apic, &irq));
}

/* PPR is the TPR, or the class of the highest vector in service if higher. */
static void okvm_lapic_ppr_follows_tpr_and_isr(struct kunit *test)
{
	static const struct { u8 tpr, isr; u32 ppr; } cases[] = {
		{ 0x00, 0,    0x00 },
		{ 0x35, 0,    0x35 },
		{ 0x35, 0x51, 0x50 },
		{ 0x55, 0x51, 0x55 },
		{ 0x5f, 0x50, 0x5f },
		{ 0x40, 0xe0, 0xe0 },
	};
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[0];
	unsigned int i;

	wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		okvm_lapic_reset(vcpu->apic, false);
		wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
		if (cases[i].isr) {
			fixed(test, vcpu, cases[i].isr);
			KUNIT_ASSERT_EQ(test, okvm_lapic_pending_vector(vcpu->apic), cases[i].isr);
			okvm_lapic_ack(vcpu->apic, cases[i].isr);
		}
		wr(vcpu, APIC_TASKPRI, cases[i].tpr);
		KUNIT_EXPECT_EQ_MSG(test, rd(vcpu, APIC_PROCPRI), cases[i].ppr,
				    "TPR 0x%x, ISR 0x%x", cases[i].tpr, cases[i].isr);
	}
}

/* The highest IRR vector whose class is above the PPR's, and only it. */
static void okvm_lapic_pending_vector_respects_priority(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[0];
	struct okvm_lapic *apic = vcpu->apic;

	wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), -1);
	fixed(test, vcpu, 0x41);
	fixed(test, vcpu, 0x82);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), 0x82);
	okvm_lapic_ack(apic, 0x82);
	KUNIT_EXPECT_FALSE(test, irr_has(vcpu, 0x82));
	/* 0x82 in service holds back the lower class, and a same-class one. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), -1);
	fixed(test, vcpu, 0x85);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), -1);
	fixed(test, vcpu, 0x91);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), 0x91);
	/* EOI ends 0x82; 0x85 is next, then 0x41. */
	okvm_lapic_ack(apic, 0x91);
	wr(vcpu, APIC_EOI, 0);
	wr(vcpu, APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), 0x85);
	okvm_lapic_ack(apic, 0x85);
	wr(vcpu, APIC_EOI, 0);
	/* The TPR alone holds 0x41 back, and says at which class to look again. */
	wr(vcpu, APIC_TASKPRI, 0x40);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), -1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_tpr_blocked_class(apic), 4);
	okvm_lapic_set_cr8(apic, 3);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_TASKPRI), 0x30U);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), 0x41);
	KUNIT_EXPECT_EQ(test, okvm_lapic_tpr_blocked_class(apic), OKVM_IRQ_WINDOW_NONE);
}

/*
 * Vectors 0-15 in the IRR (KVM_SET_LAPIC may put them there) never go in
 * and never make the vCPU wait for a TPR change; neither does a disabled
 * APIC's IRR.
 */
static void okvm_lapic_tpr_wait_only_for_deliverable(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[0];
	struct okvm_lapic *apic = vcpu->apic;
	struct kvm_lapic_state *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	okvm_lapic_get_state(apic, s);
	*(u32 *)(s->regs + APIC_SPIV) = APIC_SPIV_APIC_ENABLED | 0xff;
	*(u32 *)(s->regs + APIC_IRR) = BIT(5);
	KUNIT_ASSERT_EQ(test, okvm_lapic_set_state(apic, s), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(apic), -1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_tpr_blocked_class(apic), OKVM_IRQ_WINDOW_NONE);

	wr(vcpu, APIC_TASKPRI, 0x40);
	fixed(test, vcpu, 0x41);
	KUNIT_EXPECT_EQ(test, okvm_lapic_tpr_blocked_class(apic), 4);
	vcpu->apic_base &= ~MSR_IA32_APICBASE_ENABLE;
	KUNIT_EXPECT_EQ(test, okvm_lapic_tpr_blocked_class(apic), OKVM_IRQ_WINDOW_NONE);
}

/*
 * An NMI message is counted for the vCPU and wakes it, even at a
 * software-disabled APIC (its vector is ignored); fixed ones are not
 * taken there.
 */
static void okvm_apic_nmi_is_queued(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[2];
	struct okvm_apic_irq nmi = { .vector = 0x33, .delivery_mode = APIC_DM_NMI };
	struct okvm_apic_irq fixed = { .vector = 0x33, .delivery_mode = APIC_DM_FIXED };

	KUNIT_EXPECT_FALSE(test, okvm_apic_accept(vcpu->apic, &fixed));
	KUNIT_EXPECT_TRUE(test, okvm_apic_accept(vcpu->apic, &nmi));
	KUNIT_EXPECT_TRUE(test, okvm_apic_accept(vcpu->apic, &nmi));
	KUNIT_EXPECT_EQ(test, atomic_read(&vcpu->nmi_queued), 2);
	KUNIT_EXPECT_TRUE(test, test_bit(OKVM_REQ_EVENT, &vcpu->requests));
	KUNIT_EXPECT_FALSE(test, irr_has(vcpu, 0x33));
}

/*
 * An INIT drops a SIPI the vCPU has not taken yet; a SIPI after the INIT
 * stays pending beside it, for the vCPU to take after the INIT.
 */
static void okvm_apic_sipi_after_init_stays(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_lapic *apic = f->vcpus[1]->apic;
	struct okvm_apic_irq init = { .delivery_mode = APIC_DM_INIT, .assert = true };
	struct okvm_apic_irq sipi = { .vector = 0x30, .delivery_mode = APIC_DM_STARTUP };

	KUNIT_EXPECT_TRUE(test, okvm_apic_accept(apic, &sipi));
	KUNIT_EXPECT_TRUE(test, okvm_apic_accept(apic, &init));
	KUNIT_EXPECT_TRUE(test, test_bit(OKVM_APIC_INIT, &apic->pending_events));
	KUNIT_EXPECT_FALSE(test, test_bit(OKVM_APIC_SIPI, &apic->pending_events));
	KUNIT_EXPECT_TRUE(test, okvm_apic_accept(apic, &sipi));
	KUNIT_EXPECT_TRUE(test, test_bit(OKVM_APIC_INIT, &apic->pending_events));
	KUNIT_EXPECT_TRUE(test, test_bit(OKVM_APIC_SIPI, &apic->pending_events));
	KUNIT_EXPECT_EQ(test, apic->sipi_vector, 0x30);
}

/* Software-disabled: fixed messages are refused and LVT entries stay masked. */
static void okvm_lapic_software_disable_masks(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[0];
	struct okvm_apic_irq irq = { .vector = 0x40, .delivery_mode = APIC_DM_FIXED };

	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_SPIV), 0xffU);
	KUNIT_EXPECT_FALSE(test, okvm_apic_accept(vcpu->apic, &irq));
	wr(vcpu, APIC_LVTT, 0xec);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_LVTT), 0xec | APIC_LVT_MASKED);
	wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	wr(vcpu, APIC_LVTT, 0xec);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_LVTT), 0xecU);
	wr(vcpu, APIC_SPIV, 0xff);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_LVTT), 0xec | APIC_LVT_MASKED);
	/* An illegal vector is an error, not an interrupt. */
	wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	irq.vector = 15;
	KUNIT_EXPECT_FALSE(test, okvm_apic_accept(vcpu->apic, &irq));
	wr(vcpu, APIC_ESR, 0);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_ESR), (u32)APIC_ESR_RECVILL);
}

/* Writable bits: DFR's low bits read one, LDR and ID their top byte only. */
static void okvm_lapic_register_masks(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[2];
	u64 v = 0;

	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_ID), 2U << 24);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_LVR), 0x50014U);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_DFR), 0xffffffffU);
	wr(vcpu, APIC_DFR, 0x0);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_DFR), 0x0fffffffU);
	wr(vcpu, APIC_LDR, 0x12345678);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_LDR), 0x12000000U);
	wr(vcpu, APIC_ID, 0x07abcdef);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_ID), 0x07000000U);
	/* A byte read of a register, and a write that is not 32-bit, dropped. */
	okvm_lapic_mmio(vcpu, APIC_DEFAULT_PHYS_BASE + APIC_ID + 3, false, &v, 1);
	KUNIT_EXPECT_EQ(test, v, 0x07ULL);
	v = 0x40;
	okvm_lapic_mmio(vcpu, APIC_DEFAULT_PHYS_BASE + APIC_TASKPRI, true, &v, 2);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_TASKPRI), 0U);
	/* Not the APIC's page: not its access. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_mmio(vcpu, APIC_DEFAULT_PHYS_BASE + PAGE_SIZE,
					      false, &v, 4), -ENODEV);
}

static unsigned int accepted(struct lapic_fixture *f, u8 vector)
{
	unsigned int i, mask = 0;

	for (i = 0; i < NR_TEST_VCPUS; i++)
		if (irr_has(f->vcpus[i], vector))
			mask |= BIT(i);
	return mask;
}

/* Which vCPUs an ICR reaches, by destination mode and model. */
static void okvm_apic_destinations(struct kunit *test)
{
	static const struct {
		const char *what;
		u32 dfr;	/* every APIC's DFR */
		u32 icr, dest;
		unsigned int src, expected;
	} cases[] = {
		{ "physical 2", APIC_DFR_FLAT, 0, 2, 0, BIT(2) },
		{ "physical broadcast", APIC_DFR_FLAT, 0, 0xff, 0, 0xf },
		{ "physical nobody", APIC_DFR_FLAT, 0, 9, 0, 0 },
		{ "flat 0b0110", APIC_DFR_FLAT, APIC_DEST_LOGICAL, 0x06, 0, BIT(1) | BIT(2) },
		{ "flat broadcast", APIC_DFR_FLAT, APIC_DEST_LOGICAL, 0xff, 0, 0xf },
		{ "cluster 1, cpu 1", APIC_DFR_CLUSTER, APIC_DEST_LOGICAL, 0x11, 0, BIT(3) },
		{ "cluster 0, cpus 0-1", APIC_DFR_CLUSTER, APIC_DEST_LOGICAL, 0x03, 0,
		  BIT(0) | BIT(1) },
		{ "self", APIC_DFR_FLAT, APIC_DEST_SELF, 0, 1, BIT(1) },
		{ "all", APIC_DFR_FLAT, APIC_DEST_ALLINC, 0, 1, 0xf },
		{ "all but self", APIC_DFR_FLAT, APIC_DEST_ALLBUT, 0, 1, 0xd },
	};
	/* Flat: one bit each. Cluster: 0x01, 0x02 (cluster 0), 0x12, 0x11 (1). */
	static const u32 flat_ldr[] = { 0x01, 0x02, 0x04, 0x08 };
	static const u32 cluster_ldr[] = { 0x01, 0x02, 0x12, 0x11 };
	struct lapic_fixture *f = test->priv;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct okvm_apic_irq irq = {
			.vector = 0x50 + i,
			.delivery_mode = APIC_DM_FIXED,
			.dest_logical = cases[i].icr & APIC_DEST_LOGICAL,
			.shorthand = cases[i].icr & APIC_DEST_ALLBUT,
			.dest_id = cases[i].dest,
		};

		for (j = 0; j < NR_TEST_VCPUS; j++) {
			struct okvm_vcpu *vcpu = f->vcpus[j];
			u32 ldr = cluster_ldr[j];

			if (cases[i].dfr == APIC_DFR_FLAT)
				ldr = flat_ldr[j];
			wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
			wr(vcpu, APIC_DFR, cases[i].dfr);
			wr(vcpu, APIC_LDR, ldr << 24);
		}
		KUNIT_EXPECT_EQ_MSG(test, okvm_apic_send(f->vm, f->vcpus[cases[i].src]->apic, &irq),
				    hweight32(cases[i].expected), "%s: count", cases[i].what);
		KUNIT_EXPECT_EQ_MSG(test, accepted(f, irq.vector), cases[i].expected,
				    "%s", cases[i].what);
	}
}

/* Lowest priority: one APIC of those addressed, the one with the lowest TPR. */
static void okvm_apic_lowest_priority(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_apic_irq irq = {
		.vector = 0x60, .delivery_mode = APIC_DM_LOWEST, .dest_logical = true,
		.dest_id = 0x0e,
	};
	static const u32 tpr[] = { 0x00, 0x30, 0x10, 0x20 };
	unsigned int i;

	for (i = 0; i < NR_TEST_VCPUS; i++) {
		wr(f->vcpus[i], APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
		wr(f->vcpus[i], APIC_LDR, BIT(i) << 24);
		wr(f->vcpus[i], APIC_TASKPRI, tpr[i]);
	}
	KUNIT_EXPECT_EQ(test, okvm_apic_send(f->vm, NULL, &irq), 1);
	KUNIT_EXPECT_EQ(test, accepted(f, 0x60), BIT(2));
}

/* x2APIC: the ID is the vCPU's, the LDR derived, the MSRs' access rules. */
static void okvm_lapic_x2apic_msrs(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[3];
	u64 v;

	/* xAPIC mode: the MSRs do not exist. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_msr(vcpu, 0x802, &v, false), -EINVAL);
	KUNIT_ASSERT_EQ(test, okvm_lapic_set_base(vcpu->apic, vcpu->apic_base |
						  X2APIC_ENABLE, false), 0);
	KUNIT_EXPECT_TRUE(test, okvm_lapic_x2apic_mode(vcpu->apic));
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_msr(vcpu, 0x802, &v, false), 0);
	KUNIT_EXPECT_EQ(test, v, 3ULL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_msr(vcpu, 0x80d, &v, false), 0);
	KUNIT_EXPECT_EQ(test, v, BIT_ULL(3));
	/* Read-only ID, write-only EOI and SELF_IPI, no DFR, EOI only with 0. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x802, 7, false), -EINVAL);
	/* ICR's reserved bits 31:20, 17:16 and 13; 12, delivery status, reads 0. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x830, BIT_ULL(20) | 0x40, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x830, BIT_ULL(16) | 0x40, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x830, BIT_ULL(13) | 0x40, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x830, BIT_ULL(12) | 0x40, false), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_msr(vcpu, 0x830, &v, false), 0);
	KUNIT_EXPECT_EQ(test, v, 0x40ULL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_msr(vcpu, 0x80b, &v, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_msr(vcpu, 0x83f, &v, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_msr(vcpu, 0x80e, &v, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x80b, 1, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x80b, 0, false), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x808, BIT_ULL(32), false), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x808, 0x20, false), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_cr8(vcpu->apic), 2);
	/* The page reads all ones in x2APIC mode. */
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_ID), 0xffffffffU);
	/* A self IPI through its MSR. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x80f, 0x1ff, false), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_msr(vcpu, 0x83f, 0x77, false), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending_vector(vcpu->apic), 0x77);
}

/* IA32_APIC_BASE: the mode changes the guest may make, and those it may not. */
static void okvm_lapic_base_transitions(struct kunit *test)
{
	static const struct { u64 from, to; bool host; int r; } cases[] = {
		{ XAPIC_ENABLE, XAPIC_ENABLE | X2APIC_ENABLE, false, 0 },
		{ XAPIC_ENABLE | X2APIC_ENABLE, XAPIC_ENABLE, false, -EINVAL },
		{ XAPIC_ENABLE | X2APIC_ENABLE, XAPIC_ENABLE, true, 0 },
		{ XAPIC_ENABLE | X2APIC_ENABLE, 0, false, 0 },
		{ 0, XAPIC_ENABLE | X2APIC_ENABLE, false, -EINVAL },
		{ 0, XAPIC_ENABLE | X2APIC_ENABLE, true, 0 },
		{ XAPIC_ENABLE, X2APIC_ENABLE, true, -EINVAL },
		{ XAPIC_ENABLE, XAPIC_ENABLE | BIT_ULL(9), true, -EINVAL },
	};
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[1];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 base = APIC_DEFAULT_PHYS_BASE;

		KUNIT_ASSERT_EQ(test,
				okvm_lapic_set_base(vcpu->apic, base | cases[i].from, true), 0);
		KUNIT_EXPECT_EQ_MSG(test, okvm_lapic_set_base(vcpu->apic, base | cases[i].to,
							      cases[i].host), cases[i].r,
				    "0x%llx to 0x%llx", cases[i].from, cases[i].to);
	}
	/* Back to xAPIC, the ID is the vCPU's in bits 31:24 again. */
	KUNIT_ASSERT_EQ(test, okvm_lapic_set_base(vcpu->apic, 0, true), 0);
	KUNIT_ASSERT_EQ(test, okvm_lapic_set_base(vcpu->apic, APIC_DEFAULT_PHYS_BASE |
						  XAPIC_ENABLE, true), 0);
	KUNIT_EXPECT_EQ(test, rd(vcpu, APIC_ID), 1U << 24);
}

/*
 * KVM's broadcast quirk: a device's message (no source APIC) to 0xff
 * reaches x2APICs too, until KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK; an
 * IPI to 0xff never does.
 */
static void okvm_apic_x2apic_broadcast_quirk(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *x2 = f->vcpus[3];
	struct okvm_apic_irq irq = { .vector = 0x70, .delivery_mode = APIC_DM_FIXED,
				     .dest_id = 0xff };

	wr(x2, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	KUNIT_ASSERT_EQ(test, okvm_lapic_set_base(x2->apic, x2->apic_base | X2APIC_ENABLE,
						  false), 0);
	/* Only the x2APIC is software-enabled: the count says who took it. */
	KUNIT_EXPECT_EQ(test, okvm_apic_send(f->vm, NULL, &irq), 1);
	irq.vector = 0x71;
	KUNIT_EXPECT_EQ(test, okvm_apic_send(f->vm, f->vcpus[0]->apic, &irq), 0);
	/* Logical 0xff too. */
	irq.vector = 0x73;
	irq.dest_logical = true;
	KUNIT_EXPECT_EQ(test, okvm_apic_send(f->vm, NULL, &irq), 1);
	irq.dest_logical = false;
	/* 0x1ff (an MSI's 32-bit ID) is no broadcast for an xAPIC. */
	wr(f->vcpus[0], APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	irq.dest_id = 0x1ff;
	KUNIT_EXPECT_EQ(test, okvm_apic_send(f->vm, NULL, &irq), 0);
	irq.dest_id = 0xff;
	f->vm->x2apic_broadcast_quirk_disabled = true;
	irq.vector = 0x72;
	/* vCPU 0, an enabled xAPIC, takes 0xff; the x2APIC no longer does. */
	KUNIT_EXPECT_EQ(test, okvm_apic_send(f->vm, NULL, &irq), 1);
	/* And 0xffffffff is the x2APIC's broadcast, not the xAPIC's. */
	irq.dest_id = 0xffffffff;
	KUNIT_EXPECT_EQ(test, okvm_apic_send(f->vm, NULL, &irq), 1);
}

static struct kunit_case okvm_lapic_cases[] = {
	KUNIT_CASE(okvm_lapic_ppr_follows_tpr_and_isr),
	KUNIT_CASE(okvm_lapic_pending_vector_respects_priority),
	KUNIT_CASE(okvm_lapic_tpr_wait_only_for_deliverable),
	KUNIT_CASE(okvm_apic_sipi_after_init_stays),
	KUNIT_CASE(okvm_apic_nmi_is_queued),
	KUNIT_CASE(okvm_lapic_software_disable_masks),
	KUNIT_CASE(okvm_lapic_register_masks),
	KUNIT_CASE(okvm_apic_destinations),
	KUNIT_CASE(okvm_apic_lowest_priority),
	KUNIT_CASE(okvm_lapic_x2apic_msrs),
	KUNIT_CASE(okvm_apic_x2apic_broadcast_quirk),
	KUNIT_CASE(okvm_lapic_base_transitions),
	{}
};

static struct kunit_suite okvm_lapic_suite = {
	.name = "okvm_lapic",
	.init = lapic_test_init,
	.exit = lapic_test_exit,
	.test_cases = okvm_lapic_cases,
};

/* --- the IOAPIC --- */

static int ioapic_test_init(struct kunit *test)
{
	struct lapic_fixture *f;
	int r = lapic_test_init(test);

	if (r)
		return r;
	f = test->priv;
	KUNIT_ASSERT_EQ(test, okvm_ioapic_create(f->vm), 0);
	return 0;
}

static void ioapic_test_exit(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;

	okvm_ioapic_free(f->vm);
	lapic_test_exit(test);
}

static u32 ioapic_rd(struct okvm_vm *vm, u32 index)
{
	u64 v = index;

	okvm_ioapic_mmio(vm, 0xfec00000, true, &v, 4);
	okvm_ioapic_mmio(vm, 0xfec00010, false, &v, 4);
	return v;
}

static void ioapic_wr(struct okvm_vm *vm, u32 index, u32 value)
{
	u64 v = index;

	okvm_ioapic_mmio(vm, 0xfec00000, true, &v, 4);
	v = value;
	okvm_ioapic_mmio(vm, 0xfec00010, true, &v, 4);
}

/* Pin @pin's entry: @low (vector, mode, trigger, mask) to APIC ID @dest. */
static void ioapic_route(struct okvm_vm *vm, u32 pin, u32 low, u8 dest)
{
	ioapic_wr(vm, 0x11 + 2 * pin, (u32)dest << 24);
	ioapic_wr(vm, 0x10 + 2 * pin, low);
}

/* Reset: every entry masked; the version register says 24 entries. */
static void okvm_ioapic_reset_state(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	unsigned int pin;

	KUNIT_EXPECT_EQ(test, ioapic_rd(f->vm, 0x01), 0x170011U);
	for (pin = 0; pin < KVM_IOAPIC_NUM_PINS; pin++)
		KUNIT_EXPECT_EQ(test, ioapic_rd(f->vm, 0x10 + 2 * pin), APIC_LVT_MASKED);
	/* A masked pin sends nothing: -1, as KVM reports it. */
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 3, true), -1);
	/* Outside the page: not the IOAPIC's; past the registers: all ones. */
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio(f->vm, 0xfec01000, false, &(u64){0}, 4), -ENODEV);
	KUNIT_EXPECT_EQ(test, ioapic_rd(f->vm, 0x10 + 2 * KVM_IOAPIC_NUM_PINS), ~0U);
	KUNIT_EXPECT_EQ(test, ioapic_rd(f->vm, 0x03), ~0U);
	/* 256 bytes are decoded; past them is not the IOAPIC's. */
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio(f->vm, 0xfec00100, false, &(u64){0}, 4), -ENODEV);
}

/* Edge-triggered: a rising edge sends, a line held high does not again. */
static void okvm_ioapic_edge(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[2];

	wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	ioapic_route(f->vm, 4, 0x34, 2);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 4, true), 1);
	KUNIT_EXPECT_TRUE(test, irr_has(vcpu, 0x34));
	okvm_lapic_ack(vcpu->apic, 0x34);
	wr(vcpu, APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 4, true), 0);
	KUNIT_EXPECT_FALSE(test, irr_has(vcpu, 0x34));
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 4, false), 1);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 4, true), 1);
	KUNIT_EXPECT_TRUE(test, irr_has(vcpu, 0x34));
	/* Remote IRR is never set for an edge-triggered pin. */
	KUNIT_EXPECT_EQ(test, ioapic_rd(f->vm, 0x10 + 8) & BIT(14), 0U);
}

/*
 * Level-triggered: Remote IRR holds the pin until the APIC's EOI; a line
 * still high then sends again, a line gone low does not.
 */
static void okvm_ioapic_level_and_eoi(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *vcpu = f->vcpus[1];
	u32 level = BIT(15);

	wr(vcpu, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
	ioapic_route(f->vm, 9, level | 0x49, 1);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 9, true), 1);
	KUNIT_EXPECT_TRUE(test, irr_has(vcpu, 0x49));
	KUNIT_EXPECT_TRUE(test, rd(vcpu, APIC_TMR + 0x20) & BIT(0x49 % 32));
	KUNIT_EXPECT_TRUE(test, ioapic_rd(f->vm, 0x10 + 18) & BIT(14));
	/* Remote IRR set: a new assertion sends nothing (-1). */
	okvm_lapic_ack(vcpu->apic, 0x49);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 9, true), -1);
	KUNIT_EXPECT_FALSE(test, irr_has(vcpu, 0x49));
	/* The EOI clears Remote IRR, and the line still high sends again. */
	wr(vcpu, APIC_EOI, 0);
	KUNIT_EXPECT_TRUE(test, irr_has(vcpu, 0x49));
	KUNIT_EXPECT_TRUE(test, ioapic_rd(f->vm, 0x10 + 18) & BIT(14));
	/* Line low before the next EOI: nothing more. */
	okvm_lapic_ack(vcpu->apic, 0x49);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 9, false), 1);
	wr(vcpu, APIC_EOI, 0);
	KUNIT_EXPECT_FALSE(test, irr_has(vcpu, 0x49));
	KUNIT_EXPECT_EQ(test, ioapic_rd(f->vm, 0x10 + 18) & BIT(14), 0U);
	/* Masked while high, unmasked: it sends at once. */
	ioapic_route(f->vm, 9, level | APIC_LVT_MASKED | 0x49, 1);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(f->vm, 9, true), -1);
	ioapic_route(f->vm, 9, level | 0x49, 1);
	KUNIT_EXPECT_TRUE(test, irr_has(vcpu, 0x49));
}

/* KVM_GET/SET_IRQCHIP's state: what the guest wrote, and the pin levels. */
static void okvm_ioapic_state_round_trips(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct kvm_ioapic_state *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	u64 v;

	KUNIT_ASSERT_NOT_NULL(test, s);
	ioapic_route(f->vm, 5, 0x55, 3);
	okvm_ioapic_set_irq(f->vm, 7, true);
	okvm_ioapic_get_state(f->vm, s);
	KUNIT_EXPECT_EQ(test, s->base_address, 0xfec00000ULL);
	KUNIT_EXPECT_EQ(test, s->redirtbl[5].bits, 0x55ULL | 3ULL << 56);
	KUNIT_EXPECT_EQ(test, s->irr, BIT(7));
	s->base_address = 0xfed00000;
	s->redirtbl[6].bits = 0x66;
	okvm_ioapic_set_state(f->vm, s);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio(f->vm, 0xfec00000, false, &(u64){0}, 4), -ENODEV);
	v = 0x10 + 12;
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio(f->vm, 0xfed00000, true, &v, 4), 0);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio(f->vm, 0xfed00010, false, &v, 4), 0);
	KUNIT_EXPECT_EQ(test, v, 0x66ULL);
}

static struct kunit_case okvm_ioapic_cases[] = {
	KUNIT_CASE(okvm_ioapic_reset_state),
	KUNIT_CASE(okvm_ioapic_edge),
	KUNIT_CASE(okvm_ioapic_level_and_eoi),
	KUNIT_CASE(okvm_ioapic_state_round_trips),
	{}
};

static struct kunit_suite okvm_ioapic_suite = {
	.name = "okvm_ioapic",
	.init = ioapic_test_init,
	.exit = ioapic_test_exit,
	.test_cases = okvm_ioapic_cases,
};

/* --- the 8259A PICs --- */

static int pic_test_init(struct kunit *test)
{
	struct lapic_fixture *f;
	int r = lapic_test_init(test);

	if (r)
		return r;
	f = test->priv;
	KUNIT_ASSERT_EQ(test, okvm_pic_create(f->vm), 0);
	return 0;
}

static void pic_test_exit(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;

	okvm_pic_free(f->vm);
	lapic_test_exit(test);
}

static void pic_out(struct okvm_vm *vm, u16 port, u8 value)
{
	u32 v = value;

	okvm_pio_device_access(vm, port, false, 1, &v);
}

static u8 pic_in(struct okvm_vm *vm, u16 port)
{
	u32 v = 0xff;

	okvm_pio_device_access(vm, port, true, 1, &v);
	return v;
}

/* What a PC BIOS programs: vectors 0x20 and 0x28, cascade on pin 2, 8086 mode. */
static void pic_init(struct okvm_vm *vm, u8 master_imr, u8 slave_imr)
{
	pic_out(vm, 0x20, 0x11);
	pic_out(vm, 0x21, 0x20);
	pic_out(vm, 0x21, 0x04);
	pic_out(vm, 0x21, 0x01);
	pic_out(vm, 0xa0, 0x11);
	pic_out(vm, 0xa1, 0x28);
	pic_out(vm, 0xa1, 0x02);
	pic_out(vm, 0xa1, 0x01);
	pic_out(vm, 0x21, master_imr);
	pic_out(vm, 0xa1, slave_imr);
}

/* OCW3 selects what the command port reads: the IRR (0x0a) or the ISR (0x0b). */
static u8 pic_isr(struct okvm_vm *vm, u16 port)
{
	u8 isr;

	pic_out(vm, port, 0x0b);
	isr = pic_in(vm, port);
	pic_out(vm, port, 0x0a);
	return isr;
}

/* The init sequence sets the vector base and the mask; a masked pin reports -1. */
static void okvm_pic_init_and_mask(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct kvm_pic_state s;
	u32 v = 0xffff;

	pic_init(f->vm, 0xfb, 0xff);
	okvm_pic_get_state(f->vm, false, &s);
	KUNIT_EXPECT_EQ(test, s.irq_base, 0x20);
	KUNIT_EXPECT_EQ(test, s.imr, 0xfb);
	KUNIT_EXPECT_EQ(test, s.init_state, 0);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x21), 0xfb);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0xa1), 0xff);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 0, true), -1);
	KUNIT_EXPECT_FALSE(test, okvm_pic_output(f->vm));
	/* The line is latched while masked: unmasking lets it through. */
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x20), 0x01);
	pic_out(f->vm, 0x21, 0xfa);
	KUNIT_EXPECT_TRUE(test, okvm_pic_output(f->vm));
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x20);
	/* A byte register takes only bytes: a wider access reads 0, writes nothing. */
	KUNIT_EXPECT_EQ(test, okvm_pio_device_access(f->vm, 0x21, false, 2, &v), 0);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x21), 0xfa);
	KUNIT_EXPECT_EQ(test, okvm_pio_device_access(f->vm, 0x21, true, 2, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0U);
	/* The port bus has no other device here: 0x22 and 0x4d2 are userspace's. */
	KUNIT_EXPECT_EQ(test, okvm_pio_device_access(f->vm, 0x22, true, 1, &v), -ENODEV);
	KUNIT_EXPECT_EQ(test, okvm_pio_device_access(f->vm, 0x4d2, true, 1, &v), -ENODEV);
	KUNIT_EXPECT_EQ(test, okvm_pio_device_access(f->vm, 0x4d1, true, 1, &v), 0);
}

/*
 * An edge: one interrupt per rising edge, taken by the acknowledge into
 * the ISR; the pin in service holds itself and lower pins back until EOI,
 * not a higher one.
 */
static void okvm_pic_edge_and_eoi(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;

	pic_init(f->vm, 0x00, 0xff);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 1, true), 1);
	KUNIT_EXPECT_TRUE(test, okvm_pic_output(f->vm));
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x21);
	KUNIT_EXPECT_FALSE(test, okvm_pic_output(f->vm));
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), BIT(1));
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x20), 0);
	/* Still high: no edge. Low, then high: an edge, held back by the ISR. */
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 1, true), 1);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x20), 0);
	okvm_pic_set_irq(f->vm, 1, false);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 1, true), 1);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 3, true), 1);
	KUNIT_EXPECT_FALSE(test, okvm_pic_output(f->vm));
	/* A coalesced edge: one more rising edge before the acknowledge. */
	okvm_pic_set_irq(f->vm, 3, false);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 3, true), 0);
	/* Pin 0 is above pin 1. */
	okvm_pic_set_irq(f->vm, 0, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x20);
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), BIT(0) | BIT(1));
	/* Non-specific EOIs end the highest in service first: 0, then 1. */
	pic_out(f->vm, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), BIT(1));
	KUNIT_EXPECT_FALSE(test, okvm_pic_output(f->vm));
	pic_out(f->vm, 0x20, 0x20);
	KUNIT_EXPECT_TRUE(test, okvm_pic_output(f->vm));
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x21);
	/* A specific EOI of 1; pin 3 is next. */
	pic_out(f->vm, 0x20, 0x61);
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x23);
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), BIT(3));
}

/*
 * A level-triggered pin (its ELCR bit set) requests while the line is
 * high: again after the EOI, never once it is low. A request that goes
 * away before the acknowledge leaves the spurious pin 7, with nothing in
 * service.
 */
static void okvm_pic_level_and_spurious(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;

	pic_init(f->vm, 0x00, 0x00);
	pic_out(f->vm, 0x4d0, 0xff);
	pic_out(f->vm, 0x4d1, 0xff);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x4d0), 0xf8);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x4d1), 0xde);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 5, true), 1);
	/* Raised again before the acknowledge: coalesced. */
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 5, true), 0);
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x25);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x20), BIT(5));
	KUNIT_EXPECT_FALSE(test, okvm_pic_output(f->vm));
	pic_out(f->vm, 0x20, 0x20);
	KUNIT_EXPECT_TRUE(test, okvm_pic_output(f->vm));
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 5, false), 1);
	KUNIT_EXPECT_FALSE(test, okvm_pic_output(f->vm));
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x27);
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), 0);
}

/*
 * ISA line 12 is the slave's pin 4, which the master sees on its pin 2:
 * the acknowledge puts both in service and answers the slave's vector.
 */
static void okvm_pic_cascade(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct kvm_pic_state s;

	pic_init(f->vm, 0xfb, 0x00);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 12, true), 1);
	KUNIT_EXPECT_TRUE(test, okvm_pic_output(f->vm));
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x2c);
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), BIT(2));
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0xa0), BIT(4));
	okvm_pic_get_state(f->vm, true, &s);
	KUNIT_EXPECT_EQ(test, s.isr, BIT(4));
	KUNIT_EXPECT_EQ(test, s.irr, 0);
	/* The slave's cascade masked on the master: nothing reaches the CPU. */
	pic_out(f->vm, 0xa0, 0x20);
	pic_out(f->vm, 0x20, 0x20);
	pic_out(f->vm, 0x21, 0xff);
	okvm_pic_set_irq(f->vm, 12, false);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(f->vm, 12, true), 1);
	KUNIT_EXPECT_FALSE(test, okvm_pic_output(f->vm));
}

/* The poll command makes the next read an acknowledge that answers the pin. */
static void okvm_pic_poll_and_rotation(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;

	pic_init(f->vm, 0x00, 0xff);
	okvm_pic_set_irq(f->vm, 6, true);
	pic_out(f->vm, 0x20, 0x0c);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x20), 0x86);
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), BIT(6));
	pic_out(f->vm, 0x20, 0x0c);
	KUNIT_EXPECT_EQ(test, pic_in(f->vm, 0x20), 0x07);
	/* Rotate on EOI: pin 6 ends and becomes the lowest; 7 is now above 0. */
	pic_out(f->vm, 0x20, 0xa0);
	okvm_pic_set_irq(f->vm, 0, true);
	okvm_pic_set_irq(f->vm, 7, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x27);
	/* 7 in service, at the top now, holds 0 back: the spurious answer. */
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x27);
	KUNIT_EXPECT_EQ(test, pic_isr(f->vm, 0x20), BIT(7));
	pic_out(f->vm, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_pic_read_irq(f->vm), 0x20);
}

/*
 * The PIC reaches a vCPU whose APIC passes ExtINT on: the BSP from reset
 * (LVT0 in ExtINT mode), not an AP (LVT0 masked) until it is disabled in
 * IA32_APIC_BASE.
 */
static void okvm_pic_through_lint0(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;
	struct okvm_vcpu *bsp = f->vcpus[0], *ap = f->vcpus[1];

	KUNIT_EXPECT_EQ(test, rd(bsp, APIC_LVT0), APIC_DM_EXTINT);
	KUNIT_EXPECT_EQ(test, rd(ap, APIC_LVT0), APIC_LVT_MASKED);
	pic_init(f->vm, 0x00, 0xff);
	okvm_pic_set_irq(f->vm, 4, true);
	KUNIT_EXPECT_FALSE(test, okvm_cpu_has_interrupt(ap));
	KUNIT_EXPECT_TRUE(test, okvm_cpu_has_interrupt(bsp));
	KUNIT_EXPECT_EQ(test, okvm_cpu_get_interrupt(bsp), 0x24);
	KUNIT_EXPECT_FALSE(test, okvm_cpu_has_interrupt(bsp));
	/* Software-disabled APIC: LVT0 writes keep the mask. */
	wr(bsp, APIC_LVT0, APIC_DM_EXTINT);
	KUNIT_EXPECT_EQ(test, rd(bsp, APIC_LVT0), APIC_DM_EXTINT | APIC_LVT_MASKED);
	pic_out(f->vm, 0x20, 0x20);
	okvm_pic_set_irq(f->vm, 4, false);
	okvm_pic_set_irq(f->vm, 4, true);
	KUNIT_EXPECT_FALSE(test, okvm_cpu_has_interrupt(bsp));
	ap->apic_base &= ~MSR_IA32_APICBASE_ENABLE;
	KUNIT_EXPECT_TRUE(test, okvm_cpu_has_interrupt(ap));
	KUNIT_EXPECT_EQ(test, okvm_cpu_get_interrupt(ap), 0x24);
}

/* KVM_SET_BOOT_CPU_ID moves the reset LINT0 ExtINT to the boot vCPU. */
static void okvm_lapic_lint0_follows_boot_cpu(struct kunit *test)
{
	struct lapic_fixture *f = test->priv;

	f->vm->bsp_vcpu_id = 1;
	okvm_lapic_reset(f->vcpus[0]->apic, false);
	okvm_lapic_reset(f->vcpus[1]->apic, false);
	KUNIT_EXPECT_EQ(test, rd(f->vcpus[0], APIC_LVT0), APIC_LVT_MASKED);
	KUNIT_EXPECT_EQ(test, rd(f->vcpus[1], APIC_LVT0), APIC_DM_EXTINT);
	/* INIT resets it the same way. */
	okvm_lapic_reset(f->vcpus[1]->apic, true);
	KUNIT_EXPECT_EQ(test, rd(f->vcpus[1], APIC_LVT0), APIC_DM_EXTINT);
}

static struct kunit_case okvm_pic_cases[] = {
	KUNIT_CASE(okvm_pic_init_and_mask),
	KUNIT_CASE(okvm_pic_edge_and_eoi),
	KUNIT_CASE(okvm_pic_level_and_spurious),
	KUNIT_CASE(okvm_pic_cascade),
	KUNIT_CASE(okvm_pic_poll_and_rotation),
	KUNIT_CASE(okvm_pic_through_lint0),
	KUNIT_CASE(okvm_lapic_lint0_follows_boot_cpu),
	{}
};

static struct kunit_suite okvm_pic_suite = {
	.name = "okvm_pic",
	.init = pic_test_init,
	.exit = pic_test_exit,
	.test_cases = okvm_pic_cases,
};

kunit_test_suites(&okvm_lapic_suite, &okvm_ioapic_suite, &okvm_pic_suite);
