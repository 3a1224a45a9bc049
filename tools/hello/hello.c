// SPDX-License-Identifier: GPL-2.0
/*
 * okvm-hello: the smallest VMM. It creates a VM with 64 KiB of memory,
 * loads a real-mode guest that writes a greeting to I/O port 0xe9 one byte
 * at a time and halts, and prints what the guest wrote. It speaks only the
 * KVM ABI: OKVM_DEV=/dev/kvm runs the same guest on upstream KVM.
 *
 * With --hold it only creates a VM and a vCPU and keeps them until killed:
 * the test rig uses that to keep KVM's static keys (preempt notifiers, vCPUs
 * without an in-kernel APIC) from being patched at every VM creation and
 * destruction, which QEMU's TCG does not always survive
 * (Documentation/testing.rst).
 *
 * With --spin the guest writes to port 0x80 forever, so the vCPU enters the
 * guest over and over until KVM_RUN fails: the test rig reboots the machine
 * under it (Documentation/design.rst, turning SVM off under running vCPUs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#define GUEST_MEM	0x10000
#define GUEST_CODE	0x1000
#define DEBUG_PORT	0xe9

/*
 *	mov  si, msg
 * next:
 *	lodsb
 *	test al, al
 *	jz   done
 *	out  0xe9, al
 *	jmp  next
 * done:
 *	hlt
 * msg:	db "...", 0
 */
static const unsigned char guest_code[] = {
	0xbe, 0x0d, 0x10,	/* mov si, 0x100d */
	0xac,			/* lodsb */
	0x84, 0xc0,		/* test al, al */
	0x74, 0x04,		/* jz +4 */
	0xe6, DEBUG_PORT,	/* out 0xe9, al */
	0xeb, 0xf7,		/* jmp -9 */
	0xf4,			/* hlt */
};

/* spin: out 0x80, al; jmp spin */
#define SPIN_CODE	0x1800
#define SPIN_PORT	0x80
static const unsigned char spin_code[] = { 0xe6, SPIN_PORT, 0xeb, 0xfc };

static const char greeting[] = "Hello from a guest running on okvm!\n";

static void die(const char *what)
{
	fprintf(stderr, "okvm-hello: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *path = getenv("OKVM_DEV") ? getenv("OKVM_DEV") : "/dev/okvm";
	struct kvm_userspace_memory_region region = {
		.memory_size = GUEST_MEM,
	};
	struct kvm_regs regs = { .rip = GUEST_CODE, .rflags = 2 };
	struct kvm_sregs sregs;
	struct kvm_run *run;
	int dev, vm, vcpu;
	char *mem;

	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die(path);
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	memcpy(mem + GUEST_CODE, guest_code, sizeof(guest_code));
	memcpy(mem + GUEST_CODE + sizeof(guest_code), greeting, sizeof(greeting));
	memcpy(mem + SPIN_CODE, spin_code, sizeof(spin_code));
	region.userspace_addr = (unsigned long)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		for (;;)
			pause();
	}
	run = mmap(NULL, ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	/* Real mode with CS = 0: the code runs at physical GUEST_CODE. */
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds = sregs.cs;
	sregs.ds.type = 3;
	if (argc > 1 && !strcmp(argv[1], "--spin"))
		regs.rip = SPIN_CODE;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) || ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_SREGS/REGS");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0))
			die("KVM_RUN");
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == SPIN_PORT)
				break;
			if (run->io.port == DEBUG_PORT &&
			    run->io.direction == KVM_EXIT_IO_OUT)
				putchar(*((char *)run + run->io.data_offset));
			break;
		case KVM_EXIT_HLT:
			printf("okvm-hello: the guest halted\n");
			return 0;
		default:
			fprintf(stderr, "okvm-hello: unexpected exit %u\n",
				run->exit_reason);
			return 1;
		}
	}
}
