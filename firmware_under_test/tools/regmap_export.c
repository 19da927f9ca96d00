/*
 * Prints the register map as JSON (register_map.json) from the firmware's own
 * register table, so the document the rig loads cannot drift from the code.
 * Usage: bms_regmap_export > firmware_under_test/register_map.json
 */
#include <stdio.h>
#include <string.h>

#include "bms.h"
#include "params.h"
#include "regmap.h"

/*
 * What each bit of the bit words means, in the manual's terms: the parameter
 * whose threshold sets it and the switch that enables it (0 = none). The rig's
 * oracle finds the bit that reports parameter #N here, so a user's firmware
 * with another layout only needs another map.
 */
typedef struct bit_desc {
    const char *word;
    unsigned bit;
    const char *name;
    unsigned param;
    unsigned sw;
} bit_desc;

static const bit_desc bits[] = {
    {"alarm_bits", BMS_A_CELL_HIGH, "cell_high_voltage_alarm", 1, 9},
    {"alarm_bits", BMS_A_CELL_LOW, "cell_low_voltage_alarm", 3, 11},
    {"alarm_bits", BMS_A_PACK_HIGH, "pack_high_voltage_alarm", 11, 13},
    {"alarm_bits", BMS_A_PACK_LOW, "pack_low_voltage_alarm", 13, 15},
    {"alarm_bits", BMS_A_CHG_HIGH_TEMP, "charging_high_temperature_alarm", 21, 17},
    {"alarm_bits", BMS_A_CHG_LOW_TEMP, "charging_low_temperature_alarm", 23, 19},
    {"alarm_bits", BMS_A_DSG_HIGH_TEMP, "discharging_high_temperature_alarm", 29, 21},
    {"alarm_bits", BMS_A_DSG_LOW_TEMP, "discharging_low_temperature_alarm", 31, 23},
    {"alarm_bits", BMS_A_AMB_HIGH_TEMP, "ambient_high_temperature_alarm", 39, 25},
    {"alarm_bits", BMS_A_AMB_LOW_TEMP, "ambient_low_temperature_alarm", 41, 27},
    {"alarm_bits", BMS_A_PWR_HIGH_TEMP, "power_high_temperature_alarm", 47, 30},
    {"alarm_bits", BMS_A_CHG_OVERCURRENT, "charging_overcurrent_alarm", 51, 33},
    {"alarm_bits", BMS_A_DSG_OVERCURRENT, "discharging_overcurrent_alarm", 53, 35},
    {"alarm_bits", BMS_A_SOC_LOW, "remaining_capacity_alarm", 79, 43},
    {"protection_bits", BMS_P_CELL_OV, "cell_overvoltage_protection", 5, 10},
    {"protection_bits", BMS_P_CELL_UV, "cell_undervoltage_protection", 7, 12},
    {"protection_bits", BMS_P_PACK_OV, "pack_overvoltage_protection", 15, 14},
    {"protection_bits", BMS_P_PACK_UV, "pack_undervoltage_protection", 17, 16},
    {"protection_bits", BMS_P_CHARGER_OV, "charger_overvoltage_protection", 19, 41},
    {"protection_bits", BMS_P_CHG_OT, "charging_overtemperature_protection", 25, 18},
    {"protection_bits", BMS_P_CHG_UT, "charging_undertemperature_protection", 27, 20},
    {"protection_bits", BMS_P_DSG_OT, "discharging_overtemperature_protection", 33, 22},
    {"protection_bits", BMS_P_DSG_UT, "discharging_undertemperature_protection", 35, 24},
    {"protection_bits", BMS_P_AMB_OT, "ambient_overtemperature_protection", 43, 26},
    {"protection_bits", BMS_P_AMB_UT, "ambient_undertemperature_protection", 45, 28},
    {"protection_bits", BMS_P_PWR_OT, "power_overtemperature_protection", 49, 29},
    {"protection_bits", BMS_P_OCC, "charging_overcurrent_protection", 55, 34},
    {"protection_bits", BMS_P_OCD, "discharging_overcurrent_protection", 56, 36},
    {"protection_bits", BMS_P_TRANSIENT, "transient_overcurrent_protection", 57, 37},
    {"protection_bits", BMS_P_SC, "short_circuit_protection", 0, 38},
    {"protection_bits", BMS_P_SOC, "remaining_capacity_protection", 80, 44},
    {"protection_bits", BMS_P_LOW_CELL_CHARGE, "low_cell_charge_prohibition", 10, 45},
    {"fault_bits", BMS_F_NTC, "ntc_fault", 0, 2},
    {"fault_bits", BMS_F_CELL_DIFF, "cell_voltage_difference_failure", 61, 5},
    {"fault_bits", BMS_F_EEPROM, "parameter_image_corrupt", 0, 0},
    {"fault_bits", BMS_F_BUTTON, "button_stuck", 0, 4},
    {"fault_bits", BMS_F_LOCK_OCC, "charge_overcurrent_lock", 71, 0},
    {"fault_bits", BMS_F_LOCK_OCD, "discharge_overcurrent_lock", 71, 0},
    {"fault_bits", BMS_F_LOCK_TRANSIENT, "transient_overcurrent_lock", 71, 39},
    {"fault_bits", BMS_F_LOCK_SC, "short_circuit_lock", 71, 40},
    {"fault_bits", BMS_F_NO_CELL_TEMP, "no_cell_temperature", 0, 0},
    {"error_code_bits", BMS_E_OVP, "OVP", 0, 0},
    {"error_code_bits", BMS_E_UVP, "UVP", 0, 0},
    {"error_code_bits", BMS_E_OCC, "OCC", 0, 0},
    {"error_code_bits", BMS_E_OCD, "OCD", 0, 0},
    {"error_code_bits", BMS_E_OTP, "OTP", 0, 0},
    {"error_code_bits", BMS_E_UTP, "UTP", 0, 0},
    {"error_code_bits", BMS_E_SC, "SC", 0, 0},
    {"error_code_bits", BMS_E_NTC, "NTC", 0, 0},
    {"error_code_bits", BMS_E_LOCK, "LOCK", 0, 0},
    {"error_code_bits", BMS_E_CDF, "CDF", 0, 0},
    {"error_code_bits", BMS_E_CHGOV, "CHGOV", 0, 0},
    {"error_code_bits", BMS_E_SOCP, "SOCP", 0, 0},
    {"output_bits", 0, "charge_fet", 0, 0},
    {"output_bits", 1, "discharge_fet", 0, 0},
    {"output_bits", 2, "precharge", 0, 48},
    {"output_bits", 3, "heater", 0, 31},
    {"output_bits", 4, "limiter", 0, 0},
    {"output_bits", 5, "sleeping", 78, 58},
    {"output_bits", 6, "balancing", 0, 0},
};

