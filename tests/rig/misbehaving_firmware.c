/*
 * A firmware that misbehaves, built against the board contract alone. After
 * one simulated second BMSHIL_MISBEHAVE_HANG spins forever, otherwise it
 * crashes. BMSHIL_MISBEHAVE_EXIT_IN_RESET calls exit(0) in reset();
 * BMSHIL_MISBEHAVE_CRASH_ON_LOAD and BMSHIL_MISBEHAVE_EXIT_ON_LOAD crash or
 * exit in bmshil_firmware_get. The suite must report each and never pass.
 */
#include <stddef.h>
#include <stdlib.h>

#include "board_contract.h"

static void reset(bmshil_board_storage *storage)
{
    (void)storage;
#ifdef BMSHIL_MISBEHAVE_EXIT_IN_RESET
    exit(0);
#endif
}

static void step(const bmshil_board_inputs *in, bmshil_board_outputs *out, bmshil_board_port *port)
{
    (void)port;
    out->charge_fet_on = 1;
    out->discharge_fet_on = 1;
    out->next_wake_us = 0;
    if (in->now_us > 1000000u) {
#ifdef BMSHIL_MISBEHAVE_HANG
        for (volatile int spin = 1; spin;) {
        }
#else
        volatile int *nowhere = NULL;
        *nowhere = 1;
#endif
    }
}

static const bmshil_firmware firmware = {BMSHIL_BOARD_CONTRACT_VERSION, "misbehaving test firmware", reset, step};

BMSHIL_EXPORT const bmshil_firmware *bmshil_firmware_get(void)
{
#if defined(BMSHIL_MISBEHAVE_CRASH_ON_LOAD)
    volatile int *nowhere = NULL;
    *nowhere = 1;
#elif defined(BMSHIL_MISBEHAVE_EXIT_ON_LOAD)
    exit(0);
#endif
    return &firmware;
}
