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

#endif /* BMS_VARIANTS_H */
