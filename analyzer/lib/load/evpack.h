/* evpack.h — the raw events of a trace packed into chunks (docs/schema.md, `event_chunks`):
 * LS_EVPACK_CHUNK consecutive events per chunk, each column stored as a varint of its change
 * from the previous event, so a chunk is a few bytes per event instead of an SQLite row of 25
 * columns. The loader packs; the `events` virtual table (evtab.h) unpacks for readers.
 *
 * Chunk layout, per event, all unsigned LEB128 varints (zz: zigzag of a signed difference):
 *   type, zz(t_ns - previous t_ns), cpu + 1 (0: no cpu), zz(tid - previous tid), then either
 *   for each column the contract gives the event type (ls_evpack_columns): zz(value - previous
 *   value of that column), or for events outside lockstep_*: the payload's length and bytes.
 * Every "previous" starts at 0 in each chunk, so a chunk decodes on its own. Stored, a chunk's
 * bytes are one zstd frame (ls_evpack_seal / ls_evpack_open): the varints halve the events,
 * zstd halves them again for about 2 % of a load's time. */
#ifndef LOCKSTEP_EVPACK_H
#define LOCKSTEP_EVPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctf.h"

/* Events per chunk: every chunk but the last holds exactly this many, so chunk k starts at
 * event id k * LS_EVPACK_CHUNK. */
#define LS_EVPACK_CHUNK 1024

/* The columns of the `events` table, in order (docs/schema.md). */
typedef enum {
	LS_EVCOL_ID,
	LS_EVCOL_T_NS,
	LS_EVCOL_CPU,
	LS_EVCOL_TID,
	LS_EVCOL_TYPE,
	LS_EVCOL_FIRST_FIELD, /* lock: the first of the contract's integer fields */
	LS_EVCOL_PAYLOAD = LS_EVCOL_FIRST_FIELD + 19,
	LS_EVCOL_COUNT
} ls_evcol;

/* The name of column `col` of `events` ("id", "t_ns", … "payload"). Static storage. */
const char *ls_evcol_name(ls_evcol col);

/* Bit i set: the event type fills column LS_EVCOL_FIRST_FIELD + i. 0 for types outside
 * lockstep_* (those carry a payload instead). */
uint32_t ls_evpack_columns(int64_t type);

/* The chunk-level type summary: bit t for each type t < 63 in the chunk, bit 63 for any type
 * >= 63 (foreign types). */
uint64_t ls_evpack_type_bit(int64_t type);

/* One event as the `events` table shows it. Bit c of `null` set: column c is NULL. The payload
 * points into the chunk's bytes (not NUL-terminated). */
typedef struct {
	int64_t v[LS_EVCOL_PAYLOAD];
	uint32_t null;
	const char *payload;
	uint32_t payload_len;
} ls_evrow;

/* ---- packing (the loader) ---- */

typedef struct {
	unsigned char *data; /* owned; the packed bytes of the current chunk */
	size_t len, cap;
	unsigned char *sealed; /* owned; the chunk compressed by ls_evpack_seal */
	size_t sealed_cap;
	void *zctx;            /* owned; the compressor, kept from chunk to chunk */
	int n;               /* events in the current chunk */
	int64_t first_id, first_ns, last_ns;
	uint64_t types;
	int64_t prev_t, prev_tid, prev[19];
} ls_evpack;

/* Starts an empty packer (no allocation yet). */
void ls_evpack_init(ls_evpack *p);

/* Frees what the packer holds. */
void ls_evpack_free(ls_evpack *p);

/* Appends event `id` of type `type` (the `events.type` id). Ids must follow one another from 0;
 * the caller writes the chunk out when ls_evpack_full(), then calls ls_evpack_reset(). Returns
 * false when out of memory. */
bool ls_evpack_add(ls_evpack *p, int64_t id, int64_t type, const ls_event *ev);

/* Appends an event given as the `events` table shows it (row->v[LS_EVCOL_ID] is its id; the
 * field columns the type does not have are ignored). For writers that have rows, not trace
 * events: tests building a database by hand. Returns false when out of memory. */
bool ls_evpack_add_row(ls_evpack *p, const ls_evrow *row);

static inline bool ls_evpack_full(const ls_evpack *p)
{
	return p->n == LS_EVPACK_CHUNK;
}

/* Compresses the current chunk: *out (owned by the packer, valid until the next call) gets
 * *len bytes to store. Returns false when out of memory. */
bool ls_evpack_seal(ls_evpack *p, const unsigned char **out, size_t *len);

/* Empties the current chunk (keeps its buffer). */
void ls_evpack_reset(ls_evpack *p);

/* ---- unpacking (readers) ---- */

/* Decompresses a stored chunk (`sealed`, `sealed_len` bytes) into *buf (grown as needed; the
 * caller owns it and frees it with free()); *len gets the packed length. Returns false when
 * the bytes are not a zstd frame of a sane size, or when out of memory. */
bool ls_evpack_open(const void *sealed, size_t sealed_len, unsigned char **buf, size_t *cap, size_t *len);

/* Unpacks `n` events of the chunk whose first id is `first_id` from data[0, len) into rows[0, n)
 * (the caller's array). Rows borrow `data` for their payloads. Returns false (and fills nothing
 * further) when the bytes are not a well-formed chunk of n events. */
bool ls_evpack_unpack(const unsigned char *data, size_t len, int64_t first_id, int n, ls_evrow *rows);

#endif
