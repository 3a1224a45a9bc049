/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMs and vCPUs: the state common to every hardware backend.
 */
#ifndef _OKVM_VM_H
#define _OKVM_VM_H

#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rcuwait.h>
#include <linux/refcount.h>
#include <linux/signal.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <uapi/linux/kvm.h>

#include <okvm/apicv.h>
#include <okvm/gpc.h>
#include <okvm/memslot.h>
#include <okvm/mmio.h>
#include <okvm/mce.h>
#include <okvm/mmu.h>
#include <okvm/mtrr.h>
#include <okvm/pio.h>
#include <okvm/regs.h>
#include <okvm/stats.h>

struct okvm_lapic;
struct okvm_ioapic;
struct okvm_pic;
struct okvm_pit;
struct okvm_irq_routing;
struct okvm_msr_filter;
struct okvm_coalesced_io;

/*
 * KVM's bounds on x86 (KVM_MAX_VCPUS, and vCPU ids up to four times as
 * many, its KVM_VCPU_ID_RATIO): a vCPU id is also its APIC ID, and
 * topologies with holes in the ID space need the room.
 */
#define OKVM_MAX_VCPUS		1024
#define OKVM_MAX_VCPU_ID	(4 * OKVM_MAX_VCPUS)
#define OKVM_MAX_CPUID_ENTRIES	256

/*
 * struct kvm_run, the page that KVM_EXIT_IO's data_offset points into, and
 * the VM's coalesced I/O ring (KVM_COALESCED_MMIO_PAGE_OFFSET), as in KVM.
 */
#define OKVM_RUN_PIO_PAGE	1
#define OKVM_RUN_PAGES		(KVM_COALESCED_MMIO_PAGE_OFFSET + 1)

