/* sha256.h — SHA-256 (FIPS 180-4), for naming a trace by its content in a fleet: the same
 * recording added twice, or from two machines, is one trace. Nothing here knows about traces. */
#ifndef LOCKSTEP_SHA256_H
#define LOCKSTEP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t used;
} ls_sha256;

void ls_sha256_init(ls_sha256 *s);
void ls_sha256_update(ls_sha256 *s, const void *data, size_t len);
/* Writes the digest as 64 lowercase hex digits and a NUL into hex[65]. */
void ls_sha256_final_hex(ls_sha256 *s, char hex[65]);

#endif
