/*
 * The register map: live values, history, parameters, switches, extra parameters,
 * commands. Parameter registers hold the manual's value in the manual's unit times
 * a fixed scale (bms_unit_infos), e.g. #5 3.650 V = 3650, #56 -110 A = -1100.
 */
#include <string.h>

#include "bms_internal.h"
#include "regmap.h"

enum live_id {
    LV_CELL, LV_PACK, LV_TERMINAL, LV_CURRENT_MA, LV_CURRENT_DA, LV_TEMP, LV_SOC, LV_REMAINING,
    LV_RATED, LV_CYCLES, LV_ALARMS, LV_PROTS, LV_FAULTS, LV_NTC_FAULTS, LV_ERRORS, LV_FETS,
    LV_BALANCE, LV_MAX_CELL_MV, LV_MIN_CELL_MV, LV_MAX_CELL_NO, LV_MIN_CELL_NO, LV_SPREAD,
    LV_CELL_TEMP_MAX, LV_CELL_TEMP_MIN, LV_UPTIME, LV_TRIP_COUNT, LV_HISTORY_COUNT,
    LV_HISTORY_SEQ, LV_STATE, LV_VERSION, LV_EEPROM, LV_CHARGE_REQUEST, LV_FRAMES_OK, LV_FRAMES_BAD, LV_DSG_STATE, LV_RAW_CELL
};

typedef struct live_def {
    uint16_t addr;
    uint8_t count;
    uint8_t words;
    uint8_t sgn;
    uint8_t id;
    uint8_t idx0;
    const char *name;
    const char *unit;
    int32_t num, den;
} live_def;