/**
 * struct okvm_vm - one virtual machine
 * @users: references: the VM fd and each vCPU fd
 * @mm: the address space that created the VM; memslots live in it
 * @lock: serializes VM ioctls that create things (vCPUs)
 * @slots_lock: serializes memslot writers
 * @srcu: protects readers of @memslots
 * @memslots: the current memslot array
 * @retired_memslots: an array replaced without waiting for SRCU readers
 *	(a delete's or move's invalid copy); the next memslot update, which
 *	waits for them, frees it, or VM teardown does. Under @slots_lock
 * @mmu_lock: read for page faults, write for zaps (Documentation/locking.rst)
 * @mmu: the TDP page tables
 * @mmu_invalidate: notifier/zap state that faults check before mapping
 * @invalidate_done: woken when @mmu_invalidate.in_progress drops to zero
 * @mmu_notifier: follows changes to @mm's page tables
 * @nr_vcpus: vCPUs in @vcpus, published with release semantics
 * @vcpus: the vCPUs, indexed by creation order
 * @tss_addr: KVM_SET_TSS_ADDR's value (unused on SVM)
 * @identity_map_addr: KVM_SET_IDENTITY_MAP_ADDR's value (unused on SVM)
 * @stats: counters for KVM_GET_STATS_FD
 * @dirty_log_manual: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's flags, changed
 *	and read under @slots_lock
 * @irqchip_kernel: KVM_CREATE_IRQCHIP was called (before any vCPU, under
 *	@lock): every vCPU has an in-kernel local APIC
 * @ioapic: the in-kernel IOAPIC, made with @irqchip_kernel (published by
 *	its release) and freed with the VM
 * @pic: the in-kernel 8259A PICs, made and freed with @ioapic
 * @pit: the in-kernel 8254 PIT (KVM_CREATE_PIT2), made under @lock once
 *	@pic exists, published by its release, freed before @pic
 * @irq_routing: the GSI routing table, read under RCU, replaced under @lock
 * @irqchip_split: KVM_CAP_SPLIT_IRQCHIP: local APICs in the kernel, the
 *	IOAPIC and the PICs in userspace; set with @irqchip_kernel
 * @nr_reserved_ioapic_pins: with @irqchip_split, the GSIs below this are
 *	the userspace IOAPIC's: the EOI of a level-triggered MSI route among
 *	them exits with KVM_EXIT_IOAPIC_EOI
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS: KVM_GET/SET_LAPIC carry
 *	the 32-bit x2APIC ID, MSIs the high destination bits in address_hi
 * @x2apic_broadcast_quirk_disabled: KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK:
 *	a device's message to 0xff no longer reaches x2APICs too
 * @bsp_vcpu_id: KVM_SET_BOOT_CPU_ID's vCPU id (0 by default): the vCPU
 *	that comes out of reset as the BSP. Changed under @lock before any
 *	vCPU exists, so fixed for every vCPU that reads it
 * @max_vcpu_ids: KVM_ENABLE_CAP(KVM_CAP_MAX_VCPU_ID): vCPU ids are below
 *	this; 0 until it is set or the first vCPU is created, which fixes it
 *	at OKVM_MAX_VCPU_ID. Under @lock
 * @guest_can_read_msr_platform_info: KVM_CAP_MSR_PLATFORM_INFO, on by
 *	default: a guest's RDMSR of MSR_PLATFORM_INFO reads it, else #GP
 * @tsc_lock: protects @tsc_offset and @tsc_user_set
 * @tsc_offset: the TSC offset new vCPUs start with: the first vCPU's, or
 *	that of the VMM's last write of a vCPU's TSC (core/tsc.c)
 * @tsc_user_set: the VMM has set a vCPU's TSC or TSC offset
 * @apic_bus_cycle_ns: the local APICs' bus clock period, which their
 *	timers count in (KVM_CAP_X86_APIC_BUS_CYCLES_NS); fixed before the
 *	first vCPU, under @lock
 * @user_space_msr_reasons: KVM_CAP_X86_USER_SPACE_MSR's KVM_MSR_EXIT_REASON_*:
 *	guest MSR accesses that fail for one of them exit to userspace
 * @msr_filter: KVM_X86_SET_MSR_FILTER's filter, read under RCU, replaced
 *	under @lock; NULL allows everything
 * @disabled_quirks: KVM_CAP_DISABLE_QUIRKS2's KVM_X86_QUIRK_* bits, only
 *	ever added to, under @lock; read with okvm_vm_has_quirk()
 * @hlt_in_guest: KVM_X86_DISABLE_EXITS_HLT: vCPUs created from now on
 *	execute HLT themselves, without an exit (under @lock)
 * @coalesced_io: the coalesced MMIO and PIO zones and ring (core/coalesced_io.c)
 * @apicv: APICv inhibit reasons and the APIC gfn (apicv/apicv.c)
 * @memslots_generation: bumped (under @mmu_lock held for write) each time
 *	@memslots is replaced: a gfn-to-pfn cache translated in an older one
 *	translates again
 * @gpc: the VM's gfn-to-pfn caches and their invalidation state (gpc/gpc.c)
 * @kvmclock_offset: the VM's kvmclock minus the host's CLOCK_MONOTONIC_RAW,
 *	in ns (gpc/kvmclock.c); KVM_SET_CLOCK writes it, vCPUs read it
 * @wall_clock_msr: MSR_KVM_WALL_CLOCK(_NEW), the last value written
 * @irqfds: the assigned irqfds (core/irqfd.c), under @irqfds_lock
 * @irqfds_lock: guards @irqfds; taken in eventfd wakeups, interrupts off
 * @irqfds_mutex: serializes KVM_IRQFD calls
 * @ioeventfds: the assigned ioeventfds (core/ioeventfd.c), read under RCU,
 *	changed under @ioeventfds_mutex
 * @nr_ioeventfds: entries on @ioeventfds
 * @ioeventfds_mutex: guards changes to @ioeventfds and @nr_ioeventfds
 */
