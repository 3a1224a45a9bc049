// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's randomness: xoshiro256** seeded by splitmix64 from the run's
 * seed and a stream number (one stream per thread), so a seed names the
 * same sequence of choices in every thread on every machine.
 */
#include <string.h>

#include "fuzz.h"

static u64 splitmix64(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_seed(struct fuzz_rng *r, u64 seed, u64 stream)
{
	u64 x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static u64 rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

u64 rng_next(struct fuzz_rng *r)
{
	u64 *s = r->s;
	u64 result = rotl(s[1] * 5, 7) * 9;
	u64 t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

u64 rng_below(struct fuzz_rng *r, u64 n)
{
	return n ? rng_next(r) % n : 0;
}

bool rng_chance(struct fuzz_rng *r, unsigned int percent)
{
	return rng_below(r, 100) < percent;
}

u64 rng_boundary(struct fuzz_rng *r)
{
	unsigned int bit = rng_below(r, 64);
	u64 v;

	switch (rng_below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return rng_below(r, 17);
	case 2:
		return ~0ULL - rng_below(r, 4);
	case 3:
		return 1ULL << bit;
	case 4:
		return (1ULL << bit) - 1;
	case 5:
		return (1ULL << bit) + 1;
	case 6:
		return (u32)rng_next(r);
	case 7:
		/* A page-aligned value, as addresses and sizes are. */
		return rng_next(r) & ~(FUZZ_PAGE - 1) & ((1ULL << bit) - 1);
	case 8:
		v = 0x7fffffffULL << rng_below(r, 33);
		return v;
	default:
		return rng_next(r);
	}
}

void rng_fill(struct fuzz_rng *r, void *buf, size_t len)
{
	u8 *p = buf;

	while (len) {
		u64 v = rng_chance(r, 50) ? rng_boundary(r) : rng_next(r);
		size_t n = len < sizeof(v) ? len : sizeof(v);

		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}