static const live_def live[] = {
    {0, 16, 1, 0, LV_CELL, 0, "cell_%02u_voltage", "V", 1, 1000},
    {16, 1, 1, 0, LV_PACK, 0, "pack_voltage", "V", 1, 1000},
    {17, 1, 1, 0, LV_TERMINAL, 0, "pack_terminal_voltage", "V", 1, 1000},
    {18, 1, 2, 1, LV_CURRENT_MA, 0, "current", "A", 1, 1000},
    {20, 1, 1, 1, LV_CURRENT_DA, 0, "current_0_1a", "A", 1, 10},
    {21, 1, 1, 1, LV_TEMP, 0, "temperature_cell_1", "\xc2\xb0" "C", 1, 10},
    {22, 1, 1, 1, LV_TEMP, 1, "temperature_cell_2", "\xc2\xb0" "C", 1, 10},
    {23, 1, 1, 1, LV_TEMP, 2, "temperature_cell_3", "\xc2\xb0" "C", 1, 10},
    {24, 1, 1, 1, LV_TEMP, 3, "temperature_cell_4", "\xc2\xb0" "C", 1, 10},
    {25, 1, 1, 1, LV_TEMP, 4, "temperature_ambient", "\xc2\xb0" "C", 1, 10},
    {26, 1, 1, 1, LV_TEMP, 5, "temperature_power", "\xc2\xb0" "C", 1, 10},
    {27, 1, 1, 0, LV_SOC, 0, "soc", "%", 1, 10},
    {28, 1, 2, 0, LV_REMAINING, 0, "remaining_capacity", "Ah", 1, 1000},
    {30, 1, 2, 0, LV_RATED, 0, "rated_capacity", "Ah", 1, 1000},
    {32, 1, 1, 0, LV_CYCLES, 0, "cycle_count", "count", 1, 1},
    {33, 1, 2, 0, LV_ALARMS, 0, "alarm_bits", "bits", 1, 1},
    {35, 1, 2, 0, LV_PROTS, 0, "protection_bits", "bits", 1, 1},
    {37, 1, 1, 0, LV_FAULTS, 0, "fault_bits", "bits", 1, 1},
    {38, 1, 1, 0, LV_NTC_FAULTS, 0, "ntc_fault_bits", "bits", 1, 1},
    {39, 1, 1, 0, LV_ERRORS, 0, "error_code_bits", "bits", 1, 1},
    {40, 1, 1, 0, LV_FETS, 0, "output_bits", "bits", 1, 1},
    {41, 1, 1, 0, LV_BALANCE, 0, "balance_bits", "bits", 1, 1},
    {42, 1, 1, 0, LV_MAX_CELL_MV, 0, "cell_max_voltage", "V", 1, 1000},
    {43, 1, 1, 0, LV_MIN_CELL_MV, 0, "cell_min_voltage", "V", 1, 1000},
    {44, 1, 1, 0, LV_MAX_CELL_NO, 0, "cell_max_number", "count", 1, 1},
    {45, 1, 1, 0, LV_MIN_CELL_NO, 0, "cell_min_number", "count", 1, 1},
    {46, 1, 1, 0, LV_SPREAD, 0, "cell_voltage_difference", "V", 1, 1000},
    {47, 1, 1, 1, LV_CELL_TEMP_MAX, 0, "cell_temperature_max", "\xc2\xb0" "C", 1, 10},
    {48, 1, 1, 1, LV_CELL_TEMP_MIN, 0, "cell_temperature_min", "\xc2\xb0" "C", 1, 10},
    {49, 1, 2, 0, LV_UPTIME, 0, "uptime", "second", 1, 1},
    {51, 1, 1, 0, LV_TRIP_COUNT, BMS_OC_CHARGE, "charge_overcurrent_trips_in_a_row", "count", 1, 1},
    {52, 1, 1, 0, LV_TRIP_COUNT, BMS_OC_DISCHARGE, "discharge_overcurrent_trips_in_a_row", "count", 1, 1},
    {53, 1, 1, 0, LV_TRIP_COUNT, BMS_OC_TRANSIENT, "transient_overcurrent_trips_in_a_row", "count", 1, 1},
    {54, 1, 1, 0, LV_TRIP_COUNT, BMS_OC_SC, "short_circuit_trips_in_a_row", "count", 1, 1},
    {55, 1, 1, 0, LV_HISTORY_COUNT, 0, "history_count", "count", 1, 1},
    {56, 1, 1, 0, LV_HISTORY_SEQ, 0, "history_last_sequence", "count", 1, 1},
    {57, 1, 1, 0, LV_STATE, 0, "state", "enum", 1, 1},
    {58, 1, 1, 0, LV_VERSION, 0, "firmware_version", "hex", 1, 1},
    {59, 1, 1, 0, LV_EEPROM, 0, "eeprom_status", "enum", 1, 1},
    {60, 1, 1, 1, LV_CHARGE_REQUEST, 0, "charge_current_request", "A", 1, 10},
    {61, 1, 1, 0, LV_FRAMES_OK, 0, "modbus_frames_ok", "count", 1, 1},
    {62, 1, 1, 0, LV_FRAMES_BAD, 0, "modbus_frames_dropped", "count", 1, 1},
    {63, 1, 1, 0, LV_DSG_STATE, 0, "discharge_path_state", "enum", 1, 1},
    {64, 16, 1, 0, LV_RAW_CELL, 0, "cell_%02u_voltage_uncompensated", "V", 1, 1000},
};
#define LIVE_COUNT (sizeof(live) / sizeof(live[0]))

static const char *const history_fields[BMS_REG_HISTORY_WORDS] = {
    "history_%02u_sequence", "history_%02u_time_high", "history_%02u_time_low", "history_%02u_event",
    "history_%02u_soc", "history_%02u_pack_voltage", "history_%02u_current", "history_%02u_cell_temperature_max",
};
static const char *const history_units[BMS_REG_HISTORY_WORDS] = {
    "count", "second", "second", "event", "%", "V", "A", "\xc2\xb0" "C",
};
static const int32_t history_den[BMS_REG_HISTORY_WORDS] = {1, 1, 1, 1, 10, 1000, 10, 10};

