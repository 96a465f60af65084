/*
 * board.h - the little the embedded apps need from the board, beyond the C
 * library: semihosting output and exit that work without stdio, and the
 * stack's high-water mark.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stddef.h>

/* Writes a NUL-terminated string to the host's console (semihosting
 * SYS_WRITE0); needs no C library. */
void board_write(const char *s);

/* Writes "label value\n" with value in decimal. */
void board_write_uint(const char *label, unsigned long value);

/* Ends the program with `status` as the exit status of QEMU (semihosting
 * SYS_EXIT_EXTENDED). */
void board_exit(int status);

/* Bytes of the stack ever used since reset: the start-up code paints the
 * stack region with a pattern, this finds the lowest word that changed. */
size_t board_stack_used(void);

/* Bytes reserved for the stack by the linker script. */
size_t board_stack_size(void);

#endif
