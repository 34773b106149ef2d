/* packets.h — checking the packets of a CTF 1.8 stream file before libbabeltrace2 reads it.
 *
 * libbabeltrace2 refuses a whole trace for one damaged packet ("Failed to index CTF stream
 * file"), or aborts on some, and reads an empty or cut-short stream without a word. This module
 * reads the packet layout from the trace's metadata (where the header's magic and uuid sit, and
 * the context's packet_size, content_size, timestamp_begin and timestamp_end), walks each stream
 * file packet by packet, and tells which byte ranges are sound packets in time order: the loader
 * gives babeltrace2 only those, and says what it dropped. It knows nothing of events. */
#ifndef LOCKSTEP_PACKETS_H
#define LOCKSTEP_PACKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct {
	bool big_endian;
	bool have_uuid;
	uint8_t uuid[16];
	unsigned header_bytes;  /* packet header + context, in bytes (both byte-aligned) */
	int uuid_at;            /* byte offset of the header's uuid[16], -1: none */
	int packet_size_at, content_size_at, ts_begin_at, ts_end_at; /* byte offsets, -1: absent */
	int packet_size_len, content_size_len, ts_begin_len, ts_end_len; /* bytes: 1, 2, 4 or 8 */
} ls_packet_layout;

/* Reads the layout from a CTF 1.8 metadata file (text or packetized). Returns false when the
 * metadata uses something this reader does not follow (then streams are not checked). */
bool ls_packets_read_layout(const char *metadata_path, ls_packet_layout *out);

typedef struct {
	uint64_t offset, length;
} ls_byte_range;

typedef struct {
	uint64_t file_size;
	uint64_t packets_seen, packets_kept, bytes_dropped;
	ls_byte_range *kept; /* sound packets in time order, merged where adjacent (malloc'd) */
	int n_kept;
	char what[400];      /* what was dropped, in words; empty when nothing */
} ls_packet_check;

/* Walks the stream file at `path`. LS_OK with *out filled (free with ls_packets_check_free);
 * LS_ERR_IO when it cannot be read, LS_ERR_NOMEM. */
ls_status ls_packets_check(const char *path, const ls_packet_layout *layout, ls_packet_check *out, ls_error *err);

/* Writes the kept ranges of `from` to a new file `to`. Returns false on failure. */
bool ls_packets_write_kept(const char *from, const ls_packet_check *check, const char *to);

/* True when the file holds the layout's packet signature (magic followed by the trace's uuid)
 * somewhere: a stream whose first packet header was damaged, not some other file. */
bool ls_packets_has_signature(const char *path, const ls_packet_layout *layout);

void ls_packets_check_free(ls_packet_check *check);

#endif
