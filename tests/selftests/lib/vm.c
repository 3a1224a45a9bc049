// SPDX-License-Identifier: GPL-2.0
/*
 * VMs, vCPUs and guest memory for the selftests: the ioctls every test needs,
 * with the bookkeeping that lets the host find guest memory by its address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "okvm_dev.h"
#include "vm.h"

void __okvm_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	/* _exit: other threads may be in the middle of anything. */
	_exit(KSFT_FAIL);
}

struct okvm_vm *okvm_vm_create(void)
{
	struct okvm_vm *vm = calloc(1, sizeof(*vm));

	OKVM_REQUIRE(vm, "out of memory");
	vm->dev_fd = okvm_dev_open(O_RDWR);
	OKVM_REQUIRE(vm->dev_fd >= 0, "open %s: %s", okvm_dev_path(), strerror(errno));
	vm->fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	OKVM_REQUIRE(vm->fd >= 0, "KVM_CREATE_VM on %s: %s", okvm_dev_path(),
		     strerror(errno));
	return vm;
}

void okvm_vm_free(struct okvm_vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct okvm_vcpu *vcpu = vm->vcpus[i];

		munmap(vcpu->run, vcpu->run_size);
		close(vcpu->fd);
		free(vcpu);
	}
	close(vm->fd);
	close(vm->dev_fd);
	for (i = 0; i < OKVM_MAX_REGIONS; i++) {
		struct okvm_region *region = &vm->regions[i];

		if (region->in_use && region->lib_mapped)
			munmap(region->hva, region->size);
	}
	free(vm);
}

int __okvm_vm_ioctl(struct okvm_vm *vm, unsigned long nr, const char *name, void *arg)
{
	int r = ioctl(vm->fd, nr, arg);

	OKVM_REQUIRE(r >= 0, "%s on the VM: %s", name, strerror(errno));
	return r;
}

int __okvm_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned long nr, const char *name,
		      void *arg)
{
	int r = ioctl(vcpu->fd, nr, arg);

	OKVM_REQUIRE(r >= 0, "%s on vCPU %u: %s", name, vcpu->id, strerror(errno));
	return r;
}

struct okvm_vcpu *okvm_vcpu_create(struct okvm_vm *vm, u32 id)
{
	struct okvm_vcpu *vcpu;
	int mmap_size;

	OKVM_REQUIRE(vm->nr_vcpus < OKVM_MAX_VCPUS, "too many vCPUs");
	vcpu = calloc(1, sizeof(*vcpu));
	OKVM_REQUIRE(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = okvm_vm_ioctl(vm, KVM_CREATE_VCPU, id);

	mmap_size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	OKVM_REQUIRE(mmap_size >= (int)sizeof(struct kvm_run),
		     "KVM_GET_VCPU_MMAP_SIZE: %d (%s)", mmap_size, strerror(errno));
	vcpu->run_size = mmap_size;
	vcpu->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	OKVM_REQUIRE(vcpu->run != MAP_FAILED, "mmap of kvm_run: %s", strerror(errno));

	vm->vcpus[vm->nr_vcpus++] = vcpu;
	return vcpu;
}

int okvm_vm_set_region_raw(struct okvm_vm *vm, u32 slot, u32 flags,
			   u64 gpa, u64 size, void *hva)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

static struct okvm_region *find_slot(struct okvm_vm *vm, u32 slot)
{
	int i;

	for (i = 0; i < OKVM_MAX_REGIONS; i++)
		if (vm->regions[i].in_use && vm->regions[i].slot == slot)
			return &vm->regions[i];
	return NULL;
}

void okvm_vm_add_region(struct okvm_vm *vm, u32 slot, u64 gpa,
			u64 size, void *hva)
{
	struct okvm_region *region = NULL;
	int i;

	OKVM_REQUIRE(!find_slot(vm, slot), "slot %u is already in use", slot);
	for (i = 0; i < OKVM_MAX_REGIONS && !region; i++)
		if (!vm->regions[i].in_use)
			region = &vm->regions[i];
	OKVM_REQUIRE(region, "more than %d memslots", OKVM_MAX_REGIONS);

	OKVM_REQUIRE(okvm_vm_set_region_raw(vm, slot, 0, gpa, size, hva) == 0,
		     "KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%llx size 0x%llx: %s",
		     slot, (unsigned long long)gpa, (unsigned long long)size,
		     strerror(errno));
	*region = (struct okvm_region){
		.slot = slot, .gpa = gpa, .size = size, .hva = hva, .in_use = true,
	};
}

void *okvm_vm_add_anon_region(struct okvm_vm *vm, u32 slot, u64 gpa,
			      u64 size)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	OKVM_REQUIRE(hva != MAP_FAILED, "mmap %llu bytes: %s",
		     (unsigned long long)size, strerror(errno));
	okvm_vm_add_region(vm, slot, gpa, size, hva);
	find_slot(vm, slot)->lib_mapped = true;
	return hva;
}

