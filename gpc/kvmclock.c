// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock, the first user of the gfn-to-pfn cache: KVM's paravirtual
 * clock ABI (Linux's Documentation/virt/kvm/x86/msr.rst).
 *
 * The VM's clock counts nanoseconds: the host's CLOCK_MONOTONIC_RAW plus a
 * per-VM offset, so it starts at 0 when the VM is made and KVM_SET_CLOCK
 * moves it. The raw clock runs at the TSC's rate, which is what the guest
 * extrapolates with between two updates of its record, so the two agree.
 *
 * A vCPU's record (struct pvclock_vcpu_time_info) pairs a guest TSC value
 * with the clock at that moment, and gives the TSC's scale; the guest adds
 * the scaled TSC ticks since. okvm writes it, through the cache, before the
 * vCPU enters the guest after OKVM_REQ_CLOCK_UPDATE: when the guest enables
 * it, when KVM_SET_CLOCK moves the clock, when the vCPU's TSC offset
 * changes, and when the vCPU enters on another host CPU than before. okvm
 * never sets PVCLOCK_TSC_STABLE_BIT: the records of two vCPUs are taken at
 * different moments, and only a VM-wide pair could promise the guest that
 * they agree.
 */
#include <linux/math64.h>
#include <linux/timekeeping.h>
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>
#include <uapi/linux/kvm.h>

#include <okvm/gpc.h>
#include <okvm/kvmclock.h>
#include <okvm/memslot.h>
#include <okvm/msr.h>
#include <okvm/vm.h>

/* The host's TSC and the raw clock, read at one moment. */
struct okvm_clock_read {
	u64 tsc;
	u64 raw_ns;
	u64 real_ns;
	bool tsc_based;	/* the host's clocksource is the TSC: the three agree */
};

static void okvm_clock_read(struct okvm_clock_read *c)
{
	struct system_time_snapshot snap;
	unsigned long flags;

	ktime_get_snapshot(&snap);
	c->raw_ns = ktime_to_ns(snap.raw);
	c->real_ns = ktime_to_ns(snap.real);
	c->tsc_based = snap.cs_id == CSID_X86_TSC || snap.cs_id == CSID_X86_TSC_EARLY;
	if (c->tsc_based) {
		c->tsc = snap.cycles;
		return;
	}
	/* Another clocksource: a TSC read next to a raw clock read. */
	local_irq_save(flags);
	c->tsc = rdtsc_ordered();
	c->raw_ns = ktime_get_raw_ns();
	local_irq_restore(flags);
}

/**
 * okvm_kvmclock_vm_init() - the VM's clock starts at 0
 * @vm: the new VM
 */
void okvm_kvmclock_vm_init(struct okvm_vm *vm)
{
	vm->kvmclock_offset = -(s64)ktime_get_raw_ns();
}

static u64 okvm_kvmclock_ns(struct okvm_vm *vm, u64 raw_ns)
{
	return raw_ns + READ_ONCE(vm->kvmclock_offset);
}

/**
 * okvm_kvmclock_vcpu_init() - a new vCPU has no record yet
 * @vcpu: the vCPU
 */
void okvm_kvmclock_vcpu_init(struct okvm_vcpu *vcpu)
{
	vcpu->kvmclock_cpu = -1;
	okvm_gpc_init(&vcpu->pv_time, vcpu->vm);
}

/**
 * okvm_kvmclock_vcpu_free() - a vCPU goes: its cache lets go of the page
 * @vcpu: the vCPU
 */
void okvm_kvmclock_vcpu_free(struct okvm_vcpu *vcpu)
{
	okvm_gpc_deactivate(&vcpu->pv_time);
}

/**
 * okvm_kvmclock_reset() - INIT turns the vCPU's kvmclock off
 * @vcpu: the vCPU, on its own thread
 *
 * As in KVM: a kernel that comes after INIT (kexec, a reboot) may use the
 * old record's memory for something else, and must enable its own.
 */
void okvm_kvmclock_reset(struct okvm_vcpu *vcpu)
{
	vcpu->kvmclock_msr = 0;
	okvm_gpc_deactivate(&vcpu->pv_time);
}

/*
 * The scale the guest multiplies TSC ticks by: ns = ((ticks << shift) *
 * mul) >> 32, with a negative shift a right shift. @mul keeps its top bit
 * set, for precision.
 */
static void okvm_kvmclock_scale(u64 tsc_hz, u32 *mul, s8 *shift)
{
	u64 num = NSEC_PER_SEC, den = tsc_hz;
	int s = 0;

	while (num >= den) {
		den <<= 1;
		s++;
	}
	while (2 * num < den) {
		num <<= 1;
		s--;
	}
	*mul = mul_u64_u64_div_u64(num, 1ULL << 32, den);
	*shift = s;
}

/**
 * okvm_kvmclock_msr() - an MSR of kvmclock
 * @vcpu: the vCPU (every one has them)
 * @index: the MSR
 *
 * Return: true for the system time and wall clock MSRs, old and new.
 */
bool okvm_kvmclock_msr(const struct okvm_vcpu *vcpu, u32 index)
{
	return index == MSR_KVM_SYSTEM_TIME || index == MSR_KVM_SYSTEM_TIME_NEW ||
	       index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW;
}

/* With KVM_CAP_ENFORCE_PV_FEATURE_CPUID, the guest's CPUID must offer it. */
static bool okvm_kvmclock_allowed(struct okvm_vcpu *vcpu, u32 index)
{
	u32 feature = index == MSR_KVM_SYSTEM_TIME || index == MSR_KVM_WALL_CLOCK ?
		      KVM_FEATURE_CLOCKSOURCE : KVM_FEATURE_CLOCKSOURCE2;

	return !vcpu->pv_enforce || (vcpu->pv_features & BIT(feature));
}

/**
 * okvm_kvmclock_get_msr() - read a kvmclock MSR: the last value written
 * @vcpu: the vCPU
 * @index: okvm_kvmclock_msr()
 * @data: the value
 * @host: KVM_GET_MSRS
 *
 * Return: 0, or -EINVAL (#GP) where the guest's CPUID forbids it; the VMM
 * then reads 0.
 */
int okvm_kvmclock_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	if (!okvm_kvmclock_allowed(vcpu, index)) {
		/* As KVM answers the VMM for an MSR it lists but the guest lacks. */
		*data = 0;
		return host ? 0 : -EINVAL;
	}
	if (index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW)
		*data = READ_ONCE(vcpu->vm->wall_clock_msr);
	else
		*data = vcpu->kvmclock_msr;
	return 0;
}

