/*
 * The one limits table: every parameter of the manual with its default (from
 * spec/parameters.csv, converted to internal units), its limits, and the
 * consistency rules between trip and recovery values.
 */
#include "params.h"

#include <string.h>

#define S(x) ((x) * 1000)
#define MIN(x) ((x) * 60000)
#define H(x) ((x) * 3600000)

const bms_unit_info bms_unit_infos[BMS_U_KINDS] = {
    [BMS_U_MV] = {1, 0, "V", 1, 1000},
    [BMS_U_DC] = {1, 1, "\xc2\xb0" "C", 1, 10},
    [BMS_U_MA] = {100, 1, "A", 1, 10},
    [BMS_U_MS] = {1, 0, "ms", 1, 1},
    [BMS_U_S] = {1000, 0, "second", 1, 1},
    [BMS_U_MIN] = {60000, 0, "minute", 1, 1},
    [BMS_U_H] = {3600000, 0, "hours", 1, 1},
    [BMS_U_MAH] = {100, 0, "Ah", 1, 10},
    [BMS_U_PCT] = {1, 0, "%", 1, 1},
    [BMS_U_COUNT] = {1, 0, "count", 1, 1},
    [BMS_U_UOHM] = {10, 0, "m\xce\xa9", 1, 100},
    [BMS_U_US] = {1, 0, "us", 1, 1},
    [BMS_U_MA_AS_A] = {1000, 0, "A", 1, 1},
    [BMS_U_MA_AS_MA] = {1, 0, "mA", 1, 1},
};

