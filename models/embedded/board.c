/*
 * board.c - semihosting without a C library, the stack high-water mark, and
 * the fault report for the start-up code (startup.S).
 *
 * Semihosting on an M-profile core: `bkpt 0xab` with the operation in r0 and
 * its argument in r1; QEMU (-semihosting-config enable=on,target=native)
 * performs it on the host and returns the result in r0.
 */
#include <stdint.h>

#include "board.h"

#define SH_SYS_WRITE0 0x04
#define SH_SYS_EXIT_EXTENDED 0x20
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026

#define STACK_PAINT 0x5A5AA5A5u /* as startup.S writes it */

extern uint32_t __stack_limit[], __stack_top[]; /* from the linker script */

static int board_semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void board_write(const char *s)
{
    board_semihost(SH_SYS_WRITE0, s);
}

/* Formats v in decimal at the end of buf; returns where it starts. */
static char *board_utoa(char *end, unsigned long v, unsigned base)
{
    *--end = '\0';
    do {
        *--end = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    return end;
}

void board_write_uint(const char *label, unsigned long value)
{
    char buf[24];
    board_write(label);
    board_write(" ");
    board_write(board_utoa(buf + sizeof buf, value, 10));
    board_write("\n");
}

/* SYS_EXIT_EXTENDED rather than SYS_EXIT: on 32-bit ARM the latter carries
 * only a reason code, which QEMU turns into status 0 or 1; the extended call
 * carries the status itself. QEMU 2.12 and later implement it. */
void board_exit(int status)
{
    uint32_t block[2] = {SH_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    for (;;)
        board_semihost(SH_SYS_EXIT_EXTENDED, block);
}

size_t board_stack_used(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT)
        p++;
    return (size_t)((const char *)__stack_top - (const char *)p);
}

size_t board_stack_size(void)
{
    return (size_t)((const char *)__stack_top - (const char *)__stack_limit);
}

/* Fault_Handler (startup.S) branches here on a fresh stack: print the fault
 * status registers of the System Control Block and exit with status 134, as
 * a shell reports an abort, so a crash fails the run rather than hanging it. */
void board_fault(void);
void board_fault(void)
{
    char buf[24];
    const volatile uint32_t *cfsr = (const volatile uint32_t *)0xE000ED28;
    const volatile uint32_t *hfsr = (const volatile uint32_t *)0xE000ED2C;
    board_write("board: fault, CFSR 0x");
    board_write(board_utoa(buf + sizeof buf, *cfsr, 16));
    board_write(" HFSR 0x");
    board_write(board_utoa(buf + sizeof buf, *hfsr, 16));
    board_write("\n");
    board_exit(134);
}

/* newlib calls _init and _fini around main when it runs constructors and
 * destructors (__libc_init_array, and __libc_fini_array, which rdimon's
 * start-up registers with atexit); crti.o/crtn.o would supply them, but we
 * link with -nostartfiles. Nothing here has constructors, so both are empty. */
void _init(void);
void _fini(void);
void _init(void)
{
}
void _fini(void)
{
}