static const struct {
    uint16_t addr;
    const char *name;
} commands[] = {
    {BMS_REG_CMD_LOCK_RESET, "command_lock_reset"},
    {BMS_REG_CMD_DEFAULTS, "command_restore_defaults"},
    {BMS_REG_CMD_CLEAR_HISTORY, "command_clear_history"},
};
#define CMD_COUNT (sizeof(commands) / sizeof(commands[0]))

static uint16_t clamp_u16(int32_t v)
{
    return (uint16_t)(v < 0 ? 0 : (v > 65535 ? 65535 : v));
}

static int32_t live_value(const bms_ctx *ctx, unsigned id, unsigned idx)
{
    const bms_config *cfg = &ctx->cfg;
    switch (id) {
    case LV_CELL: return idx < ctx->cells ? ctx->cell_mv[idx] : 0;
    case LV_PACK: return ctx->pack_mv;
    case LV_TERMINAL: return ctx->terminal_mv;
    case LV_CURRENT_MA: return ctx->current_ma;
    case LV_CURRENT_DA: return ctx->current_ma / 100;
    case LV_TEMP: return ctx->temp_dc[idx];
    case LV_SOC: return bms_soc_pm(ctx);
    case LV_REMAINING: return ctx->remaining_mah;
    case LV_RATED: return bms_cfg_param(cfg, 59);
    case LV_CYCLES: return ctx->cycles;
    case LV_ALARMS: return (int32_t)ctx->alarms;
    case LV_PROTS: return (int32_t)ctx->prots;
    case LV_FAULTS: return (int32_t)ctx->faults;
    case LV_NTC_FAULTS: return (int32_t)ctx->ntc_faults;
    case LV_ERRORS: return (int32_t)bms_error_codes(ctx);
    case LV_FETS:
        return ctx->out.charge_fet | (ctx->out.discharge_fet << 1) | (ctx->out.precharge << 2) |
               (ctx->out.heater << 3) | (ctx->out.limiter << 4) | (ctx->sleeping << 5) |
               (ctx->balancing << 6);
    case LV_BALANCE: return ctx->out.balance_mask;
    case LV_MAX_CELL_MV: return ctx->max_cell_mv;
    case LV_MIN_CELL_MV: return ctx->min_cell_mv;
    case LV_MAX_CELL_NO: return ctx->max_cell + 1;
    case LV_MIN_CELL_NO: return ctx->min_cell + 1;
    case LV_SPREAD: return ctx->max_cell_mv - ctx->min_cell_mv;
    case LV_CELL_TEMP_MAX: return ctx->cell_temp_max_dc;
    case LV_CELL_TEMP_MIN: return ctx->cell_temp_min_dc;
    case LV_UPTIME: return (int32_t)((uint32_t)(ctx->now_ms - ctx->boot_ms) / 1000u);
    case LV_TRIP_COUNT: return ctx->oc[idx].count;
    case LV_HISTORY_COUNT: return ctx->history_count;
    case LV_HISTORY_SEQ: return ctx->history_seq;
    case LV_STATE: return ctx->sleeping;
    case LV_VERSION: return BMS_FIRMWARE_VERSION;
    case LV_EEPROM: return ctx->eeprom_status;
    case LV_CHARGE_REQUEST:
        /* Switch 64 ("single machine 1.0C"): the current requested from an inverter
         * is the #51 alarm minus 10 A; otherwise the #51 alarm itself. */
        return (bms_cfg_param(cfg, 51) - (bms_cfg_switch(cfg, 64) ? 10000 : 0)) / 100;
    case LV_FRAMES_OK: return (int32_t)(ctx->modbus_frames_ok & 0xFFFFu);
    case LV_FRAMES_BAD: return (int32_t)(ctx->modbus_frames_bad & 0xFFFFu);
    case LV_DSG_STATE: return ctx->dsg_state;
    case LV_RAW_CELL: return idx < ctx->cells ? ctx->cell_raw_mv[idx] : 0;
    default: return 0;
    }
}

