/*
 * The bundled BMS firmware: one context struct holds all state, so bms_init()
 * always starts from a known state; bms_step() is the periodic task (every 10 ms
 * tick normally; less often at rest, see bms_schedule in bms.c).
 */
#ifndef BMS_BMS_H
#define BMS_BMS_H

#include <stdint.h>

#include "hal.h"
#include "params.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BMS_FIRMWARE_VERSION 0x0100u

/* Alarm bits (reported only; FETs untouched). */
enum bms_alarm {
    BMS_A_CELL_HIGH = 0,  /* #1/#2, switch 9 */
    BMS_A_CELL_LOW,       /* #3/#4, switch 11 */
    BMS_A_PACK_HIGH,      /* #11/#12, switch 13 */
    BMS_A_PACK_LOW,       /* #13/#14, switch 15 */
    BMS_A_CHG_HIGH_TEMP,  /* #21/#22, switch 17 */
    BMS_A_CHG_LOW_TEMP,   /* #23/#24, switch 19 */
    BMS_A_DSG_HIGH_TEMP,  /* #29/#30, switch 21 */
    BMS_A_DSG_LOW_TEMP,   /* #31/#32, switch 23 */
    BMS_A_AMB_HIGH_TEMP,  /* #39/#40, switch 25 */
    BMS_A_AMB_LOW_TEMP,   /* #41/#42, switch 27 */
    BMS_A_PWR_HIGH_TEMP,  /* #47/#48, switch 30 */
    BMS_A_CHG_OVERCURRENT,/* #51/#52, switch 33 */
    BMS_A_DSG_OVERCURRENT,/* #53/#54, switch 35 */
    BMS_A_SOC_LOW,        /* #79, switch 43 */
    BMS_ALARM_COUNT
};

/* Protection bits (reported, and the named FET opens). */
enum bms_prot {
    BMS_P_CELL_OV = 0,    /* #5/#6, switch 10: charge */
    BMS_P_CELL_UV,        /* #7/#8, switch 12: discharge */
    BMS_P_PACK_OV,        /* #15/#16, switch 14: charge */
    BMS_P_PACK_UV,        /* #17/#18, switch 16: discharge */
    BMS_P_CHARGER_OV,     /* #19/#20, switch 41: charge */
    BMS_P_CHG_OT,         /* #25/#26, switch 18: charge */
    BMS_P_CHG_UT,         /* #27/#28, switch 20: charge */
    BMS_P_DSG_OT,         /* #33/#34, switch 22: discharge */
    BMS_P_DSG_UT,         /* #35/#36, switch 24: discharge */
    BMS_P_AMB_OT,         /* #43/#44, switch 26: both */
    BMS_P_AMB_UT,         /* #45/#46, switch 28: both */
    BMS_P_PWR_OT,         /* #49/#50, switch 29: both */
    BMS_P_OCC,            /* #55/#67, switch 34: charge */
    BMS_P_OCD,            /* #56/#68, switch 36: discharge */
    BMS_P_TRANSIENT,      /* #57/#69, switch 37: discharge */
    BMS_P_SC,             /* AFE, switch 38: discharge */
    BMS_P_SOC,            /* #80, switch 44: discharge */
    BMS_P_LOW_CELL_CHARGE,/* #10, switch 45: charge */
    BMS_PROT_COUNT
};

/* Fault bits. */
enum bms_fault {
    BMS_F_NTC = 0,        /* an NTC open or shorted, switch 2 */
    BMS_F_CELL_DIFF,      /* #61/#62, switch 5: report only */
    BMS_F_EEPROM,         /* stored image corrupt: defaults in use */
    BMS_F_BUTTON,         /* button held > 10 s, switch 4 */
    BMS_F_LOCK_OCC,       /* #71 charge over-currents in a row */
    BMS_F_LOCK_OCD,       /* #71 discharge over-currents in a row */
    BMS_F_LOCK_TRANSIENT, /* #71 transient over-currents in a row, switch 39 */
    BMS_F_LOCK_SC,        /* #71 short circuits in a row, switch 40 */
    BMS_F_NO_CELL_TEMP,   /* no valid cell NTC left: charging stopped */
    BMS_FAULT_COUNT
};

/* The short error codes of seeds/002 plus the firmware's own. */
enum bms_code {
    BMS_E_OVP = 0, BMS_E_UVP, BMS_E_OCC, BMS_E_OCD, BMS_E_OTP, BMS_E_UTP, BMS_E_SC, BMS_E_NTC,
    BMS_E_LOCK, BMS_E_CDF, BMS_E_CHGOV, BMS_E_SOCP,
    BMS_CODE_COUNT
};

typedef struct bms_det {
    uint8_t active;
    uint8_t pending;   /* condition seen, delay running */
    uint32_t since_ms;
} bms_det;

enum bms_oc_kind { BMS_OC_CHARGE = 0, BMS_OC_DISCHARGE, BMS_OC_TRANSIENT, BMS_OC_SC, BMS_OC_KINDS };

typedef struct bms_oc {
    bms_det det;
    uint8_t tripped;
    uint8_t locked;
    uint8_t count;          /* trips in a row without a clean period */
    uint8_t clean_pending;  /* reclosed, waiting for the clean period to clear count */
    uint32_t trip_ms;
    uint32_t reclose_ms;
} bms_oc;

