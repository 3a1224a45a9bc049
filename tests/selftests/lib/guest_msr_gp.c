// SPDX-License-Identifier: GPL-2.0
/*
 * The #GP handler of a guest's refused RDMSR or WRMSR, and the VM that has
 * it (guest_msr_gp.h).
 */
#include "guest_msr_gp.h"
#include "vm.h"
#include "x86.h"

u64 okvm_guest_msr_gp_count;

__attribute__((naked)) void okvm_guest_msr_gp_skip(void)
{
	asm("incq okvm_guest_msr_gp_count(%rip)\n\t"
	    "addq $2, 8(%rsp)\n\t"	/* past the instruction, over the error code */
	    "add $8, %rsp\n\t"		/* the error code */
	    "iretq");
}

struct okvm_vm *okvm_vm_create_msr_guest(void *guest_code, struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_code, vcpu);

	okvm_guest_set_handler(vm, X86_VEC_GP, okvm_guest_msr_gp_skip);
	return vm;
}