/* The bits of one word as a JSON array, or nothing if it has none. */
static void print_bits(const char *word)
{
    int first = 1;
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        if (strcmp(bits[i].word, word) != 0) {
            continue;
        }
        printf("%s{\"bit\": %u, \"name\": \"%s\"", first ? ", \"bits\": [" : ", ", bits[i].bit, bits[i].name);
        if (bits[i].param != 0u) {
            printf(", \"parameter\": %u", bits[i].param);
        }
        if (bits[i].sw != 0u) {
            printf(", \"switch\": %u", bits[i].sw);
        }
        printf("}");
        first = 0;
    }
    if (!first) {
        printf("]");
    }
}

static void print_scale(int32_t num, int32_t den)
{
    /* Exact decimal: every scale is 1/10^k or an integer. */
    if (den == 1) {
        printf("%ld", (long)num);
        return;
    }
    int digits = 0;
    for (int32_t d = den; d > 1; d /= 10) {
        digits++;
    }
    printf("%.*f", digits, (double)num / (double)den);
}

int main(void)
{
    bms_config defaults;
    bms_config_defaults(&defaults);
    printf("{\n");
    printf("  \"format\": \"bms-hil register map\",\n");
    printf("  \"firmware_version\": \"0x%04x\",\n", BMS_FIRMWARE_VERSION);
    printf("  \"protocol\": {\"kind\": \"modbus-rtu\", \"default_address\": %ld, "
           "\"read_functions\": [3, 4], \"write_functions\": [6, 16], \"word_order\": \"big-endian\"},\n",
           (long)defaults.extra[BMS_X_MODBUS_ADDRESS]);
    printf("  \"note\": \"physical value = register (as signed or unsigned) x scale, in unit; "
           "2-word registers: high word first\",\n");
    printf("  \"registers\": [\n");
    bms_reg_desc d;
    for (unsigned i = 0; bms_regmap_describe(i, &d) == 0; i++) {
        char base[96];
        char name[104];
        snprintf(base, sizeof(base), d.name, (unsigned)d.index + 1u);
        /* A switch shares its manual key with a parameter (#1 and switch 9 are
         * both "single cell high voltage alarm"); names in the map are unique. */
        snprintf(name, sizeof(name), "%s%s", d.sw != 0u ? "switch_" : "", base);
        printf("    {\"address\": %u, \"words\": %u, \"name\": \"%s\", \"group\": \"%s\", \"unit\": \"%s\", "
               "\"scale\": ",
               d.address, d.words, name, d.group, d.unit);
        print_scale(d.scale_num, d.scale_den);
        printf(", \"signed\": %s, \"access\": \"%s\"", d.is_signed ? "true" : "false",
               d.writable ? "rw" : "r");
        if (d.param != 0u) {
            printf(", \"parameter\": %u", d.param);
        }
        if (d.sw != 0u) {
            printf(", \"switch\": %u", d.sw);
        }
        if (d.extra >= 0) {
            printf(", \"extra_parameter\": \"%s\"", bms_extra_defs[d.extra].key);
        }
        print_bits(name);
        bms_reg_desc next;
        printf("}%s\n", bms_regmap_describe(i + 1u, &next) == 0 ? "," : "");
    }
    printf("  ]\n}\n");
    return 0;
}