static uint16_t word_of(int32_t v, unsigned words, unsigned sgn, unsigned word)
{
    if (words == 2u) {
        return word == 0u ? (uint16_t)((uint32_t)v >> 16) : (uint16_t)((uint32_t)v & 0xFFFFu);
    }
    if (sgn) {
        if (v < INT16_MIN) {
            v = INT16_MIN;
        } else if (v > INT16_MAX) {
            v = INT16_MAX;
        }
        return (uint16_t)(int16_t)v;
    }
    return clamp_u16(v);
}

static uint16_t history_word(const bms_ctx *ctx, unsigned rec, unsigned field)
{
    if (rec >= ctx->history_count) {
        return 0u;
    }
    /* Record 0 is the newest. */
    unsigned slot = (ctx->history_head + BMS_HISTORY_LEN - 1u - rec) % BMS_HISTORY_LEN;
    const bms_history_record *r = &ctx->history[slot];
    switch (field) {
    case 0: return r->seq;
    case 1: return (uint16_t)(r->time_s >> 16);
    case 2: return (uint16_t)(r->time_s & 0xFFFFu);
    case 3: return r->event;
    case 4: return r->soc_pm;
    case 5: return r->pack_mv;
    case 6: return (uint16_t)r->current_da;
    default: return (uint16_t)r->temp_max_dc;
    }
}

static uint16_t to_reg(int32_t internal, unsigned unit)
{
    const bms_unit_info *u = &bms_unit_infos[unit];
    int32_t r = internal / u->reg_div;
    return u->reg_signed ? (uint16_t)(int16_t)r : (uint16_t)r;
}

unsigned bms_regmap_read(const bms_ctx *ctx, uint16_t a, uint16_t *value)
{
    for (unsigned i = 0; i < LIVE_COUNT; i++) {
        const live_def *d = &live[i];
        const unsigned span = (unsigned)d->count * d->words;
        if (a >= d->addr && a < d->addr + span) {
            const unsigned off = a - d->addr;
            const unsigned idx = d->idx0 + off / d->words;
            *value = word_of(live_value(ctx, d->id, idx), d->words, d->sgn, off % d->words);
            return BMS_MB_OK;
        }
    }
    if (a >= BMS_REG_HISTORY_BASE && a < BMS_REG_HISTORY_BASE + BMS_HISTORY_LEN * BMS_REG_HISTORY_WORDS) {
        const unsigned off = a - BMS_REG_HISTORY_BASE;
        *value = history_word(ctx, off / BMS_REG_HISTORY_WORDS, off % BMS_REG_HISTORY_WORDS);
        return BMS_MB_OK;
    }
    if (a >= BMS_REG_PARAM_BASE && a < BMS_REG_PARAM_BASE + BMS_PARAM_COUNT) {
        const unsigned i = a - BMS_REG_PARAM_BASE;
        *value = to_reg(ctx->cfg.param[i], bms_param_defs[i].unit);
        return BMS_MB_OK;
    }
    if (a >= BMS_REG_SWITCH_BASE && a < BMS_REG_SWITCH_BASE + BMS_SWITCH_COUNT) {
        *value = (uint16_t)bms_cfg_switch(&ctx->cfg, a - BMS_REG_SWITCH_BASE + 1u);
        return BMS_MB_OK;
    }
    if (a >= BMS_REG_SWITCH_WORDS && a < BMS_REG_SWITCH_WORDS + 4u) {
        const unsigned k = a - BMS_REG_SWITCH_WORDS;
        *value = (uint16_t)(ctx->cfg.switches[k >> 1] >> ((k & 1u) * 16u));
        return BMS_MB_OK;
    }
    if (a >= BMS_REG_EXTRA_BASE && a < BMS_REG_EXTRA_BASE + BMS_EXTRA_COUNT) {
        const unsigned i = a - BMS_REG_EXTRA_BASE;
        *value = to_reg(ctx->cfg.extra[i], bms_extra_defs[i].unit);
        return BMS_MB_OK;
    }
    for (unsigned i = 0; i < CMD_COUNT; i++) {
        if (a == commands[i].addr) {
            *value = 0u;
            return BMS_MB_OK;
        }
    }
    return BMS_MB_ILLEGAL_ADDRESS;
}

