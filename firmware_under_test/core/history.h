/* History record event codes: (kind << 8) | bit. */
#ifndef BMS_HISTORY_H
#define BMS_HISTORY_H

#define BMS_EV_PERIODIC 0x01u      /* bit 0 = operating (#76), 1 = standby (#77) */
#define BMS_EV_POWER_ON 0x02u
#define BMS_EV_ALARM_SET 0x10u     /* bit = enum bms_alarm */
#define BMS_EV_ALARM_CLEAR 0x11u
#define BMS_EV_PROT_SET 0x20u      /* bit = enum bms_prot */
#define BMS_EV_PROT_CLEAR 0x21u
#define BMS_EV_FAULT_SET 0x30u     /* bit = enum bms_fault */
#define BMS_EV_FAULT_CLEAR 0x31u
#define BMS_EVENT(kind, bit) ((uint16_t)(((kind) << 8) | (bit)))

#endif
