/* Shared between the firmware's modules; not part of the public API. */
#ifndef BMS_INTERNAL_H
#define BMS_INTERNAL_H

#include "bms.h"
#include "variants.h"

#define P(ctx, n) bms_cfg_param(&(ctx)->cfg, (n))
#define SW(ctx, n) bms_cfg_switch(&(ctx)->cfg, (n))
#define X(ctx, e) ((ctx)->cfg.extra[(e)])

#define BMS_BIT(b) (1u << (b))

/* Hysteresis detector with a confirmation delay each way. The condition must hold
 * continuously from its first observation for the whole delay (so a 1000 ms delay
 * trips on the tick 1000 ms after the condition was first seen, never earlier).
 * Returns +1 on the trip edge, -1 on the recovery edge, 0 otherwise. */
static inline int bms_det_update(bms_det *d, int trip, int recover, uint32_t trip_delay_ms,
                                 uint32_t recover_delay_ms, uint32_t now_ms)
{
    int cond = d->active ? recover : trip;
    uint32_t delay = d->active ? recover_delay_ms : trip_delay_ms;
    if (!cond) {
        d->pending = 0u;
        return 0;
    }
    if (!d->pending) {
        d->pending = 1u;
        d->since_ms = now_ms;
    }
    if ((uint32_t)(now_ms - d->since_ms) >= delay) {
        d->active = (uint8_t)!d->active;
        d->pending = 0u;
        return d->active ? 1 : -1;
    }
    return 0;
}

static inline void bms_det_clear(bms_det *d)
{
    d->active = 0u;
    d->pending = 0u;
}

static inline void bms_set_bit(uint32_t *word, unsigned bit, int on)
{
    if (on) {
        *word |= BMS_BIT(bit);
    } else {
        *word &= ~BMS_BIT(bit);
    }
}

/* Judge one detector into one bit of a flag word; a disabled switch clears both. */
static inline int bms_judge(bms_ctx *ctx, bms_det *det, uint32_t *word, unsigned bit, int enabled,
                            int trip, int recover, uint32_t trip_delay_ms, uint32_t rec_delay_ms)
{
    int edge = 0;
    if (!enabled) {
        bms_det_clear(det);
    } else {
        edge = bms_det_update(det, trip, recover, trip_delay_ms, rec_delay_ms, ctx->now_ms);
    }
    bms_set_bit(word, bit, det->active);
    return edge;
}

/* "Deadline" scheduling: a module that waits for an absolute time asks to be run by
 * then, so the idle period at rest never oversleeps a timer. */
void bms_wake_by(bms_ctx *ctx, uint32_t deadline_ms);

/* Modules, called in this order by bms_step(). */
void bms_storage_load(bms_ctx *ctx);
int bms_storage_save(bms_ctx *ctx);

void bms_protect_voltage(bms_ctx *ctx);
void bms_protect_temperature(bms_ctx *ctx);
void bms_measure_temperature(bms_ctx *ctx);
void bms_protect_current(bms_ctx *ctx);
void bms_current_reset_locks(bms_ctx *ctx);
void bms_soc_update(bms_ctx *ctx);
void bms_soc_init(bms_ctx *ctx);
void bms_balancing_update(bms_ctx *ctx);
void bms_activation_early(bms_ctx *ctx);
void bms_activation_update(bms_ctx *ctx);
void bms_control_update(bms_ctx *ctx);
void bms_history_init(bms_ctx *ctx);
void bms_history_update(bms_ctx *ctx);
void bms_modbus_poll(bms_ctx *ctx);

#endif /* BMS_INTERNAL_H */