/* Register value to internal units, checked against the limits table. */
static int from_reg(uint16_t reg, const bms_param_def *def, int32_t *out)
{
    const bms_unit_info *u = &bms_unit_infos[def->unit];
    const int64_t r = u->reg_signed ? (int64_t)(int16_t)reg : (int64_t)reg;
    const int64_t v = r * u->reg_div;
    if (v < def->min || v > def->max) {
        return 0;
    }
    *out = (int32_t)v;
    return 1;
}

static int is_writable(uint16_t a)
{
    return (a >= BMS_REG_PARAM_BASE && a < BMS_REG_PARAM_BASE + BMS_PARAM_COUNT) ||
           (a >= BMS_REG_SWITCH_BASE && a < BMS_REG_SWITCH_BASE + BMS_SWITCH_COUNT) ||
           (a >= BMS_REG_EXTRA_BASE && a < BMS_REG_EXTRA_BASE + BMS_EXTRA_COUNT) ||
           (a >= BMS_REG_CMD_LOCK_RESET && a <= BMS_REG_CMD_CLEAR_HISTORY);
}

unsigned bms_regmap_write(bms_ctx *ctx, uint16_t address, uint16_t count, const uint16_t *values)
{
    bms_config staged = ctx->cfg;
    int cfg_touched = 0;
    int lock_reset = 0;
    int defaults = 0;
    int clear_history = 0;

    for (unsigned k = 0; k < count; k++) {
        if (!is_writable((uint16_t)(address + k))) {
            return BMS_MB_ILLEGAL_ADDRESS;
        }
    }
    /* Stage everything first: a refused write changes nothing. */
    for (unsigned k = 0; k < count; k++) {
        const uint16_t a = (uint16_t)(address + k);
        const uint16_t v = values[k];
        if (a >= BMS_REG_PARAM_BASE && a < BMS_REG_PARAM_BASE + BMS_PARAM_COUNT) {
            const unsigned i = a - BMS_REG_PARAM_BASE;
            if (!from_reg(v, &bms_param_defs[i], &staged.param[i])) {
                return BMS_MB_ILLEGAL_VALUE;
            }
            cfg_touched = 1;
        } else if (a >= BMS_REG_SWITCH_BASE && a < BMS_REG_SWITCH_BASE + BMS_SWITCH_COUNT) {
            if (v > 1u) {
                return BMS_MB_ILLEGAL_VALUE;
            }
            bms_cfg_set_switch(&staged, a - BMS_REG_SWITCH_BASE + 1u, v);
            cfg_touched = 1;
        } else if (a >= BMS_REG_EXTRA_BASE && a < BMS_REG_EXTRA_BASE + BMS_EXTRA_COUNT) {
            const unsigned i = a - BMS_REG_EXTRA_BASE;
            if (!from_reg(v, &bms_extra_defs[i], &staged.extra[i])) {
                return BMS_MB_ILLEGAL_VALUE;
            }
            cfg_touched = 1;
        } else if (a == BMS_REG_CMD_LOCK_RESET) {
            if (v != BMS_CMD_LOCK_RESET_KEY) {
                return BMS_MB_ILLEGAL_VALUE;
            }
            lock_reset = 1;
        } else if (a == BMS_REG_CMD_DEFAULTS) {
            if (v != BMS_CMD_DEFAULTS_KEY) {
                return BMS_MB_ILLEGAL_VALUE;
            }
            defaults = 1;
        } else {
            if (v != BMS_CMD_CLEAR_HISTORY_KEY) {
                return BMS_MB_ILLEGAL_VALUE;
            }
            clear_history = 1;
        }
    }
    if (defaults) {
        bms_config_defaults(&staged);
        cfg_touched = 1;
    }
    if (cfg_touched) {
        /* Consistency (a recovery on the wrong side of its trip) is checked on the
         * whole new set, so a 16-write can move a trip and its recovery together. */
        const int r = bms_apply_config(ctx, &staged);
        if (r > 0) {
            return BMS_MB_ILLEGAL_VALUE;
        }
        if (r < 0) {
            return BMS_MB_DEVICE_FAILURE;
        }
    }
    if (lock_reset) {
        bms_reset_locks(ctx);
    }
    if (clear_history) {
        bms_history_init(ctx);
    }
    return BMS_MB_OK;
}

