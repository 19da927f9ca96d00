/*
 * Modbus RTU slave on the RS485 port: functions 03, 04, 06, 16.
 *
 * Framing: the board hands over the bytes that arrived since the previous call.
 * A frame ends (1) as soon as the buffer holds a complete request of a known
 * function (03/04/06: 8 bytes; 16: 9 + byte count) whose CRC is valid, or (2) at a
 * gap: a call that brings no byte ends whatever is buffered (at the 10 ms tick
 * that is far more than the 3.5 characters of RTU). A frame with a bad CRC, too
 * short (< 4 bytes) or longer than 256 bytes is dropped silently, as are frames
 * for another address. Address 0 is broadcast: writes are done, nothing is sent.
 */
#include <string.h>

#include "bms_internal.h"
#include "crc.h"
#include "regmap.h"

#define MB_MAX_READ 125u
#define MB_MAX_WRITE 123u

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static void send(bms_ctx *ctx, uint8_t *tx, size_t len)
{
    const uint16_t crc = bms_crc16_modbus(tx, len);
    tx[len] = (uint8_t)(crc & 0xFFu);
    tx[len + 1u] = (uint8_t)(crc >> 8);
    ctx->hal->uart_write(ctx->hal->user, tx, len + 2u);
}

static void exception(bms_ctx *ctx, uint8_t addr, uint8_t fc, unsigned code, int broadcast)
{
    if (broadcast) {
        return;
    }
    ctx->tx[0] = addr;
    ctx->tx[1] = (uint8_t)(fc | 0x80u);
    ctx->tx[2] = (uint8_t)code;
    send(ctx, ctx->tx, 3u);
}

/* One complete frame with a valid CRC (checked by the caller). */
static void handle(bms_ctx *ctx, const uint8_t *f, size_t len)
{
    const uint8_t addr = f[0];
    const uint8_t fc = f[1];
    const int broadcast = addr == 0u;
    if (!broadcast && addr != (uint8_t)X(ctx, BMS_X_MODBUS_ADDRESS)) {
        return; /* another slave's business: silence */
    }
    ctx->modbus_frames_ok++;
    switch (fc) {
    case 0x03:
    case 0x04: {
        if (broadcast) {
            return; /* a broadcast read has nobody to answer */
        }
        if (len != 8u) {
            exception(ctx, addr, fc, BMS_MB_ILLEGAL_VALUE, 0);
            return;
        }
        const uint16_t start = be16(&f[2]);
        const uint16_t qty = be16(&f[4]);
        if (qty == 0u || qty > MB_MAX_READ) {
            exception(ctx, addr, fc, BMS_MB_ILLEGAL_VALUE, 0);
            return;
        }
        if ((uint32_t)start + qty > 0x10000u) {
            exception(ctx, addr, fc, BMS_MB_ILLEGAL_ADDRESS, 0);
            return;
        }
        uint8_t *tx = ctx->tx;
        tx[0] = addr;
        tx[1] = fc;
        tx[2] = (uint8_t)(qty * 2u);
        for (unsigned k = 0; k < qty; k++) {
            uint16_t v = 0u;
            const unsigned r = bms_regmap_read(ctx, (uint16_t)(start + k), &v);
            if (r != BMS_MB_OK) {
                exception(ctx, addr, fc, r, 0);
                return;
            }
            tx[3u + 2u * k] = (uint8_t)(v >> 8);
            tx[4u + 2u * k] = (uint8_t)(v & 0xFFu);
        }
        send(ctx, tx, 3u + 2u * qty);
        return;
    }
    case 0x06: {
        if (len != 8u) {
            exception(ctx, addr, fc, BMS_MB_ILLEGAL_VALUE, broadcast);
            return;
        }
        const uint16_t a = be16(&f[2]);
        const uint16_t v = be16(&f[4]);
        const unsigned r = bms_regmap_write(ctx, a, 1u, &v);
        if (r != BMS_MB_OK) {
            exception(ctx, addr, fc, r, broadcast);
            return;
        }
        if (!broadcast) {
            memcpy(ctx->tx, f, 6u); /* the echo */
            send(ctx, ctx->tx, 6u);
        }
        return;
    }
    case 0x10: {
        if (len < 9u) {
            exception(ctx, addr, fc, BMS_MB_ILLEGAL_VALUE, broadcast);
            return;
        }
        const uint16_t a = be16(&f[2]);
        const uint16_t qty = be16(&f[4]);
        const uint8_t bytes = f[6];
        if (qty == 0u || qty > MB_MAX_WRITE || bytes != qty * 2u || len != 9u + bytes) {
            exception(ctx, addr, fc, BMS_MB_ILLEGAL_VALUE, broadcast);
            return;
        }
        if ((uint32_t)a + qty > 0x10000u) {
            exception(ctx, addr, fc, BMS_MB_ILLEGAL_ADDRESS, broadcast);
            return;
        }
        uint16_t vals[MB_MAX_WRITE];
        for (unsigned k = 0; k < qty; k++) {
            vals[k] = be16(&f[7u + 2u * k]);
        }
        const unsigned r = bms_regmap_write(ctx, a, qty, vals);
        if (r != BMS_MB_OK) {
            exception(ctx, addr, fc, r, broadcast);
            return;
        }
        if (!broadcast) {
            memcpy(ctx->tx, f, 6u);
            send(ctx, ctx->tx, 6u);
        }
        return;
    }
    default:
        exception(ctx, addr, fc, BMS_MB_ILLEGAL_FUNCTION, broadcast);
        return;
    }
}

