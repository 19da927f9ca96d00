/*
 * Current: charge / discharge over-current alarms (#51-#54), over-current
 * protections after their delays (#55/#67, #56/#68), the transient (secondary)
 * over-current (#57/#69), the AFE's hardware short circuit, recovery after #70
 * (short circuit: 60 s or a charger) and the lock after #71 trips in a row.
 */
#include "bms_internal.h"

/* A short-circuit latch is held at least this long before a charger may release
 * it (choice: a charger already on the bus at the moment of the short must not
 * reclose the FET into the same short on the next tick). */
#define BMS_SC_MIN_OFF_MS 1000u

static void oc_trip(bms_ctx *ctx, bms_oc *oc, uint32_t trip_ms, int lock_enabled)
{
    oc->tripped = 1u;
    oc->trip_ms = trip_ms;
    oc->clean_pending = 0u;
    if (oc->count < 255u) {
        oc->count++;
    }
    /* #71 protections in a row without a clean period: lock, no automatic recovery. */
    if (lock_enabled && (int32_t)oc->count >= BMS_VARIANT_LOCK_COUNT(P(ctx, 71))) {
        oc->locked = 1u;
    }
}

static void oc_reclose(bms_ctx *ctx, bms_oc *oc)
{
    oc->tripped = 0u;
    oc->reclose_ms = ctx->now_ms;
    oc->clean_pending = 1u;
    bms_det_clear(&oc->det);
}

/* The "clean period" that ends a run of trips in a row: the output stayed closed for
 * as long as the recovery wait without a new trip (choice; the manual gives none). */
static void oc_clean(bms_ctx *ctx, bms_oc *oc, uint32_t clean_ms)
{
    if (!oc->tripped && oc->clean_pending) {
        bms_wake_by(ctx, oc->reclose_ms + clean_ms);
        if ((uint32_t)(ctx->now_ms - oc->reclose_ms) >= clean_ms) {
            oc->count = 0u;
            oc->clean_pending = 0u;
        }
    }
}

static void oc_disable(bms_oc *oc)
{
    bms_det_clear(&oc->det);
    oc->tripped = 0u;
    oc->locked = 0u;
    oc->count = 0u;
    oc->clean_pending = 0u;
}

static void oc_update(bms_ctx *ctx, unsigned kind, int enabled, int cond, uint32_t delay_ms,
                      int lock_enabled)
{
    bms_oc *oc = &ctx->oc[kind];
    const uint32_t wait_ms = (uint32_t)P(ctx, 70);
    if (!enabled) {
        oc_disable(oc);
        return;
    }
    if (!oc->tripped) {
        /* The det is only the delay timer here; recovery is by time (#70). */
        if (bms_det_update(&oc->det, cond, 0, delay_ms, 0u, ctx->now_ms) == 1) {
            bms_det_clear(&oc->det);
            oc_trip(ctx, oc, ctx->now_ms, lock_enabled);
        }
    } else if (!oc->locked) {
        bms_wake_by(ctx, oc->trip_ms + wait_ms);
        if ((uint32_t)(ctx->now_ms - oc->trip_ms) >= wait_ms) {
            oc_reclose(ctx, oc);
        }
    }
    oc_clean(ctx, oc, wait_ms);
}

static void sc_update(bms_ctx *ctx)
{
    bms_oc *sc = &ctx->oc[BMS_OC_SC];
    const bms_hal *hal = ctx->hal;
    uint32_t trip_ms = ctx->now_ms;
    /* A release already decided at this step (lock reset) is sent by control.c at
     * the end of the step: the latch read now is the old one. */
    const uint8_t latched = (uint8_t)(hal->afe_sc_latched(hal->user, &trip_ms) && !ctx->sc_release);
    const uint32_t recovery_ms = (uint32_t)X(ctx, BMS_X_SC_RECOVERY_MS);

    if (!SW(ctx, 38)) {
        /* Protection off: the comparator is disarmed (control.c); a latch left
         * over from before is released. */
        if (latched) {
            ctx->sc_release = 1u;
        }
        oc_disable(sc);
        return;
    }
    if (latched && !sc->tripped) {
        /* The AFE opened the discharge FET in hardware; the firmware records SC.
         * The trip time is the AFE's own time stamp, so the 60 s count exactly. */
        oc_trip(ctx, sc, trip_ms, BMS_VARIANT_SC_LOCK_SWITCH(SW(ctx, 40)));
    }
    if (sc->tripped && !sc->locked) {
        const uint32_t off_ms = (uint32_t)(ctx->now_ms - sc->trip_ms);
        bms_wake_by(ctx, sc->trip_ms + recovery_ms);
        if (off_ms >= recovery_ms || (ctx->charger_present && off_ms >= BMS_SC_MIN_OFF_MS)) {
            ctx->sc_release = (uint8_t)(ctx->sc_release | latched);
            oc_reclose(ctx, sc);
        }
    }
    oc_clean(ctx, sc, recovery_ms);
}

