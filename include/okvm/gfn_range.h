/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest frame number ranges.
 *
 * Every range of guest frames in okvm is half-open, [start, end): a zap, a
 * flush, a notifier invalidation and a memslot all describe their gfns this
 * way, and a count of pages is always called nr_pages. "All of guest memory"
 * is [0, okvm_max_gfn()), never [0, ~0). An empty range touches nothing.
 */
#ifndef _OKVM_GFN_RANGE_H
#define _OKVM_GFN_RANGE_H

#include <linux/kvm_types.h>
#include <linux/types.h>

/**
 * struct okvm_gfn_range - a half-open range of guest frame numbers
 * @start: first gfn in the range
 * @end: first gfn past the range
 */
struct okvm_gfn_range {
	gfn_t start;
	gfn_t end;
};

struct okvm_spte_format;

gfn_t okvm_max_gfn(void);
gfn_t okvm_max_gfn_of(unsigned int phys_bits, const struct okvm_spte_format *fmt);
int okvm_gfn_range_from_count(gfn_t start, u64 nr_pages,
			      struct okvm_gfn_range *range);

/* A range with end <= start holds no gfn; callers must not walk it. */
static inline bool okvm_gfn_range_empty(struct okvm_gfn_range range)
{
	return range.end <= range.start;
}

/* [@gfn, @gfn + 1): the one gfn. */
static inline struct okvm_gfn_range okvm_gfn_range_one(gfn_t gfn)
{
	return (struct okvm_gfn_range){ gfn, gfn + 1 };
}

static inline u64 okvm_gfn_range_nr_pages(struct okvm_gfn_range range)
{
	return okvm_gfn_range_empty(range) ? 0 : range.end - range.start;
}

static inline bool okvm_gfn_range_contains(struct okvm_gfn_range range, gfn_t gfn)
{
	return gfn >= range.start && gfn < range.end;
}

static inline bool okvm_gfn_ranges_overlap(struct okvm_gfn_range a,
					   struct okvm_gfn_range b)
{
	return !okvm_gfn_range_empty(a) && !okvm_gfn_range_empty(b) &&
	       a.start < b.end && b.start < a.end;
}

/* The gfns in both @a and @b; empty (start == end) if they do not overlap. */
static inline struct okvm_gfn_range
okvm_gfn_range_intersect(struct okvm_gfn_range a, struct okvm_gfn_range b)
{
	struct okvm_gfn_range r = {
		.start = max(a.start, b.start),
		.end = min(a.end, b.end),
	};

	if (r.end < r.start)
		r.end = r.start;
	return r;
}

/*
 * The smallest range holding both @a and @b; an empty range adds nothing.
 * Used where several ranges must be tracked as one, conservatively.
 */
static inline struct okvm_gfn_range
okvm_gfn_range_hull(struct okvm_gfn_range a, struct okvm_gfn_range b)
{
	if (okvm_gfn_range_empty(a))
		return b;
	if (okvm_gfn_range_empty(b))
		return a;
	return (struct okvm_gfn_range){ min(a.start, b.start), max(a.end, b.end) };
}

#endif /* _OKVM_GFN_RANGE_H */
