/*
 * test_store.c - crash-safe parameter storage. The medium is a byte array
 * whose write callback can be cut after a given number of bytes (a power
 * failure in the middle of a save): every byte offset of a save of a small
 * model's parameter blob is cut in turn, and a load afterwards must give the
 * previous parameters or the new ones, exactly, never anything else.
 */
#include "rt_test.h"

typedef struct {
    uint8_t mem[4096];
    long budget;            /* bytes the medium still accepts; < 0: no limit */
} medium;

static int med_write(void *ctx, uint64_t off, const uint8_t *data, size_t len)
{
    medium *m = ctx;
    for (size_t i = 0; i < len; i++) {
        if (m->budget == 0)
            return -1; /* power is gone: nothing more reaches the medium */
        if (m->budget > 0)
            m->budget--;
        m->mem[off + i] = data[i];
    }
    return 0;
}

static int med_read(void *ctx, uint64_t off, uint8_t *data, size_t len)
{
    medium *m = ctx;
    memcpy(data, m->mem + off, len);
    return 0;
}

/* A small model's parameters: a 4x3 weight, a bias of 4, and SGD momentum. */
enum { NW = 12, NB = 4 };

static size_t make_blob(uint8_t *buf, float seed, uint64_t step)
{
    float w[NW], b[NB], mw[NW], mb[NB];
    for (int i = 0; i < NW; i++)
        w[i] = seed + (float)i, mw[i] = -seed * (float)i;
    for (int i = 0; i < NB; i++)
        b[i] = seed * 0.5f + (float)i, mb[i] = seed;
    rt_blob_part parts[4] = {{w, NW}, {b, NB}, {mw, NW}, {mb, NB}};
    size_t n = rt_blob_size(parts, 4);
    rt_blob_write(buf, parts, 4, UINT64_C(0x1234), step);
    return n;
}

Test(store, power_cut_at_every_byte)
{
    static medium m;
    rt_store s = {med_write, med_read, &m, 64, 1024};
    uint8_t old_blob[512], new_blob[512], got[512];
    size_t n_old = make_blob(old_blob, 1.0f, 10), n_new = make_blob(new_blob, 2.0f, 11);
    cr_assert_eq(n_old, n_new);
    /* bytes one save writes: the body, then the header */
    long total = (long)n_new + RT_STORE_HEADER;
    for (int history = 0; history < 3; history++) {
        for (long cut = 0; cut <= total; cut++) {
            memset(m.mem, 0xA5, sizeof m.mem);
            m.budget = -1;
            /* history copies already on the medium, the last one old_blob */
            for (int h = 0; h < history; h++)
                cr_assert_eq(rt_store_save(&s, h + 1 == history ? old_blob : new_blob, n_old), 0);
            m.budget = cut;
            int rc = rt_store_save(&s, new_blob, n_new);
            cr_assert(rc == 0 || rc == RT_STORE_EIO);
            m.budget = -1;
            size_t len = 0;
            rc = rt_store_load(&s, got, sizeof got, &len);
            if (history == 0 && cut < total) {
                cr_assert_eq(rc, RT_STORE_EEMPTY, "cut %ld: empty medium gave %d", cut, rc);
                continue;
            }
            cr_assert_eq(rc, 0, "history %d, cut %ld: load failed (%d)", history, cut, rc);
            cr_assert_eq(len, n_new);
            int is_new = memcmp(got, new_blob, len) == 0;
            int is_old = history > 0 && memcmp(got, old_blob, len) == 0;
            cr_assert(is_new || is_old, "history %d, cut %ld: torn parameters", history, cut);
            /* a complete save is what a load returns */
            if (cut == total)
                cr_assert(is_new, "history %d: a finished save was not loaded", history);
            /* and the blob itself still parses */
            float w[NW], b[NB], mw[NW], mb[NB];
            rt_blob_part parts[4] = {{w, NW}, {b, NB}, {mw, NW}, {mb, NB}};
            uint64_t step;
            cr_assert_eq(rt_blob_read(got, len, parts, 4, UINT64_C(0x1234), &step), 0);
            cr_assert_eq(step, is_new ? 11u : 10u);
        }
    }
}

Test(store, refuses_what_does_not_fit_and_flipped_bytes)
{
    static medium m;
    rt_store s = {med_write, med_read, &m, 0, 128};
    uint8_t blob[512], got[512];
    size_t n = make_blob(blob, 3.0f, 1);
    m.budget = -1;
    memset(m.mem, 0, sizeof m.mem);
    cr_assert_eq(rt_store_save(&s, blob, n), RT_STORE_ESPACE); /* 128-byte slots */
    s.slot_bytes = 1024;
    cr_assert_eq(rt_store_save(&s, blob, n), 0);
    size_t len;
    cr_assert_eq(rt_store_load(&s, got, 16, &len), RT_STORE_ESPACE);
    /* a flipped body byte makes the only copy invalid: empty, never garbage */
    m.mem[RT_STORE_HEADER + 5] ^= 0x40;
    cr_assert_eq(rt_store_load(&s, got, sizeof got, &len), RT_STORE_EEMPTY);
}
