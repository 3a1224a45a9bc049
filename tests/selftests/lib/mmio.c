// SPDX-License-Identifier: GPL-2.0
/*
 * Checking KVM_EXIT_MMIO exits against the accesses a test expects, and
 * answering reads. See mmio.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mmio.h"
#include "ucall.h"

static void describe_access(const struct okvm_mmio_access *access, char *buf,
			    size_t size)
{
	snprintf(buf, size, "%s gpa 0x%llx len %u data 0x%llx",
		 access->is_write ? "write" : "read",
		 (unsigned long long)access->gpa, access->len,
		 (unsigned long long)access->data);
}

/* The exit's access; the data only means something for a write. */
static void exit_access(const struct kvm_run *run, struct okvm_mmio_access *access)
{
	u32 len = run->mmio.len;

	access->gpa = run->mmio.phys_addr;
	access->len = len;
	access->is_write = run->mmio.is_write;
	access->data = 0;
	if (access->is_write)
		memcpy(&access->data, run->mmio.data,
		       len < sizeof(access->data) ? len : sizeof(access->data));
}

static bool same_access(const struct okvm_mmio_access *a,
			const struct okvm_mmio_access *b)
{
	return a->gpa == b->gpa && a->len == b->len && a->is_write == b->is_write &&
	       (!a->is_write || a->data == b->data);
}

/* Check one exit against @access; @which says where it is in a list. */
static void expect_one(struct okvm_vcpu *vcpu, const struct okvm_mmio_access *access,
		       const char *which, const char *file, int line)
{
	struct kvm_run *run = vcpu->run;
	char want[128], got[512];
	struct okvm_mmio_access seen;
	struct okvm_ucall uc;
	u64 answer;

	describe_access(access, want, sizeof(want));
	strncat(want, which, sizeof(want) - strlen(want) - 1);
	if (okvm_vcpu_run_raw(vcpu))
		__okvm_fail(file, line, "vCPU %u: expected MMIO %s; KVM_RUN: %s",
			    vcpu->id, want, strerror(errno));
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == OKVM_UCALL_PORT) {
		okvm_vcpu_decode_ucall(vcpu, &uc);
		okvm_ucall_describe(vcpu->vm, &uc, got, sizeof(got));
		__okvm_fail(file, line, "vCPU %u: expected MMIO %s, got %s",
			    vcpu->id, want, got);
	}
	if (run->exit_reason != KVM_EXIT_MMIO) {
		fprintf(stderr, "# %s:%d: expected MMIO %s\n", file, line, want);
		okvm_vcpu_fail_unexpected_exit(vcpu, "waiting for MMIO");
	}

	exit_access(run, &seen);
	if (!same_access(access, &seen)) {
		describe_access(&seen, got, sizeof(got));
		__okvm_fail(file, line, "vCPU %u: expected MMIO %s, got MMIO %s",
			    vcpu->id, want, got);
	}
	if (!access->is_write) {
		answer = access->data;
		memcpy(run->mmio.data, &answer, access->len);
	}
}

void __okvm_vcpu_expect_mmio(struct okvm_vcpu *vcpu, const struct okvm_mmio_access *access,
			     const char *file, int line)
{
	expect_one(vcpu, access, "", file, line);
}

void __okvm_vcpu_expect_mmio_list(struct okvm_vcpu *vcpu,
				  const struct okvm_mmio_access *accesses,
				  unsigned int nr_accesses, const char *file, int line)
{
	char which[48];
	unsigned int i;

	for (i = 0; i < nr_accesses; i++) {
		snprintf(which, sizeof(which), " (access %u of %u)", i + 1, nr_accesses);
		expect_one(vcpu, &accesses[i], which, file, line);
	}
}
