/*
 * From flags to outputs: charge / discharge FETs, soft start through the
 * precharge path (#58, switch 48), heater, the 10 A limiter (passive #72 switch 56,
 * active switch 55), balance switches, and the AFE's short-circuit settings.
 */
#include "bms_internal.h"

/* Protections that open the charge FET ... */
#define CHG_BLOCK                                                                              \
    (BMS_BIT(BMS_P_CELL_OV) | BMS_BIT(BMS_P_PACK_OV) | BMS_BIT(BMS_P_CHARGER_OV) |             \
     BMS_BIT(BMS_P_CHG_OT) | BMS_BIT(BMS_P_CHG_UT) | BMS_BIT(BMS_P_AMB_OT) |                    \
     BMS_BIT(BMS_P_AMB_UT) | BMS_BIT(BMS_P_PWR_OT) | BMS_BIT(BMS_P_OCC) |                       \
     BMS_BIT(BMS_P_LOW_CELL_CHARGE))
/* ... and the discharge FET. */
#define DSG_BLOCK                                                                              \
    (BMS_BIT(BMS_P_CELL_UV) | BMS_BIT(BMS_P_PACK_UV) | BMS_BIT(BMS_P_DSG_OT) |                 \
     BMS_BIT(BMS_P_DSG_UT) | BMS_BIT(BMS_P_AMB_OT) | BMS_BIT(BMS_P_AMB_UT) |                    \
     BMS_BIT(BMS_P_PWR_OT) | BMS_BIT(BMS_P_OCD) | BMS_BIT(BMS_P_TRANSIENT) |                    \
     BMS_BIT(BMS_P_SC) | BMS_BIT(BMS_P_SOC))
/* What a manual or automatic activation window overrides: only the "battery is
 * empty" protections, never a temperature, current or short-circuit one. */
#define FORCE_OVERRIDES (BMS_BIT(BMS_P_CELL_UV) | BMS_BIT(BMS_P_PACK_UV) | BMS_BIT(BMS_P_SOC))

#define CHG_LOCKS (BMS_BIT(BMS_F_LOCK_OCC) | BMS_BIT(BMS_F_NO_CELL_TEMP))
#define DSG_LOCKS (BMS_BIT(BMS_F_LOCK_OCD) | BMS_BIT(BMS_F_LOCK_TRANSIENT) | BMS_BIT(BMS_F_LOCK_SC))

/* Soft start ends early once the load side is this close to the pack (percent):
 * the load's capacitance is charged, there is nothing left to precharge. */
#define BMS_PRECHARGE_DONE_PCT 95

/* The AFE comparator is disarmed with this threshold when switch 38 is off. */
#define BMS_SC_DISARMED_MA INT32_MAX

void bms_control_update(bms_ctx *ctx)
{
    const bms_hal *hal = ctx->hal;
    const uint32_t now = ctx->now_ms;
    uint32_t dsg_block = ctx->prots & DSG_BLOCK;
    if (ctx->force_dsg) {
        dsg_block &= ~FORCE_OVERRIDES;
    }
    const int dsg_ok = !dsg_block && !(ctx->faults & DSG_LOCKS) && !ctx->sleeping;
    const int chg_ok = !(ctx->prots & CHG_BLOCK) && !(ctx->faults & CHG_LOCKS) &&
                       !ctx->heating && !ctx->cold_charge_hold && !ctx->sleeping;

    /* Soft start: the precharge path for up to #58 before the discharge FET closes,
     * each time the discharge FET is about to close (power-up, recovery, wake). */
    if (!dsg_ok) {
        ctx->dsg_state = BMS_DSG_OFF;
    } else if (ctx->dsg_state == BMS_DSG_OFF) {
        if (SW(ctx, 48) && P(ctx, 58) > 0) {
            ctx->dsg_state = BMS_DSG_PRECHARGE;
            ctx->precharge_since_ms = now;
        } else {
            ctx->dsg_state = BMS_DSG_ON;
        }
    } else if (ctx->dsg_state == BMS_DSG_PRECHARGE) {
        const uint32_t elapsed = (uint32_t)(now - ctx->precharge_since_ms);
        const int charged = elapsed > 0u && (int64_t)ctx->terminal_mv * 100 >=
                                                (int64_t)ctx->pack_mv * BMS_PRECHARGE_DONE_PCT;
        if (elapsed >= (uint32_t)P(ctx, 58) || charged) {
            ctx->dsg_state = BMS_DSG_ON;
        }
    }
    if (ctx->dsg_state == BMS_DSG_PRECHARGE) {
        ctx->need_tick = 1u;
    }

    /* Limiter: active (switch 55) = always in the charge path; passive (switch 56)
     * = switched in when charge current reaches the #51 alarm value, switched out
     * again after #72 to re-check the charger. */
    if (ctx->sleeping) {
        ctx->limiter_on = 0u;
    } else if (SW(ctx, 55)) {
        ctx->limiter_on = 1u;
    } else if (!SW(ctx, 56)) {
        ctx->limiter_on = 0u;
    } else if (!ctx->limiter_on) {
        if (ctx->current_ma >= P(ctx, 51)) {
            ctx->limiter_on = 1u;
            ctx->limiter_since_ms = now;
        }
    } else {
        bms_wake_by(ctx, ctx->limiter_since_ms + (uint32_t)P(ctx, 72));
        if ((uint32_t)(now - ctx->limiter_since_ms) >= (uint32_t)P(ctx, 72)) {
            ctx->limiter_on = 0u;
        }
    }

    bms_outputs *o = &ctx->out;
    o->charge_fet = (uint8_t)chg_ok;
    o->discharge_fet = (uint8_t)(ctx->dsg_state == BMS_DSG_ON);
    o->precharge = (uint8_t)(ctx->dsg_state == BMS_DSG_PRECHARGE);
    o->heater = (uint8_t)(ctx->heating && !ctx->sleeping);
    o->limiter = ctx->limiter_on;
    o->balance_mask = ctx->sleeping ? 0u : ctx->balance_mask;
    hal->set_outputs(hal->user, o);

    hal->afe_configure_sc(hal->user, SW(ctx, 38) ? X(ctx, BMS_X_SC_THRESHOLD_MA) : BMS_SC_DISARMED_MA,
                          (uint32_t)X(ctx, BMS_X_SC_DELAY_US));
    if (ctx->sc_release) {
        hal->afe_sc_release(hal->user);
        ctx->sc_release = 0u;
    }
}
