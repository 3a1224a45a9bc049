// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and port I/O: a guest write inside a zone the VMM
 * registered does not exit but lands in the ring each vCPU maps at
 * KVM_COALESCED_MMIO_PAGE_OFFSET; the ring keeps one entry free, so the
 * write that would fill it exits instead; reads, writes outside every zone
 * and writes after the zone is gone exit as always.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/mmio.h"
#include "lib/okvm_dev.h"
#include "lib/ucall.h"
#include "lib/vm.h"
#include "lib/x86.h"

#define MMIO_GPA		0x40000000ULL
#define ZONE_PORT		0x80
#define RING_MAX		((getpagesize() - sizeof(struct kvm_coalesced_mmio_ring)) / \
				 sizeof(struct kvm_coalesced_mmio))

static void guest_out32(u16 port, u32 value)
{
	asm volatile("outl %0, %1" : : "a"(value), "d"(port));
}

static void guest_store64(u64 gpa, u64 value)
{
	asm volatile("movq %0, (%1)" : : "r"(value), "r"(gpa) : "memory");
}

static u64 guest_load64(u64 gpa)
{
	u64 value;

	asm volatile("movq (%1), %0" : "=r"(value) : "r"(gpa) : "memory");
	return value;
}

/* @n writes, MMIO and port I/O in turn, then a sync; then a read and a write. */
static void guest_writes(u64 mmio, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++) {
		if (i & 1)
			guest_out32(ZONE_PORT, 0x1000 + i);
		else
			guest_store64(mmio, 0xabc00000ULL + i);
	}
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(guest_load64(mmio), 0x1122334455667788ULL);
	guest_store64(mmio + 8, 0x99);
	GUEST_DONE();
}

static struct kvm_coalesced_mmio_ring *ring_of(struct okvm_vcpu *vcpu)
{
	return (void *)vcpu->run + KVM_COALESCED_MMIO_PAGE_OFFSET * getpagesize();
}

static int zone_ioctl(struct okvm_vm *vm, unsigned long nr, u64 addr, u32 size, u32 pio)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = addr, .size = size, .pio = pio };

	return ioctl(vm->fd, nr, &zone);
}

static struct okvm_vm *create_vm(u64 nr_writes, struct okvm_vcpu **vcpu)
{
	struct okvm_vm *vm = okvm_vm_create_long_mode(1, guest_writes, vcpu);

	okvm_guest_identity_map(vm, MMIO_GPA, PAGE_SIZE_2M);
	okvm_vcpu_set_args(*vcpu, 2, MMIO_GPA, nr_writes);
	return vm;
}

TEST(caps_and_mmap_size)
{
	int fd = okvm_dev_open(O_RDWR);

	ASSERT_GE(fd, 0) TH_LOG("open %s: %s", okvm_dev_path(), strerror(errno));
	EXPECT_EQ(KVM_COALESCED_MMIO_PAGE_OFFSET,
		  ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO));
	EXPECT_EQ(1, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO));
	EXPECT_LE((KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * getpagesize(),
		  ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0));
	close(fd);
}

TEST(writes_in_zones_are_queued_in_order)
{
	const u64 n = 10;
	struct kvm_coalesced_mmio_ring *ring;
	struct okvm_mmio_access read = MMIO_READ(MMIO_GPA, 8, 0x1122334455667788ULL);
	struct okvm_mmio_access write = MMIO_WRITE(MMIO_GPA + 8, 8, 0x99);
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 i;

	vm = create_vm(n, &vcpu);
	ring = ring_of(vcpu);
	ASSERT_EQ(0, zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 16, 0));
	ASSERT_EQ(0, zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_PORT, 4, 1));
	EXPECT_EQ(0, ring->first);
	EXPECT_EQ(0, ring->last);

	okvm_vcpu_expect_sync(vcpu, 1);
	ASSERT_EQ(n, ring->last);
	for (i = 0; i < n; i++) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[i];
		u64 data = 0;

		memcpy(&data, e->data, sizeof(data));
		if (i & 1) {
			EXPECT_EQ(ZONE_PORT, e->phys_addr) TH_LOG("entry %llu", i);
			EXPECT_EQ(4, e->len);
			EXPECT_EQ(1, e->pio);
			EXPECT_EQ(0x1000 + i, data);
		} else {
			EXPECT_EQ(MMIO_GPA, e->phys_addr) TH_LOG("entry %llu", i);
			EXPECT_EQ(8, e->len);
			EXPECT_EQ(0, e->pio);
			EXPECT_EQ(0xabc00000ULL + i, data);
		}
	}
	/* A read in the zone exits; once the zone is gone, a write does too. */
	okvm_vcpu_expect_mmio(vcpu, &read);
	ASSERT_EQ(0, zone_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	okvm_vcpu_expect_mmio(vcpu, &write);
	okvm_vcpu_expect_done(vcpu);
	EXPECT_EQ(n, ring->last);
	okvm_vm_free(vm);
}

TEST(a_full_ring_exits_with_one_entry_free)
{
	struct kvm_coalesced_mmio_ring *ring;
	struct okvm_vcpu *vcpu;
	struct okvm_vm *vm;
	u64 max = RING_MAX;
	struct kvm_run *run;

	vm = create_vm(max, &vcpu);
	ring = ring_of(vcpu);
	run = vcpu->run;
	ASSERT_EQ(0, zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	ASSERT_EQ(0, zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_PORT, 4, 1));
	/* Start at the end, so the ring wraps. */
	ring->first = max - 3;
	ring->last = max - 3;

	/* max - 1 writes fit; the last write exits, a port write (max is even). */
	ASSERT_EQ(0, okvm_vcpu_run_raw(vcpu));
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason)
		TH_LOG("exit %s", okvm_exit_reason_name(run->exit_reason));
	EXPECT_EQ(ZONE_PORT, run->io.port);
	EXPECT_EQ(0x1000 + max - 1, *(u32 *)((char *)run + run->io.data_offset));
	EXPECT_EQ(max - 4, ring->last);
	EXPECT_EQ(max - 3, ring->first);
	EXPECT_EQ(0xabc00000ULL, *(u64 *)ring->coalesced_mmio[max - 3].data);
	EXPECT_EQ(0xabc00000ULL + max - 2, *(u64 *)ring->coalesced_mmio[max - 5].data);
	EXPECT_EQ(0x1000 + max - 3, *(u32 *)ring->coalesced_mmio[max - 6].data);
	okvm_vm_free(vm);
}

TEST(zones_refused_and_removed)
{
	struct okvm_vm *vm = okvm_vm_create();

	errno = 0;
	EXPECT_EQ(-1, zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, MMIO_GPA, 8, 2));
	EXPECT_EQ(EINVAL, errno);
	/* Removing a zone that is not there succeeds, as in KVM. */
	EXPECT_EQ(0, zone_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, MMIO_GPA, 8, 0));
	okvm_vm_free(vm);
}

TEST_HARNESS_MAIN
