// SPDX-License-Identifier: GPL-2.0
/*
 * A real-mode guest's port I/O and HLT reach the host as KVM_EXIT_IO (port,
 * size, direction, data at run + data_offset) and KVM_EXIT_HLT, and data the
 * host puts there for an IN is what the guest reads.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/vm.h"

/* Run once; the exit must be port I/O on @port of @size bytes, @direction. */
static void *expect_io(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
		       u8 direction, u16 port, u8 size)
{
	struct kvm_run *run = vcpu->run;

	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu)) TH_LOG("KVM_RUN: %s", strerror(errno));
	if (run->exit_reason != KVM_EXIT_IO)
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for port I/O");
	EXPECT_EQ(direction, run->io.direction);
	EXPECT_EQ(port, run->io.port);
	EXPECT_EQ(size, run->io.size);
	EXPECT_EQ(1, run->io.count);
	EXPECT_GE(run->io.data_offset, sizeof(*run));
	EXPECT_LE(run->io.data_offset + size, vcpu->run_size);
	return (char *)run + run->io.data_offset;
}

static void expect_out(struct __test_metadata *_metadata, struct okvm_vcpu *vcpu,
		       u16 port, u8 size, u32 value)
{
	u32 data = 0;

	memcpy(&data, expect_io(_metadata, vcpu, KVM_EXIT_IO_OUT, port, size), size);
	EXPECT_EQ(value, data) TH_LOG("OUT to port 0x%x", port);
}

TEST(out_byte_then_hlt)
{
	static const u8 code[] = {
		0xb0, 0x42,		/* mov $0x42, %al */
		0xe6, 0x10,		/* out %al, $0x10 */
		0xf4,			/* hlt */
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	expect_out(_metadata, vcpu, 0x10, 1, 0x42);
	/* HLT exits after the instruction: RIP is past it. */
	EXPECT_EQ(OKVM_REAL_MODE_CODE_GPA + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	okvm_vm_free(vm);
}

TEST(out_word_and_dword_through_dx)
{
	static const u8 code[] = {
		0xb8, 0x34, 0x12,			/* mov $0x1234, %ax */
		0xe7, 0x12,				/* out %ax, $0x12 */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* mov $0x12345678, %eax */
		0xba, 0x00, 0x05,			/* mov $0x500, %dx */
		0x66, 0xef,				/* out %eax, (%dx) */
		0xf4,					/* hlt */
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	expect_out(_metadata, vcpu, 0x12, 2, 0x1234);
	expect_out(_metadata, vcpu, 0x500, 4, 0x12345678);
	EXPECT_EQ(OKVM_REAL_MODE_CODE_GPA + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	okvm_vm_free(vm);
}

TEST(in_returns_host_data)
{
	static const u8 code[] = {
		0xe4, 0x11,		/* in $0x11, %al */
		0xa2, 0x00, 0x20,	/* mov %al, 0x2000 */
		0xe6, 0x13,		/* out %al, $0x13 */
		0xba, 0x34, 0x02,	/* mov $0x234, %dx */
		0xed,			/* in (%dx), %ax */
		0xa3, 0x02, 0x20,	/* mov %ax, 0x2002 */
		0xf4,			/* hlt */
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u16 word = 0xbeef;
	u8 *data;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);

	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x11, 1);
	*data = 0x5a;
	expect_out(_metadata, vcpu, 0x13, 1, 0x5a);

	data = expect_io(_metadata, vcpu, KVM_EXIT_IO_IN, 0x234, 2);
	memcpy(data, &word, sizeof(word));
	EXPECT_EQ(OKVM_REAL_MODE_CODE_GPA + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));

	EXPECT_EQ(0x5a, *(u8 *)okvm_gpa_to_hva(vm, 0x2000));
	EXPECT_EQ(0xbeef, *(u16 *)okvm_gpa_to_hva(vm, 0x2002));
	okvm_vm_free(vm);
}

/* The guest writes memory the host reads, and the reverse, with no exit. */
TEST(guest_and_host_share_memory)
{
	static const u8 code[] = {
		0xa1, 0x00, 0x30,	/* mov 0x3000, %ax */
		0x40,			/* inc %ax */
		0xa3, 0x02, 0x30,	/* mov %ax, 0x3002 */
		0xf4,			/* hlt */
	};
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u16 *mem;

	vm = okvm_vm_create_real_mode(code, sizeof(code), &vcpu);
	mem = okvm_gpa_to_hva(vm, 0x3000);
	mem[0] = 0x7ffe;
	EXPECT_EQ(OKVM_REAL_MODE_CODE_GPA + sizeof(code), okvm_vcpu_run_to_hlt(vcpu));
	EXPECT_EQ(0x7fff, mem[1]);
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
