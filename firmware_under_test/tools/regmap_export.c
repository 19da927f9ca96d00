/*
 * Prints the register map as JSON (register_map.json) from the firmware's own
 * register table, so the document the rig loads cannot drift from the code.
 * Usage: bms_regmap_export > firmware_under_test/register_map.json
 */
#include <stdio.h>

#include "bms.h"
#include "params.h"
#include "regmap.h"

static void print_scale(int32_t num, int32_t den)
{
    /* Exact decimal: every scale is 1/10^k or an integer. */
    if (den == 1) {
        printf("%ld", (long)num);
        return;
    }
    int digits = 0;
    for (int32_t d = den; d > 1; d /= 10) {
        digits++;
    }
    printf("%.*f", digits, (double)num / (double)den);
}

int main(void)
{
    bms_config defaults;
    bms_config_defaults(&defaults);
    printf("{\n");
    printf("  \"format\": \"bms-hil register map\",\n");
    printf("  \"firmware_version\": \"0x%04x\",\n", BMS_FIRMWARE_VERSION);
    printf("  \"protocol\": {\"kind\": \"modbus-rtu\", \"default_address\": %ld, "
           "\"read_functions\": [3, 4], \"write_functions\": [6, 16], \"word_order\": \"big-endian\"},\n",
           (long)defaults.extra[BMS_X_MODBUS_ADDRESS]);
    printf("  \"note\": \"physical value = register (as signed or unsigned) x scale, in unit; "
           "2-word registers: high word first\",\n");
    printf("  \"registers\": [\n");
    bms_reg_desc d;
    for (unsigned i = 0; bms_regmap_describe(i, &d) == 0; i++) {
        char name[96];
        snprintf(name, sizeof(name), d.name, (unsigned)d.index + 1u);
        printf("    {\"address\": %u, \"words\": %u, \"name\": \"%s\", \"group\": \"%s\", \"unit\": \"%s\", "
               "\"scale\": ",
               d.address, d.words, name, d.group, d.unit);
        print_scale(d.scale_num, d.scale_den);
        printf(", \"signed\": %s, \"access\": \"%s\"", d.is_signed ? "true" : "false",
               d.writable ? "rw" : "r");
        if (d.param != 0u) {
            printf(", \"parameter\": %u", d.param);
        }
        if (d.sw != 0u) {
            printf(", \"switch\": %u", d.sw);
        }
        if (d.extra >= 0) {
            printf(", \"extra_parameter\": \"%s\"", bms_extra_defs[d.extra].key);
        }
        bms_reg_desc next;
        printf("}%s\n", bms_regmap_describe(i + 1u, &next) == 0 ? "," : "");
    }
    printf("  ]\n}\n");
    return 0;
}