static int crc_ok(const uint8_t *f, size_t len)
{
    if (len < 4u) {
        return 0;
    }
    const uint16_t crc = bms_crc16_modbus(f, len - 2u);
    return f[len - 2u] == (uint8_t)(crc & 0xFFu) && f[len - 1u] == (uint8_t)(crc >> 8);
}

/* Length of a request of a known function, 0 = not known (yet). */
static size_t expected_len(const uint8_t *f, size_t have)
{
    if (have < 2u) {
        return 0u;
    }
    switch (f[1]) {
    case 0x03:
    case 0x04:
    case 0x06: return 8u;
    case 0x10: return have >= 7u ? 9u + f[6] : 0u;
    default: return 0u;
    }
}

static void drop(bms_ctx *ctx, size_t n)
{
    memmove(ctx->rx, ctx->rx + n, ctx->rx_len - n);
    ctx->rx_len = (uint16_t)(ctx->rx_len - n);
}

void bms_modbus_poll(bms_ctx *ctx)
{
    const bms_hal *hal = ctx->hal;
    size_t got = 0u;
    for (;;) {
        uint8_t chunk[64];
        const size_t n = hal->uart_read(hal->user, chunk, sizeof(chunk));
        if (n == 0u) {
            break;
        }
        got += n;
        const size_t room = BMS_MODBUS_BUF - ctx->rx_len;
        if (n > room) {
            ctx->rx_overflow = 1u; /* too long for any request: dropped at the gap */
        }
        const size_t keep = n > room ? room : n;
        memcpy(ctx->rx + ctx->rx_len, chunk, keep);
        ctx->rx_len = (uint16_t)(ctx->rx_len + keep);
    }

    /* Rule 1: complete requests with a valid CRC end at once. */
    while (!ctx->rx_overflow) {
        const size_t want = expected_len(ctx->rx, ctx->rx_len);
        if (want == 0u || want > ctx->rx_len || !crc_ok(ctx->rx, want)) {
            break;
        }
        handle(ctx, ctx->rx, want);
        drop(ctx, want);
    }

    /* Rule 2: a call with no byte is a gap: the frame ends here. */
    if (got == 0u && ctx->rx_len > 0u) {
        if (!ctx->rx_overflow && crc_ok(ctx->rx, ctx->rx_len)) {
            handle(ctx, ctx->rx, ctx->rx_len);
        } else {
            ctx->modbus_frames_bad++;
        }
        ctx->rx_len = 0u;
        ctx->rx_overflow = 0u;
    }
}
