// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_STATS_FD readers for tests (see stats.h). The file is read with
 * pread at the offsets its header gives, as any KVM client does.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "stats.h"
#include "vm.h"

static void read_exact(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	OKVM_REQUIRE(n == (ssize_t)len, "stats fd: read %zd of %zu bytes at %lld",
		     n, len, (long long)off);
}

void okvm_stats_open(struct okvm_stats *st, int owner_fd)
{
	size_t size;

	st->fd = ioctl(owner_fd, KVM_GET_STATS_FD, NULL);
	OKVM_REQUIRE(st->fd >= 0, "KVM_GET_STATS_FD failed");
	read_exact(st->fd, &st->header, sizeof(st->header), 0);
	OKVM_REQUIRE(st->header.num_desc > 0 && st->header.num_desc < 4096 &&
		     st->header.name_size > 0 && st->header.name_size <= 4096,
		     "stats header: %u descriptors, names of %u bytes",
		     st->header.num_desc, st->header.name_size);
	st->id = calloc(1, st->header.name_size + 1);
	OKVM_REQUIRE(st->id, "out of memory");
	read_exact(st->fd, st->id, st->header.name_size, st->header.id_offset);
	st->desc_size = sizeof(struct kvm_stats_desc) + st->header.name_size;
	size = st->desc_size * st->header.num_desc;
	st->descs = calloc(1, size);
	OKVM_REQUIRE(st->descs, "out of memory");
	read_exact(st->fd, st->descs, size, st->header.desc_offset);
}

void okvm_stats_close(struct okvm_stats *st)
{
	free(st->descs);
	free(st->id);
	close(st->fd);
}

const struct kvm_stats_desc *okvm_stats_desc(const struct okvm_stats *st, u32 i)
{
	return (const void *)((const char *)st->descs + i * st->desc_size);
}

const struct kvm_stats_desc *okvm_stats_find(const struct okvm_stats *st,
					     const char *name)
{
	u32 i;

	for (i = 0; i < st->header.num_desc; i++) {
		const struct kvm_stats_desc *d = okvm_stats_desc(st, i);

		if (!strncmp(d->name, name, st->header.name_size))
			return d;
	}
	return NULL;
}

u64 okvm_stats_get(const struct okvm_stats *st, const char *name)
{
	const struct kvm_stats_desc *d = okvm_stats_find(st, name);
	u64 value;

	OKVM_REQUIRE(d, "no statistic called %s", name);
	OKVM_REQUIRE(d->size == 1, "%s has %u values", name, d->size);
	read_exact(st->fd, &value, sizeof(value), st->header.data_offset + d->offset);
	return value;
}

u64 okvm_stat(int owner_fd, const char *name)
{
	struct okvm_stats st;
	u64 v;

	okvm_stats_open(&st, owner_fd);
	v = okvm_stats_get(&st, name);
	okvm_stats_close(&st);
	return v;
}

struct okvm_leaf_counts okvm_stats_leaf_counts(int vm_fd)
{
	struct okvm_leaf_counts l;
	struct okvm_stats st;

	okvm_stats_open(&st, vm_fd);
	l.pages_4k = okvm_stats_get(&st, "pages_4k");
	l.pages_2m = okvm_stats_get(&st, "pages_2m");
	l.pages_1g = okvm_stats_get(&st, "pages_1g");
	okvm_stats_close(&st);
	return l;
}
