/*
 * startup.S - reset vector and start-up code for the Cortex-M4F of QEMU's
 * mps2-an386 machine (and any Cortex-M4F whose code memory starts at 0).
 *
 * Why our own instead of newlib's rdimon-crt0: that crt0 has no M-profile
 * vector table, asks the debugger (SYS_HEAPINFO) where the stack and heap go
 * instead of taking them from the linker script, does not copy .data from its
 * load address, and does not turn the FPU on. Ours is short enough to read in
 * one go and does exactly what a firmware's start-up does:
 *
 *   1. the core loads SP from vector 0 and jumps to vector 1 (Reset_Handler);
 *      we set SP again ourselves, so a debugger's "jump to reset" works too;
 *   2. enable the FPU (CP10 and CP11 full access in CPACR) before any code
 *      that may touch a floating-point register: with -mfloat-abi=hard even
 *      memcpy or a struct copy may, and the first one would fault (UsageFault
 *      NOCP) with the FPU off;
 *   3. copy .data from its load address in code memory to RAM, zero .bss and
 *      .arena;
 *   4. paint the stack with a pattern so board_stack_used() can measure the
 *      high-water mark;
 *   5. call main(0, NULL) and end with its return value as the status.
 *      Two variants, assembled from this one file by the sub-Makefile:
 *      - default, for the test apps linked with rdimon.specs: open the
 *        semihosting console first (initialise_monitor_handles, which
 *        rdimon-crt0 would have called; without it printf prints nothing),
 *        and end with newlib's exit(), which flushes stdio before rdimon's
 *        _exit reports the status to the host (SYS_EXIT_EXTENDED);
 *      - -DSTARTUP_BARE, for the footprint apps: no stdio to open, and end
 *        with board_exit() (board.c), so they do not pay for exit()'s
 *        handlers and newlib's reentrancy structure.
 *
 * Every fault lands in Fault_Handler, which prints the fault status registers
 * and reports status 134 through semihosting (board_fault in board.c), so a
 * crash fails the run instead of hanging it.
 *
 * Plain assembly so that no compiler can schedule a floating-point
 * instruction before step 2.
 */
    .syntax unified
    .cpu cortex-m4
    .fpu fpv4-sp-d16
    .thumb

    .section .vectors, "a", %progbits
    .align 2
    .global __vectors
__vectors:
    .word __stack_top           /* 0: initial main stack pointer */
    .word Reset_Handler         /* 1: reset */
    .word Fault_Handler         /* 2: NMI */
    .word Fault_Handler         /* 3: HardFault */
    .word Fault_Handler         /* 4: MemManage */
    .word Fault_Handler         /* 5: BusFault */
    .word Fault_Handler         /* 6: UsageFault */
    .word 0, 0, 0, 0            /* 7-10: reserved */
    .word Fault_Handler         /* 11: SVCall */
    .word Fault_Handler         /* 12: DebugMonitor */
    .word 0                     /* 13: reserved */
    .word Fault_Handler         /* 14: PendSV */
    .word Fault_Handler         /* 15: SysTick */
    /* no external interrupt is enabled, so none needs a vector */

    .text
    .thumb_func
    .global Reset_Handler
    .type Reset_Handler, %function
Reset_Handler:
    ldr     r0, =__stack_top
    mov     sp, r0

    /* 2. CPACR (0xE000ED88) |= CP10, CP11 full access (bits 20-23) */
    ldr     r0, =0xE000ED88
    ldr     r1, [r0]
    orr     r1, r1, #(0xF << 20)
    str     r1, [r0]
    dsb
    isb

    /* 3. copy .data: [__data_start, __data_end) from __data_load */
    ldr     r0, =__data_start
    ldr     r1, =__data_end
    ldr     r2, =__data_load
1:  cmp     r0, r1
    bhs     2f
    ldr     r3, [r2], #4
    str     r3, [r0], #4
    b       1b

    /* zero [__bss_start, __bss_end), which covers .bss and .arena */
2:  ldr     r0, =__bss_start
    ldr     r1, =__bss_end
    movs    r3, #0
3:  cmp     r0, r1
    bhs     4f
    str     r3, [r0], #4
    b       3b

    /* 4. paint [__stack_limit, sp) with the pattern board.c looks for */
4:  ldr     r0, =__stack_limit
    mov     r1, sp
    ldr     r3, =0x5A5AA5A5
5:  cmp     r0, r1
    bhs     6f
    str     r3, [r0], #4
    b       5b

    /* 5. status = main(0, NULL); exit(status) */
6:
#ifndef STARTUP_BARE
    bl      initialise_monitor_handles
#endif
    movs    r0, #0
    movs    r1, #0
    bl      main
#ifdef STARTUP_BARE
    bl      board_exit
#else
    bl      exit
#endif
7:  b       7b
    .size Reset_Handler, . - Reset_Handler

    /* Any fault or unexpected exception: report and stop. */
    .thumb_func
    .global Fault_Handler
    .type Fault_Handler, %function
Fault_Handler:
    ldr     r0, =__stack_top    /* a fresh stack: the old one may be the fault */
    mov     sp, r0
    b       board_fault
    .size Fault_Handler, . - Fault_Handler

    .pool
