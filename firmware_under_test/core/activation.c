/*
 * The button, lock reset, manual (#73, switch 54) and automatic (#74/#75, switch
 * 53) charge activation, standby shutdown (#78, switch 58) and wake-up.
 */
#include "bms_internal.h"

/* A press counts once the button has been held this long (contact bounce). */
#define BMS_BUTTON_DEBOUNCE_MS 50u
/* Held longer than this: stuck (switch 4 reports a button failure). */
#define BMS_BUTTON_STUCK_MS 10000u
/* Automatic activation keeps the output on this long (INTERPRETATION.md: 60 s). */
#define BMS_AUTO_ACTIVATION_ON_MS 60000u

#define UV_BITS (BMS_BIT(BMS_P_CELL_UV) | BMS_BIT(BMS_P_PACK_UV))

static void force_output(bms_ctx *ctx, uint32_t for_ms)
{
    ctx->force_dsg = 1u;
    ctx->force_until_ms = ctx->now_ms + for_ms;
}

/* Called early in the step: the press acts before the protections are judged. */
static void button_update(bms_ctx *ctx)
{
    const uint8_t raw = ctx->hal->button_pressed(ctx->hal->user) ? 1u : 0u;
    ctx->button_press = 0u;
    if (raw && !ctx->button_raw) {
        ctx->button_since_ms = ctx->now_ms;
    }
    if (!raw) {
        ctx->button_down = 0u;
    } else {
        const uint32_t held = (uint32_t)(ctx->now_ms - ctx->button_since_ms);
        ctx->need_tick = 1u; /* time the debounce and the stuck check */
        if (!ctx->button_down && held >= BMS_BUTTON_DEBOUNCE_MS) {
            ctx->button_down = 1u;
            ctx->button_press = 1u;
        }
    }
    ctx->button_raw = raw;
    bms_set_bit(&ctx->faults, BMS_F_BUTTON,
                SW(ctx, 4) && raw &&
                    (uint32_t)(ctx->now_ms - ctx->button_since_ms) >= BMS_BUTTON_STUCK_MS);
}

void bms_reset_locks(bms_ctx *ctx)
{
    bms_current_reset_locks(ctx);
}

void bms_activation_early(bms_ctx *ctx)
{
    button_update(ctx);
    if (!ctx->button_press) {
        return;
    }
    if (ctx->sleeping) {
        /* A press only wakes a sleeping BMS. */
        ctx->sleeping = 0u;
        ctx->rest_since_ms = ctx->now_ms;
        return;
    }
    bms_reset_locks(ctx);
    if (SW(ctx, 54) && (ctx->prots & UV_BITS)) {
        /* Manual activation (INTERPRETATION.md, 73): force the output on for #73
         * so an inverter sees the battery and starts charging. The under-voltage
         * protection stays in force: its charge-current recovery ends it if the
         * inverter charges; otherwise the output opens again when #73 is over. */
        force_output(ctx, (uint32_t)P(ctx, 73));
    }
}

void bms_activation_update(bms_ctx *ctx)
{
    const uint32_t now = ctx->now_ms;

    /* Automatic activation: after under-voltage or SOC protection, every #74 force
     * the output on for 60 s to wake a charger, at most #75 times per episode. */
    const int low = (ctx->prots & (UV_BITS | BMS_BIT(BMS_P_SOC))) != 0u;
    if (!SW(ctx, 53) || !low) {
        ctx->auto_waiting = 0u;
        ctx->auto_count = 0u;
    } else {
        if (!ctx->auto_waiting) {
            ctx->auto_waiting = 1u;
            ctx->auto_since_ms = now;
        }
        if (!ctx->force_dsg && (int32_t)ctx->auto_count < P(ctx, 75)) {
            const uint32_t interval = (uint32_t)P(ctx, 74);
            bms_wake_by(ctx, ctx->auto_since_ms + interval);
            if ((uint32_t)(now - ctx->auto_since_ms) >= interval) {
                force_output(ctx, BMS_AUTO_ACTIVATION_ON_MS);
                ctx->auto_since_ms = now;
                ctx->auto_count++;
            }
        }
    }
    if (ctx->force_dsg) {
        if ((int32_t)(now - ctx->force_until_ms) >= 0) {
            ctx->force_dsg = 0u;
        } else {
            bms_wake_by(ctx, ctx->force_until_ms);
        }
    }

    /* Standby shutdown: no current (and no charger) for #78 -> sleep with every
     * output off; a charger or the button wakes it. */
    if (ctx->sleeping) {
        if (ctx->charger_present) {
            ctx->sleeping = 0u;
            ctx->rest_since_ms = now;
        }
    } else if (!SW(ctx, 58) || ctx->charging || ctx->discharging || ctx->charger_present ||
               ctx->button_raw) {
        ctx->rest_since_ms = now;
    } else {
        const uint32_t delay = (uint32_t)P(ctx, 78);
        if ((uint32_t)(now - ctx->rest_since_ms) >= delay) {
            ctx->sleeping = 1u;
        } else {
            bms_wake_by(ctx, ctx->rest_since_ms + delay);
        }
    }
}
