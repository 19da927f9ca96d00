/*
 * The board-supplied HAL of the bundled BMS firmware.
 *
 * Everything the firmware senses or drives goes through this struct of function
 * pointers (LibreSolar style). The core knows nothing about the rig, the simulator
 * or the MCU: a port fills one bms_hal and hands it to bms_init().
 * Units are integers: uV for the AFE's cell taps, mV, mA (+ = charging), ohm, ms.
 */
#ifndef BMS_HAL_H
#define BMS_HAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BMS_MAX_CELLS 16u

/* NTC positions, in the order the board reports them. */
enum bms_ntc {
    BMS_NTC_CELL_1 = 0,
    BMS_NTC_CELL_2,
    BMS_NTC_CELL_3,
    BMS_NTC_CELL_4,
    BMS_NTC_AMBIENT,
    BMS_NTC_POWER,
    BMS_NTC_COUNT
};
#define BMS_NTC_CELL_COUNT 4u

/* One burst read of the analog front end and the MCU's ADC. */
typedef struct bms_adc_sample {
    int32_t cell_uv[BMS_MAX_CELLS]; /* tap i minus tap i-1 */
    int32_t pack_terminal_mv;       /* P+ to P-, charger / load side of the FETs */
    int32_t current_ma;             /* + = charging */
    uint32_t ntc_ohm[BMS_NTC_COUNT];
} bms_adc_sample;

/* Everything the firmware drives except the AFE's protection settings. */
typedef struct bms_outputs {
    uint8_t charge_fet;
    uint8_t discharge_fet;
    uint8_t precharge;
    uint8_t heater;
    uint8_t limiter; /* the 10 A charge current limiter */
    uint16_t balance_mask; /* bit i = bleed resistor of cell i+1 */
} bms_outputs;

typedef struct bms_hal {
    void *user; /* handed back to every call */
    /* Millisecond clock; wraps after 49 days, the core only uses differences. */
    uint32_t (*now_ms)(void *user);
    void (*read_adc)(void *user, bms_adc_sample *out);
    uint8_t (*button_pressed)(void *user); /* 1 while held */
    void (*set_outputs)(void *user, const bms_outputs *out);
    /* AFE hardware short-circuit comparator: magnitude threshold and delay. */
    void (*afe_configure_sc)(void *user, int32_t threshold_ma, uint32_t delay_us);
    /* 1 while the AFE's short-circuit latch is set; *trip_ms = when it tripped. */
    uint8_t (*afe_sc_latched)(void *user, uint32_t *trip_ms);
    void (*afe_sc_release)(void *user);
    /* RS485 port: bytes received since the last call; bytes to send. */
    size_t (*uart_read)(void *user, uint8_t *buf, size_t max);
    void (*uart_write)(void *user, const uint8_t *buf, size_t len);
    /* Persistent storage (emulated EEPROM); 0 = ok. */
    size_t (*storage_size)(void *user);
    int (*storage_read)(void *user, uint32_t offset, void *buf, size_t len);
    int (*storage_write)(void *user, uint32_t offset, const void *buf, size_t len);
    /* When the core next needs to run: delay_ms from now; 0 = the next regular tick. */
    void (*schedule_next_run)(void *user, uint32_t delay_ms);
} bms_hal;

#ifdef __cplusplus
}
#endif

#endif /* BMS_HAL_H */
