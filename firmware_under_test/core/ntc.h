/* NTC (10 kOhm, Beta 3435 K) resistance to temperature, integer only. */
#ifndef BMS_NTC_H
#define BMS_NTC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Open wire reads BMSHIL_NTC_OPEN_OHM (UINT32_MAX) or at least ~1 MOhm
 * (below -55 degC a 10 k NTC reads ~0.6 MOhm, so 1 MOhm is no real temperature). */
#define BMS_NTC_OPEN_MIN_OHM 1000000u
/* A short reads 0 ohm; below 50 ohm is above ~250 degC, no real temperature. */
#define BMS_NTC_SHORT_MAX_OHM 50u

enum bms_ntc_state { BMS_NTC_OK = 0, BMS_NTC_OPEN = 1, BMS_NTC_SHORT = 2 };

int bms_ntc_state_of(uint32_t ohm);

/* Temperature in 0.1 degC, clamped to the table's range (-55 .. 155 degC). */
int16_t bms_ntc_ohm_to_dc(uint32_t ohm);

#ifdef __cplusplus
}
#endif

#endif
