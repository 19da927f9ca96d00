#ifndef BMS_CRC_H
#define BMS_CRC_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Modbus RTU CRC-16 (poly 0xA001 reflected, init 0xFFFF); low byte goes first. */
uint16_t bms_crc16_modbus(const uint8_t *data, size_t len);
/* CRC-32 (IEEE 802.3), for the stored image. */
uint32_t bms_crc32(const uint8_t *data, size_t len);
#ifdef __cplusplus
}
#endif
#endif
