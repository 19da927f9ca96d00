/*
 * The periodic task: sense, judge, drive, talk, and tell the board when to run next.
 */
#include <string.h>

#include "bms_internal.h"

void bms_init(bms_ctx *ctx, const bms_hal *hal)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->hal = hal;
    bms_storage_load(ctx);
    bms_soc_init(ctx);
    bms_history_init(ctx);
}

void bms_wake_by(bms_ctx *ctx, uint32_t deadline_ms)
{
    const int32_t rel = (int32_t)(deadline_ms - ctx->now_ms);
    if (rel <= 0) {
        ctx->need_tick = 1u;
    } else if (!ctx->wake_set || (uint32_t)rel < ctx->wake_in_ms) {
        ctx->wake_set = 1u;
        ctx->wake_in_ms = (uint32_t)rel;
    }
}

/* Round half away from zero, uV to mV. */
static int32_t uv_to_mv(int32_t uv)
{
    return uv >= 0 ? (uv + 500) / 1000 : -((-uv + 500) / 1000);
}

/* Interconnect compensation (#83-#87). Position p names the cell after whose top
 * the interconnect sits; its sense wire lands beyond the link, so the reading of
 * cell p (tap p - tap p-1) contains +I*R while charging: I*R is subtracted.
 * Position 0 = no point. Choice ("an interconnect of #85 / #87 (and #83 default)"):
 * #83 is the pack's known long interconnect and sits at point 1 (#84, cells 1-9,
 * default after cell 9) unless #85 gives point 1 its own impedance; point 2 (#86,
 * cells 10-16) is an optional second link of #87 (0 = none). With the defaults
 * this compensates 10 mOhm after cell 9, the link the model's pack has. */
static void compensate(bms_ctx *ctx, int32_t position, int32_t r_uohm)
{
    if (position < 1 || position > (int32_t)ctx->cells || r_uohm == 0) {
        return;
    }
    /* mA x micro-ohm = nV; to mV, rounded half away from zero. */
    const int64_t nv = (int64_t)ctx->current_ma * r_uohm;
    const int32_t mv = (int32_t)(nv >= 0 ? (nv + 500000) / 1000000 : -((-nv + 500000) / 1000000));
    ctx->cell_mv[position - 1] -= mv;
}

static void measure(bms_ctx *ctx)
{
    const bms_adc_sample *a = &ctx->adc;
    int32_t n = P(ctx, 66);
    ctx->cells = (uint8_t)(n < 1 ? 1 : (n > (int32_t)BMS_MAX_CELLS ? (int32_t)BMS_MAX_CELLS : n));
    ctx->current_ma = a->current_ma;
    ctx->terminal_mv = a->pack_terminal_mv;
    for (unsigned c = 0; c < BMS_MAX_CELLS; c++) {
        ctx->cell_raw_mv[c] = uv_to_mv(a->cell_uv[c]);
        ctx->cell_mv[c] = c < ctx->cells ? ctx->cell_raw_mv[c] : 0;
    }
    compensate(ctx, P(ctx, 84), P(ctx, 85) != 0 ? P(ctx, 85) : P(ctx, 83));
    compensate(ctx, P(ctx, 86), P(ctx, 87));

    int32_t sum = 0;
    ctx->max_cell = 0u;
    ctx->min_cell = 0u;
    for (unsigned c = 0; c < ctx->cells; c++) {
        sum += ctx->cell_mv[c];
        if (ctx->cell_mv[c] > ctx->cell_mv[ctx->max_cell]) {
            ctx->max_cell = (uint8_t)c;
        }
        if (ctx->cell_mv[c] < ctx->cell_mv[ctx->min_cell]) {
            ctx->min_cell = (uint8_t)c;
        }
    }
    ctx->pack_mv = sum;
    ctx->max_cell_mv = ctx->cell_mv[ctx->max_cell];
    ctx->min_cell_mv = ctx->cell_mv[ctx->min_cell];

    const int32_t rest = X(ctx, BMS_X_REST_CURRENT_MA);
    ctx->charging = (uint8_t)(ctx->current_ma >= rest && ctx->current_ma > 0);
    ctx->discharging = (uint8_t)(ctx->current_ma <= -rest && ctx->current_ma < 0);
    /* A charger shows as charge current, or (FETs open) as a terminal voltage
     * above the pack's own. */
    ctx->charger_present = (uint8_t)(ctx->charging ||
                                     ctx->terminal_mv >= ctx->pack_mv + X(ctx, BMS_X_CHARGER_MARGIN_MV));
}

static int any_pending(const bms_det *d, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (d[i].pending) {
            return 1;
        }
    }
    return 0;
}

/* Normally the regular 10 ms tick. Once the pack has been quiet (no current,
 * nothing pending) for the idle entry delay (extra parameter, default 60 s), run
 * only every idle period (extra parameter, default 1 s) or at the nearest module
 * deadline, whichever is first: this is what lets a 48 h standby run in seconds.
 * A new condition is then seen within one idle period (unless the board wakes the
 * firmware earlier, as an AFE's wake-on-current interrupt would) and timed from
 * there. Idle period 0 = always the regular tick. */
