/*
 * blob.c - parameter blobs (trainable parameters and optimizer state as
 * bytes, for saving a fine-tuned model and loading it back) and CRC-32.
 *
 * Layout (all integers and floats little-endian, whatever the host):
 *   offset  size
 *        0     8  magic "ONXCCPB1"
 *        8     4  u32 version (RT_BLOB_VERSION)
 *       12     4  u32 tensor count
 *       16     8  u64 model fingerprint
 *       24     8  u64 step
 *       32     8  u64 payload bytes (4 * total floats)
 *       40     P  each tensor's floats in order, IEEE-754 binary32
 *   40 + P     4  u32 CRC-32 of bytes [0, 40 + P)
 * Bytes are assembled with shifts, so neither the host's byte order nor the
 * buffer's alignment matters.
 */
#include <string.h>

#include "rt_impl.h"

#define RT_BLOB_HEADER 40u
#define RT_BLOB_TRAILER 4u

static const uint8_t rt_blob_magic[8] = { 'O', 'N', 'X', 'C', 'C', 'P', 'B', '1' };

/*
 * CRC-32 (IEEE 802.3 polynomial, reflected, initial and final XOR with
 * 0xFFFFFFFF: zlib's crc32), four bits at a time from a 16-entry table of
 * the polynomial's remainders: a table small enough for any flash, twice
 * the steps of a byte table. crc is the value so far (0 to start).
 */
uint32_t rt_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t tab[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu
    };
    size_t i;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ tab[crc & 15u];
        crc = (crc >> 4) ^ tab[crc & 15u];
    }
    return ~crc;
}

static void rt_put_u32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

static void rt_put_u64(uint8_t *b, uint64_t v)
{
    rt_put_u32(b, (uint32_t)v);
    rt_put_u32(b + 4, (uint32_t)(v >> 32));
}

static uint32_t rt_get_u32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t rt_get_u64(const uint8_t *b)
{
    return (uint64_t)rt_get_u32(b) | (uint64_t)rt_get_u32(b + 4) << 32;
}

/* Payload bytes of the parts: 4 per float. */
static uint64_t rt_blob_payload(const rt_blob_part *parts, int nparts)
{
    uint64_t s = 0;
    int i;
    for (i = 0; i < nparts; i++)
        s += (uint64_t)parts[i].n * 4u;
    return s;
}

size_t rt_blob_size(const rt_blob_part *parts, int nparts)
{
    return (size_t)(RT_BLOB_HEADER + rt_blob_payload(parts, nparts) + RT_BLOB_TRAILER);
}

/* Writes the header, the floats (their bit patterns, so every value,
 * NaN payloads included, comes back exactly) and the CRC. */
void rt_blob_write(uint8_t *buf, const rt_blob_part *parts, int nparts, uint64_t fingerprint,
                   uint64_t step)
{
    const uint64_t payload = rt_blob_payload(parts, nparts);
    uint8_t *q = buf + RT_BLOB_HEADER;
    int i;
    int64_t j;

    memcpy(buf, rt_blob_magic, 8);
    rt_put_u32(buf + 8, RT_BLOB_VERSION);
    rt_put_u32(buf + 12, (uint32_t)nparts);
    rt_put_u64(buf + 16, fingerprint);
    rt_put_u64(buf + 24, step);
    rt_put_u64(buf + 32, payload);
    for (i = 0; i < nparts; i++)
        for (j = 0; j < parts[i].n; j++) {
            uint32_t bits;
            memcpy(&bits, &parts[i].data[j], 4);
            rt_put_u32(q, bits);
            q += 4;
        }
    rt_put_u32(q, rt_crc32(0, buf, (size_t)(q - buf)));
}

/*
 * Reads a blob into the parts, refusing it, with nothing written, at the
 * first check that fails, in this order:
 *   ESIZE     shorter than an empty blob;
 *   EMAGIC    not a parameter blob;
 *   EVERSION  a version this runtime does not read (the magic says it is a
 *             blob, so the version is read before anything it governs);
 *   ESIZE     the payload length it declares disagrees with len (truncated
 *             or with bytes appended);
 *   ECRC      the CRC does not match: some byte is corrupt;
 *   EMODEL    intact, but for another model: the fingerprint, the tensor
 *             count or the total size differ from what the caller expects.
 * On success the floats are copied into the parts and *step (if step is not
 * NULL) is set.
 */
int rt_blob_read(const uint8_t *buf, size_t len, const rt_blob_part *parts, int nparts,
                 uint64_t fingerprint, uint64_t *step)
{
    const uint8_t *q = buf + RT_BLOB_HEADER;
    uint64_t payload;
    int i;
    int64_t j;

    if (len < RT_BLOB_HEADER + RT_BLOB_TRAILER)
        return RT_BLOB_ESIZE;
    if (memcmp(buf, rt_blob_magic, 8) != 0)
        return RT_BLOB_EMAGIC;
    if (rt_get_u32(buf + 8) != RT_BLOB_VERSION)
        return RT_BLOB_EVERSION;
    payload = rt_get_u64(buf + 32);
    if (payload != (uint64_t)(len - RT_BLOB_HEADER - RT_BLOB_TRAILER))
        return RT_BLOB_ESIZE;
    if (rt_crc32(0, buf, len - RT_BLOB_TRAILER) != rt_get_u32(buf + len - RT_BLOB_TRAILER))
        return RT_BLOB_ECRC;
    if (rt_get_u64(buf + 16) != fingerprint || rt_get_u32(buf + 12) != (uint32_t)nparts ||
        payload != rt_blob_payload(parts, nparts))
        return RT_BLOB_EMODEL;
    for (i = 0; i < nparts; i++)
        for (j = 0; j < parts[i].n; j++) {
            const uint32_t bits = rt_get_u32(q);
            memcpy(&parts[i].data[j], &bits, 4);
            q += 4;
        }
    if (step)
        *step = rt_get_u64(buf + 24);
    return 0;
}
