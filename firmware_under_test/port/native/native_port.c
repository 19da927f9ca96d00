/*
 * Native port: adapts the rig's board contract (rig/board_contract.h) to the
 * firmware's HAL, for the firmware built as a host shared library. One firmware
 * instance per loaded library (the state is this file's static context).
 */
#include <string.h>

#include "board_contract.h"
#include "bms.h"

#ifndef BMS_VARIANT_NAME
#define BMS_VARIANT_NAME "bms-hil bundled firmware"
#endif

static struct {
    bms_ctx ctx;
    bms_hal hal;
    uint8_t initialised;
    bmshil_board_storage storage;
    const bmshil_board_inputs *in;
    bmshil_board_port *port;
    size_t rx_pos;
    bms_outputs outputs;
    int32_t sc_threshold_ma;
    uint32_t sc_delay_us;
    uint8_t sc_release;
    uint32_t next_run_ms;
} g;

static uint32_t hal_now_ms(void *u)
{
    (void)u;
    return (uint32_t)(g.in->now_us / 1000u);
}

static void hal_read_adc(void *u, bms_adc_sample *s)
{
    (void)u;
    for (unsigned i = 0; i < BMS_MAX_CELLS; i++) {
        s->cell_uv[i] = g.in->cell_tap_uv[i];
    }
    s->pack_terminal_mv = g.in->pack_terminal_mv;
    s->current_ma = g.in->shunt_current_ma;
    for (unsigned i = 0; i < BMS_NTC_COUNT; i++) {
        s->ntc_ohm[i] = g.in->ntc_ohm[i];
    }
}

static uint8_t hal_button(void *u)
{
    (void)u;
    return g.in->button_pressed ? 1u : 0u;
}

static void hal_set_outputs(void *u, const bms_outputs *o)
{
    (void)u;
    g.outputs = *o;
}

static void hal_afe_configure(void *u, int32_t threshold_ma, uint32_t delay_us)
{
    (void)u;
    g.sc_threshold_ma = threshold_ma;
    g.sc_delay_us = delay_us;
}

static uint8_t hal_afe_latched(void *u, uint32_t *trip_ms)
{
    (void)u;
    if (g.in->afe_sc_tripped) {
        *trip_ms = (uint32_t)(g.in->afe_sc_trip_time_us / 1000u);
        return 1u;
    }
    return 0u;
}

static void hal_afe_release(void *u)
{
    (void)u;
    g.sc_release = 1u;
}

static size_t hal_uart_read(void *u, uint8_t *buf, size_t max)
{
    (void)u;
    if (g.port == NULL || g.port->rx == NULL || g.rx_pos >= g.port->rx_len) {
        return 0u;
    }
    size_t n = g.port->rx_len - g.rx_pos;
    if (n > max) {
        n = max;
    }
    memcpy(buf, g.port->rx + g.rx_pos, n);
    g.rx_pos += n;
    return n;
}

static void hal_uart_write(void *u, const uint8_t *buf, size_t len)
{
    (void)u;
    if (g.port == NULL || g.port->tx == NULL || g.port->tx_len >= g.port->tx_capacity) {
        return;
    }
    size_t room = g.port->tx_capacity - g.port->tx_len;
    if (len > room) {
        len = room;
    }
    memcpy(g.port->tx + g.port->tx_len, buf, len);
    g.port->tx_len += len;
}

static size_t hal_storage_size(void *u)
{
    (void)u;
    return g.storage.data != NULL ? g.storage.size : 0u;
}

static int hal_storage_read(void *u, uint32_t off, void *buf, size_t len)
{
    (void)u;
    if (g.storage.data == NULL || off > g.storage.size || len > g.storage.size - off) {
        return -1;
    }
    memcpy(buf, g.storage.data + off, len);
    return 0;
}

static int hal_storage_write(void *u, uint32_t off, const void *buf, size_t len)
{
    (void)u;
    if (g.storage.data == NULL || off > g.storage.size || len > g.storage.size - off) {
        return -1;
    }
    memcpy(g.storage.data + off, buf, len);
    return 0;
}

static void hal_schedule(void *u, uint32_t delay_ms)
{
    (void)u;
    g.next_run_ms = delay_ms;
}

static void fw_reset(bmshil_board_storage *storage)
{
    memset(&g, 0, sizeof(g));
    if (storage != NULL) {
        g.storage = *storage;
    }
    g.hal.user = NULL;
    g.hal.now_ms = hal_now_ms;
    g.hal.read_adc = hal_read_adc;
    g.hal.button_pressed = hal_button;
    g.hal.set_outputs = hal_set_outputs;
    g.hal.afe_configure_sc = hal_afe_configure;
    g.hal.afe_sc_latched = hal_afe_latched;
    g.hal.afe_sc_release = hal_afe_release;
    g.hal.uart_read = hal_uart_read;
    g.hal.uart_write = hal_uart_write;
    g.hal.storage_size = hal_storage_size;
    g.hal.storage_read = hal_storage_read;
    g.hal.storage_write = hal_storage_write;
    g.hal.schedule_next_run = hal_schedule;
    bms_init(&g.ctx, &g.hal);
    g.initialised = 1u;
}

static void fw_step(const bmshil_board_inputs *in, bmshil_board_outputs *out, bmshil_board_port *port)
{
    if (!g.initialised) {
        fw_reset(NULL);
    }
    g.in = in;
    g.port = port;
    g.rx_pos = 0u;
    g.sc_release = 0u;
    bms_step(&g.ctx);

    memset(out, 0, sizeof(*out));
    out->charge_fet_on = g.outputs.charge_fet;
    out->discharge_fet_on = g.outputs.discharge_fet;
    out->precharge_on = g.outputs.precharge;
    out->heater_on = g.outputs.heater;
    out->limiter_on = g.outputs.limiter;
    out->afe_sc_clear = g.sc_release;
    out->balance_mask = g.outputs.balance_mask;
    out->afe_sc_threshold_ma = g.sc_threshold_ma;
    out->afe_sc_delay_us = g.sc_delay_us;
    out->next_wake_us = g.next_run_ms == 0u ? 0u : in->now_us + (uint64_t)g.next_run_ms * 1000u;
    g.in = NULL;
    g.port = NULL;
}

static const bmshil_firmware firmware = {
    BMSHIL_BOARD_CONTRACT_VERSION,
    BMS_VARIANT_NAME,
    fw_reset,
    fw_step,
};

BMSHIL_EXPORT const bmshil_firmware *bmshil_firmware_get(void)
{
    return &firmware;
}