/*
 * The guest's boot time in wall-clock terms (now minus the VM's clock),
 * written at once at @gpa in struct pvclock_wall_clock, with the version
 * protocol: odd while it changes.
 */
static void okvm_kvmclock_write_wall_clock(struct okvm_vm *vm, gpa_t gpa)
{
	struct pvclock_wall_clock wc;
	struct okvm_clock_read now;
	u32 version;
	u64 boot;

	if (okvm_read_guest(vm, gpa, &version, sizeof(version)))
		return;
	version = (version + 1) | 1;
	if (okvm_write_guest(vm, gpa, &version, sizeof(version)))
		return;
	okvm_clock_read(&now);
	boot = now.real_ns - okvm_kvmclock_ns(vm, now.raw_ns);
	wc.version = version + 1;
	wc.nsec = do_div(boot, NSEC_PER_SEC);
	wc.sec = boot;
	okvm_write_guest(vm, gpa + offsetof(struct pvclock_wall_clock, sec), &wc.sec,
			 sizeof(wc) - offsetof(struct pvclock_wall_clock, sec));
	okvm_write_guest(vm, gpa, &wc.version, sizeof(wc.version));
}

/**
 * okvm_kvmclock_set_msr() - the guest (or the VMM) places a kvmclock record
 * @vcpu: the vCPU
 * @index: okvm_kvmclock_msr()
 * @data: the gpa of the record, bit 0 enabling it (system time); the gpa of
 *	the wall clock, which is written now
 * @host: KVM_SET_MSRS
 *
 * A record at a gpa no memslot backs is not written, as in KVM: the guest
 * sees no clock there. A record across a page boundary works (KVM
 * refuses it, Documentation/gpc.rst).
 *
 * Return: 0, or -EINVAL (#GP) where the guest's CPUID forbids it; the VMM
 * may then write 0 only.
 */
int okvm_kvmclock_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	if (!okvm_kvmclock_allowed(vcpu, index))
		return host && !data ? 0 : -EINVAL;
	if (index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW) {
		WRITE_ONCE(vcpu->vm->wall_clock_msr, data);
		okvm_kvmclock_write_wall_clock(vcpu->vm, data);
		return 0;
	}
	vcpu->kvmclock_msr = data;
	if (!(data & KVM_MSR_ENABLED) ||
	    okvm_gpc_activate(&vcpu->pv_time, data & ~(u64)KVM_MSR_ENABLED,
			      sizeof(struct pvclock_vcpu_time_info))) {
		okvm_gpc_deactivate(&vcpu->pv_time);
		return 0;
	}
	okvm_make_request(vcpu, OKVM_REQ_CLOCK_UPDATE);
	return 0;
}

const struct okvm_msr_ops okvm_kvmclock_msr_ops = {
	.owns = okvm_kvmclock_msr,
	.get = okvm_kvmclock_get_msr,
	.set = okvm_kvmclock_set_msr,
};

/**
 * okvm_kvmclock_update() - OKVM_REQ_CLOCK_UPDATE: write the vCPU's record
 * @vcpu: the vCPU, on its own thread, before it enters the guest (may sleep)
 */