struct okvm_vm {
	refcount_t users;
	struct mm_struct *mm;
	struct mutex lock;		/* see @lock above */
	struct mutex slots_lock;	/* see @slots_lock above */
	struct srcu_struct srcu;
	struct okvm_memslots __rcu *memslots;
	struct okvm_memslots *retired_memslots;
	rwlock_t mmu_lock;
	struct okvm_mmu mmu;
	struct okvm_mmu_invalidate mmu_invalidate;
	wait_queue_head_t invalidate_done;
	struct mmu_notifier mmu_notifier;
	unsigned int nr_vcpus;
	struct okvm_vcpu *vcpus[OKVM_MAX_VCPUS];
	u64 tss_addr;
	u64 identity_map_addr;
	struct okvm_vm_stats stats;
	u64 dirty_log_manual;
	bool irqchip_kernel;
	struct okvm_ioapic *ioapic;
	struct okvm_pic *pic;
	struct okvm_pit *pit;
	struct okvm_irq_routing __rcu *irq_routing;
	bool irqchip_split;
	u32 nr_reserved_ioapic_pins;
	bool x2apic_format;
	bool x2apic_broadcast_quirk_disabled;
	u32 bsp_vcpu_id;
	u32 max_vcpu_ids;
	bool guest_can_read_msr_platform_info;
	spinlock_t tsc_lock;		/* see @tsc_lock above */
	u64 tsc_offset;
	bool tsc_user_set;
	u64 apic_bus_cycle_ns;
	u64 user_space_msr_reasons;
	struct okvm_msr_filter __rcu *msr_filter;
	u64 disabled_quirks;
	bool hlt_in_guest;
	struct okvm_coalesced_io *coalesced_io;
	struct okvm_apicv apicv;
	u64 memslots_generation;
	struct okvm_gpc_vm gpc;
	s64 kvmclock_offset;
	u64 wall_clock_msr;
	struct list_head irqfds;
	spinlock_t irqfds_lock;		/* see @irqfds_lock above */
	struct mutex irqfds_mutex;	/* see @irqfds_mutex above */
	struct list_head ioeventfds;
	unsigned int nr_ioeventfds;
	struct mutex ioeventfds_mutex;	/* see @ioeventfds_mutex above */
};

/* The KVM_X86_QUIRK_* behaviours okvm has, each on until userspace disables it. */
#define OKVM_QUIRKS		(KVM_X86_QUIRK_FIX_HYPERCALL_INSN | \
				 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT | \
				 KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS)

/* Whether @vm still has @quirk, a KVM_X86_QUIRK_* bit of OKVM_QUIRKS. */
static inline bool okvm_vm_has_quirk(struct okvm_vm *vm, u64 quirk)
{
	return !(READ_ONCE(vm->disabled_quirks) & quirk);
}

/* Where a vCPU is, for kicks: see okvm_vcpu_kick(). */
enum okvm_vcpu_mode {
	OKVM_OUTSIDE_GUEST_MODE,
	OKVM_IN_GUEST_MODE,
};

/* Requests: work a vCPU must do before it enters the guest again. */
#define OKVM_REQ_TLB_FLUSH	0
/* Its APIC has something new: an interrupt, INIT or SIPI, a TPR or EOI change. */
#define OKVM_REQ_EVENT		1
/* A guest EOI the userspace IOAPIC must hear of: KVM_EXIT_IOAPIC_EOI. */
#define OKVM_REQ_IOAPIC_EOI_EXIT	2
/* The VM's APICv state changed: okvm_apicv_vcpu_refresh(). */
#define OKVM_REQ_APICV_UPDATE	3
/* Its kvmclock record must be written again: okvm_kvmclock_update(). */
#define OKVM_REQ_CLOCK_UPDATE	4
/* Its thread may have waited for a CPU: okvm_steal_time_update(). */
#define OKVM_REQ_STEAL_UPDATE	5

/**
 * struct okvm_pending_read - an IN or MMIO read waiting for userspace's data
 * @pending: the next KVM_RUN completes it
 * @mmio: the data is in kvm_run.mmio.data, else in the port I/O page
 * @op: where the data goes
 */
struct okvm_pending_read {
	bool pending;
	bool mmio;
	struct okvm_mmio_op op;
};

/**
 * struct okvm_pending_msr - an RDMSR or WRMSR userspace is handling
 * @pending: the next KVM_RUN completes it (core/msr_exit.c)
 * @read: RDMSR: kvm_run.msr.data goes to EDX:EAX
 * @next_rip: where the guest goes on unless userspace sets msr.error
 */
struct okvm_pending_msr {
	bool pending;
	bool read;
	u64 next_rip;
};

