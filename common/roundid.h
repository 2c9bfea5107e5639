/*
 * The round id: 16 random bytes chosen by a round's initiator. One size, one
 * text form for the whole tree: the wire (proto/), the store (daemon/), the
 * audit log (audit/), the CLI (tools/) and the round layer all use these.
 *
 * Text form: 32 hex digits. Written in lower case; read in either case (an
 * operator may paste an id from anywhere), never with a prefix, spaces or
 * any other length.
 */
#ifndef SP_COMMON_ROUNDID_H
#define SP_COMMON_ROUNDID_H

#include <stdint.h>

#include "common/err.h"

#define SP_ROUND_ID_BYTES   16
#define SP_ROUND_ID_HEX_LEN (2 * SP_ROUND_ID_BYTES)

/* Writes the id as 32 lower-case hex digits and a NUL. */
void sp_round_id_hex(const uint8_t id[SP_ROUND_ID_BYTES], char out[SP_ROUND_ID_HEX_LEN + 1]);

/* Reads exactly 32 hex digits (upper or lower case) into id, which is written
 * only on success. Returns 0, or SP_ERR_INVALID_ARG (NULL, another length, a
 * character that is not a hex digit). */
SP_NODISCARD int sp_round_id_parse(const char *hex, uint8_t id[SP_ROUND_ID_BYTES]);

#endif
