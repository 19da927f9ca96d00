/*
 * Temperatures: NTC ohms to 0.1 degC, NTC open/short detection (switch 2), the
 * charge / discharge cell temperature alarms and protections (#21-#36), ambient
 * (#39-#46), power FET (#47-#50) and low-temperature heating (#37/#38, switch 31).
 * Every condition must hold for the temperature confirmation delay (extra
 * parameter, default 2000 ms) to trip and to recover. The charge and discharge
 * limits are judged whatever the current's direction: they say which FET opens
 * (a charge FET must stay open in the cold before any charge current flows).
 */
#include "bms_internal.h"
#include "ntc.h"

void bms_measure_temperature(bms_ctx *ctx)
{
    const int detect = SW(ctx, 2);
    ctx->ntc_bad_now = 0u;
    for (unsigned i = 0; i < BMS_NTC_COUNT; i++) {
        uint32_t ohm = ctx->adc.ntc_ohm[i];
        int bad = detect && bms_ntc_state_of(ohm) != BMS_NTC_OK;
        /* With switch 2 off an open NTC is not detected: it reads as very cold
         * (-55 degC), a short as very hot, which the limits then act on. */
        ctx->temp_dc[i] = bad ? INT16_MIN : bms_ntc_ohm_to_dc(ohm);
        if (bad) {
            ctx->ntc_bad_now |= (uint8_t)(1u << i);
        }
    }
    /* A bad sensor is left out of the cell min/max at once; its fault flag still
     * needs the temperature confirmation delay. */
    ctx->cell_temp_valid = 0u;
    for (unsigned i = 0; i < BMS_VARIANT_CELL_NTCS; i++) {
        if (ctx->ntc_bad_now & (1u << i)) {
            continue;
        }
        if (!ctx->cell_temp_valid || ctx->temp_dc[i] > ctx->cell_temp_max_dc) {
            ctx->cell_temp_max_dc = ctx->temp_dc[i];
        }
        if (!ctx->cell_temp_valid || ctx->temp_dc[i] < ctx->cell_temp_min_dc) {
            ctx->cell_temp_min_dc = ctx->temp_dc[i];
        }
        ctx->cell_temp_valid = 1u;
    }
    if (!ctx->cell_temp_valid) {
        ctx->cell_temp_max_dc = INT16_MIN;
        ctx->cell_temp_min_dc = INT16_MIN;
    }
}

