/* evscan.c — a forward pass over the packed event chunks (evscan.h). */
#include "evscan.h"

#include <stdlib.h>
#include <string.h>

struct ls_evscan {
	sqlite3 *db;
	const char *path;
	sqlite3_stmt *chunks; /* first_id, n, types, data: every chunk in id order */
	uint64_t types;
	unsigned char *buf;   /* owned: the current chunk's packed bytes, which rows point into */
	size_t cap;
	int n, next;          /* rows decoded, index of the next one to look at */
	ls_evrow rows[LS_EVPACK_CHUNK];
};

ls_status ls_evscan_open(sqlite3 *db, const char *path, uint64_t types, ls_evscan **out, ls_error *err)
{
	ls_evscan *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	s->db = db;
	s->path = path;
	s->types = types;
	/* LEFT JOIN: a chunk whose data row is gone reads as NULL data, an error, not a skip */
	if (sqlite3_prepare_v2(db,
			       "SELECT c.first_id, c.n, c.types, d.data FROM event_chunks c"
			       " LEFT JOIN event_data d ON d.first_id = c.first_id ORDER BY c.first_id",
			       -1, &s->chunks, NULL) != SQLITE_OK) {
		ls_status st = ls_error_set(err, LS_ERR_DB, path, "reading events: %s", sqlite3_errmsg(db));
		ls_evscan_close(s);
		return st;
	}
	*out = s;
	return LS_OK;
}

/* Decodes the next chunk holding a wanted type: 1, 0 at the end, -1 on error. */
static int next_chunk(ls_evscan *s, ls_error *err)
{
	int rc;

	while ((rc = sqlite3_step(s->chunks)) == SQLITE_ROW) {
		int64_t first_id = sqlite3_column_int64(s->chunks, 0);
		int n = sqlite3_column_int(s->chunks, 1);
		uint64_t types = (uint64_t)sqlite3_column_int64(s->chunks, 2);
		size_t len = 0;

		if (!(types & s->types))
			continue;
		if (sqlite3_column_type(s->chunks, 3) == SQLITE_NULL) {
			ls_error_set(err, LS_ERR_INPUT, s->path, "events: chunk %lld is missing from event_data",
				     (long long)first_id);
			return -1;
		}
		const void *sealed = sqlite3_column_blob(s->chunks, 3);
		int sealed_len = sqlite3_column_bytes(s->chunks, 3);
		if (n < 0 || n > LS_EVPACK_CHUNK || !sealed ||
		    !ls_evpack_open(sealed, (size_t)sealed_len, &s->buf, &s->cap, &len) ||
		    !ls_evpack_unpack(s->buf, len, first_id, n, s->rows)) {
			ls_error_set(err, LS_ERR_INPUT, s->path, "events: chunk %lld is damaged", (long long)first_id);
			return -1;
		}
		s->n = n;
		s->next = 0;
		return 1;
	}
	if (rc != SQLITE_DONE) {
		ls_error_set(err, LS_ERR_DB, s->path, "reading events: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int ls_evscan_next(ls_evscan *s, const ls_evrow **row, ls_error *err)
{
	for (;;) {
		while (s->next < s->n) {
			const ls_evrow *r = &s->rows[s->next++];

			if (ls_evpack_type_bit(r->v[LS_EVCOL_TYPE]) & s->types) {
				*row = r;
				return 1;
			}
		}
		int rc = next_chunk(s, err);
		if (rc <= 0)
			return rc;
	}
}

void ls_evscan_close(ls_evscan *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->chunks);
	free(s->buf);
	free(s);
}