void bms_protect_current(bms_ctx *ctx)
{
    const int32_t i = ctx->current_ma;
    const uint32_t ad = (uint32_t)X(ctx, BMS_X_CURRENT_ALARM_DELAY_MS);

    /* With the passive limiter in (switch 56), the current it holds down reached
     * #51: the alarm's condition stands while the limiter is in, so the alarm is
     * reported rather than hidden by its own consequence (found by the rig). */
    const int passive_limiting = ctx->limiter_on && !SW(ctx, 55) && SW(ctx, 56);
    bms_judge(ctx, &ctx->alarm_det[BMS_A_CHG_OVERCURRENT], &ctx->alarms, BMS_A_CHG_OVERCURRENT,
              SW(ctx, 33), i >= P(ctx, 51) || passive_limiting, i <= P(ctx, 52) && !passive_limiting, ad, ad);
    bms_judge(ctx, &ctx->alarm_det[BMS_A_DSG_OVERCURRENT], &ctx->alarms, BMS_A_DSG_OVERCURRENT,
              SW(ctx, 35), i <= P(ctx, 53), i >= P(ctx, 54), ad, ad);

    /* Charge and discharge over-current lock after #71 with no switch of their own
     * (INTERPRETATION.md 70-71); the transient one only with switch 39. */
    oc_update(ctx, BMS_OC_CHARGE, SW(ctx, 34), BMS_VARIANT_OCC_CURRENT_MA(i) >= P(ctx, 55), (uint32_t)P(ctx, 67), 1);
    oc_update(ctx, BMS_OC_DISCHARGE, SW(ctx, 36), i <= P(ctx, 56),
              (uint32_t)BMS_VARIANT_OCD_DELAY_MS(P(ctx, 68)), 1);
    oc_update(ctx, BMS_OC_TRANSIENT, SW(ctx, 37), i <= P(ctx, 57), (uint32_t)P(ctx, 69),
              SW(ctx, 39));
    sc_update(ctx);

    bms_set_bit(&ctx->prots, BMS_P_OCC, ctx->oc[BMS_OC_CHARGE].tripped);
    bms_set_bit(&ctx->prots, BMS_P_OCD, ctx->oc[BMS_OC_DISCHARGE].tripped);
    bms_set_bit(&ctx->prots, BMS_P_TRANSIENT, ctx->oc[BMS_OC_TRANSIENT].tripped);
    bms_set_bit(&ctx->prots, BMS_P_SC, ctx->oc[BMS_OC_SC].tripped);
    bms_set_bit(&ctx->faults, BMS_F_LOCK_OCC, ctx->oc[BMS_OC_CHARGE].locked);
    bms_set_bit(&ctx->faults, BMS_F_LOCK_OCD, ctx->oc[BMS_OC_DISCHARGE].locked);
    bms_set_bit(&ctx->faults, BMS_F_LOCK_TRANSIENT, ctx->oc[BMS_OC_TRANSIENT].locked);
    bms_set_bit(&ctx->faults, BMS_F_LOCK_SC, ctx->oc[BMS_OC_SC].locked);
}

void bms_current_reset_locks(bms_ctx *ctx)
{
    for (unsigned k = 0; k < BMS_OC_KINDS; k++) {
        bms_oc *oc = &ctx->oc[k];
        if (oc->locked) {
            if (k == BMS_OC_SC) {
                ctx->sc_release = 1u;
            }
            oc_disable(oc);
        }
    }
}