/* {number, unit, key, default, min, max}, internal units (see params.h). */
const bms_param_def bms_param_defs[BMS_PARAM_COUNT] = {
    { 1, BMS_U_MV, "single_cell_high_voltage_alarm", 3550, 1000, 4500},
    { 2, BMS_U_MV, "single_cell_high_voltage_recovery", 3380, 1000, 4500},
    { 3, BMS_U_MV, "single_cell_low_voltage_alarm", 2900, 1000, 4500},
    { 4, BMS_U_MV, "single_cell_low_voltage_recovery", 3100, 1000, 4500},
    { 5, BMS_U_MV, "single_cell_overvoltage_protection", 3650, 1000, 4500},
    { 6, BMS_U_MV, "single_cell_overvoltage_recovery", 3380, 1000, 4500},
    { 7, BMS_U_MV, "single_cell_undervoltage_protection", 2700, 1000, 4500},
    { 8, BMS_U_MV, "single_cell_undervoltage_recovery", 3100, 1000, 4500},
    { 9, BMS_U_MV, "balancing_activation_voltage", 3400, 1000, 4500},
    {10, BMS_U_MV, "cell_low_voltage_prohibition_of_charging", 1500, 0, 3000},
    {11, BMS_U_MV, "total_voltage_high_voltage_alarm", 56000, 10000, 65000},
    {12, BMS_U_MV, "total_voltage_high_voltage_recovery", 54000, 10000, 65000},
    {13, BMS_U_MV, "total_voltage_low_voltage_alarm", 46400, 10000, 65000},
    {14, BMS_U_MV, "total_voltage_low_voltage_recovery", 48000, 10000, 65000},
    {15, BMS_U_MV, "total_voltage_overvoltage_protection", 57600, 10000, 65000},
    {16, BMS_U_MV, "total_voltage_overvoltage_recovery", 54000, 10000, 65000},
    {17, BMS_U_MV, "total_voltage_undervoltage_protection", 43200, 10000, 65000},
    {18, BMS_U_MV, "total_voltage_undervoltage_recovery", 48000, 10000, 65000},
    {19, BMS_U_MV, "charging_overvoltage_protection", 63000, 10000, 65000},
    {20, BMS_U_MV, "charging_overvoltage_recovery", 61000, 10000, 65000},
    {21, BMS_U_DC, "charging_high_temperature_alarm", 500, -400, 1200},
    {22, BMS_U_DC, "charging_high_temperature_recovery", 470, -400, 1200},
    {23, BMS_U_DC, "charging_low_temperature_alarm", 20, -400, 1200},
    {24, BMS_U_DC, "charging_low_temperature_recovery", 50, -400, 1200},
    {25, BMS_U_DC, "charging_overtemperature_protection", 550, -400, 1200},
    {26, BMS_U_DC, "charging_overtemperature_recovery", 500, -400, 1200},
    {27, BMS_U_DC, "charging_undertemperature_protection", -100, -400, 1200},
    {28, BMS_U_DC, "charging_undertemperature_recovery", 0, -400, 1200},
    {29, BMS_U_DC, "discharging_high_temperature_alarm", 520, -400, 1200},
    {30, BMS_U_DC, "discharging_high_temperature_recovery", 470, -400, 1200},
    {31, BMS_U_DC, "discharging_low_temperature_alarm", -100, -400, 1200},
    {32, BMS_U_DC, "discharging_low_temperature_recovery", 30, -400, 1200},
    {33, BMS_U_DC, "discharging_overtemperature_protection", 550, -400, 1200},
    {34, BMS_U_DC, "discharging_overtemperature_recovery", 500, -400, 1200},
    {35, BMS_U_DC, "discharging_undertemperature_protection", -100, -400, 1200},
    {36, BMS_U_DC, "discharging_undertemperature_recovery", 0, -400, 1200},
    {37, BMS_U_DC, "cell_low_temperature_heating", 0, -400, 1200},
    {38, BMS_U_DC, "cell_heating_recovery", 100, -400, 1200},
    {39, BMS_U_DC, "ambient_high_temperature_alarm", 500, -400, 1200},
    {40, BMS_U_DC, "ambient_high_temperature_recovery", 470, -400, 1200},
    {41, BMS_U_DC, "ambient_low_temperature_alarm", 0, -400, 1200},
    {42, BMS_U_DC, "ambient_low_temperature_recovery", 30, -400, 1200},
    {43, BMS_U_DC, "ambient_overtemperature_protection", 600, -400, 1200},
    {44, BMS_U_DC, "ambient_overtemperature_recovery", 550, -400, 1200},
    {45, BMS_U_DC, "ambient_undertemperature_protection", -100, -400, 1200},
    {46, BMS_U_DC, "ambient_undertemperature_recovery", 0, -400, 1200},
    {47, BMS_U_DC, "power_high_temperature_alarm", 900, -400, 1200},
    {48, BMS_U_DC, "power_high_temperature_recovery", 850, -400, 1200},
    {49, BMS_U_DC, "power_overtemperature_protection", 1000, -400, 1200},
    {50, BMS_U_DC, "power_overtemperature_recovery", 850, -400, 1200},
    {51, BMS_U_MA, "charging_overcurrent_alarm", 70000, 1000, 300000},
    {52, BMS_U_MA, "charging_overcurrent_recovery", 65000, 1000, 300000},
    {53, BMS_U_MA, "discharging_overcurrent_alarm", -105000, -300000, -1000},
    {54, BMS_U_MA, "discharging_overcurrent_recovery", -103000, -300000, -1000},
    {55, BMS_U_MA, "charging_overcurrent_protection", 110000, 1000, 300000},
    {56, BMS_U_MA, "discharging_overcurrent_protection", -110000, -300000, -1000},
    {57, BMS_U_MA, "transient_overcurrent_protection", -250000, -500000, -1000},
    {58, BMS_U_MS, "output_soft_start_delay", 2000, 0, 10000},
    {59, BMS_U_MAH, "battery_rated_capacity", 100000, 1000, 1000000},
    {60, BMS_U_MAH, "battery_remaining_capacity", 50000, 0, 1000000},
    {61, BMS_U_MV, "cell_failure_voltage_difference", 500, 10, 2000},
    {62, BMS_U_MV, "cell_failure_recovery", 300, 10, 2000},
    {63, BMS_U_MV, "balancing_activation_voltage_difference", 30, 1, 1000},
    {64, BMS_U_MV, "balancing_ending_voltage_difference", 20, 1, 1000},
    {65, BMS_U_H, "static_balancing_time", 36000000, H(1), H(100)},
    {66, BMS_U_COUNT, "battery_series_cell_count", 16, 1, 16},
    {67, BMS_U_S, "charging_overcurrent_delay", 10000, 0, S(600)},
    {68, BMS_U_S, "discharging_overcurrent_delay", 10000, 0, S(600)},
    {69, BMS_U_MS, "transient_overcurrent_delay", 30, 0, 1000},
    {70, BMS_U_S, "overcurrent_recovery_delay", 60000, S(1), S(3600)},
    {71, BMS_U_COUNT, "overcurrent_recovery_count", 5, 1, 100},
    {72, BMS_U_MIN, "charging_current_limit_delay", 300000, MIN(1), MIN(120)},
    {73, BMS_U_MIN, "charging_activation_delay", 60000, MIN(1), MIN(60)},
    {74, BMS_U_H, "charging_activation_interval", 36000000, H(1), H(100)},
    {75, BMS_U_COUNT, "charging_activation_count", 10, 0, 100},
    {76, BMS_U_MIN, "operation_recording_interval", 1800000, MIN(1), MIN(1440)},
    {77, BMS_U_MIN, "standby_recording_interval", 14400000, MIN(1), MIN(1440)},
    {78, BMS_U_H, "standby_shutdown_delay", 172800000, H(1), H(500)},
    {79, BMS_U_PCT, "remaining_capacity_alarm", 10, 0, 100},
    {80, BMS_U_PCT, "remaining_capacity_protection", 5, 0, 100},
    {81, BMS_U_PCT, "interval_compensation_capacity", 96, 0, 100},
    {82, BMS_U_PCT, "cycle_accumulated_capacity", 80, 1, 100},
    {83, BMS_U_UOHM, "connection_fault_impedance", 10000, 0, 100000},
    {84, BMS_U_COUNT, "compensation_point_1_position", 9, 0, 16},
    {85, BMS_U_UOHM, "compensation_point_1_impedance", 0, 0, 100000},
    {86, BMS_U_COUNT, "compensation_point_2_position", 13, 0, 16},
    {87, BMS_U_UOHM, "compensation_point_2_impedance", 0, 0, 100000},
};

