/*
 * History (switch 59): a ring of BMS_HISTORY_LEN records in RAM, one per #76 while
 * current flows, one per #77 at rest, and one for every alarm, protection and
 * fault edge (set and clear). Readable over Modbus, newest first.
 */
#include "bms_internal.h"
#include "history.h"

static void record(bms_ctx *ctx, uint16_t event)
{
    bms_history_record *r = &ctx->history[ctx->history_head];
    r->time_s = (uint32_t)(ctx->now_ms - ctx->boot_ms) / 1000u;
    r->seq = ++ctx->history_seq;
    r->event = event;
    r->soc_pm = bms_soc_pm(ctx);
    r->pack_mv = (uint16_t)(ctx->pack_mv < 0 ? 0 : (ctx->pack_mv > 65535 ? 65535 : ctx->pack_mv));
    r->current_da = (int16_t)(ctx->current_ma / 100);
    r->temp_max_dc = ctx->cell_temp_max_dc;
    ctx->history_head = (uint8_t)((ctx->history_head + 1u) % BMS_HISTORY_LEN);
    if (ctx->history_count < BMS_HISTORY_LEN) {
        ctx->history_count++;
    }
}

static void record_edges(bms_ctx *ctx, uint32_t now, uint32_t before, unsigned n, unsigned set_kind)
{
    uint32_t diff = now ^ before;
    for (unsigned b = 0; b < n; b++) {
        if (diff & BMS_BIT(b)) {
            record(ctx, BMS_EVENT((now & BMS_BIT(b)) ? set_kind : set_kind + 1u, b));
        }
    }
}

void bms_history_init(bms_ctx *ctx)
{
    ctx->history_head = 0u;
    ctx->history_count = 0u;
    ctx->history_seq = 0u;
}

void bms_history_update(bms_ctx *ctx)
{
    const int on = SW(ctx, 59);
    if (!ctx->started) {
        ctx->history_last_ms = ctx->now_ms;
        if (on) {
            record(ctx, BMS_EVENT(BMS_EV_POWER_ON, 0u));
        }
    }
    if (on) {
        record_edges(ctx, ctx->alarms, ctx->prev_alarms, BMS_ALARM_COUNT, BMS_EV_ALARM_SET);
        record_edges(ctx, ctx->prots, ctx->prev_prots, BMS_PROT_COUNT, BMS_EV_PROT_SET);
        record_edges(ctx, ctx->faults, ctx->prev_faults, BMS_FAULT_COUNT, BMS_EV_FAULT_SET);
        const int operating = ctx->charging || ctx->discharging;
        const uint32_t interval = (uint32_t)(operating ? P(ctx, 76) : P(ctx, 77));
        if ((uint32_t)(ctx->now_ms - ctx->history_last_ms) >= interval) {
            record(ctx, BMS_EVENT(BMS_EV_PERIODIC, operating ? 0u : 1u));
            ctx->history_last_ms = ctx->now_ms;
        }
        bms_wake_by(ctx, ctx->history_last_ms + interval);
    } else {
        ctx->history_last_ms = ctx->now_ms;
    }
    ctx->prev_alarms = ctx->alarms;
    ctx->prev_prots = ctx->prots;
    ctx->prev_faults = ctx->faults;
}