void bms_protect_temperature(bms_ctx *ctx)
{
    const uint32_t rec_delay = (uint32_t)X(ctx, BMS_X_TEMP_DELAY_MS);
    const uint32_t trip_delay = ctx->started ? rec_delay : 0u;
    const uint8_t bad = ctx->ntc_bad_now;

    /* NTC open / short faults (switch 2). */
    ctx->ntc_faults = 0u;
    for (unsigned i = 0; i < BMS_NTC_COUNT; i++) {
        int is_bad = (bad >> i) & 1u;
        if (!SW(ctx, 2)) {
            bms_det_clear(&ctx->ntc_det[i]);
        } else {
            bms_det_update(&ctx->ntc_det[i], is_bad, !is_bad, trip_delay, rec_delay, ctx->now_ms);
        }
        if (ctx->ntc_det[i].active) {
            ctx->ntc_faults |= 1u << i;
        }
    }
    bms_set_bit(&ctx->faults, BMS_F_NTC, ctx->ntc_faults != 0u);
    /* No cell sensor left: temperature cannot be judged, so charging stops
     * (charging a frozen LiFePO4 cell is the one harm we could not see). */
    bms_set_bit(&ctx->faults, BMS_F_NO_CELL_TEMP, (ctx->ntc_faults & 0x0Fu) == 0x0Fu);

    /* A missing reading holds the detector where it is (trip = recover = 0). */
    const int cv = ctx->cell_temp_valid;
    const int av = !(bad & (1u << BMS_NTC_AMBIENT));
    const int pv = !(bad & (1u << BMS_NTC_POWER));
    const int32_t tmax = ctx->cell_temp_max_dc;
    const int32_t tmin = ctx->cell_temp_min_dc;
    const int32_t tamb = ctx->temp_dc[BMS_NTC_AMBIENT];
    const int32_t tpwr = ctx->temp_dc[BMS_NTC_POWER];
    uint32_t *al = &ctx->alarms;
    uint32_t *pr = &ctx->prots;
    bms_det *ad = ctx->alarm_det;
    bms_det *pd = ctx->prot_det;
    const uint32_t td = trip_delay;
    const uint32_t rd = rec_delay;

    bms_judge(ctx, &ad[BMS_A_CHG_HIGH_TEMP], al, BMS_A_CHG_HIGH_TEMP, SW(ctx, 17),
              cv && tmax >= P(ctx, 21), cv && tmax <= P(ctx, 22), td, rd);
    bms_judge(ctx, &ad[BMS_A_CHG_LOW_TEMP], al, BMS_A_CHG_LOW_TEMP, SW(ctx, 19),
              cv && tmin <= P(ctx, 23), cv && tmin >= P(ctx, 24), td, rd);
    bms_judge(ctx, &ad[BMS_A_DSG_HIGH_TEMP], al, BMS_A_DSG_HIGH_TEMP, SW(ctx, 21),
              cv && tmax >= P(ctx, 29), cv && tmax <= P(ctx, 30), td, rd);
    bms_judge(ctx, &ad[BMS_A_DSG_LOW_TEMP], al, BMS_A_DSG_LOW_TEMP, SW(ctx, 23),
              cv && tmin <= P(ctx, 31), cv && tmin >= P(ctx, 32), td, rd);

    const int32_t chg_ot_dc = BMS_VARIANT_CHG_OT_SENSOR_DC(tmax, tamb);
    const int chg_ot_valid = BMS_VARIANT_CHG_OT_SENSOR_DC(cv, av);
    bms_judge(ctx, &pd[BMS_P_CHG_OT], pr, BMS_P_CHG_OT, SW(ctx, 18),
              chg_ot_valid && chg_ot_dc >= P(ctx, 25), chg_ot_valid && chg_ot_dc <= P(ctx, 26), td, rd);
    bms_judge(ctx, &pd[BMS_P_CHG_UT], pr, BMS_P_CHG_UT, SW(ctx, 20),
              cv && tmin <= P(ctx, 27), cv && tmin >= P(ctx, 28), td, rd);
    bms_judge(ctx, &pd[BMS_P_DSG_OT], pr, BMS_P_DSG_OT, SW(ctx, 22),
              cv && tmax >= P(ctx, 33), cv && tmax <= P(ctx, 34), td, rd);
    bms_judge(ctx, &pd[BMS_P_DSG_UT], pr, BMS_P_DSG_UT, SW(ctx, 24),
              cv && tmin <= P(ctx, 35), cv && tmin >= P(ctx, 36), td, rd);

    bms_judge(ctx, &ad[BMS_A_AMB_HIGH_TEMP], al, BMS_A_AMB_HIGH_TEMP, SW(ctx, 25),
              av && tamb >= P(ctx, 39), av && tamb <= P(ctx, 40), td, rd);
    bms_judge(ctx, &ad[BMS_A_AMB_LOW_TEMP], al, BMS_A_AMB_LOW_TEMP, SW(ctx, 27),
              av && tamb <= P(ctx, 41), av && tamb >= P(ctx, 42), td, rd);
    bms_judge(ctx, &pd[BMS_P_AMB_OT], pr, BMS_P_AMB_OT, SW(ctx, 26),
              av && tamb >= P(ctx, 43), av && tamb <= P(ctx, 44), td, rd);
    bms_judge(ctx, &pd[BMS_P_AMB_UT], pr, BMS_P_AMB_UT, SW(ctx, 28),
              av && tamb <= P(ctx, 45), av && tamb >= P(ctx, 46), td, rd);

    bms_judge(ctx, &ad[BMS_A_PWR_HIGH_TEMP], al, BMS_A_PWR_HIGH_TEMP, SW(ctx, 30),
              pv && tpwr >= P(ctx, 47), pv && tpwr <= P(ctx, 48), td, rd);
    bms_judge(ctx, &pd[BMS_P_PWR_OT], pr, BMS_P_PWR_OT, SW(ctx, 29),
              pv && tpwr >= P(ctx, 49), pv && tpwr <= P(ctx, 50), td, rd);

    /* Heating (switch 31): charger present and the coldest cell at or below #37
     * -> heater on and charge FET open, until the coldest cell reaches #38. A
     * charger that goes away stops heating at once (no delay: nothing to heat for). */
    if (!SW(ctx, 31) || !ctx->charger_present) {
        bms_det_clear(&ctx->heat_det);
    } else {
        bms_det_update(&ctx->heat_det, cv && tmin <= P(ctx, 37), cv && tmin >= P(ctx, 38), td, rd,
                       ctx->now_ms);
    }
    ctx->heating = ctx->heat_det.active;
    /* With heating enabled, a cell at or below #37 must not take charge while
     * the heater is still being confirmed: the charge FET is held open at once,
     * so a charger plugged into a cold pack meets an open FET and feeds the
     * heater, and no charge flows below 0 degC (the rig's safety finding). */
    ctx->cold_charge_hold = (uint8_t)(SW(ctx, 31) && cv && (tmin <= P(ctx, 37) || ctx->heating));
}