/* ---- description, for the JSON export, the document and the tests ---- */

static void fill(bms_reg_desc *o, uint16_t addr, uint8_t words, uint8_t wr, uint8_t sgn, const char *name,
                 const char *unit, int32_t num, int32_t den, const char *group)
{
    memset(o, 0, sizeof(*o));
    o->address = addr;
    o->words = words;
    o->writable = wr;
    o->is_signed = sgn;
    o->extra = -1;
    o->name = name;
    o->unit = unit;
    o->scale_num = num;
    o->scale_den = den;
    o->group = group;
}

int bms_regmap_describe(unsigned index, bms_reg_desc *o)
{
    unsigned n = index;
    for (unsigned i = 0; i < LIVE_COUNT; i++) {
        const live_def *d = &live[i];
        if (n < d->count) {
            fill(o, (uint16_t)(d->addr + n * d->words), d->words, 0u, d->sgn, d->name, d->unit, d->num,
                 d->den, "live");
            o->index = (uint8_t)(d->idx0 + n);
            return 0;
        }
        n -= d->count;
    }
    if (n < BMS_HISTORY_LEN * BMS_REG_HISTORY_WORDS) {
        const unsigned f = n % BMS_REG_HISTORY_WORDS;
        fill(o, (uint16_t)(BMS_REG_HISTORY_BASE + n), 1u, 0u, f == 6u || f == 7u, history_fields[f],
             history_units[f], 1, history_den[f], "history");
        o->index = (uint8_t)(n / BMS_REG_HISTORY_WORDS);
        return 0;
    }
    n -= BMS_HISTORY_LEN * BMS_REG_HISTORY_WORDS;
    if (n < BMS_PARAM_COUNT) {
        const bms_param_def *d = &bms_param_defs[n];
        const bms_unit_info *u = &bms_unit_infos[d->unit];
        fill(o, (uint16_t)(BMS_REG_PARAM_BASE + n), 1u, 1u, u->reg_signed, d->key, u->unit, u->scale_num,
             u->scale_den, "parameter");
        o->param = d->number;
        return 0;
    }
    n -= BMS_PARAM_COUNT;
    if (n < BMS_SWITCH_COUNT) {
        fill(o, (uint16_t)(BMS_REG_SWITCH_BASE + n), 1u, 1u, 0u, bms_switch_defs[n].key, "bool", 1, 1,
             "switch");
        o->sw = bms_switch_defs[n].number;
        return 0;
    }
    n -= BMS_SWITCH_COUNT;
    if (n < 4u) {
        fill(o, (uint16_t)(BMS_REG_SWITCH_WORDS + n), 1u, 0u, 0u, "switch_bits_%02u", "bits", 1, 1, "switch");
        o->index = (uint8_t)n;
        return 0;
    }
    n -= 4u;
    if (n < BMS_EXTRA_COUNT) {
        const bms_param_def *d = &bms_extra_defs[n];
        const bms_unit_info *u = &bms_unit_infos[d->unit];
        fill(o, (uint16_t)(BMS_REG_EXTRA_BASE + n), 1u, 1u, u->reg_signed, d->key, u->unit, u->scale_num,
             u->scale_den, "extra_parameter");
        o->extra = (int8_t)n;
        return 0;
    }
    n -= BMS_EXTRA_COUNT;
    if (n < CMD_COUNT) {
        fill(o, commands[n].addr, 1u, 1u, 0u, commands[n].name, "command", 1, 1, "command");
        return 0;
    }
    return -1;
}
