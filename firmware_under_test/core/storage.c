/*
 * The configuration in the board's persistent storage (emulated EEPROM): one
 * image with a magic, a version, its size and a CRC-32. A blank storage gets the
 * defaults written; a corrupt or out-of-range image falls back to the defaults and
 * raises BMS_F_EEPROM, and is left in place (for diagnosis) until the next write.
 */
#include <string.h>

#include "bms_internal.h"
#include "crc.h"

#define BMS_IMAGE_MAGIC 0x484D5342u /* "BSMH" little-endian */
#define BMS_IMAGE_VERSION 1u

typedef struct bms_image {
    uint32_t magic;
    uint16_t version;
    uint16_t size;
    bms_config cfg;
    uint32_t crc;
} bms_image;

static uint32_t image_crc(const bms_image *img)
{
    return bms_crc32((const uint8_t *)img, offsetof(bms_image, crc));
}

static int is_blank(const uint8_t *p, size_t n)
{
    int all_ff = 1;
    int all_00 = 1;
    for (size_t i = 0; i < n; i++) {
        all_ff &= p[i] == 0xFFu;
        all_00 &= p[i] == 0x00u;
    }
    return all_ff || all_00;
}

void bms_storage_load(bms_ctx *ctx)
{
    const bms_hal *hal = ctx->hal;
    bms_image img;
    bms_config_defaults(&ctx->cfg);
    if (hal->storage_size == NULL || hal->storage_size(hal->user) < sizeof(img)) {
        ctx->eeprom_status = BMS_EE_NO_STORAGE;
        return;
    }
    if (hal->storage_read(hal->user, 0u, &img, sizeof(img)) != 0) {
        ctx->eeprom_status = BMS_EE_CORRUPT;
    } else if (is_blank((const uint8_t *)&img, sizeof(img))) {
        ctx->eeprom_status = BMS_EE_BLANK;
        (void)bms_storage_save(ctx);
        ctx->eeprom_status = BMS_EE_BLANK;
        return;
    } else if (img.magic != BMS_IMAGE_MAGIC || img.version != BMS_IMAGE_VERSION ||
               img.size != sizeof(img) || img.crc != image_crc(&img) ||
               bms_config_validate(&img.cfg) != 0) {
        ctx->eeprom_status = BMS_EE_CORRUPT;
    } else {
        ctx->cfg = img.cfg;
        ctx->eeprom_status = BMS_EE_OK;
        return;
    }
    bms_set_bit(&ctx->faults, BMS_F_EEPROM, 1);
}

int bms_storage_save(bms_ctx *ctx)
{
    const bms_hal *hal = ctx->hal;
    bms_image img;
    if (hal->storage_size == NULL || hal->storage_size(hal->user) < sizeof(img)) {
        return -1;
    }
    memset(&img, 0, sizeof(img));
    img.magic = BMS_IMAGE_MAGIC;
    img.version = BMS_IMAGE_VERSION;
    img.size = (uint16_t)sizeof(img);
    img.cfg = ctx->cfg;
    img.crc = image_crc(&img);
    if (hal->storage_write(hal->user, 0u, &img, sizeof(img)) != 0) {
        return -1;
    }
    ctx->eeprom_status = BMS_EE_OK;
    bms_set_bit(&ctx->faults, BMS_F_EEPROM, 0);
    return 0;
}
