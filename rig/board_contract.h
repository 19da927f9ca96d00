/*
 * bms-hil board I/O contract.
 *
 * The one seam between the simulated (or real) board and a BMS firmware.
 * Everything the firmware senses or drives crosses this header, identically for
 * the native adapter (firmware built for the host as a shared library, called in
 * SystemC time) and for the remote adapter (the same structs carried over ZeroMQ
 * to a virtual board process or a real bench).
 *
 * A firmware plugs into the rig by exporting one C function,
 *     const bmshil_firmware *bmshil_firmware_get(void);
 * from a shared library built against this header alone. The rig includes no
 * other firmware header, which keeps the oracle independent of the firmware.
 *
 * Units are integers as an AFE and an MCU see them: microvolts for cell taps
 * (AFE resolution is finer than 1 mV), millivolts for the pack terminal,
 * milliamps for the shunt (+ = charging), ohms for NTCs, microseconds for time.
 * Plain C99, no simulator types.
 */
#ifndef BMSHIL_BOARD_CONTRACT_H
#define BMSHIL_BOARD_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BMSHIL_BOARD_CONTRACT_VERSION 1u

#define BMSHIL_MAX_CELLS 16u

/* NTC positions on the board. */
enum bmshil_ntc {
    BMSHIL_NTC_CELL_1 = 0,
    BMSHIL_NTC_CELL_2 = 1,
    BMSHIL_NTC_CELL_3 = 2,
    BMSHIL_NTC_CELL_4 = 3,
    BMSHIL_NTC_AMBIENT = 4,
    BMSHIL_NTC_POWER = 5, /* on the power FETs' heat sink */
    BMSHIL_NTC_COUNT = 6
};

/* An NTC whose wire is open reads this; a shorted one reads 0 ohm. */
#define BMSHIL_NTC_OPEN_OHM UINT32_MAX

/* What the board measures, handed to the firmware at every call. */
typedef struct bmshil_board_inputs {
    uint64_t now_us;                          /* board clock since power-on */
    int32_t cell_tap_uv[BMSHIL_MAX_CELLS];    /* tap i minus tap i-1, as the AFE reads it */
    int32_t pack_terminal_mv;                 /* P+ to P- (charger / load side of the FETs) */
    int32_t shunt_current_ma;                 /* + = charging, - = discharging */
    uint32_t ntc_ohm[BMSHIL_NTC_COUNT];       /* 10 kOhm Beta NTCs; 0 = short, OPEN = open */
    uint8_t button_pressed;                   /* 1 while the button is held */
    uint8_t afe_sc_tripped;                   /* the AFE's short-circuit latch (it has already
                                                 opened the discharge FET in hardware) */
    uint8_t reserved[2];
    uint64_t afe_sc_trip_time_us;             /* when the latch tripped, exact */
} bmshil_board_inputs;

/* What the firmware drives, written by the firmware at every call. */
typedef struct bmshil_board_outputs {
    uint8_t charge_fet_on;
    uint8_t discharge_fet_on;
    uint8_t precharge_on;
    uint8_t heater_on;
    uint8_t limiter_on;                       /* the 10 A charge current limiter in the path */
    uint8_t afe_sc_clear;                     /* 1 = release the AFE's short-circuit latch */
    uint8_t reserved[2];
    uint32_t balance_mask;                    /* bit i = bleed resistor of cell i+1 on */
    int32_t afe_sc_threshold_ma;              /* short-circuit comparator threshold, magnitude */
    uint32_t afe_sc_delay_us;                 /* comparator delay */
    uint64_t next_wake_us;                    /* absolute board time the firmware next needs to
                                                 run; 0 = at the next regular tick */
} bmshil_board_outputs;

/* The RS485 port as a byte stream both ways (Modbus RTU on the bundled firmware). */
typedef struct bmshil_board_port {
    const uint8_t *rx;                        /* bytes that arrived since the last call */
    size_t rx_len;
    uint8_t *tx;                              /* the firmware appends what it sends */
    size_t tx_capacity;
    size_t tx_len;                            /* set by the firmware */
} bmshil_board_port;

/* Non-volatile memory the board owns, so it survives a firmware reset. */
typedef struct bmshil_board_storage {
    uint8_t *data;
    size_t size;
} bmshil_board_storage;

typedef struct bmshil_firmware {
    uint32_t contract_version;                /* BMSHIL_BOARD_CONTRACT_VERSION */
    const char *name;
    /* Power-on reset: all state back to a known start; storage read from here on. */
    void (*reset)(bmshil_board_storage *storage);
    /* Run once at board time in->now_us: sense, decide, drive. */
    void (*step)(const bmshil_board_inputs *in, bmshil_board_outputs *out,
                 bmshil_board_port *port);
} bmshil_firmware;

#if defined(_WIN32)
#define BMSHIL_EXPORT __declspec(dllexport)
#else
#define BMSHIL_EXPORT __attribute__((visibility("default")))
#endif

/* The one symbol a firmware library exports. */
typedef const bmshil_firmware *(*bmshil_firmware_get_fn)(void);
#define BMSHIL_FIRMWARE_ENTRY "bmshil_firmware_get"

#ifdef __cplusplus
}
#endif

#endif /* BMSHIL_BOARD_CONTRACT_H */
