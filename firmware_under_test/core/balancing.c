/*
 * Passive balancing: on when the highest cell is at or above #9 and the spread
 * (max - min) is at or above #63; off when the spread is at or below #64.
 * While charging (switch 49) and at rest (switch 50); at rest it stops for good
 * after #65 of static balancing (switch 51) until current flows again; no
 * balancing while the ambient high-temperature alarm (#39) is active (switch 52).
 */
#include "bms_internal.h"

void bms_balancing_update(bms_ctx *ctx)
{
    const int at_rest = !ctx->charging && !ctx->discharging;
    const int32_t vmax = ctx->max_cell_mv;
    const int32_t vmin = ctx->min_cell_mv;
    const int32_t spread = vmax - vmin;

    if (!at_rest) {
        /* Current flows: the static timer starts again at the next rest. */
        ctx->static_balance_ms = 0u;
        ctx->static_balance_timeout = 0u;
    }
    int allowed = !ctx->sleeping && ((ctx->charging && SW(ctx, 49)) ||
                                     (at_rest && SW(ctx, 50) && !ctx->static_balance_timeout));
    if (SW(ctx, 52) && (ctx->alarms & BMS_BIT(BMS_A_AMB_HIGH_TEMP))) {
        allowed = 0;
    }

    if (!allowed) {
        ctx->balancing = 0u;
    } else if (!ctx->balancing) {
        ctx->balancing = (uint8_t)(vmax >= P(ctx, 9) && spread >= P(ctx, 63));
    } else if (spread <= P(ctx, 64) || vmax < P(ctx, 9)) {
        /* Also stops below #9: the activation voltage is a condition of balancing,
         * not only of its start (choice). */
        ctx->balancing = 0u;
    }

    if (ctx->balancing && at_rest && SW(ctx, 51)) {
        ctx->static_balance_ms += ctx->dt_ms;
        if (ctx->static_balance_ms >= (uint32_t)P(ctx, 65)) {
            ctx->static_balance_timeout = 1u;
            ctx->balancing = 0u;
        } else {
            bms_wake_by(ctx, ctx->now_ms + ((uint32_t)P(ctx, 65) - ctx->static_balance_ms));
        }
    }

    /* Bleed every cell that is more than #64 above the lowest one. */
    uint16_t mask = 0u;
    if (ctx->balancing) {
        for (unsigned c = 0; c < ctx->cells; c++) {
            if (ctx->cell_mv[c] - vmin > P(ctx, 64)) {
                mask |= (uint16_t)(1u << c);
            }
        }
    }
    ctx->balance_mask = mask;
}
