/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between okvm's common code and a hardware backend (SVM, VMX).
 *
 * core/ calls the backend only through struct okvm_hw_ops, chosen once at
 * load from the CPU vendor; core/ never touches a VMCB or a VMCS.
 */
#ifndef _OKVM_HW_H
#define _OKVM_HW_H

/**
 * struct okvm_hw_ops - what a hardware backend provides
 * @name: "SVM" or "VMX", for messages
 * @exit: undo what the backend's init did (free per-CPU areas)
 * @prepare_cpu: sleepable per-CPU setup, run before @enable_cpu on that CPU
 * @owned_elsewhere_cpu: true if another hypervisor enabled virtualization
 *	on this CPU; runs on the CPU with interrupts off
 * @enable_cpu: turn virtualization on for this CPU; runs on the CPU with
 *	interrupts off; -EBUSY if someone else owns it
 * @disable_cpu: turn it off again; interrupts off
 * @emergency_disable_cpu: crash/kexec path: turn virtualization off on this
 *	CPU from NMI context, whatever state the CPU was left in
 */
struct okvm_hw_ops {
	const char *name;
	void (*exit)(void);
	int (*prepare_cpu)(unsigned int cpu);
	bool (*owned_elsewhere_cpu)(void);
	int (*enable_cpu)(void);
	void (*disable_cpu)(void);
	void (*emergency_disable_cpu)(void);
};

int okvm_svm_init(const struct okvm_hw_ops **ops);

int okvm_virt_enable(const struct okvm_hw_ops *ops);
void okvm_virt_disable(void);

#endif /* _OKVM_HW_H */
