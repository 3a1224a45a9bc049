// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the VMX control fields okvm builds from capability MSRs
 * (vmx/controls.c), from made-up MSR values, so that it runs on any host.
 */
#include <kunit/test.h>
#include <asm/vmx.h>

#include "../../vmx/vmx.h"

/* A capability MSR: @must in bits 31:0, @may in bits 63:32. */
#define CAPS(must, may)	(((u64)(may) << 32) | (u32)(must))

static void okvm_vmx_adjust_required_optional(struct kunit *test)
{
	u32 value = 0x5a5a;

	/* What is required and allowed, the allowed part of what is optional. */
	KUNIT_EXPECT_EQ(test, okvm_vmx_adjust_control(CAPS(0, 0x0f), 0x03, 0x34, 0, &value), 0);
	KUNIT_EXPECT_EQ(test, value, 0x07U);
	/* The CPU's must-be-1 controls, wanted or not. */
	KUNIT_EXPECT_EQ(test, okvm_vmx_adjust_control(CAPS(0x100, 0x10f), 0x01, 0, 0, &value), 0);
	KUNIT_EXPECT_EQ(test, value, 0x101U);
	/* A required control the CPU cannot set: refused, value untouched. */
	value = 0x5a5a;
	KUNIT_EXPECT_EQ(test, okvm_vmx_adjust_control(CAPS(0, 0x0e), 0x01, 0, 0, &value), -EIO);
	KUNIT_EXPECT_EQ(test, value, 0x5a5aU);
	/* A control set later must be allowed, and is not in the value now. */
	KUNIT_EXPECT_EQ(test, okvm_vmx_adjust_control(CAPS(0, 0x0f), 0x01, 0, 0x10, &value), -EIO);
	KUNIT_EXPECT_EQ(test, okvm_vmx_adjust_control(CAPS(0, 0x1f), 0x01, 0, 0x10, &value), 0);
	KUNIT_EXPECT_EQ(test, value, 0x01U);
}

/* A CPU that allows every control and forces none. */
static struct okvm_vmx_caps okvm_test_vmx_caps_all(void)
{
	return (struct okvm_vmx_caps){
		.pin = CAPS(0, ~0U), .proc = CAPS(0, ~0U), .proc2 = CAPS(0, ~0U),
		.exit = CAPS(0, ~0U), .entry = CAPS(0, ~0U),
	};
}

