/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of the selftests' guest library: VMs, vCPUs, guest memory.
 *
 * Two kinds of VM come ready made:
 *
 * - okvm_vm_create_long_mode(): a 64-bit guest that runs C functions of the
 *   test program itself. The program is static and not position independent,
 *   so its PT_LOAD segments are copied from /proc/self/exe into guest memory
 *   at their link addresses; with an identity-mapped guest, a function's
 *   address in the host is its guest address too. See long_mode.c for the
 *   memory layout and for the rules guest code has to follow.
 *
 * - okvm_vm_create_real_mode(): raw 16-bit code bytes at a low address.
 *
 * Helpers that cannot go on (an ioctl a working VM needs fails, a vCPU exits
 * for a reason the test did not expect) print why and end the test as failed
 * through okvm_fail(), so tests read as a list of steps. Calls whose failure
 * a test wants to see return the ioctl's result instead and say so.
 */
#ifndef OKVM_SELFTEST_VM_H
#define OKVM_SELFTEST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include "kernel_types.h"
#include <linux/kvm.h>

#define OKVM_MAX_VCPUS		16
#define OKVM_MAX_REGIONS	32

/* A memslot the library knows about, for guest-physical to host lookups. */
struct okvm_region {
	u32 slot;
	u32 flags;
	u64 gpa;
	u64 size;
	void *hva;
	bool in_use;
	bool lib_mapped;	/* the library mmap()ed hva: unmapped by okvm_vm_free() */
};

struct okvm_vcpu {
	struct okvm_vm *vm;
	int fd;
	u32 id;
	struct kvm_run *run;
	size_t run_size;
	u64 stack_top;	/* long mode: initial RSP + 8 */
};

struct okvm_vm {
	int dev_fd;
	int fd;
	struct okvm_region regions[OKVM_MAX_REGIONS];
	struct okvm_vcpu *vcpus[OKVM_MAX_VCPUS];
	unsigned int nr_vcpus;
	bool long_mode;
	u64 next_page_table_gpa;	/* long mode: okvm_guest_map_page()'s next table */
};

/* Print "# <where>: <message>" and end the test as failed. */
__printf(3, 4)
__noreturn void __okvm_fail(const char *file, int line, const char *fmt, ...);
#define okvm_fail(fmt, ...) __okvm_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* okvm_fail() unless @cond holds. */
#define OKVM_REQUIRE(cond, fmt, ...) do {				\
	if (!(cond))							\
		okvm_fail("%s: " fmt, #cond, ##__VA_ARGS__);		\
} while (0)

/* An empty VM (type 0) with no memory and no vCPU. */
struct okvm_vm *okvm_vm_create(void);
/* Close everything, and unmap the memory the library mapped for slots. */
void okvm_vm_free(struct okvm_vm *vm);

/* KVM_CREATE_VCPU, mmap of struct kvm_run; no register is touched. */
struct okvm_vcpu *okvm_vcpu_create(struct okvm_vm *vm, u32 id);

