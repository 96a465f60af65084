/*
 * store.c - crash-safe storage of parameter blobs in two slots, committed by
 * a final checksummed header (see onnxcc_rt.h). No malloc: bodies are
 * checked through a small stack buffer in chunks.
 */
#include <string.h>

#include "onnxcc_rt.h"

static const uint8_t store_magic[8] = {'O', 'N', 'X', 'C', 'C', 'S', 'L', '1'};

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A slot's header, if valid: 1 and its sequence, length and body CRC. */
typedef struct {
    uint64_t seq, len;
    uint32_t crc;
} slot_head;

static int read_head(const rt_store *s, int i, slot_head *h)
{
    uint8_t b[RT_STORE_HEADER];
    if (s->read(s->ctx, s->base + (uint64_t)i * s->slot_bytes, b, sizeof b) != 0)
        return -1;
    if (memcmp(b, store_magic, sizeof store_magic) != 0 || rt_crc32(0, b, 28) != get32(b + 28))
        return 0;
    h->seq = get64(b + 8);
    h->len = get64(b + 16);
    h->crc = get32(b + 24);
    return h->len <= s->slot_bytes - RT_STORE_HEADER;
}

/* The CRC of a slot's body, read through the callback in chunks. */
static int body_crc(const rt_store *s, int i, uint64_t len, uint32_t *crc)
{
    uint8_t chunk[256];
    uint64_t off = s->base + (uint64_t)i * s->slot_bytes + RT_STORE_HEADER;
    *crc = 0;
    while (len) {
        size_t n = len < sizeof chunk ? (size_t)len : sizeof chunk;
        if (s->read(s->ctx, off, chunk, n) != 0)
            return -1;
        *crc = rt_crc32(*crc, chunk, n);
        off += n;
        len -= n;
    }
    return 0;
}

/* Which slot holds the newest valid copy: 0 or 1, -1 for none, -2 on an I/O
 * error; its header in *h. */
static int newest(const rt_store *s, slot_head *h)
{
    slot_head hs[2];
    int ok[2];
    for (int i = 0; i < 2; i++) {
        ok[i] = read_head(s, i, &hs[i]);
        if (ok[i] < 0)
            return -2;
        if (ok[i]) {
            uint32_t crc;
            if (body_crc(s, i, hs[i].len, &crc) != 0)
                return -2;
            ok[i] = crc == hs[i].crc;
        }
    }
    int best = -1;
    for (int i = 0; i < 2; i++)
        if (ok[i] && (best < 0 || hs[i].seq > hs[best].seq))
            best = i;
    if (best >= 0)
        *h = hs[best];
    return best;
}

int rt_store_save(const rt_store *s, const uint8_t *data, size_t len)
{
    if (s->slot_bytes < RT_STORE_HEADER || (uint64_t)len > s->slot_bytes - RT_STORE_HEADER)
        return RT_STORE_ESPACE;
    slot_head cur;
    int have = newest(s, &cur);
    if (have == -2)
        return RT_STORE_EIO;
    int target = have == 0 ? 1 : 0;
    uint64_t seq = have >= 0 ? cur.seq + 1 : 1;
    uint64_t at = s->base + (uint64_t)target * s->slot_bytes;
    /* body first: until the header below is complete, this slot is invalid
     * (its old header, if any, no longer matches the body's CRC) */
    if (len && s->write(s->ctx, at + RT_STORE_HEADER, data, len) != 0)
        return RT_STORE_EIO;
    uint8_t h[RT_STORE_HEADER];
    memcpy(h, store_magic, sizeof store_magic);
    put64(h + 8, seq);
    put64(h + 16, (uint64_t)len);
    put32(h + 24, rt_crc32(0, data, len));
    put32(h + 28, rt_crc32(0, h, 28));
    if (s->write(s->ctx, at, h, sizeof h) != 0)
        return RT_STORE_EIO;
    return 0;
}

int rt_store_load(const rt_store *s, uint8_t *buf, size_t cap, size_t *len)
{
    slot_head h;
    int i = newest(s, &h);
    if (i == -2)
        return RT_STORE_EIO;
    if (i < 0)
        return RT_STORE_EEMPTY;
    if (h.len > (uint64_t)cap)
        return RT_STORE_ESPACE;
    if (h.len && s->read(s->ctx, s->base + (uint64_t)i * s->slot_bytes + RT_STORE_HEADER, buf,
                         (size_t)h.len) != 0)
        return RT_STORE_EIO;
    /* the body was checked through the callback; check what was read too */
    if (rt_crc32(0, buf, (size_t)h.len) != h.crc)
        return RT_STORE_EIO;
    *len = (size_t)h.len;
    return 0;
}