static void schedule(bms_ctx *ctx)
{
    const uint32_t idle = (uint32_t)X(ctx, BMS_X_IDLE_PERIOD_MS);
    int tick = idle == 0u || ctx->need_tick || ctx->charging || ctx->discharging ||
               ctx->rx_len > 0u || ctx->sc_release;
    tick = tick || any_pending(ctx->alarm_det, BMS_ALARM_COUNT) ||
           any_pending(ctx->prot_det, BMS_PROT_COUNT) || any_pending(ctx->ntc_det, BMS_NTC_COUNT) ||
           ctx->cell_diff_det.pending || ctx->heat_det.pending;
    for (unsigned k = 0; k < BMS_OC_KINDS; k++) {
        tick = tick || ctx->oc[k].det.pending;
    }
    uint32_t next = 0u;
    if (tick) {
        ctx->quiet_since_ms = ctx->now_ms;
    } else if ((uint32_t)(ctx->now_ms - ctx->quiet_since_ms) >= (uint32_t)X(ctx, BMS_X_IDLE_ENTRY_MS)) {
        next = idle;
        if (ctx->wake_set && ctx->wake_in_ms < next) {
            next = ctx->wake_in_ms;
        }
    }
    ctx->next_run_ms = next;
    ctx->hal->schedule_next_run(ctx->hal->user, next);
}

void bms_step(bms_ctx *ctx)
{
    const bms_hal *hal = ctx->hal;
    const uint32_t now = hal->now_ms(hal->user);
    if (!ctx->started) {
        ctx->boot_ms = now;
        ctx->rest_since_ms = now;
        ctx->quiet_since_ms = now;
        ctx->dt_ms = 0u;
    } else {
        ctx->dt_ms = (uint32_t)(now - ctx->now_ms);
    }
    ctx->now_ms = now;
    ctx->need_tick = 0u;
    ctx->wake_set = 0u;

    hal->read_adc(hal->user, &ctx->adc);
    measure(ctx);
    bms_measure_temperature(ctx);
    bms_activation_early(ctx);
    bms_modbus_poll(ctx);

    bms_protect_voltage(ctx);
    bms_protect_temperature(ctx);
    bms_protect_current(ctx);
    bms_soc_update(ctx);
    bms_balancing_update(ctx);
    bms_activation_update(ctx);
    bms_control_update(ctx);
    bms_history_update(ctx);

    ctx->started = 1u;
    schedule(ctx);
}

int bms_apply_config(bms_ctx *ctx, const bms_config *cfg)
{
    const int bad = bms_config_validate(cfg);
    if (bad != 0) {
        return bad;
    }
    const int32_t old_remaining = P(ctx, 60);
    const bms_config old = ctx->cfg;
    ctx->cfg = *cfg;
    if (bms_storage_save(ctx) != 0) {
        ctx->cfg = old; /* nothing changes unless it is stored */
        return -1;
    }
    if (P(ctx, 60) != old_remaining) {
        /* Writing #60 sets the coulomb counter (a user calibrating SOC). */
        ctx->remaining_mah = P(ctx, 60);
        ctx->coulomb_mams = 0;
    }
    if (ctx->remaining_mah > P(ctx, 59)) {
        ctx->remaining_mah = P(ctx, 59);
    }
    return 0;
}

uint32_t bms_error_codes(const bms_ctx *ctx)
{
    const uint32_t p = ctx->prots;
    const uint32_t f = ctx->faults;
    uint32_t e = 0u;
#define ANY(word, mask) (((word) & (mask)) != 0u)
    bms_set_bit(&e, BMS_E_OVP, ANY(p, BMS_BIT(BMS_P_CELL_OV) | BMS_BIT(BMS_P_PACK_OV)));
    bms_set_bit(&e, BMS_E_UVP, ANY(p, BMS_BIT(BMS_P_CELL_UV) | BMS_BIT(BMS_P_PACK_UV)));
    bms_set_bit(&e, BMS_E_OCC, ANY(p, BMS_BIT(BMS_P_OCC)));
    bms_set_bit(&e, BMS_E_OCD, ANY(p, BMS_BIT(BMS_P_OCD) | BMS_BIT(BMS_P_TRANSIENT)));
    bms_set_bit(&e, BMS_E_OTP, ANY(p, BMS_BIT(BMS_P_CHG_OT) | BMS_BIT(BMS_P_DSG_OT) |
                                          BMS_BIT(BMS_P_AMB_OT) | BMS_BIT(BMS_P_PWR_OT)));
    bms_set_bit(&e, BMS_E_UTP, ANY(p, BMS_BIT(BMS_P_CHG_UT) | BMS_BIT(BMS_P_DSG_UT) |
                                          BMS_BIT(BMS_P_AMB_UT)));
    bms_set_bit(&e, BMS_E_SC, ANY(p, BMS_BIT(BMS_P_SC)));
    bms_set_bit(&e, BMS_E_NTC, ANY(f, BMS_BIT(BMS_F_NTC)));
    bms_set_bit(&e, BMS_E_LOCK, ANY(f, BMS_BIT(BMS_F_LOCK_OCC) | BMS_BIT(BMS_F_LOCK_OCD) |
                                           BMS_BIT(BMS_F_LOCK_TRANSIENT) | BMS_BIT(BMS_F_LOCK_SC)));
    bms_set_bit(&e, BMS_E_CDF, ANY(f, BMS_BIT(BMS_F_CELL_DIFF)));
    bms_set_bit(&e, BMS_E_CHGOV, ANY(p, BMS_BIT(BMS_P_CHARGER_OV)));
    bms_set_bit(&e, BMS_E_SOCP, ANY(p, BMS_BIT(BMS_P_SOC)));
#undef ANY
    return e;
}