static void okvm_vmx_controls_on_a_generous_cpu(struct kunit *test)
{
	struct okvm_vmx_caps caps = okvm_test_vmx_caps_all();
	struct okvm_vmx_controls c;

	KUNIT_ASSERT_NULL(test, okvm_vmx_build_controls(&caps, &c));
	KUNIT_EXPECT_EQ(test, c.pin, PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
			PIN_BASED_VIRTUAL_NMIS);
	/* No CR3 exits under EPT, no window exits until a vCPU waits for one. */
	KUNIT_EXPECT_FALSE(test, c.proc & (CPU_BASED_CR3_LOAD_EXITING |
					   CPU_BASED_CR3_STORE_EXITING |
					   CPU_BASED_INTR_WINDOW_EXITING |
					   CPU_BASED_NMI_WINDOW_EXITING |
					   CPU_BASED_UNCOND_IO_EXITING));
	/* CR8 exits, or a guest writes the host's TPR; a shadowed TPR drops them. */
	KUNIT_EXPECT_EQ(test, c.proc & (CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING),
			CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
	KUNIT_EXPECT_TRUE(test, c.proc & CPU_BASED_HLT_EXITING);
	KUNIT_EXPECT_TRUE(test, c.proc & CPU_BASED_USE_MSR_BITMAPS);
	KUNIT_EXPECT_TRUE(test, c.proc & CPU_BASED_TPR_SHADOW);
	/* Not RDTSCP or INVPCID for every guest, whatever its CPUID. */
	KUNIT_EXPECT_EQ(test, c.proc2, SECONDARY_EXEC_ENABLE_EPT |
			SECONDARY_EXEC_UNRESTRICTED_GUEST | SECONDARY_EXEC_ENABLE_VPID);
	KUNIT_EXPECT_TRUE(test, c.exit & VM_EXIT_HOST_ADDR_SPACE_SIZE);
	KUNIT_EXPECT_TRUE(test, c.exit & VM_EXIT_LOAD_IA32_EFER);
	/* The guest's DR7 and DEBUGCTL, which true controls would let go. */
	KUNIT_EXPECT_TRUE(test, c.exit & VM_EXIT_SAVE_DEBUG_CONTROLS);
	KUNIT_EXPECT_TRUE(test, c.entry & VM_ENTRY_LOAD_DEBUG_CONTROLS);
	/* The guest's mode decides IA32e mode at each entry, not the template. */
	KUNIT_EXPECT_FALSE(test, c.entry & VM_ENTRY_IA32E_MODE);
	KUNIT_EXPECT_TRUE(test, c.entry & VM_ENTRY_LOAD_IA32_PAT);
}

/* Without true controls, the default-1 controls stay 1. */
static void okvm_vmx_controls_keep_default1(struct kunit *test)
{
	struct okvm_vmx_caps caps = okvm_test_vmx_caps_all();
	struct okvm_vmx_controls c;

	caps.proc = CAPS(CPU_BASED_ALWAYSON_WITHOUT_TRUE_MSR, ~0U);
	caps.entry = CAPS(VM_ENTRY_ALWAYSON_WITHOUT_TRUE_MSR, ~0U);
	KUNIT_ASSERT_NULL(test, okvm_vmx_build_controls(&caps, &c));
	KUNIT_EXPECT_EQ(test, c.proc & CPU_BASED_ALWAYSON_WITHOUT_TRUE_MSR,
			CPU_BASED_ALWAYSON_WITHOUT_TRUE_MSR);
	KUNIT_EXPECT_EQ(test, c.entry & VM_ENTRY_ALWAYSON_WITHOUT_TRUE_MSR,
			VM_ENTRY_ALWAYSON_WITHOUT_TRUE_MSR);
}

/* The build fails, naming @field. */
static void okvm_test_expect_lacking(struct kunit *test, const struct okvm_vmx_caps *caps,
				     const char *field)
{
	struct okvm_vmx_controls c;
	const char *lacking = okvm_vmx_build_controls(caps, &c);

	KUNIT_ASSERT_NOT_NULL(test, lacking);
	KUNIT_EXPECT_STREQ(test, lacking, field);
}

/* A CPU without a control okvm needs, field by field; optional ones may go. */
static void okvm_vmx_controls_refused(struct kunit *test)
{
	struct okvm_vmx_caps caps = okvm_test_vmx_caps_all();
	struct okvm_vmx_controls c;

	caps.pin = CAPS(0, ~PIN_BASED_VIRTUAL_NMIS);
	okvm_test_expect_lacking(test, &caps, "pin-based");

	caps = okvm_test_vmx_caps_all();
	caps.proc2 = CAPS(0, ~SECONDARY_EXEC_UNRESTRICTED_GUEST);
	okvm_test_expect_lacking(test, &caps, "secondary processor-based");

	caps = okvm_test_vmx_caps_all();
	caps.exit = CAPS(0, ~VM_EXIT_LOAD_IA32_EFER);
	okvm_test_expect_lacking(test, &caps, "VM-exit");

	/* Controls set later must exist too. */
	caps = okvm_test_vmx_caps_all();
	caps.proc = CAPS(0, ~CPU_BASED_NMI_WINDOW_EXITING);
	okvm_test_expect_lacking(test, &caps, "processor-based");

	caps = okvm_test_vmx_caps_all();
	caps.entry = CAPS(0, ~VM_ENTRY_IA32E_MODE);
	okvm_test_expect_lacking(test, &caps, "VM-entry");

	caps = okvm_test_vmx_caps_all();
	caps.proc2 = CAPS(0, ~SECONDARY_EXEC_ENABLE_VPID);
	caps.proc = CAPS(0, ~CPU_BASED_TPR_SHADOW);
	KUNIT_ASSERT_NULL(test, okvm_vmx_build_controls(&caps, &c));
	KUNIT_EXPECT_FALSE(test, c.proc2 & SECONDARY_EXEC_ENABLE_VPID);
	KUNIT_EXPECT_FALSE(test, c.proc & CPU_BASED_TPR_SHADOW);
}

static struct kunit_case okvm_vmx_controls_cases[] = {
	KUNIT_CASE(okvm_vmx_adjust_required_optional),
	KUNIT_CASE(okvm_vmx_controls_on_a_generous_cpu),
	KUNIT_CASE(okvm_vmx_controls_keep_default1),
	KUNIT_CASE(okvm_vmx_controls_refused),
	{}
};

static struct kunit_suite okvm_vmx_controls_suite = {
	.name = "okvm_vmx_controls",
	.test_cases = okvm_vmx_controls_cases,
};

kunit_test_suite(okvm_vmx_controls_suite);