#define BMS_HISTORY_LEN 32u

typedef struct bms_history_record {
    uint32_t time_s;
    uint16_t seq;
    uint16_t event;       /* see history.h */
    uint16_t soc_pm;
    uint16_t pack_mv;
    int16_t current_da;
    int16_t temp_max_dc;
} bms_history_record;

#define BMS_MODBUS_BUF 256u

enum bms_eeprom_status { BMS_EE_OK = 0, BMS_EE_BLANK = 1, BMS_EE_CORRUPT = 2, BMS_EE_NO_STORAGE = 3 };

enum bms_dsg_state { BMS_DSG_OFF = 0, BMS_DSG_PRECHARGE, BMS_DSG_ON };

typedef struct bms_ctx {
    const bms_hal *hal;
    bms_config cfg;
    uint8_t eeprom_status;

    /* time */
    uint8_t started;
    uint32_t boot_ms;
    uint32_t now_ms;
    uint32_t dt_ms;        /* since the previous step */

    /* measurements, judged values */
    bms_adc_sample adc;
    int32_t cell_raw_mv[BMS_MAX_CELLS];
    int32_t cell_mv[BMS_MAX_CELLS];   /* after interconnect compensation */
    uint8_t cells;                    /* #66 */
    int32_t pack_mv;                  /* sum of compensated cells */
    int32_t terminal_mv;
    int32_t current_ma;
    int32_t max_cell_mv, min_cell_mv;
    uint8_t max_cell, min_cell;       /* 0-based */
    int16_t temp_dc[BMS_NTC_COUNT];
    uint8_t ntc_bad_now;              /* bit per NTC: open/short this sample (switch 2) */
    uint8_t cell_temp_valid;
    int16_t cell_temp_max_dc, cell_temp_min_dc;
    uint8_t charging, discharging, charger_present;

    /* protections */
    bms_det alarm_det[BMS_ALARM_COUNT];
    bms_det prot_det[BMS_PROT_COUNT]; /* OCC/OCD/transient/SC live in oc[] */
    bms_det ntc_det[BMS_NTC_COUNT];
    bms_det cell_diff_det;
    bms_det heat_det;
    bms_oc oc[BMS_OC_KINDS];
    uint8_t sc_release;               /* release the AFE latch at this step */
    uint32_t alarms, prots, faults, ntc_faults;
    uint32_t prev_alarms, prev_prots, prev_faults;

    /* capacity */
    int32_t remaining_mah;
    int64_t coulomb_mams;             /* sub-mAh remainder, mA x ms */
    int64_t cycle_mams;               /* discharged since the last cycle count */
    uint16_t cycles;

    /* outputs */
    uint8_t dsg_state;
    uint32_t precharge_since_ms;
    uint8_t heating;
    uint8_t cold_charge_hold; /* switch 31: charge FET held open while a cell is at or below #37 */
    uint8_t limiter_on;
    uint32_t limiter_since_ms;
    uint8_t balancing;
    uint16_t balance_mask;
    uint32_t static_balance_ms;
    uint8_t static_balance_timeout;
    bms_outputs out;

    /* button, activation, standby */
    uint8_t button_raw, button_down;
    uint32_t button_since_ms;
    uint8_t button_press;             /* a press was recognised at this step */
    uint8_t force_dsg;                /* manual or automatic activation window */
    uint32_t force_until_ms;
    uint8_t auto_waiting;
    uint32_t auto_since_ms;
    uint8_t auto_count;
    uint32_t rest_since_ms;
    uint8_t sleeping;

    /* history */
    bms_history_record history[BMS_HISTORY_LEN];
    uint8_t history_head;             /* next slot */
    uint8_t history_count;
    uint16_t history_seq;
    uint32_t history_last_ms;

    /* Modbus RTU slave */
    uint8_t rx[BMS_MODBUS_BUF];
    uint16_t rx_len;
    uint8_t rx_overflow;
    uint8_t tx[BMS_MODBUS_BUF];
    uint32_t modbus_frames_ok, modbus_frames_bad;

    /* scheduling */
    uint8_t need_tick;                /* something needs the regular tick */
    uint8_t wake_set;
    uint32_t wake_in_ms;              /* earliest deadline asked by a module */
    uint32_t next_run_ms;             /* what was told to the board; 0 = next tick */
    uint32_t quiet_since_ms;          /* nothing pending, no current, since */
} bms_ctx;

void bms_init(bms_ctx *ctx, const bms_hal *hal);
void bms_step(bms_ctx *ctx);

/* Clear every lock (button or Modbus command). A fault still present trips again. */
void bms_reset_locks(bms_ctx *ctx);

/* Write a new configuration: validated, then stored; 0 = done, else the offending
 * parameter (nothing changes). */
int bms_apply_config(bms_ctx *ctx, const bms_config *cfg);

/* Error-code bit word (enum bms_code). */
uint32_t bms_error_codes(const bms_ctx *ctx);

/* SOC in 0.1 % */
uint16_t bms_soc_pm(const bms_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* BMS_BMS_H */
