/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SVM backend's internal interface.
 */
#ifndef _OKVM_SVM_H
#define _OKVM_SVM_H

#include <linux/mem_encrypt.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/svm.h>

#include <okvm/vm.h>

/**
 * struct okvm_svm_cpu - SVM state of one physical CPU
 * @hsave: the host save area VMRUN uses (MSR_VM_HSAVE_PA)
 * @host_save: where VMSAVE keeps the host state VMRUN does not restore
 * @host_save_pa: its physical address
 * @asid_generation: bumped when the ASIDs wrap and every ASID is flushed
 * @next_asid: the next ASID to hand out
 * @max_asid: the largest ASID the CPU supports
 * @last_vmcb: the VMCB this CPU entered last; NULL before the first entry
 *	and after that VMCB was freed (okvm_svm_forget_vmcb())
 */
struct okvm_svm_cpu {
	struct page *hsave;
	struct page *host_save;
	u64 host_save_pa;
	u64 asid_generation;
	u32 next_asid;
	u32 max_asid;
	struct vmcb *last_vmcb;
};

DECLARE_PER_CPU(struct okvm_svm_cpu, okvm_svm_cpu);

/**
 * struct okvm_svm_vcpu - an SVM vCPU
 * @vcpu: the common part
 * @vmcb: its VMCB, pinned for the vCPU's life
 * @vmcb_pa: the VMCB's physical address for VMRUN
 * @asid: its ASID on @asid_cpu
 * @asid_cpu: the CPU @asid belongs to
 * @asid_generation: that CPU's generation when @asid was handed out
 * @guest_pkru: the guest's PKRU while the host's is loaded
 * @db: DR0-DR3 as the guest wrote them (never loaded into hardware)
 */
struct okvm_svm_vcpu {
	struct okvm_vcpu vcpu;
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	int asid_cpu;
	u64 asid_generation;
	u32 guest_pkru;
	unsigned long db[4];
};

static inline struct okvm_svm_vcpu *to_svm(struct okvm_vcpu *vcpu)
{
	return container_of(vcpu, struct okvm_svm_vcpu, vcpu);
}

/* The address the CPU needs for a page it reads by physical address. */
static inline u64 okvm_svm_page_pa(struct page *page)
{
	return __sme_set(page_to_phys(page));
}

extern u64 okvm_svm_iopm_pa;
extern u64 okvm_svm_msrpm_pa;
extern u64 okvm_host_xcr0;

int okvm_svm_prepare_cpu(unsigned int cpu);
void okvm_svm_free_cpus(void);
bool okvm_svm_owned_elsewhere_cpu(void);
int okvm_svm_enable_cpu(void);
void okvm_svm_disable_cpu(void);
void okvm_svm_emergency_disable_cpu(void);

bool okvm_svm_vmrun(u64 vmcb_pa, u64 host_save_pa, unsigned long *regs);

struct okvm_vcpu *okvm_svm_vcpu_create(struct okvm_vm *vm);
void okvm_svm_vcpu_free(struct okvm_vcpu *vcpu);
void okvm_svm_vcpu_reset(struct okvm_svm_vcpu *svm);
void okvm_svm_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *sregs);
int okvm_svm_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs);
int okvm_svm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data);
int okvm_svm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data);
u64 okvm_svm_get_cr4(struct okvm_vcpu *vcpu);
bool okvm_svm_switch_vmcb(struct okvm_svm_cpu *sd, struct okvm_svm_vcpu *svm);
void okvm_svm_forget_vmcb(struct vmcb *vmcb);
void okvm_svm_run(struct okvm_vcpu *vcpu, bool flush_tlb);
int okvm_svm_handle_exit(struct okvm_vcpu *vcpu);

#endif /* _OKVM_SVM_H */