/* ioctl on the VM or vCPU fd that must succeed; returns its result. */
#define okvm_vm_ioctl(vm, nr, arg) \
	__okvm_vm_ioctl(vm, nr, #nr, (void *)(unsigned long)(arg))
#define okvm_vcpu_ioctl(vcpu, nr, arg) \
	__okvm_vcpu_ioctl(vcpu, nr, #nr, (void *)(unsigned long)(arg))
int __okvm_vm_ioctl(struct okvm_vm *vm, unsigned long nr, const char *name, void *arg);
/* KVM_IRQ_LINE_STATUS: GSI @gsi goes to @level; the status the chips reported. */
int okvm_irq_line_status(struct okvm_vm *vm, u32 gsi, int level);

/*
 * With request_interrupt_window set, KVM_RUN up to the
 * KVM_EXIT_IRQ_WINDOW_OPEN it must give, with if_flag and
 * ready_for_interrupt_injection set; the request is cleared again.
 */
void okvm_vcpu_run_to_irq_window(struct okvm_vcpu *vcpu);

/* A GSI routing table of up to four routes, as the tests build them. */
struct okvm_routing {
	struct kvm_irq_routing head;
	struct kvm_irq_routing_entry entries[4];
};

/* KVM_SET_GSI_ROUTING with the first @nr routes of @r: 0 or its errno. */
int okvm_set_gsi_routing(struct okvm_vm *vm, struct okvm_routing *r, u32 nr);
/* A route of @gsi to pin @pin of @chip (KVM_IRQCHIP_*). */
struct kvm_irq_routing_entry okvm_irqchip_route(u32 gsi, u32 chip, u32 pin);
/* A route of @gsi to an MSI to xAPIC @dest (physical) with data @data. */
struct kvm_irq_routing_entry okvm_msi_route(u32 gsi, u32 dest, u32 data);
int __okvm_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned long nr, const char *name, void *arg);

/*
 * KVM_SET_USER_MEMORY_REGION as is: returns the ioctl's result (errno set)
 * and records nothing. For tests of the ioctl's own rules.
 */
int okvm_vm_set_region_raw(struct okvm_vm *vm, u32 slot, u32 flags,
			   u64 gpa, u64 size, void *hva);

/* Add a memslot backed by @hva, which must succeed; it is recorded. */
void okvm_vm_add_region(struct okvm_vm *vm, u32 slot, u64 gpa,
			u64 size, void *hva);
/* The same over a fresh anonymous private mapping; returns its address. */
void *okvm_vm_add_anon_region(struct okvm_vm *vm, u32 slot, u64 gpa,
			      u64 size);
/*
 * The same over a new memfd of @size bytes, mapped shared; the memfd is
 * returned in @memfd so the test can map it again or punch holes in it.
 */
void *okvm_vm_add_memfd_region(struct okvm_vm *vm, u32 slot, u64 gpa, u64 size,
			       int *memfd);
/* Move slot @slot to @new_gpa (same size and memory), which must succeed. */
void okvm_vm_move_region(struct okvm_vm *vm, u32 slot, u64 new_gpa);
/* Delete slot @slot (size 0), which must succeed. */
void okvm_vm_delete_region(struct okvm_vm *vm, u32 slot);

/* Host address of guest-physical @gpa, or okvm_fail() if no slot has it. */
void *okvm_gpa_to_hva(struct okvm_vm *vm, u64 gpa);
/* Copies between the host and guest-physical memory (may span slots). */
void okvm_read_guest(struct okvm_vm *vm, u64 gpa, void *buf, size_t len);
void okvm_write_guest(struct okvm_vm *vm, u64 gpa, const void *buf, size_t len);

/*
 * Guest code sees the program's globals at their host addresses, but in its
 * own copy: these copy one variable's host value in or the guest's value out.
 */
#define okvm_sync_global_to_guest(vm, var) \
	okvm_sync_to_guest(vm, &(var), sizeof(var))
#define okvm_sync_global_from_guest(vm, var) \
	okvm_sync_from_guest(vm, &(var), sizeof(var))
void okvm_sync_to_guest(struct okvm_vm *vm, const void *host_var, size_t size);
void okvm_sync_from_guest(struct okvm_vm *vm, void *host_var, size_t size);

/* Register access that must succeed. */
void okvm_vcpu_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *regs);
void okvm_vcpu_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *regs);
/* KVM_SET_MSRS of one MSR, as is: the entries set (1 or 0), or -1 and errno. */
int okvm_vcpu_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data);
/* KVM_GET_MSRS of one MSR into *@data: the entries read (1 or 0), or -1 and errno. */
int okvm_vcpu_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data);
void okvm_vcpu_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *sregs);
void okvm_vcpu_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs);

/*
 * Set up to four integer arguments (RDI, RSI, RDX, RCX) of the guest entry.
 * Each argument is read as a u64: pass u64 values (cast constants).
 */
void okvm_vcpu_set_args(struct okvm_vcpu *vcpu, unsigned int nr_args, ...);

