/*
 * dropout.c - the seeded generator and dropout (forward and backward).
 *
 * Training-time dropout needs random bits on a device with no OS to ask, and
 * runs must be reproducible, so the generator is a small explicit state the
 * caller owns: xorshift64* (Vigna, "An experimental exploration of
 * Marsaglia's xorshift generators, scrambled", 2016).
 */
#include "rt_impl.h"

/* Seeds the generator. The seed goes through splitmix64 first so that
 * nearby seeds (0, 1, 2, ...) start unrelated streams; the one state that
 * xorshift cannot leave, 0, is replaced by a fixed odd constant. */
void rt_rng_seed(rt_rng *r, uint64_t seed)
{
    uint64_t z = seed + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    r->state = z ? z : UINT64_C(0x9E3779B97F4A7C15);
}

/* Uniform in [0, 1): the top 24 bits of the scrambled output, so every
 * value k / 2^24 is exact in float and 1 is never reached. */
float rt_rng_uniform(rt_rng *r)
{
    uint64_t s = r->state;
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    r->state = s;
    return (float)((s * UINT64_C(0x2545F4914F6CDD1D)) >> 40) * (1.0f / 16777216.0f);
}

/*
 * Dropout, see the header: element i is kept when its uniform draw is
 * >= ratio (probability 1 - ratio), and kept elements are scaled by
 * 1 / (1 - ratio) so the expectation of y is x. One draw per element, in
 * order, so a seed fixes the mask. ratio 0 keeps everything and draws
 * nothing. y may equal x.
 */
void rt_dropout_forward(float *y, float *mask, const float *x, int64_t n, float ratio,
                        rt_rng *rng)
{
    int64_t i;
    if (ratio <= 0.0f) {
        for (i = 0; i < n; i++) {
            mask[i] = 1.0f;
            y[i] = x[i];
        }
        return;
    }
    {
        const float scale = 1.0f / (1.0f - ratio);
        for (i = 0; i < n; i++) {
            mask[i] = rt_rng_uniform(rng) >= ratio ? 1.0f : 0.0f;
            y[i] = x[i] * (mask[i] * scale);
        }
    }
}

/* dx += dy * mask / (1 - ratio): the forward's scaling of each element. */
void rt_dropout_backward(float *dx, const float *dy, const float *mask, int64_t n, float ratio)
{
    const float scale = ratio <= 0.0f ? 1.0f : 1.0f / (1.0f - ratio);
    int64_t i;
    if (!dx)
        return;
    for (i = 0; i < n; i++)
        dx[i] += dy[i] * (mask[i] * scale);
}
