/*
 * libFuzzer target for the Modbus frame parser (optional; the normal test suite
 * has a seeded random-frame fuzz test that needs no clang). Build and run with
 * tools/run_libfuzzer.sh. The input is split into port deliveries by its first
 * byte, then a gap ends the frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bms.h"

static bms_ctx ctx;
static uint8_t nvm[2048];
static const uint8_t *rx_data;
static size_t rx_len;
static uint32_t now;

static uint32_t h_now(void *u) { (void)u; return now; }
static void h_adc(void *u, bms_adc_sample *s)
{
    (void)u;
    memset(s, 0, sizeof(*s));
    for (unsigned i = 0; i < BMS_MAX_CELLS; i++) s->cell_uv[i] = 3300000;
    s->pack_terminal_mv = 52800;
    for (unsigned i = 0; i < BMS_NTC_COUNT; i++) s->ntc_ohm[i] = 10000u;
}
static uint8_t h_button(void *u) { (void)u; return 0u; }
static void h_out(void *u, const bms_outputs *o) { (void)u; (void)o; }
static void h_afe(void *u, int32_t t, uint32_t d) { (void)u; (void)t; (void)d; }
static uint8_t h_latched(void *u, uint32_t *t) { (void)u; (void)t; return 0u; }
static void h_release(void *u) { (void)u; }
static size_t h_read(void *u, uint8_t *b, size_t max)
{
    (void)u;
    size_t n = rx_len < max ? rx_len : max;
    if (n == 0u) return 0u;
    memcpy(b, rx_data, n);
    rx_data += n;
    rx_len -= n;
    return n;
}
static void h_write(void *u, const uint8_t *b, size_t n) { (void)u; (void)b; (void)n; }
static size_t h_size(void *u) { (void)u; return sizeof(nvm); }
static int h_sread(void *u, uint32_t o, void *b, size_t n) { (void)u; memcpy(b, nvm + o, n); return 0; }
static int h_swrite(void *u, uint32_t o, const void *b, size_t n) { (void)u; memcpy(nvm + o, b, n); return 0; }
static void h_sched(void *u, uint32_t d) { (void)u; (void)d; }

static const bms_hal hal = {NULL, h_now, h_adc, h_button, h_out, h_afe, h_latched, h_release,
                            h_read, h_write, h_size, h_sread, h_swrite, h_sched};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    memset(nvm, 0xFF, sizeof(nvm));
    bms_init(&ctx, &hal);
    const size_t piece = 1u + data[0] % 64u;
    data++;
    size--;
    while (size > 0) {
        const size_t n = size < piece ? size : piece;
        rx_data = data;
        rx_len = n;
        now += 10;
        bms_step(&ctx);
        data += n;
        size -= n;
    }
    rx_len = 0;
    now += 10;
    bms_step(&ctx);
    return 0;
}