void *okvm_vm_add_memfd_region(struct okvm_vm *vm, u32 slot, u64 gpa, u64 size,
			       int *memfd)
{
	void *hva;

	*memfd = memfd_create("okvm-guest-memory", MFD_CLOEXEC);
	OKVM_REQUIRE(*memfd >= 0, "memfd_create: %s", strerror(errno));
	OKVM_REQUIRE(ftruncate(*memfd, size) == 0, "ftruncate: %s", strerror(errno));
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *memfd, 0);
	OKVM_REQUIRE(hva != MAP_FAILED, "mmap of the memfd: %s", strerror(errno));
	okvm_vm_add_region(vm, slot, gpa, size, hva);
	find_slot(vm, slot)->lib_mapped = true;
	return hva;
}

void okvm_vm_move_region(struct okvm_vm *vm, u32 slot, u64 new_gpa)
{
	struct okvm_region *region = find_slot(vm, slot);

	OKVM_REQUIRE(region, "slot %u is not known", slot);
	OKVM_REQUIRE(okvm_vm_set_region_raw(vm, slot, region->flags, new_gpa,
					    region->size, region->hva) == 0,
		     "move slot %u to 0x%llx: %s", slot,
		     (unsigned long long)new_gpa, strerror(errno));
	region->gpa = new_gpa;
}

void okvm_vm_delete_region(struct okvm_vm *vm, u32 slot)
{
	struct okvm_region *region = find_slot(vm, slot);

	OKVM_REQUIRE(region, "slot %u is not known", slot);
	OKVM_REQUIRE(okvm_vm_set_region_raw(vm, slot, region->flags, region->gpa,
					    0, region->hva) == 0,
		     "delete slot %u: %s", slot, strerror(errno));
	region->in_use = false;
}

static struct okvm_region *find_gpa(struct okvm_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < OKVM_MAX_REGIONS; i++) {
		struct okvm_region *region = &vm->regions[i];

		if (region->in_use && gpa >= region->gpa &&
		    gpa - region->gpa < region->size)
			return region;
	}
	return NULL;
}

void *okvm_gpa_to_hva(struct okvm_vm *vm, u64 gpa)
{
	struct okvm_region *region = find_gpa(vm, gpa);

	OKVM_REQUIRE(region, "no memslot holds gpa 0x%llx", (unsigned long long)gpa);
	return (char *)region->hva + (gpa - region->gpa);
}

/* Bytes from @gpa to the end of its slot, at most @len. */
static size_t chunk_in_slot(struct okvm_vm *vm, u64 gpa, size_t len)
{
	struct okvm_region *region = find_gpa(vm, gpa);
	u64 left;

	OKVM_REQUIRE(region, "no memslot holds gpa 0x%llx", (unsigned long long)gpa);
	left = region->gpa + region->size - gpa;
	return len < left ? len : left;
}

void okvm_read_guest(struct okvm_vm *vm, u64 gpa, void *buf, size_t len)
{
	while (len) {
		size_t n = chunk_in_slot(vm, gpa, len);

		memcpy(buf, okvm_gpa_to_hva(vm, gpa), n);
		buf = (char *)buf + n;
		gpa += n;
		len -= n;
	}
}

void okvm_write_guest(struct okvm_vm *vm, u64 gpa, const void *buf, size_t len)
{
	while (len) {
		size_t n = chunk_in_slot(vm, gpa, len);

		memcpy(okvm_gpa_to_hva(vm, gpa), buf, n);
		buf = (const char *)buf + n;
		gpa += n;
		len -= n;
	}
}

void okvm_sync_to_guest(struct okvm_vm *vm, const void *host_var, size_t size)
{
	okvm_write_guest(vm, (u64)(uintptr_t)host_var, host_var, size);
}

void okvm_sync_from_guest(struct okvm_vm *vm, void *host_var, size_t size)
{
	okvm_read_guest(vm, (u64)(uintptr_t)host_var, host_var, size);
}

void okvm_vcpu_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *regs)
{
	okvm_vcpu_ioctl(vcpu, KVM_GET_REGS, regs);
}

void okvm_vcpu_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	okvm_vcpu_ioctl(vcpu, KVM_SET_REGS, regs);
}

int okvm_vcpu_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry = { .index = index, .data = data } };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &buf);
}

int okvm_vcpu_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entry;
	} buf = { .header.nmsrs = 1, .entry = { .index = index } };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &buf);

	if (r == 1)
		*data = buf.entry.data;
	return r;
}

void okvm_vcpu_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	okvm_vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs);
}

void okvm_vcpu_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	okvm_vcpu_ioctl(vcpu, KVM_SET_SREGS, sregs);
}

void okvm_vcpu_set_args(struct okvm_vcpu *vcpu, unsigned int nr_args, ...)
{
	struct kvm_regs regs;
	va_list ap;

	OKVM_REQUIRE(nr_args <= 4, "%u arguments", nr_args);
	okvm_vcpu_get_regs(vcpu, &regs);
	va_start(ap, nr_args);
	if (nr_args > 0)
		regs.rdi = va_arg(ap, u64);
	if (nr_args > 1)
		regs.rsi = va_arg(ap, u64);
	if (nr_args > 2)
		regs.rdx = va_arg(ap, u64);
	if (nr_args > 3)
		regs.rcx = va_arg(ap, u64);
	va_end(ap);
	okvm_vcpu_set_regs(vcpu, &regs);
}