/**
 * struct okvm_vcpu - one virtual CPU
 * @vm: its VM
 * @id: the id userspace gave KVM_CREATE_VCPU
 * @mutex: serializes the vCPU's ioctls
 * @run: the struct kvm_run page shared with userspace
 * @pio_page: data of KVM_EXIT_IO, mapped after @run
 * @mode: enum okvm_vcpu_mode, read by kickers
 * @cpu: the CPU it last entered the guest on, for kicks
 * @requests: OKVM_REQ_* bits
 * @regs: general-purpose registers, index OKVM_REG_*
 * @rip: instruction pointer
 * @rflags: flags
 * @guest_fpu: the guest's FPU/XSAVE state, swapped in for KVM_RUN
 * @xcr0: the guest's XCR0
 * @pkru: the guest's PKRU while the host's is loaded (svm/run.c switches
 *	it; KVM_GET/SET_XSAVE carry it as the PKRU component)
 * @cpuid: KVM_SET_CPUID2's table
 * @nr_cpuid: entries in @cpuid
 * @pv_features: the KVM_FEATURE_* bits of the guest's KVM paravirtual
 *	leaf (KVM_CPUID_FEATURES under the "KVMKVMKVM" signature), 0 without
 * @pv_enforce: KVM_CAP_ENFORCE_PV_FEATURE_CPUID: a hypercall the guest's
 *	@pv_features lack fails with -KVM_ENOSYS
 * @cr4_reserved: CR4 bits KVM_SET_SREGS and the guest's MOV to CR4 may not
 *	set: those okvm does not offer and, after KVM_SET_CPUID2, those the
 *	guest's CPUID lacks
 * @apic_base: MSR_IA32_APICBASE
 * @misc_enable: MSR_IA32_MISC_ENABLE
 * @ucode_rev: MSR_IA32_UCODE_REV, the microcode revision the guest reads
 * @de_cfg: MSR_AMD64_DE_CFG
 * @hwcr: MSR_K7_HWCR
 * @platform_info: MSR_PLATFORM_INFO, which only userspace writes
 * @misc_features_enables: MSR_MISC_FEATURES_ENABLES: CPUID faulting
 * @tsc_offset: the guest's TSC minus the host's (core/tsc.c)
 * @tsc_adjust: MSR_IA32_TSC_ADJUST
 * @power_ctl: MSR_IA32_POWER_CTL, kept and otherwise ignored, as in KVM
 * @mtrr: its MTRRs (core/mtrr.c)
 * @mce: its machine-check registers (core/mce.c)
 * @apic: its in-kernel local APIC, if the VM has an in-kernel irqchip
 * @mp_state: KVM_MP_STATE_*; only the vCPU's thread changes it
 * @wait: where a halted vCPU sleeps; okvm_vcpu_kick() wakes it
 * @user_irq: KVM_INTERRUPT's vector waiting for the guest, or -1: without
 *	an in-kernel irqchip, or with a split one the ExtINT of the VMM's PIC
 * @pending_ioapic_eoi: the vector of OKVM_REQ_IOAPIC_EOI_EXIT
 * @nmi_queued: NMIs senders added since the vCPU last looked (core/nmi.c)
 * @nmi_pending: NMIs waiting for injection, at most 2; the vCPU's thread's
 * @pending_read: an IN or MMIO read that KVM_RUN completes
 * @pending_ins: an INS whose data userspace gives; KVM_RUN writes it
 * @pending_msr: a KVM_EXIT_X86_RDMSR or _WRMSR that KVM_RUN completes
 * @page_cache: table pages for the next page fault
 * @stats: counters for KVM_GET_STATS_FD
 * @sigset_active: KVM_RUN runs with @sigset as the thread's signal mask
 * @sigset: KVM_SET_SIGNAL_MASK's mask, without SIGKILL and SIGSTOP
 * @has_run: it entered the guest once: its CPUID is frozen from then on
 * @kvmclock_msr: MSR_KVM_SYSTEM_TIME(_NEW): the record's gpa, bit 0 on
 * @kvmclock_cpu: the CPU whose TSC the record was last taken from
 * @pv_time: the cache its kvmclock record is written through
 * @steal_time_msr: MSR_KVM_STEAL_TIME: the record's gpa, bit 0 on
 * @steal_last_run_delay: the thread's run_delay already counted as stolen
 * @steal_time: the cache its steal time record is written through
 * @preempt_notifier: tells steal time when the thread leaves a CPU and
 *	comes back, registered during KVM_RUN while steal time is on
 * @preempt_notifier_registered: it is
 */