/* Extra parameters of the firmware (INTERPRETATION.md: confirmation delays, AFE). */
const bms_param_def bms_extra_defs[BMS_EXTRA_COUNT] = {
    [BMS_X_VOLTAGE_DELAY_MS] = {0, BMS_U_MS, "voltage_confirmation_delay", 1000, 0, 60000},
    [BMS_X_TEMP_DELAY_MS] = {0, BMS_U_MS, "temperature_confirmation_delay", 2000, 0, 60000},
    [BMS_X_CURRENT_ALARM_DELAY_MS] = {0, BMS_U_MS, "current_alarm_delay", 1000, 0, 60000},
    [BMS_X_SC_THRESHOLD_MA] = {0, BMS_U_MA_AS_A, "short_circuit_threshold", 500000, 50000, 2000000},
    [BMS_X_SC_DELAY_US] = {0, BMS_U_US, "short_circuit_delay", 200, 0, 2000},
    [BMS_X_SC_RECOVERY_MS] = {0, BMS_U_S, "short_circuit_recovery_delay", 60000, 1000, 3600000},
    [BMS_X_REST_CURRENT_MA] = {0, BMS_U_MA_AS_MA, "rest_current", 500, 0, 10000},
    [BMS_X_IDLE_PERIOD_MS] = {0, BMS_U_MS, "idle_run_period", 1000, 0, 10000},
    [BMS_X_IDLE_ENTRY_MS] = {0, BMS_U_S, "idle_entry_delay", 60000, 0, 3600000},
    [BMS_X_CHARGER_MARGIN_MV] = {0, BMS_U_MV, "charger_detect_margin", 1000, 100, 20000},
    [BMS_X_MODBUS_ADDRESS] = {0, BMS_U_COUNT, "modbus_address", 1, 1, 247},
};

