/*
 * Voltage alarms and protections: cell (#1-#8), pack total (#11-#18), charger
 * over-voltage on the pack terminal (#19/#20), low-cell charge prohibition (#10),
 * cell difference failure (#61/#62). Every condition must hold for the voltage
 * confirmation delay (extra parameter, default 1000 ms) to trip and to recover.
 */
#include "bms_internal.h"

/* #10 gives no recovery value: charging is allowed again once the lowest cell is
 * this far above #10 (a BMS engineer's choice: 100 mV, above AFE noise, so the
 * prohibition does not chatter at the threshold). */
#define BMS_LOW_CELL_CHARGE_HYST_MV 100

void bms_protect_voltage(bms_ctx *ctx)
{
    const uint32_t rec_delay = (uint32_t)X(ctx, BMS_X_VOLTAGE_DELAY_MS);
    /* At power-on a condition already present trips at once, before the FETs
     * first close (choice: the board starts with both FETs open). */
    const uint32_t trip_delay = ctx->started ? rec_delay : 0u;
    const int32_t vmax = ctx->max_cell_mv;
    const int32_t ov_cell_mv = BMS_VARIANT_OV_CELL_MV(ctx->max_cell_mv, ctx->min_cell_mv);
    const int32_t vmin = ctx->min_cell_mv;
    const int32_t pack = ctx->pack_mv;
    const int32_t term = ctx->terminal_mv;
    /* Gap recharge (#81, switch 42): after a full-charge over-voltage protection,
     * charging resumes only when SOC is also below #81. */
    const int gap_ok = !SW(ctx, 42) || (int32_t)bms_soc_pm(ctx) < P(ctx, 81) * 10;
    /* "Under-voltage protection ends when a charger is connected and the pack
     * accepts charge" (INTERPRETATION.md): charge current counts as recovery. */
    const int charging = ctx->charging;

    bms_judge(ctx, &ctx->alarm_det[BMS_A_CELL_HIGH], &ctx->alarms, BMS_A_CELL_HIGH, SW(ctx, 9),
              vmax >= P(ctx, 1), vmax <= P(ctx, 2), trip_delay, rec_delay);
    bms_judge(ctx, &ctx->alarm_det[BMS_A_CELL_LOW], &ctx->alarms, BMS_A_CELL_LOW, SW(ctx, 11),
              vmin <= P(ctx, 3), vmin >= P(ctx, 4), trip_delay, rec_delay);
    bms_judge(ctx, &ctx->alarm_det[BMS_A_PACK_HIGH], &ctx->alarms, BMS_A_PACK_HIGH, SW(ctx, 13),
              pack >= P(ctx, 11), pack <= P(ctx, 12), trip_delay, rec_delay);
    bms_judge(ctx, &ctx->alarm_det[BMS_A_PACK_LOW], &ctx->alarms, BMS_A_PACK_LOW, SW(ctx, 15),
              pack <= P(ctx, 13), pack >= P(ctx, 14), trip_delay, rec_delay);

    const int32_t ov_trip_mv = BMS_VARIANT_OV_TRIP_MV(P(ctx, 5));
    const int32_t ov_rec_mv = BMS_VARIANT_OV_RECOVERY_MV(ov_trip_mv, P(ctx, 6));
    /* No SOC calibration at a full-charge over-voltage: SOC is the coulomb count
     * from #60 (INTERPRETATION.md) and nothing else, so an observer counting the
     * same charge sees the same SOC; gap recharge below uses that count. */
    bms_judge(ctx, &ctx->prot_det[BMS_P_CELL_OV], &ctx->prots, BMS_P_CELL_OV, SW(ctx, 10),
              ov_cell_mv >= ov_trip_mv, ov_cell_mv <= ov_rec_mv && gap_ok, trip_delay,
              BMS_VARIANT_OV_RECOVERY_DELAY_MS(rec_delay));
    bms_judge(ctx, &ctx->prot_det[BMS_P_PACK_OV], &ctx->prots, BMS_P_PACK_OV, SW(ctx, 14),
              pack >= P(ctx, 15), pack <= P(ctx, 16) && gap_ok, trip_delay, rec_delay);
    bms_judge(ctx, &ctx->prot_det[BMS_P_CELL_UV], &ctx->prots, BMS_P_CELL_UV, SW(ctx, 12),
              vmin <= P(ctx, 7), vmin >= P(ctx, BMS_VARIANT_UV_RECOVERY_PARAMETER) || charging, trip_delay, rec_delay);
    bms_judge(ctx, &ctx->prot_det[BMS_P_PACK_UV], &ctx->prots, BMS_P_PACK_UV, SW(ctx, 16),
              pack <= P(ctx, 17), pack >= P(ctx, 18) || charging, trip_delay, rec_delay);
    bms_judge(ctx, &ctx->prot_det[BMS_P_CHARGER_OV], &ctx->prots, BMS_P_CHARGER_OV,
              BMS_VARIANT_CHARGER_OV_SWITCH(SW(ctx, 41)),
              term >= P(ctx, 19), term <= P(ctx, 20), trip_delay, rec_delay);
    bms_judge(ctx, &ctx->prot_det[BMS_P_LOW_CELL_CHARGE], &ctx->prots, BMS_P_LOW_CELL_CHARGE,
              SW(ctx, 45), vmin <= P(ctx, 10), vmin >= P(ctx, 10) + BMS_LOW_CELL_CHARGE_HYST_MV,
              trip_delay, rec_delay);
    bms_judge(ctx, &ctx->cell_diff_det, &ctx->faults, BMS_F_CELL_DIFF, SW(ctx, 5),
              vmax - vmin >= P(ctx, 61), vmax - vmin <= P(ctx, 62), trip_delay, rec_delay);
}
