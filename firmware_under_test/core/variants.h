/*
 * Deliberately broken variants, for the rig's own tests (an oracle that passes
 * them is blind). Each is ONE compile definition that changes ONE line; the
 * macros below are used at exactly that line. The normal build defines none.
 */
#ifndef BMS_VARIANTS_H
#define BMS_VARIANTS_H

/* protection_voltage.c: cell over-voltage trip value */
#ifdef BMS_VARIANT_OV_PLUS_50MV
#define BMS_VARIANT_OV_TRIP_MV(p5_mv) ((p5_mv) + 50)
#else
#define BMS_VARIANT_OV_TRIP_MV(p5_mv) (p5_mv)
#endif

/* protection_current.c: discharge over-current delay #68 */
#ifdef BMS_VARIANT_OCD_DELAY_HALF
#define BMS_VARIANT_OCD_DELAY_MS(p68_ms) ((p68_ms) / 2)
#else
#define BMS_VARIANT_OCD_DELAY_MS(p68_ms) (p68_ms)
#endif

/* protection_voltage.c: cell over-voltage recovery value */
#ifdef BMS_VARIANT_NO_HYSTERESIS
#define BMS_VARIANT_OV_RECOVERY_MV(trip_mv, p6_mv) (trip_mv)
#else
#define BMS_VARIANT_OV_RECOVERY_MV(trip_mv, p6_mv) (p6_mv)
#endif

/* protection_current.c: trips in a row that lock (#71) */
#ifdef BMS_VARIANT_LOCK_COUNT_OFF_BY_ONE
#define BMS_VARIANT_LOCK_COUNT(p71) ((p71) + 1)
#else
#define BMS_VARIANT_LOCK_COUNT(p71) (p71)
#endif

/* protection_current.c: switch 40, short-circuit lock */
#ifdef BMS_VARIANT_SC_LOCK_DISABLED
#define BMS_VARIANT_SC_LOCK_SWITCH(sw40) (0)
#else
#define BMS_VARIANT_SC_LOCK_SWITCH(sw40) (sw40)
#endif

/* protection_temperature.c: sensor of the charging over-temperature protection */
#ifdef BMS_VARIANT_TEMP_WRONG_SENSOR
#define BMS_VARIANT_CHG_OT_SENSOR_DC(cell_max_dc, ambient_dc) (ambient_dc)
#else
#define BMS_VARIANT_CHG_OT_SENSOR_DC(cell_max_dc, ambient_dc) (cell_max_dc)
#endif

/* protection_voltage.c: the cell the over-voltage protection watches (min vs max) */
#ifdef BMS_VARIANT_OV_LOWEST_CELL
#define BMS_VARIANT_OV_CELL_MV(vmax_mv, vmin_mv) (vmin_mv)
#else
#define BMS_VARIANT_OV_CELL_MV(vmax_mv, vmin_mv) (vmax_mv)
#endif

/* protection_temperature.c: how many cell NTCs make the hottest / coldest
 * (the wrong sensor position: only the first) */
#ifdef BMS_VARIANT_FIRST_CELL_NTC_ONLY
#define BMS_VARIANT_CELL_NTCS (1u)
#else
#define BMS_VARIANT_CELL_NTCS (BMS_NTC_CELL_COUNT)
#endif

/* protection_voltage.c: the cell under-voltage recovery parameter (#8; #4 is
 * the low voltage alarm's recovery, equal to it at the manual's defaults) */
#ifdef BMS_VARIANT_UV_RECOVERS_AT_P4
#define BMS_VARIANT_UV_RECOVERY_PARAMETER (4)
#else
#define BMS_VARIANT_UV_RECOVERY_PARAMETER (8)
#endif

/* protection_voltage.c: the cell over-voltage recovery's confirmation delay */
#ifdef BMS_VARIANT_OV_RECOVERY_UNCONFIRMED
#define BMS_VARIANT_OV_RECOVERY_DELAY_MS(delay_ms) (0u)
#else
#define BMS_VARIANT_OV_RECOVERY_DELAY_MS(delay_ms) (delay_ms)
#endif

/* protection_current.c: the charge over-current protection's current (a
 * magnitude, so a discharge trips it too) */
#ifdef BMS_VARIANT_OCC_BOTH_DIRECTIONS
#define BMS_VARIANT_OCC_CURRENT_MA(i_ma) ((i_ma) < 0 ? -(i_ma) : (i_ma))
#else
#define BMS_VARIANT_OCC_CURRENT_MA(i_ma) (i_ma)
#endif

/* protection_voltage.c: switch 41 of the charger over-voltage protection */
#ifdef BMS_VARIANT_CHARGER_OV_IGNORES_SWITCH
#define BMS_VARIANT_CHARGER_OV_SWITCH(sw41) (1)
#else
#define BMS_VARIANT_CHARGER_OV_SWITCH(sw41) (sw41)
#endif

#endif /* BMS_VARIANTS_H */
