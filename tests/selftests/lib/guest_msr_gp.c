// SPDX-License-Identifier: GPL-2.0
/*
 * The #GP handler of a guest's refused RDMSR or WRMSR (guest_msr_gp.h).
 */
#include "guest_msr_gp.h"

u64 okvm_guest_msr_gp_count;

__attribute__((naked)) void okvm_guest_msr_gp_skip(void)
{
	asm("incq okvm_guest_msr_gp_count(%rip)\n\t"
	    "addq $2, 8(%rsp)\n\t"	/* past the instruction, over the error code */
	    "add $8, %rsp\n\t"		/* the error code */
	    "iretq");
}
