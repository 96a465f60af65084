/*
 * test_blob.c - parameter blobs (rt_blob_size, rt_blob_write, rt_blob_read)
 * and rt_crc32.
 *
 * A blob must come back bit for bit, and any blob that is not exactly what
 * this model wrote must be refused with the code that says why, leaving the
 * destination (and *step) untouched.
 */
#include "rt_test.h"

/* ================================================================ CRC-32 */

/* Bit-at-a-time CRC-32 (reflected 0xEDB88320, zlib's): the definition. */
static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* The standard check value: CRC-32 of "123456789" is 0xCBF43926. */
Test(crc32, check_value)
{
    const uint8_t *s = (const uint8_t *)"123456789";
    cr_assert(rt_crc32(0, s, 9) == 0xCBF43926u, "got 0x%08X", (unsigned)rt_crc32(0, s, 9));
    cr_assert(rt_crc32(0, s, 0) == 0u);
    cr_assert(rt_crc32(rt_crc32(0, s, 4), s + 4, 5) == 0xCBF43926u, "continuation");
}

/* Random data of every length up to 300 against the bitwise definition. */
Test(crc32, matches_definition)
{
    uint8_t buf[300];
    rt_trng r = { 1 };
    size_t n, i;
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rt_rng_next(&r);
    for (n = 0; n <= sizeof buf; n++)
        cr_assert(rt_crc32(0, buf, n) == ref_crc32(buf, n), "length %zu", n);
}

/* ================================================================ blob */

#define NA 7
#define NB 3
#define NC 5
#define FP UINT64_C(0x0123456789ABCDEF)

typedef struct {
    float a[NA], b[NB], c[NC];
} params;

/* Values including the awkward ones: -0, inf, a NaN with a payload, a
 * denormal, the largest float. */
static void fill_params(params *q)
{
    static const float special[NA] = { -0.0f, INFINITY, -INFINITY, 1e-40f, FLT_MAX, 1.0f, -2.5f };
    uint32_t nan_bits = 0x7FC12345u;
    int i;
    memcpy(q->a, special, sizeof special);
    memcpy(&q->b[0], &nan_bits, 4);
    q->b[1] = 3.14159265f;
    q->b[2] = -1e-30f;
    for (i = 0; i < NC; i++)
        q->c[i] = (float)i * 0.1f - 0.2f;
}

static int parts_of(rt_blob_part *parts, params *q)
{
    parts[0].data = q->a; parts[0].n = NA;
    parts[1].data = q->b; parts[1].n = NB;
    parts[2].data = q->c; parts[2].n = NC;
    return 3;
}

/* A destination holding a recognisable pattern, to see that a refused read
 * wrote nothing. */
static void sentinel(params *q)
{
    memset(q, 0xA5, sizeof *q);
}

static uint8_t *make_blob(size_t *len, uint64_t step)
{
    params src;
    rt_blob_part parts[3];
    int np;
    uint8_t *buf;
    fill_params(&src);
    np = parts_of(parts, &src);
    *len = rt_blob_size(parts, np);
    buf = rt_talloc(*len + 8, 1);
    rt_blob_write(buf, parts, np, FP, step);
    return buf;
}

/* Reads buf into a sentinel-filled destination; on failure checks that
 * neither the destination nor *step changed. Returns the code. */
static int read_into_sentinel(const uint8_t *buf, size_t len, uint64_t fp)
{
    params dst, untouched;
    rt_blob_part parts[3];
    uint64_t step = 77;
    int np, rc;
    sentinel(&dst);
    sentinel(&untouched);
    np = parts_of(parts, &dst);
    rc = rt_blob_read(buf, len, parts, np, fp, &step);
    if (rc != 0) {
        cr_assert(memcmp(&dst, &untouched, sizeof dst) == 0, "refused read (%d) wrote data", rc);
        cr_assert(step == 77, "refused read (%d) wrote the step", rc);
    }
    return rc;
}

Test(blob, round_trip_bit_exact)
{
    params src, dst;
    rt_blob_part sp[3], dp[3];
    size_t len;
    uint8_t *buf;
    uint64_t step = 0;
    int np;

    fill_params(&src);
    np = parts_of(sp, &src);
    len = rt_blob_size(sp, np);
    cr_assert(len == 40 + 4 * (NA + NB + NC) + 4, "size %zu", len);
    buf = rt_talloc(len + 1, 1);
    rt_blob_write(buf + 1, sp, np, FP, UINT64_C(123456789012));   /* unaligned on purpose */
    sentinel(&dst);
    parts_of(dp, &dst);
    cr_assert(rt_blob_read(buf + 1, len, dp, np, FP, &step) == 0);
    cr_assert(memcmp(&src, &dst, sizeof src) == 0, "contents differ");
    cr_assert(step == UINT64_C(123456789012));
    /* step may be NULL */
    sentinel(&dst);
    cr_assert(rt_blob_read(buf + 1, len, dp, np, FP, NULL) == 0);
    cr_assert(memcmp(&src, &dst, sizeof src) == 0);
    free(buf);
}