/* KVM_SET_CPUID2 with KVM_GET_SUPPORTED_CPUID's table, as a VMM would. */
void okvm_vcpu_set_supported_cpuid(struct okvm_vcpu *vcpu);
/* KVM_GET_SUPPORTED_CPUID into a new allocation; free() it. */
struct kvm_cpuid2 *okvm_get_supported_cpuid(int dev_fd);
/* Its leaf @function.@index into *@entry; false if it has none. */
bool okvm_supported_cpuid_entry(int dev_fd, u32 function, u32 index,
				struct kvm_cpuid_entry2 *entry);

/* KVM_RUN as is: returns the ioctl's result (errno set). */
int okvm_vcpu_run_raw(struct okvm_vcpu *vcpu);

/* okvm_fail() with the exit reason and the vCPU's registers. */
__noreturn void okvm_vcpu_fail_unexpected_exit(struct okvm_vcpu *vcpu, const char *why);
/* KVM_RUN up to the KVM_EXIT_HLT it must give; returns RIP, past the HLT. */
u64 okvm_vcpu_run_to_hlt(struct okvm_vcpu *vcpu);

/* Name of a KVM_EXIT_* value, for messages. */
const char *okvm_exit_reason_name(u32 reason);

/*
 * A VM whose vCPUs run @guest_code in 64-bit mode with the program image in
 * guest memory (see long_mode.c). When @guest_code returns, the vCPU reports
 * UCALL_DONE.
 */
struct okvm_vm *okvm_vm_create_long_mode(unsigned int nr_vcpus, void *guest_code,
					 struct okvm_vcpu **vcpus);
/*
 * The same VM with an in-kernel irqchip (KVM_CREATE_IRQCHIP before the
 * vCPUs, so each has a local APIC) and the APIC page identity mapped.
 */
struct okvm_vm *okvm_vm_create_long_mode_irqchip(unsigned int nr_vcpus, void *guest_code,
						 struct okvm_vcpu **vcpus);
/*
 * The same with a split irqchip (KVM_CAP_SPLIT_IRQCHIP with 24 IOAPIC pins):
 * local APICs in the kernel, no IOAPIC, no PIC, no GSI route yet.
 */
struct okvm_vm *okvm_vm_create_long_mode_split_irqchip(unsigned int nr_vcpus, void *guest_code,
						       struct okvm_vcpu **vcpus);
/* One more long-mode vCPU on such a VM, starting at @guest_code. */
struct okvm_vcpu *okvm_vcpu_add_long_mode(struct okvm_vm *vm, u32 id,
					  void *guest_code);
/* The long-mode segment, control register and table state vCPUs start with. */
void okvm_long_mode_sregs(struct okvm_vm *vm, struct kvm_sregs *sregs);

/*
 * Point the IDT gate of exception @vector (0-31) at @handler instead of the
 * library's stub that reports the exception as fatal. @handler is guest
 * code the test provides, in assembly: it is entered as an interrupt gate
 * at CPL 0 on the running stack, with the CPU's frame (and the error code,
 * for the vectors that push one) on it, and ends with IRETQ.
 */
void okvm_guest_set_handler(struct okvm_vm *vm, unsigned int vector, const void *handler);

/* Identity map [gpa, gpa + size) in the guest's 2M page tables, if not yet. */
void okvm_guest_identity_map(struct okvm_vm *vm, u64 gpa, u64 size);

/*
 * Map the 4K page at @gva to @gpa (both page aligned), writable, making the
 * page tables on the way. @gva must be canonical, in the lower half, and
 * outside the 2M identity map (at or above 4G): a page that is both is
 * refused rather than silently split.
 */
void okvm_guest_map_page(struct okvm_vm *vm, u64 gva, u64 gpa);

/* Guest-physical address where okvm_vm_create_real_mode() puts the code. */
#define OKVM_REAL_MODE_CODE_GPA		0x1000
/* Size of the real-mode VM's only memslot (slot 0, at 0). */
#define OKVM_REAL_MODE_MEM_SIZE		0x10000

/*
 * A VM with @len bytes of 16-bit code at OKVM_REAL_MODE_CODE_GPA and one vCPU
 * in real mode (CS = 0, IP at the code, SP at the top of its 64K).
 */
struct okvm_vm *okvm_vm_create_real_mode(const void *code, size_t len,
					 struct okvm_vcpu **vcpu);

#endif /* OKVM_SELFTEST_VM_H */
