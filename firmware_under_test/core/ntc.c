#include "ntc.h"

#include "ntc_table.h"

int bms_ntc_state_of(uint32_t ohm)
{
    if (ohm >= BMS_NTC_OPEN_MIN_OHM) {
        return BMS_NTC_OPEN;
    }
    if (ohm < BMS_NTC_SHORT_MAX_OHM) {
        return BMS_NTC_SHORT;
    }
    return BMS_NTC_OK;
}

int16_t bms_ntc_ohm_to_dc(uint32_t ohm)
{
    /* The table falls with temperature. */
    if (ohm >= bms_ntc_table_ohm[0]) {
        return (int16_t)(BMS_NTC_TABLE_T_MIN_C * 10);
    }
    if (ohm <= bms_ntc_table_ohm[BMS_NTC_TABLE_LEN - 1u]) {
        return (int16_t)(BMS_NTC_TABLE_T_MAX_C * 10);
    }
    /* Binary search for hi with table[hi-1] > ohm >= table[hi]. */
    uint32_t lo = 0u;
    uint32_t hi = BMS_NTC_TABLE_LEN - 1u;
    while (hi - lo > 1u) {
        uint32_t mid = (lo + hi) / 2u;
        if (bms_ntc_table_ohm[mid] > ohm) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    uint32_t r_lo = bms_ntc_table_ohm[lo]; /* colder end, larger ohm */
    uint32_t r_hi = bms_ntc_table_ohm[hi];
    /* Linear in ohm across one degree, rounded to the nearest 0.1 degC. */
    uint32_t span = r_lo - r_hi;
    uint32_t frac_dc = ((r_lo - ohm) * 10u + span / 2u) / span;
    return (int16_t)((BMS_NTC_TABLE_T_MIN_C + (int32_t)lo) * 10 + (int32_t)frac_dc);
}