struct okvm_vcpu {
	struct okvm_vm *vm;
	u32 id;
	struct mutex mutex;		/* see @mutex above */
	struct kvm_run *run;
	void *pio_page;
	int mode;
	int cpu;
	unsigned long requests;
	unsigned long regs[OKVM_NR_REGS];
	u64 rip;
	u64 rflags;
	struct fpu_guest guest_fpu;
	u64 xcr0;
	u32 pkru;
	struct kvm_cpuid_entry2 *cpuid;
	u32 nr_cpuid;
	u32 pv_features;
	bool pv_enforce;
	u64 cr4_reserved;
	u64 apic_base;
	u64 misc_enable;
	u64 ucode_rev;
	u64 de_cfg;
	u64 hwcr;
	u64 platform_info;
	u64 misc_features_enables;
	u64 tsc_offset;
	u64 tsc_adjust;
	u64 power_ctl;
	struct okvm_mtrr mtrr;
	struct okvm_mce mce;
	struct okvm_lapic *apic;
	int mp_state;
	struct rcuwait wait;
	int user_irq;
	u8 pending_ioapic_eoi;
	atomic_t nmi_queued;
	unsigned int nmi_pending;
	struct okvm_pending_read pending_read;
	struct okvm_pio_string pending_ins;
	struct okvm_pending_msr pending_msr;
	struct okvm_mmu_page_cache page_cache;
	struct okvm_vcpu_stats stats;
	bool sigset_active;
	sigset_t sigset;
	bool has_run;
	u64 kvmclock_msr;
	int kvmclock_cpu;
	struct okvm_gpc pv_time;
	u64 steal_time_msr;
	u64 steal_last_run_delay;
	struct okvm_gpc steal_time;
#ifdef CONFIG_PREEMPT_NOTIFIERS
	struct preempt_notifier preempt_notifier;
	bool preempt_notifier_registered;
#endif
};

long okvm_tsc_khz(void);
void okvm_vm_get(struct okvm_vm *vm);
void okvm_vm_put(struct okvm_vm *vm);
int okvm_create_vm(unsigned long type);

int okvm_create_vcpu(struct okvm_vm *vm, unsigned long id);
int okvm_set_boot_cpu_id(struct okvm_vm *vm, unsigned long id);
int okvm_enable_max_vcpu_id(struct okvm_vm *vm, u64 max_ids);
bool okvm_vcpu_id_allowed(struct okvm_vm *vm, unsigned long id);
void okvm_vcpu_free(struct okvm_vcpu *vcpu);
long okvm_vcpu_ioctl_run(struct okvm_vcpu *vcpu);

/**
 * okvm_vcpu_is_reset_bsp() - the vCPU comes out of reset as the BSP
 * @vcpu: the vCPU
 *
 * KVM_SET_BOOT_CPU_ID chose it (vCPU 0 unless told otherwise). Its
 * IA32_APIC_BASE.BSP, which the guest may change, says whether it is the
 * BSP now.
 *
 * Return: true for the boot vCPU.
 */
static inline bool okvm_vcpu_is_reset_bsp(const struct okvm_vcpu *vcpu)
{
	return vcpu->vm->bsp_vcpu_id == vcpu->id;
}

void okvm_make_request(struct okvm_vcpu *vcpu, int req);
void okvm_vcpu_kick(struct okvm_vcpu *vcpu);
void okvm_vcpu_wake(struct okvm_vcpu *vcpu);
void okvm_vcpu_reset(struct okvm_vcpu *vcpu);
void okvm_vcpu_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *r);
void okvm_vcpu_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *r);
int okvm_vcpu_start_at_vector(struct okvm_vcpu *vcpu, u8 vector);
int okvm_vcpu_interrupt(struct okvm_vcpu *vcpu, u32 vector);
void okvm_flush_remote_tlbs_range(struct okvm_vm *vm, gfn_t start, u64 nr_pages);

/* Exits to userspace and in-kernel emulation, called by backends. */
void okvm_exit_internal_error(struct okvm_vcpu *vcpu, u32 suberror,
			      const u64 *data, u32 ndata);
void okvm_exit_emulation_failure(struct okvm_vcpu *vcpu, const u8 *insn,
				 unsigned int insn_len);
int okvm_exit_io(struct okvm_vcpu *vcpu, u16 port, u8 size, bool in);
void okvm_write_read_result(struct okvm_vcpu *vcpu, const struct okvm_mmio_op *op,
			    u64 data);
void okvm_emulate_cpuid(struct okvm_vcpu *vcpu, u64 cr4);

#endif /* _OKVM_VM_H */
