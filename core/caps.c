// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CHECK_EXTENSION: one table holds every capability okvm implements, so
 * the answer a client gets and the code that exists cannot drift apart.
 * Anything not in the table answers 0, as KVM answers for what it lacks.
 */
#include <linux/kernel.h>
#include <uapi/linux/kvm.h>

#include <okvm/caps.h>
#include <okvm/irq_routing.h>
#include <okvm/irqchip.h>
#include <okvm/kvmclock.h>
#include <okvm/mce.h>
#include <okvm/lapic.h>
#include <okvm/memslot.h>
#include <okvm/vm.h>
#include <okvm/xsave.h>
#include <uapi/okvm.h>

/* What KVM calls the recommended vCPU count: one per host CPU. */
static long okvm_cap_nr_vcpus(void)
{
	return min_t(long, num_online_cpus(), OKVM_MAX_VCPUS);
}

static const struct okvm_cap okvm_cap_table[] = {
	{ KVM_CAP_USER_MEMORY, 1 },
	{ KVM_CAP_USER_MEMORY2, 1 },
	{ KVM_CAP_SET_TSS_ADDR, 1 },
	{ KVM_CAP_SET_IDENTITY_MAP_ADDR, 1 },
	{ KVM_CAP_NR_VCPUS, .value_fn = okvm_cap_nr_vcpus },
	{ KVM_CAP_MAX_VCPUS, OKVM_MAX_VCPUS },
	{ KVM_CAP_MAX_VCPU_ID, OKVM_MAX_VCPU_ID },
	{ KVM_CAP_SET_BOOT_CPU_ID, 1 },
	{ KVM_CAP_MSR_PLATFORM_INFO, 1 },
	{ KVM_CAP_NR_MEMSLOTS, OKVM_NR_MEMSLOTS },
	{ KVM_CAP_IMMEDIATE_EXIT, 1 },
	{ KVM_CAP_EXT_CPUID, 1 },
	{ KVM_CAP_SYNC_MMU, 1 },
	{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS, 1 },
	{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, 1 },
	{ KVM_CAP_HLT, 1 },
	{ KVM_CAP_MP_STATE, 1 },
	{ KVM_CAP_DEBUGREGS, 1 },
	{ KVM_CAP_READONLY_MEM, 1 },
	{ KVM_CAP_BINARY_STATS_FD, 1 },
	{ KVM_CAP_GET_TSC_KHZ, 1 },
	{ KVM_CAP_ADJUST_CLOCK, .value_fn = okvm_kvmclock_cap },
	{ KVM_CAP_VCPU_ATTRIBUTES, 1 },
	{ KVM_CAP_X86_APIC_BUS_CYCLES_NS, OKVM_APIC_BUS_CYCLE_NS_DEFAULT },
	{ KVM_CAP_IRQCHIP, 1 },
	{ KVM_CAP_IRQ_ROUTING, OKVM_MAX_IRQ_ROUTES },
	{ KVM_CAP_IRQ_INJECT_STATUS, 1 },
	{ KVM_CAP_SPLIT_IRQCHIP, 1 },
	{ KVM_CAP_PIT, 1 },
	{ KVM_CAP_PIT2, 1 },
	{ KVM_CAP_PIT_STATE2, 1 },
	{ KVM_CAP_USER_NMI, 1 },
	{ KVM_CAP_GET_MSR_FEATURES, 1 },
	{ KVM_CAP_EXIT_ON_EMULATION_FAILURE, 1 },
	{ KVM_CAP_X86_USER_SPACE_MSR, 1 },
	{ KVM_CAP_X86_MSR_FILTER, 1 },
	{ KVM_CAP_VCPU_EVENTS, 1 },
	{ KVM_CAP_SYNC_REGS, KVM_SYNC_X86_VALID_FIELDS },
	{ KVM_CAP_XSAVE, 1 },
	{ KVM_CAP_XSAVE2, .value_fn = okvm_xsave2_size },
	{ KVM_CAP_XCRS, .value_fn = okvm_cap_xcrs },
	{ KVM_CAP_SIGNAL_MSI, 1 },
	{ KVM_CAP_IRQFD, 1 },
	{ KVM_CAP_IOEVENTFD, 1 },
	{ KVM_CAP_IOEVENTFD_ANY_LENGTH, 1 },
	{ KVM_CAP_X2APIC_API, OKVM_X2APIC_API_FLAGS },
	{ KVM_CAP_TSC_DEADLINE_TIMER, 1 },
	{ KVM_CAP_MCE, .value_fn = okvm_mce_cap },
	{ KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, OKVM_DIRTY_LOG_MANUAL_CAPS },
	{ KVM_CAP_ENFORCE_PV_FEATURE_CPUID, 1 },
	{ KVM_CAP_COALESCED_MMIO, KVM_COALESCED_MMIO_PAGE_OFFSET },
	{ KVM_CAP_COALESCED_PIO, 1 },
	{ KVM_CAP_PRE_FAULT_MEMORY, 1 },
	{ KVM_CAP_DISABLE_QUIRKS2, OKVM_QUIRKS },
	{ KVM_CAP_X86_DISABLE_EXITS, KVM_X86_DISABLE_EXITS_HLT | KVM_X86_DISABLE_EXITS_PAUSE },
	{ OKVM_CAP_ABI, OKVM_ABI_REVISION },
	{ OKVM_CAP_APICV_USER_INHIBIT, 1 },
};

/**
 * okvm_caps() - the capability table, for tests and documentation
 * @nr_caps: set to the number of entries
 *
 * Return: the first entry.
 */
const struct okvm_cap *okvm_caps(size_t *nr_caps)
{
	*nr_caps = ARRAY_SIZE(okvm_cap_table);
	return okvm_cap_table;
}

/**
 * okvm_cap_get() - the value a table entry answers
 * @cap: the entry
 *
 * Return: its value.
 */
long okvm_cap_get(const struct okvm_cap *cap)
{
	return cap->value_fn ? cap->value_fn() : cap->value;
}

/**
 * okvm_check_extension() - answer KVM_CHECK_EXTENSION
 * @cap: the capability number userspace asked about
 *
 * Return: the capability's value, or 0 if okvm does not implement it.
 */
long okvm_check_extension(long cap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(okvm_cap_table); i++)
		if (okvm_cap_table[i].cap == cap)
			return okvm_cap_get(&okvm_cap_table[i]);
	return 0;
}
