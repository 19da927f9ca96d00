/*
 * Capacity: SOC by coulomb counting from #60 of #59, one cycle per #82 % of #59
 * discharged, the SOC alarm (#79, switch 43) and protection (#80, switch 44).
 */
#include "bms_internal.h"

#define MAMS_PER_MAH 3600000LL

/* #79 gives no recovery value: the alarm clears 2 % above it (choice: SOC counted
 * at rest does not move, so 2 % only clears after real charge). */
#define BMS_SOC_ALARM_HYST_PM 20

void bms_soc_init(bms_ctx *ctx)
{
    ctx->remaining_mah = P(ctx, 60);
    ctx->coulomb_mams = 0;
    ctx->cycle_mams = 0;
    ctx->cycles = 0u;
}

uint16_t bms_soc_pm(const bms_ctx *ctx)
{
    int32_t rated = bms_cfg_param(&ctx->cfg, 59);
    int32_t rem = ctx->remaining_mah;
    if (rem <= 0 || rated <= 0) {
        return 0u;
    }
    if (rem >= rated) {
        return 1000u;
    }
    return (uint16_t)(((int64_t)rem * 1000) / rated);
}

void bms_soc_update(bms_ctx *ctx)
{
    const int32_t rated = P(ctx, 59);
    const int64_t charge = (int64_t)ctx->current_ma * (int64_t)ctx->dt_ms;

    ctx->coulomb_mams += charge;
    int64_t whole = ctx->coulomb_mams / MAMS_PER_MAH;
    ctx->coulomb_mams -= whole * MAMS_PER_MAH;
    int64_t rem = (int64_t)ctx->remaining_mah + whole;
    if (rem >= rated) {
        rem = rated;
        if (ctx->coulomb_mams > 0) {
            ctx->coulomb_mams = 0;
        }
    } else if (rem <= 0) {
        rem = 0;
        if (ctx->coulomb_mams < 0) {
            ctx->coulomb_mams = 0;
        }
    }
    ctx->remaining_mah = (int32_t)rem;

    /* Cycles: one per #82 % of the rated capacity discharged (not necessarily in one go). */
    if (charge < 0) {
        const int64_t per_cycle = (int64_t)P(ctx, 82) * rated * (MAMS_PER_MAH / 100);
        ctx->cycle_mams -= charge;
        while (per_cycle > 0 && ctx->cycle_mams >= per_cycle) {
            ctx->cycle_mams -= per_cycle;
            if (ctx->cycles < 65535u) {
                ctx->cycles++;
            }
        }
    }

    const int32_t soc = (int32_t)bms_soc_pm(ctx);
    const int32_t alarm_pm = P(ctx, 79) * 10;
    const int32_t prot_pm = P(ctx, 80) * 10;
    /* SOC moves slowly and is itself an integral: no confirmation delay. */
    bms_judge(ctx, &ctx->alarm_det[BMS_A_SOC_LOW], &ctx->alarms, BMS_A_SOC_LOW, SW(ctx, 43),
              soc <= alarm_pm, soc >= alarm_pm + BMS_SOC_ALARM_HYST_PM, 0u, 0u);
    /* #80 gives no recovery value: the protection clears at the alarm value #79
     * (at least 1 % above #80), or at once when a charger pushes current in, so the
     * discharge FET stops carrying charge current through its body diode. */
    int32_t prot_rec_pm = alarm_pm > prot_pm + 10 ? alarm_pm : prot_pm + 10;
    bms_judge(ctx, &ctx->prot_det[BMS_P_SOC], &ctx->prots, BMS_P_SOC, SW(ctx, 44),
              soc <= prot_pm, soc >= prot_rec_pm || ctx->charging, 0u, 0u);
}