/* {number, default on, used, key}. "used" = 0: the manual marks the function unused
 * or it needs hardware this board does not have; the switch is stored and reported. */
const bms_switch_def bms_switch_defs[BMS_SWITCH_COUNT] = {
    { 1, 1, 0, "voltage_sensor_failure"},
    { 2, 1, 1, "temperature_sensor_failure"},
    { 3, 1, 0, "current_sensor_failure"},
    { 4, 1, 1, "button_switch_failure"},
    { 5, 1, 1, "cell_voltage_difference_failure"},
    { 6, 1, 0, "charging_switch_failure"},
    { 7, 1, 0, "discharging_switch_failure"},
    { 8, 1, 0, "current_limit_switch_failure"},
    { 9, 1, 1, "single_cell_high_voltage_alarm"},
    {10, 1, 1, "single_cell_overvoltage_protection"},
    {11, 1, 1, "single_cell_low_voltage_alarm"},
    {12, 1, 1, "single_cell_undervoltage_protection"},
    {13, 1, 1, "pack_high_voltage_alarm"},
    {14, 1, 1, "pack_overvoltage_protection"},
    {15, 1, 1, "pack_low_voltage_alarm"},
    {16, 1, 1, "pack_undervoltage_protection"},
    {17, 1, 1, "charging_high_temperature_alarm"},
    {18, 1, 1, "charging_overtemperature_protection"},
    {19, 1, 1, "charging_low_temperature_alarm"},
    {20, 1, 1, "charging_undertemperature_protection"},
    {21, 1, 1, "discharging_high_temperature_alarm"},
    {22, 1, 1, "discharging_overtemperature_protection"},
    {23, 1, 1, "discharging_low_temperature_alarm"},
    {24, 1, 1, "discharging_undertemperature_protection"},
    {25, 1, 1, "ambient_high_temperature_alarm"},
    {26, 1, 1, "ambient_overtemperature_protection"},
    {27, 1, 1, "ambient_low_temperature_alarm"},
    {28, 1, 1, "ambient_undertemperature_protection"},
    {29, 1, 1, "power_overtemperature_protection"},
    {30, 1, 1, "power_high_temperature_alarm"},
    {31, 0, 1, "cell_low_temperature_heating"},
    {32, 0, 0, "secondary_disconnection_protection"},
    {33, 1, 1, "charging_overcurrent_alarm"},
    {34, 1, 1, "charging_overcurrent_protection"},
    {35, 1, 1, "discharging_overcurrent_alarm"},
    {36, 1, 1, "discharging_overcurrent_protection"},
    {37, 1, 1, "transient_current_protection"},
    {38, 1, 1, "output_short_circuit_protection"},
    {39, 0, 1, "transient_overcurrent_lockout"},
    {40, 1, 1, "output_short_circuit_lockout"},
    {41, 1, 1, "charging_overvoltage_protection"},
    {42, 1, 1, "gap_compensation_function"},
    {43, 1, 1, "remaining_capacity_alarm"},
    {44, 1, 1, "remaining_capacity_protection"},
    {45, 1, 1, "cell_undervoltage_prohibition_during_charging"},
    {46, 0, 0, "output_reverse_connection_protection"},
    {47, 0, 0, "output_connection_failure"},
    {48, 1, 1, "output_soft_start_function"},
    {49, 1, 1, "charging_equalization_function"},
    {50, 1, 1, "static_equalization_function"},
    {51, 1, 1, "timeout_prohibition_of_equalization"},
    {52, 1, 1, "overtemperature_prohibition_of_equalization"},
    {53, 1, 1, "automatic_activation_of_charging"},
    {54, 0, 1, "manual_activation_of_charging"},
    {55, 0, 1, "active_current_limit_charging"},
    {56, 1, 1, "passive_current_limit_charging"},
    {57, 0, 0, "power_on_off_function"},
    {58, 1, 1, "standby_power_off_function"},
    {59, 1, 1, "historical_record_function"},
    {60, 0, 0, "lcd_display_function"},
    {61, 0, 0, "bluetooth_communication_function"},
    {62, 0, 0, "automatic_address_encoding"},
    {63, 0, 0, "external_parallel_polling"},
    {64, 1, 1, "single_machine_1_0c_charging"},
};

