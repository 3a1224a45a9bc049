// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: core/virt.c, whether a vCPU may enter the guest on this CPU.
 */
#include <kunit/test.h>
#include <linux/irqflags.h>

#include <okvm/hw.h>

/* Once a reboot began no entry starts, though SVM is still on here. */
static void okvm_virt_no_entry_once_rebooting(struct kunit *test)
{
	unsigned long flags;
	bool before, during, after;

	local_irq_save(flags);
	before = okvm_virt_can_enter();
	WRITE_ONCE(okvm_rebooting, true);
	during = okvm_virt_can_enter();
	WRITE_ONCE(okvm_rebooting, false);
	after = okvm_virt_can_enter();
	local_irq_restore(flags);

	KUNIT_EXPECT_TRUE(test, before);
	KUNIT_EXPECT_FALSE(test, during);
	KUNIT_EXPECT_TRUE(test, after);
}

static struct kunit_case okvm_virt_cases[] = {
	KUNIT_CASE(okvm_virt_no_entry_once_rebooting),
	{}
};

static struct kunit_suite okvm_virt_suite = {
	.name = "okvm_virt",
	.test_cases = okvm_virt_cases,
};

kunit_test_suite(okvm_virt_suite);
