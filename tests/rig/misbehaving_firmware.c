/*
 * A firmware that misbehaves after one simulated second, built against the
 * board contract alone: BMSHIL_MISBEHAVE_HANG spins forever, otherwise it
 * crashes. The suite must report either and go on.
 */
#include <stddef.h>

#include "board_contract.h"

static void reset(bmshil_board_storage *storage) { (void)storage; }

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

BMSHIL_EXPORT const bmshil_firmware *bmshil_firmware_get(void) { return &firmware; }