/* Trip / recovery pairs. HIGH: recovery must be strictly below the trip value,
 * LOW: strictly above (a recovery equal to its trip has no hysteresis and would
 * chatter, so it is refused as well). */
enum { PAIR_HIGH = 0, PAIR_LOW = 1 };
static const uint8_t pairs[][3] = {
    {1, 2, PAIR_HIGH},   {3, 4, PAIR_LOW},    {5, 6, PAIR_HIGH},   {7, 8, PAIR_LOW},
    {11, 12, PAIR_HIGH}, {13, 14, PAIR_LOW},  {15, 16, PAIR_HIGH}, {17, 18, PAIR_LOW},
    {19, 20, PAIR_HIGH}, {21, 22, PAIR_HIGH}, {23, 24, PAIR_LOW},  {25, 26, PAIR_HIGH},
    {27, 28, PAIR_LOW},  {29, 30, PAIR_HIGH}, {31, 32, PAIR_LOW},  {33, 34, PAIR_HIGH},
    {35, 36, PAIR_LOW},  {37, 38, PAIR_LOW},  {39, 40, PAIR_HIGH}, {41, 42, PAIR_LOW},
    {43, 44, PAIR_HIGH}, {45, 46, PAIR_LOW},  {47, 48, PAIR_HIGH}, {49, 50, PAIR_HIGH},
    {51, 52, PAIR_HIGH}, {53, 54, PAIR_LOW},  {61, 62, PAIR_HIGH}, {63, 64, PAIR_HIGH},
};

void bms_config_defaults(bms_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (unsigned i = 0; i < BMS_PARAM_COUNT; i++) {
        cfg->param[i] = bms_param_defs[i].def;
    }
    for (unsigned i = 0; i < BMS_EXTRA_COUNT; i++) {
        cfg->extra[i] = bms_extra_defs[i].def;
    }
    for (unsigned i = 0; i < BMS_SWITCH_COUNT; i++) {
        bms_cfg_set_switch(cfg, bms_switch_defs[i].number, bms_switch_defs[i].def_on);
    }
}

int bms_config_validate(const bms_config *cfg)
{
    for (unsigned i = 0; i < BMS_PARAM_COUNT; i++) {
        if (cfg->param[i] < bms_param_defs[i].min || cfg->param[i] > bms_param_defs[i].max) {
            return (int)(i + 1u);
        }
    }
    for (unsigned i = 0; i < BMS_EXTRA_COUNT; i++) {
        if (cfg->extra[i] < bms_extra_defs[i].min || cfg->extra[i] > bms_extra_defs[i].max) {
            return (int)(100u + i);
        }
    }
    for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        int32_t trip = bms_cfg_param(cfg, pairs[i][0]);
        int32_t rec = bms_cfg_param(cfg, pairs[i][1]);
        if (pairs[i][2] == PAIR_HIGH ? !(rec < trip) : !(rec > trip)) {
            return (int)pairs[i][1];
        }
    }
    /* Remaining capacity cannot exceed the rated capacity. */
    if (bms_cfg_param(cfg, 60) > bms_cfg_param(cfg, 59)) {
        return 60;
    }
    return 0;
}
