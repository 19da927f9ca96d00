/*
 * Cortex-M4 port stub: the HAL as a real board would fill it, with the peripheral
 * accesses left as stubs (constant ADC readings, a RAM-backed EEPROM page, a
 * UART that never receives). Enough to link the whole core and size it.
 */
#include <string.h>

#include "bms.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define CORE_HZ 168000000u

extern volatile uint32_t bms_port_ms;

static bms_ctx ctx;
static uint8_t eeprom[1024];        /* the emulated EEPROM page */
static volatile bms_outputs gpio;   /* stands for the output pins */
static volatile int32_t afe_sc_threshold_ma;
static volatile uint32_t afe_sc_delay_us;
static uint32_t next_run_ms;

static uint32_t now_ms(void *u)
{
    (void)u;
    return bms_port_ms;
}

static void read_adc(void *u, bms_adc_sample *s)
{
    (void)u;
    for (unsigned i = 0; i < BMS_MAX_CELLS; i++) {
        s->cell_uv[i] = 3300000;
    }
    s->pack_terminal_mv = 52800;
    s->current_ma = 0;
    for (unsigned i = 0; i < BMS_NTC_COUNT; i++) {
        s->ntc_ohm[i] = 10000u;
    }
}

static uint8_t button(void *u)
{
    (void)u;
    return 0u;
}

static void set_outputs(void *u, const bms_outputs *o)
{
    (void)u;
    gpio.charge_fet = o->charge_fet;
    gpio.discharge_fet = o->discharge_fet;
    gpio.precharge = o->precharge;
    gpio.heater = o->heater;
    gpio.limiter = o->limiter;
    gpio.balance_mask = o->balance_mask;
}

static void afe_configure(void *u, int32_t thr, uint32_t delay)
{
    (void)u;
    afe_sc_threshold_ma = thr;
    afe_sc_delay_us = delay;
}

static uint8_t afe_latched(void *u, uint32_t *trip_ms)
{
    (void)u;
    (void)trip_ms;
    return 0u;
}

static void afe_release(void *u)
{
    (void)u;
}

static size_t uart_read(void *u, uint8_t *buf, size_t max)
{
    (void)u;
    (void)buf;
    (void)max;
    return 0u;
}

static void uart_write(void *u, const uint8_t *buf, size_t len)
{
    (void)u;
    (void)buf;
    (void)len;
}

static size_t storage_size(void *u)
{
    (void)u;
    return sizeof(eeprom);
}

static int storage_read(void *u, uint32_t off, void *buf, size_t len)
{
    (void)u;
    if (off + len > sizeof(eeprom)) {
        return -1;
    }
    memcpy(buf, &eeprom[off], len);
    return 0;
}

static int storage_write(void *u, uint32_t off, const void *buf, size_t len)
{
    (void)u;
    if (off + len > sizeof(eeprom)) {
        return -1;
    }
    memcpy(&eeprom[off], buf, len);
    return 0;
}

static void schedule(void *u, uint32_t delay_ms)
{
    (void)u;
    next_run_ms = delay_ms;
}

static const bms_hal hal = {
    NULL, now_ms, read_adc, button, set_outputs, afe_configure, afe_latched, afe_release,
    uart_read, uart_write, storage_size, storage_read, storage_write, schedule,
};

int main(void)
{
    SYST_RVR = CORE_HZ / 1000u - 1u;
    SYST_CSR = 7u; /* core clock, interrupt, enable */
    bms_init(&ctx, &hal);
    uint32_t last = bms_port_ms;
    for (;;) {
        bms_step(&ctx);
        const uint32_t wait = next_run_ms == 0u ? 10u : next_run_ms;
        while ((uint32_t)(bms_port_ms - last) < wait) {
            __asm volatile("wfi");
        }
        last += wait;
    }
}