struct kvm_cpuid2 *okvm_get_supported_cpuid(int dev_fd)
{
	int nent = 256;

	for (;;) {
		struct kvm_cpuid2 *cpuid;

		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		OKVM_REQUIRE(cpuid, "out of memory");
		cpuid->nent = nent;
		if (ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		OKVM_REQUIRE(errno == E2BIG && nent < 4096,
			     "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		free(cpuid);
		nent *= 2;
	}
}

bool okvm_supported_cpuid_entry(int dev_fd, u32 function, u32 index,
				struct kvm_cpuid_entry2 *entry)
{
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(dev_fd);
	bool found = false;
	u32 i;

	for (i = 0; i < cpuid->nent && !found; i++) {
		if (cpuid->entries[i].function == function && cpuid->entries[i].index == index) {
			*entry = cpuid->entries[i];
			found = true;
		}
	}
	free(cpuid);
	return found;
}

void okvm_vcpu_set_supported_cpuid(struct okvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = okvm_get_supported_cpuid(vcpu->vm->dev_fd);

	okvm_vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid);
	free(cpuid);
}

int okvm_vcpu_run_raw(struct okvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, NULL);
}

const char *okvm_exit_reason_name(u32 reason)
{
	static const char * const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "(unnamed)";
}

/* What the exit says beyond its reason. */
static void describe_exit(struct kvm_run *run, char *buf, size_t size)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(buf, size, "%s port 0x%x size %u count %u",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, size, "%s gpa 0x%llx len %u",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, size, "hardware reason 0x%llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, size, "suberror %u ndata %u data[0] 0x%llx",
			 run->internal.suberror, run->internal.ndata,
			 (unsigned long long)run->internal.data[0]);
		break;
	default:
		buf[0] = '\0';
	}
}

void okvm_vcpu_fail_unexpected_exit(struct okvm_vcpu *vcpu, const char *why)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	char detail[128];

	describe_exit(run, detail, sizeof(detail));
	fprintf(stderr, "# vCPU %u: %s: exit reason %u (%s) %s\n", vcpu->id, why,
		run->exit_reason, okvm_exit_reason_name(run->exit_reason), detail);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) == 0)
		fprintf(stderr,
			"#  rip %016llx rsp %016llx rflags %08llx\n"
			"#  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
			"#  rsi %016llx rdi %016llx rbp %016llx\n",
			regs.rip, regs.rsp, regs.rflags, regs.rax, regs.rbx,
			regs.rcx, regs.rdx, regs.rsi, regs.rdi, regs.rbp);
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) == 0)
		fprintf(stderr,
			"#  cr0 %llx cr3 %llx cr4 %llx efer %llx cs %x (l %u db %u)\n",
			sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer,
			sregs.cs.selector, sregs.cs.l, sregs.cs.db);
	okvm_fail("vCPU %u stopped for a reason the test did not expect", vcpu->id);
}

int okvm_irq_line_status(struct okvm_vm *vm, u32 gsi, int level)
{
	struct kvm_irq_level line = { .irq = gsi, .level = level };

	okvm_vm_ioctl(vm, KVM_IRQ_LINE_STATUS, &line);
	return line.status;
}

int okvm_set_gsi_routing(struct okvm_vm *vm, struct okvm_routing *r, u32 nr)
{
	r->head.nr = nr;
	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, &r->head) ? errno : 0;
}

struct kvm_irq_routing_entry okvm_irqchip_route(u32 gsi, u32 chip, u32 pin)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = chip, .pin = pin },
	};
}

struct kvm_irq_routing_entry okvm_msi_route(u32 gsi, u32 dest, u32 data)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = 0xfee00000 | dest << 12, .data = data },
	};
}

void okvm_vcpu_run_to_irq_window(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->request_interrupt_window = 1;
	OKVM_REQUIRE(okvm_vcpu_run_raw(vcpu) == 0, "KVM_RUN: %s", strerror(errno));
	OKVM_REQUIRE(run->exit_reason == KVM_EXIT_IRQ_WINDOW_OPEN, "exit %s",
		     okvm_exit_reason_name(run->exit_reason));
	OKVM_REQUIRE(run->if_flag == 1 && run->ready_for_interrupt_injection == 1,
		     "if_flag %u ready %u", run->if_flag, run->ready_for_interrupt_injection);
	run->request_interrupt_window = 0;
}

u64 okvm_vcpu_run_to_hlt(struct okvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	OKVM_REQUIRE(okvm_vcpu_run_raw(vcpu) == 0, "KVM_RUN: %s", strerror(errno));
	if (vcpu->run->exit_reason != KVM_EXIT_HLT)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for HLT");
	okvm_vcpu_get_regs(vcpu, &regs);
	return regs.rip;
}