void okvm_kvmclock_update(struct okvm_vcpu *vcpu)
{
	struct pvclock_vcpu_time_info *pv;
	struct okvm_clock_read now;
	long tsc_khz = okvm_tsc_khz();
	u32 version, mul;
	s8 shift;

	/* Without a known TSC rate there is no scale to give: no record. */
	if (!(vcpu->kvmclock_msr & KVM_MSR_ENABLED) || tsc_khz <= 0)
		return;
	okvm_kvmclock_scale((u64)tsc_khz * 1000, &mul, &shift);
	pv = okvm_gpc_lock(&vcpu->pv_time);
	if (IS_ERR(pv))
		return;
	/* Under the lock, with preemption off: the CPU whose TSC is read. */
	vcpu->kvmclock_cpu = smp_processor_id();
	okvm_clock_read(&now);
	/* The guest's version may be ahead of ours: go on from it, odd. */
	version = (READ_ONCE(pv->version) + 1) | 1;
	WRITE_ONCE(pv->version, version);
	/* The guest sees the version odd before any field changes. */
	smp_wmb();
	pv->tsc_timestamp = now.tsc + vcpu->tsc_offset;
	pv->system_time = okvm_kvmclock_ns(vcpu->vm, now.raw_ns);
	pv->tsc_to_system_mul = mul;
	pv->tsc_shift = shift;
	pv->flags = 0;
	/* And even again only after every field is written. */
	smp_wmb();
	WRITE_ONCE(pv->version, version + 1);
	okvm_gpc_unlock(&vcpu->pv_time);
	okvm_gpc_mark_dirty(&vcpu->pv_time);
}

/**
 * okvm_kvmclock_vcpu_moved() - the vCPU is about to enter on this CPU
 * @vcpu: the vCPU, interrupts off
 *
 * If the record was taken on another CPU, whose TSC may not match this
 * one's to the tick, it is written again before the guest runs (the entry
 * sees the request and goes round once more).
 */
void okvm_kvmclock_vcpu_moved(struct okvm_vcpu *vcpu)
{
	if ((vcpu->kvmclock_msr & KVM_MSR_ENABLED) &&
	    vcpu->kvmclock_cpu != smp_processor_id())
		okvm_make_request(vcpu, OKVM_REQ_CLOCK_UPDATE);
}

/**
 * okvm_kvmclock_request_all() - every vCPU writes its record again
 * @vm: the VM
 */
void okvm_kvmclock_request_all(struct okvm_vm *vm)
{
	/* Pairs with the release in okvm_create_vcpu(): vcpus[] is filled. */
	unsigned int i, nr = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < nr; i++) {
		okvm_make_request(vm->vcpus[i], OKVM_REQ_CLOCK_UPDATE);
		/* Pairs with the barrier after the vCPU sets IN_GUEST_MODE. */
		smp_mb__after_atomic();
		okvm_vcpu_kick(vm->vcpus[i]);
	}
}

/**
 * okvm_kvmclock_cap() - KVM_CAP_ADJUST_CLOCK
 *
 * Return: the KVM_CLOCK_* flags KVM_GET_CLOCK can report: the wall clock and
 * the host TSC, which it reads at the clock's moment where the host's
 * clocksource is the TSC. Never KVM_CLOCK_TSC_STABLE (see the file comment).
 */
long okvm_kvmclock_cap(void)
{
	return KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
}

/**
 * okvm_kvmclock_get_clock() - KVM_GET_CLOCK
 * @vm: the VM
 * @data: the clock now; with KVM_CLOCK_REALTIME and KVM_CLOCK_HOST_TSC the
 *	wall clock and host TSC of the same moment, where the host can tell
 */
void okvm_kvmclock_get_clock(struct okvm_vm *vm, struct kvm_clock_data *data)
{
	struct okvm_clock_read now;

	okvm_clock_read(&now);
	*data = (struct kvm_clock_data){ .clock = okvm_kvmclock_ns(vm, now.raw_ns) };
	if (now.tsc_based) {
		data->flags = KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC;
		data->realtime = now.real_ns;
		data->host_tsc = now.tsc;
	}
}

/**
 * okvm_kvmclock_set_clock() - KVM_SET_CLOCK
 * @vm: the VM
 * @data: the clock's new value; with KVM_CLOCK_REALTIME, the value it had
 *	at wall-clock time @data->realtime, so the time since is added (never
 *	taken away: the clock does not step back for a realtime ahead)
 *
 * Return: 0, or -EINVAL for flags KVM_GET_CLOCK could not report.
 */
int okvm_kvmclock_set_clock(struct okvm_vm *vm, const struct kvm_clock_data *data)
{
	struct okvm_clock_read now;
	u64 clock = data->clock;

	if (data->flags & ~(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC))
		return -EINVAL;
	okvm_clock_read(&now);
	if ((data->flags & KVM_CLOCK_REALTIME) && now.real_ns > data->realtime)
		clock += now.real_ns - data->realtime;
	WRITE_ONCE(vm->kvmclock_offset, clock - now.raw_ns);
	okvm_kvmclock_request_all(vm);
	return 0;
}