/* The documented layout, byte by byte: little-endian whatever the host. */
Test(blob, layout)
{
    size_t len, i;
    uint8_t *buf = make_blob(&len, UINT64_C(0x1122334455667788));
    static const uint8_t head[40] = {
        'O', 'N', 'X', 'C', 'C', 'P', 'B', '1',
        1, 0, 0, 0,                                     /* version */
        3, 0, 0, 0,                                     /* tensors */
        0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01, /* fingerprint */
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* step */
        4 * (NA + NB + NC), 0, 0, 0, 0, 0, 0, 0         /* payload bytes */
    };
    uint32_t crc;
    for (i = 0; i < 40; i++)
        cr_assert(buf[i] == head[i], "header byte %zu: 0x%02X, expected 0x%02X", i, buf[i], head[i]);
    /* a[1] = +inf = 0x7F800000 at offset 44, least significant byte first */
    cr_assert(buf[44] == 0x00 && buf[45] == 0x00 && buf[46] == 0x80 && buf[47] == 0x7F);
    crc = (uint32_t)buf[len - 4] | (uint32_t)buf[len - 3] << 8 | (uint32_t)buf[len - 2] << 16 |
          (uint32_t)buf[len - 1] << 24;
    cr_assert(crc == ref_crc32(buf, len - 4), "trailer is not the CRC of the rest");
    free(buf);
}

/*
 * Every byte flipped (three different flips each) is refused, with the code
 * of the field it hit: the magic says "not a blob", the version "a version
 * I cannot read", the payload length "the length disagrees"; everything
 * else (counts, fingerprint, step, floats, the CRC itself) is corruption
 * that only the CRC can see.
 */
Test(blob, any_flipped_byte_is_refused)
{
    static const uint8_t flips[3] = { 0x01, 0x80, 0xFF };
    size_t len, i;
    uint8_t *buf = make_blob(&len, 5);
    int f;
    cr_assert(read_into_sentinel(buf, len, FP) == 0);
    for (i = 0; i < len; i++)
        for (f = 0; f < 3; f++) {
            const int want = i < 8 ? RT_BLOB_EMAGIC : i < 12 ? RT_BLOB_EVERSION
                           : (i >= 32 && i < 40) ? RT_BLOB_ESIZE : RT_BLOB_ECRC;
            int rc;
            buf[i] ^= flips[f];
            rc = read_into_sentinel(buf, len, FP);
            buf[i] ^= flips[f];
            cr_assert(rc == want, "byte %zu ^ 0x%02X: code %d, expected %d", i, flips[f], rc, want);
        }
    free(buf);
}

/* Every truncation, and an appended byte, is a size error. */
Test(blob, truncated_or_extended_is_refused)
{
    size_t len, n;
    uint8_t *buf = make_blob(&len, 5);
    for (n = 0; n < len; n++) {
        const int rc = read_into_sentinel(buf, n, FP);
        cr_assert(rc == RT_BLOB_ESIZE, "length %zu of %zu: code %d", n, len, rc);
    }
    buf[len] = 0;
    cr_assert(read_into_sentinel(buf, len + 1, FP) == RT_BLOB_ESIZE);
    free(buf);
}

/* An intact blob of another model: another fingerprint, another tensor
 * count, another total size. (Two models with the same fingerprint and the
 * same total but split differently cannot be told apart by the layout; the
 * fingerprint exists to make that impossible.) */
Test(blob, other_model_is_refused)
{
    size_t len;
    uint8_t *buf = make_blob(&len, 5);
    params dst, untouched;
    float extra[2];
    rt_blob_part parts[4];
    int rc;

    cr_assert(read_into_sentinel(buf, len, FP ^ 1u) == RT_BLOB_EMODEL);

    sentinel(&dst);
    sentinel(&untouched);
    parts_of(parts, &dst);
    parts[1].n = NB - 1;                             /* sizes differ */
    rc = rt_blob_read(buf, len, parts, 3, FP, NULL);
    cr_assert(rc == RT_BLOB_EMODEL, "code %d", rc);
    parts[1].n = NB;
    parts[3].data = extra;                           /* one tensor more */
    parts[3].n = 2;
    rc = rt_blob_read(buf, len, parts, 4, FP, NULL);
    cr_assert(rc == RT_BLOB_EMODEL, "code %d", rc);
    rc = rt_blob_read(buf, len, parts, 2, FP, NULL); /* one tensor fewer */
    cr_assert(rc == RT_BLOB_EMODEL, "code %d", rc);
    cr_assert(memcmp(&dst, &untouched, sizeof dst) == 0, "a refused read wrote data");
    free(buf);
}

/* A well-formed blob of a newer version (its CRC right) is refused as such,
 * and so is something that is not a blob at all. */
Test(blob, wrong_version_or_magic)
{
    size_t len;
    uint8_t *buf = make_blob(&len, 5);
    uint32_t crc;
    buf[8] = 2;
    crc = rt_crc32(0, buf, len - 4);
    buf[len - 4] = (uint8_t)crc;
    buf[len - 3] = (uint8_t)(crc >> 8);
    buf[len - 2] = (uint8_t)(crc >> 16);
    buf[len - 1] = (uint8_t)(crc >> 24);
    cr_assert(read_into_sentinel(buf, len, FP) == RT_BLOB_EVERSION);
    memset(buf, 0, len);
    cr_assert(read_into_sentinel(buf, len, FP) == RT_BLOB_EMAGIC);
    free(buf);
}

/* No tensors at all is still a valid blob (a model with nothing trainable
 * saves just its step). */
Test(blob, empty)
{
    uint8_t buf[44];
    uint64_t step = 0;
    cr_assert(rt_blob_size(NULL, 0) == 44);
    rt_blob_write(buf, NULL, 0, 9, 3);
    cr_assert(rt_blob_read(buf, 44, NULL, 0, 9, &step) == 0 && step == 3);
    cr_assert(rt_blob_read(buf, 44, NULL, 0, 8, &step) == RT_BLOB_EMODEL);
}
