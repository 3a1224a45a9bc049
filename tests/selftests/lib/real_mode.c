// SPDX-License-Identifier: GPL-2.0
/*
 * Real-mode guests: raw 16-bit code bytes at a low address, for tests of the
 * plainest VM entry, with neither paging nor a descriptor table involved.
 */
#include <string.h>

#include "vm.h"
#include "x86.h"

struct okvm_vm *okvm_vm_create_real_mode(const void *code, size_t len,
					 struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create();
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	char *mem;

	OKVM_REQUIRE(len <= OKVM_REAL_MODE_MEM_SIZE - OKVM_REAL_MODE_CODE_GPA,
		     "%zu bytes of code", len);
	mem = okvm_vm_add_anon_region(vm, 0, 0, OKVM_REAL_MODE_MEM_SIZE);
	memcpy(mem + OKVM_REAL_MODE_CODE_GPA, code, len);

	*vcpu = okvm_vcpu_create(vm, 0);

	/*
	 * The vCPU comes out of reset in real mode at F000:FFF0 with CS based
	 * at 0xffff0000; rebase every segment to 0 so offsets are addresses.
	 */
	okvm_vcpu_get_sregs(*vcpu, &sregs);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	sregs.es.base = 0;
	sregs.es.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	okvm_vcpu_set_sregs(*vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = OKVM_REAL_MODE_CODE_GPA;
	regs.rsp = OKVM_REAL_MODE_MEM_SIZE - 2;
	regs.rflags = X86_EFLAGS_FIXED;
	okvm_vcpu_set_regs(*vcpu, &regs);
	return vm;
}
