/*
 * The 87 parameters and 64 switches of the manual, plus the firmware's own extra
 * parameters, in ONE limits table (params.c). Values are held in internal integer
 * units (mV, 0.1 degC = "dc", mA, ms, mAh, %, micro-ohm); the Modbus register of a
 * parameter is the value in the manual's unit times a fixed scale (see reg_div).
 */
#ifndef BMS_PARAMS_H
#define BMS_PARAMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BMS_PARAM_COUNT 87u
#define BMS_SWITCH_COUNT 64u

/* Extra firmware parameters the manual does not give (INTERPRETATION.md). */
enum bms_extra {
    BMS_X_VOLTAGE_DELAY_MS = 0,  /* confirmation of voltage trips and recoveries */
    BMS_X_TEMP_DELAY_MS,         /* confirmation of temperature trips and recoveries */
    BMS_X_CURRENT_ALARM_DELAY_MS,/* confirmation of the current alarms #51-#54 */
    BMS_X_SC_THRESHOLD_MA,       /* AFE short-circuit comparator, magnitude */
    BMS_X_SC_DELAY_US,           /* AFE short-circuit comparator delay */
    BMS_X_SC_RECOVERY_MS,        /* automatic release of the short-circuit latch */
    BMS_X_REST_CURRENT_MA,       /* |I| below this is "no current" */
    BMS_X_IDLE_PERIOD_MS,        /* run period at rest when nothing is pending; 0 = every tick */
    BMS_X_IDLE_ENTRY_MS,         /* quiet this long before the idle period applies */
    BMS_X_CHARGER_MARGIN_MV,     /* terminal above pack by this = charger present */
    BMS_X_MODBUS_ADDRESS,
    BMS_EXTRA_COUNT
};

/* How a value is held internally and shown in its register. */
enum bms_unit {
    BMS_U_MV = 0,   /* V in the manual, register mV */
    BMS_U_DC,       /* degC, register 0.1 degC */
    BMS_U_MA,       /* A, register 0.1 A */
    BMS_U_MS,       /* ms, register ms */
    BMS_U_S,        /* second, held in ms, register s */
    BMS_U_MIN,      /* minute, held in ms, register min */
    BMS_U_H,        /* hours, held in ms, register h */
    BMS_U_MAH,      /* Ah, held in mAh, register 0.1 Ah */
    BMS_U_PCT,      /* %, register % */
    BMS_U_COUNT,    /* count */
    BMS_U_UOHM,     /* mOhm, held in micro-ohm, register 0.01 mOhm */
    BMS_U_US,       /* us (extra parameters only) */
    BMS_U_MA_AS_A,  /* held in mA, register A (extra parameters only) */
    BMS_U_MA_AS_MA, /* held in mA, register mA (extra parameters only) */
    BMS_U_KINDS
};

typedef struct bms_unit_info {
    int32_t reg_div;      /* internal value = register x reg_div */
    uint8_t reg_signed;
    const char *unit;     /* the manual's unit of the register value x scale */
    int32_t scale_num;    /* manual value = register x scale_num / scale_den */
    int32_t scale_den;
} bms_unit_info;

typedef struct bms_param_def {
    uint8_t number;       /* manual number; 0 for extras */
    uint8_t unit;         /* enum bms_unit */
    const char *key;
    int32_t def;          /* internal units */
    int32_t min;
    int32_t max;
} bms_param_def;

typedef struct bms_switch_def {
    uint8_t number;
    uint8_t def_on;
    uint8_t used;         /* 0 = the manual marks it unused: stored and reported only */
    const char *key;
} bms_switch_def;

/* The stored configuration: what the EEPROM image carries. */
typedef struct bms_config {
    int32_t param[BMS_PARAM_COUNT];   /* index = number - 1 */
    int32_t extra[BMS_EXTRA_COUNT];
    uint32_t switches[2];             /* bit (number - 1) */
} bms_config;

extern const bms_param_def bms_param_defs[BMS_PARAM_COUNT];
extern const bms_param_def bms_extra_defs[BMS_EXTRA_COUNT];
extern const bms_switch_def bms_switch_defs[BMS_SWITCH_COUNT];
extern const bms_unit_info bms_unit_infos[BMS_U_KINDS];

void bms_config_defaults(bms_config *cfg);

/* 0 when every value is inside its limits and every recovery value is on the right
 * side of its trip value; otherwise the first offending parameter number (or
 * 100 + extra index) so the caller can refuse the write. */
int bms_config_validate(const bms_config *cfg);

static inline int32_t bms_cfg_param(const bms_config *cfg, unsigned number)
{
    return cfg->param[number - 1u];
}

static inline int bms_cfg_switch(const bms_config *cfg, unsigned number)
{
    unsigned b = number - 1u;
    return (int)((cfg->switches[b >> 5] >> (b & 31u)) & 1u);
}

static inline void bms_cfg_set_switch(bms_config *cfg, unsigned number, int on)
{
    unsigned b = number - 1u;
    if (on) {
        cfg->switches[b >> 5] |= (1u << (b & 31u));
    } else {
        cfg->switches[b >> 5] &= ~(1u << (b & 31u));
    }
}

#ifdef __cplusplus
}
#endif

#endif /* BMS_PARAMS_H */
