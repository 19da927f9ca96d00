/*
 * The Modbus register map (REGISTER_MAP.md, register_map.json). One address space
 * is read by function 03 and 04 alike; 06 and 16 write the writable registers.
 * A value of 2 words is big-endian (high word at the lower address).
 */
#ifndef BMS_REGMAP_H
#define BMS_REGMAP_H

#include <stdint.h>

#include "bms.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BMS_REG_LIVE_BASE 0x0000u
#define BMS_REG_HISTORY_BASE 0x0400u
#define BMS_REG_HISTORY_WORDS 8u
#define BMS_REG_PARAM_BASE 0x1000u    /* + number - 1 */
#define BMS_REG_SWITCH_BASE 0x1100u   /* + number - 1; 0 = off, 1 = on */
#define BMS_REG_SWITCH_WORDS 0x1140u  /* 4 words, bit i of word k = switch 16k + i + 1 */
#define BMS_REG_EXTRA_BASE 0x1200u    /* + enum bms_extra */
#define BMS_REG_CMD_LOCK_RESET 0x1300u
#define BMS_REG_CMD_DEFAULTS 0x1301u
#define BMS_REG_CMD_CLEAR_HISTORY 0x1302u

#define BMS_CMD_LOCK_RESET_KEY 0xA5A5u
#define BMS_CMD_DEFAULTS_KEY 0xDEF0u
#define BMS_CMD_CLEAR_HISTORY_KEY 0xC1EAu

/* Modbus exception codes. */
#define BMS_MB_OK 0u
#define BMS_MB_ILLEGAL_FUNCTION 1u
#define BMS_MB_ILLEGAL_ADDRESS 2u
#define BMS_MB_ILLEGAL_VALUE 3u
#define BMS_MB_DEVICE_FAILURE 4u

typedef struct bms_reg_desc {
    uint16_t address;
    uint8_t words;
    uint8_t writable;
    uint8_t is_signed;
    uint8_t param;      /* manual parameter number, 0 = none */
    uint8_t sw;         /* switch number, 0 = none */
    int8_t extra;       /* enum bms_extra, -1 = none */
    uint8_t index;      /* element of an array (cell, NTC, record), 0-based */
    const char *name;   /* a printf pattern when index matters (%02u is 1-based) */
    const char *unit;
    int32_t scale_num;  /* physical value = register x scale_num / scale_den */
    int32_t scale_den;
    const char *group;
} bms_reg_desc;

/* Enumerate every register: 0 and *out filled for index < count, -1 past the end. */
int bms_regmap_describe(unsigned index, bms_reg_desc *out);

/* One register word; BMS_MB_OK or an exception code. */
unsigned bms_regmap_read(const bms_ctx *ctx, uint16_t address, uint16_t *value);

/* Write count words at address, all or nothing; BMS_MB_OK or an exception code. */
unsigned bms_regmap_write(bms_ctx *ctx, uint16_t address, uint16_t count, const uint16_t *values);

#ifdef __cplusplus
}
#endif

#endif
