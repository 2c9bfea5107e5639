#include "common/roundid.h"

#include "common/hex.h"

void sp_round_id_hex(const uint8_t id[SP_ROUND_ID_BYTES], char out[SP_ROUND_ID_HEX_LEN + 1])
{
    sp_hex_encode(out, id, SP_ROUND_ID_BYTES);
}

int sp_round_id_parse(const char *hex, uint8_t id[SP_ROUND_ID_BYTES])
{
    return sp_hex_decode(id, SP_ROUND_ID_BYTES, hex);
}
