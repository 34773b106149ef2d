/* test_evtab.c — the packed raw events (evpack) and the `events` virtual table (evtab):
 * packing round-trips every column exactly, and every constraint the table pushes down (id,
 * t_ns, type; ascending and descending) returns exactly what the same query returns when
 * nothing is pushed down (`+col` hides a column from the planner). A damaged chunk is an
 * error naming the chunk, never wrong rows. The direct scanner (evscan) yields exactly the rows
 * of `SELECT * FROM events ORDER BY id`, filtered by type, and fails the same way on a damaged
 * chunk. argv: lockstep-synth. */
#include <inttypes.h>
#include <string.h>

#include "evpack.h"
#include "evscan.h"
#include "evtab.h"
#include "load.h"
#include "store.h"
#include "../tap.h"
#include "../testutil.h"

static void round_trip_every_column(void)
{
	static ls_evrow in[LS_EVPACK_CHUNK], out[LS_EVPACK_CHUNK];
	static const char *payloads[] = { "", "prev_comm=a prev_tid=1", "x" };
	ls_evpack p;
	uint64_t seed = 88172645463325252ull;
	bool same = true;

	ls_evpack_init(&p);
	for (int k = 0; k < LS_EVPACK_CHUNK; k++) {
		ls_evrow *r = &in[k];
		/* xorshift: values across the whole int64 range, times that go backwards too */
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		memset(r, 0, sizeof(*r));
		r->v[LS_EVCOL_ID] = 5 * LS_EVPACK_CHUNK + k;
		r->v[LS_EVCOL_TYPE] = k % 3 == 2 ? 20 + k % 5 : 1 + k % 12; /* contract and sched types */
		r->v[LS_EVCOL_T_NS] = k == 7 ? INT64_MIN : k == 8 ? INT64_MAX : (int64_t)(seed >> 20);
		r->v[LS_EVCOL_TID] = k % 4 == 0 ? -1 : (int64_t)(seed % 70000);
		if (k % 5 == 0)
			r->null |= 1u << LS_EVCOL_CPU;
		else
			r->v[LS_EVCOL_CPU] = k % 8;
		uint32_t mask = ls_evpack_columns(r->v[LS_EVCOL_TYPE]);
		for (int i = 0; i < LS_EVCOL_PAYLOAD - LS_EVCOL_FIRST_FIELD; i++) {
			if (mask >> i & 1u)
				r->v[LS_EVCOL_FIRST_FIELD + i] = k % 11 == 0 ? INT64_MIN + i : (int64_t)(seed * (uint64_t)(i + 1));
			else
				r->null |= 1u << (LS_EVCOL_FIRST_FIELD + i);
		}
		if (mask) {
			r->null |= 1u << LS_EVCOL_PAYLOAD;
		} else {
			r->payload = payloads[k % 3];
			r->payload_len = (uint32_t)strlen(r->payload);
		}
		if (!ls_evpack_add_row(&p, r))
			same = false;
	}
	TAP_OK(same, "every event packs");
	TAP_OK(ls_evpack_full(&p), "a chunk holds %d events", LS_EVPACK_CHUNK);
	TAP_OK(ls_evpack_unpack(p.data, p.len, 5 * LS_EVPACK_CHUNK, LS_EVPACK_CHUNK, out), "the chunk unpacks");
	for (int k = 0; k < LS_EVPACK_CHUNK && same; k++) {
		const ls_evrow *a = &in[k], *b = &out[k];
		same = a->null == b->null && a->payload_len == b->payload_len &&
		       (!a->payload_len || memcmp(a->payload, b->payload, a->payload_len) == 0);
		for (int c = 0; c < LS_EVCOL_PAYLOAD && same; c++)
			if (!(a->null >> c & 1u) && a->v[c] != b->v[c]) {
				printf("# event %d column %s: %" PRId64 " != %" PRId64 "\n", k, ls_evcol_name(c), a->v[c], b->v[c]);
				same = false;
			}
	}
	TAP_OK(same, "every column of %d events comes back exactly (%zu bytes, %.1f per event)", LS_EVPACK_CHUNK,
	       p.len, (double)p.len / LS_EVPACK_CHUNK);
	TAP_OK(!ls_evpack_unpack(p.data, p.len - 1, 0, LS_EVPACK_CHUNK, out), "a truncated chunk is refused");
	TAP_OK(!ls_evpack_unpack(p.data, p.len, 0, LS_EVPACK_CHUNK - 1, out), "a chunk with bytes left over is refused");
	ls_evpack_free(&p);
}

/* The same query with the constraints pushed down and hidden: the rows must be equal. */
static void same_rows(sqlite3 *db, const char *pushed, const char *hidden)
{
	char a[64], b[64], sa[4096], sb[4096];

	snprintf(sa, sizeof(sa), "SELECT count(*) || ':' || coalesce(sum(id * 7 + t_ns %% 1000003 + type), 0) FROM (%s)", pushed);
	snprintf(sb, sizeof(sb), "SELECT count(*) || ':' || coalesce(sum(id * 7 + t_ns %% 1000003 + type), 0) FROM (%s)", hidden);
	tu_text(db, sa, a, sizeof(a));
	tu_text(db, sb, b, sizeof(b));
	TAP_OK(a[0] && strcmp(a, b) == 0, "%s: %s (unconstrained scan: %s)", pushed, a, b);
}

/* Every row of the scanner against `SELECT * FROM events ORDER BY id` (only the rows whose
 * type bit is in `types`): same ids, NULLs, values and payloads. */
static void scan_matches_events(sqlite3 *db, uint64_t types, const char *what)
{
	ls_evscan *scan = NULL;
	ls_error err;
	sqlite3_stmt *st = NULL;
	const ls_evrow *r;
	int64_t rows = 0, mismatch_id = -1;
	int rc = 0;

	ls_error_clear(&err);
	if (ls_evscan_open(db, "test.db", types, &scan, &err) != LS_OK ||
	    sqlite3_prepare_v2(db, "SELECT * FROM events ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
		TAP_OK(0, "%s: scanner and query open", what);
		ls_evscan_close(scan);
		sqlite3_finalize(st);
		return;
	}
	while (mismatch_id < 0 && (rc = ls_evscan_next(scan, &r, &err)) == 1) {
		int step;
		/* the query's next row of a wanted type */
		while ((step = sqlite3_step(st)) == SQLITE_ROW &&
		       !(ls_evpack_type_bit(sqlite3_column_int64(st, LS_EVCOL_TYPE)) & types))
			;
		if (step != SQLITE_ROW) {
			mismatch_id = r->v[LS_EVCOL_ID];
			break;
		}
		for (int c = 0; c < LS_EVCOL_COUNT && mismatch_id < 0; c++) {
			bool null = sqlite3_column_type(st, c) == SQLITE_NULL;
			if (null != !!(r->null & (1u << c)))
				mismatch_id = r->v[LS_EVCOL_ID];
			else if (null)
				continue;
			else if (c == LS_EVCOL_PAYLOAD)
				mismatch_id = (int)r->payload_len == sqlite3_column_bytes(st, c) &&
						      !memcmp(r->payload, sqlite3_column_text(st, c), r->payload_len)
					      ? -1 : r->v[LS_EVCOL_ID];
			else if (sqlite3_column_int64(st, c) != r->v[c])
				mismatch_id = r->v[LS_EVCOL_ID];
		}
		rows++;
	}
	if (mismatch_id < 0 && rc == 0) {
		/* and nothing of a wanted type is left in the query */
		int step;
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			if (ls_evpack_type_bit(sqlite3_column_int64(st, LS_EVCOL_TYPE)) & types) {
				mismatch_id = sqlite3_column_int64(st, LS_EVCOL_ID);
				break;
			}
	}
	TAP_OK(rc == 0 && mismatch_id < 0 && rows > 0, "%s: the scanner yields the %" PRId64 " rows of events, column for column (first mismatch: id %" PRId64 ")",
	       what, rows, mismatch_id);
	sqlite3_finalize(st);
	ls_evscan_close(scan);
}

static void constraints_match_a_full_scan(const char *synth)
{
	char dir[512], trace[600], db_path[700], buf[256];
	ls_store *store = NULL;
	ls_error err;
	sqlite3 *db;

	tu_tmpdir(dir, sizeof(dir));
	snprintf(trace, sizeof(trace), "%s/gen", dir);
	snprintf(db_path, sizeof(db_path), "%s/gen.db", dir);
	TAP_EQ_INT(tu_run("'%s' --generate 20000 --seed 3 -o '%s' >/dev/null", synth, trace), 0, "synth writes 20,000 events");
	ls_error_clear(&err);
	TAP_EQ_INT(ls_load(trace, db_path, NULL, NULL, &err), LS_OK, "load succeeds");
	TAP_EQ_INT(ls_store_open(db_path, false, &store, &err), LS_OK, "the database opens");
	if (!store)
		return;
	db = ls_store_borrow_db(store);
	int64_t n = tu_int(db, "SELECT count(*) FROM events", -1);
	TAP_OK(n >= 20000, "events has every event (%" PRId64 ")", n);
	TAP_EQ_INT(tu_int(db, "SELECT sum(n) FROM event_chunks", -1), n, "the chunks hold them all");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM event_chunks WHERE n <> 1024 AND first_id < (SELECT max(first_id) FROM event_chunks)", -1),
		   0, "every chunk but the last holds 1024");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY rowid) AS prev FROM events) WHERE id <> prev + 1", -1),
		   0, "ids follow one another in scan order");
	int64_t t0 = tu_int(db, "SELECT t_ns FROM events WHERE id = 3000", -1);
	int64_t t1 = tu_int(db, "SELECT t_ns FROM events WHERE id = 9000", -1);
	char p[1024], h[1024];
	struct {
		const char *pushed, *hidden;
	} q[] = {
		{ "SELECT * FROM events WHERE id = 1023", "SELECT * FROM events WHERE +id = 1023" },
		{ "SELECT * FROM events WHERE id = 1024", "SELECT * FROM events WHERE +id = 1024" },
		{ "SELECT * FROM events WHERE id BETWEEN 1000 AND 5000", "SELECT * FROM events WHERE +id BETWEEN 1000 AND 5000" },
		{ "SELECT * FROM events WHERE id > 4095 AND id < 4097", "SELECT * FROM events WHERE +id > 4095 AND +id < 4097" },
		{ "SELECT * FROM events WHERE id >= 19990", "SELECT * FROM events WHERE +id >= 19990" },
		{ "SELECT * FROM events WHERE id < 0", "SELECT * FROM events WHERE +id < 0" },
		{ "SELECT * FROM events WHERE id > 9223372036854775807", "SELECT * FROM events WHERE +id > 9223372036854775807" },
		{ "SELECT * FROM events WHERE id = 2.5", "SELECT * FROM events WHERE +id = 2.5" },
		{ "SELECT * FROM events WHERE id > 2.5 AND id <= 2000.5", "SELECT * FROM events WHERE +id > 2.5 AND +id <= 2000.5" },
		{ "SELECT * FROM events WHERE id = NULL", "SELECT * FROM events WHERE +id = NULL" },
		{ "SELECT * FROM events WHERE id < 'x'", "SELECT * FROM events WHERE +id < 'x'" },
		{ "SELECT * FROM events WHERE type = 1", "SELECT * FROM events WHERE +type = 1" },
		{ "SELECT * FROM events WHERE type = 20", "SELECT * FROM events WHERE +type = 20" },
		{ "SELECT * FROM events WHERE type BETWEEN 9 AND 10", "SELECT * FROM events WHERE +type BETWEEN 9 AND 10" },
		{ "SELECT * FROM events WHERE type >= 63", "SELECT * FROM events WHERE +type >= 63" },
		{ "SELECT * FROM events WHERE type = 1 AND id > 7000", "SELECT * FROM events WHERE +type = 1 AND +id > 7000" },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		same_rows(db, q[i].pushed, q[i].hidden);
	snprintf(p, sizeof(p), "SELECT * FROM events WHERE t_ns >= %" PRId64 " AND t_ns < %" PRId64, t0, t1);
	snprintf(h, sizeof(h), "SELECT * FROM events WHERE +t_ns >= %" PRId64 " AND +t_ns < %" PRId64, t0, t1);
	same_rows(db, p, h);
	snprintf(p, sizeof(p), "SELECT * FROM events WHERE t_ns = %" PRId64, t1);
	snprintf(h, sizeof(h), "SELECT * FROM events WHERE +t_ns = %" PRId64, t1);
	same_rows(db, p, h);
	snprintf(p, sizeof(p), "SELECT * FROM events WHERE t_ns <= %" PRId64 " AND id > 100 AND type = 3", t0);
	snprintf(h, sizeof(h), "SELECT * FROM events WHERE +t_ns <= %" PRId64 " AND +id > 100 AND +type = 3", t0);
	same_rows(db, p, h);
	TAP_EQ_STR(tu_text(db, "SELECT group_concat(id) FROM (SELECT id FROM events WHERE id BETWEEN 1020 AND 1030 ORDER BY id DESC)", buf, sizeof(buf)),
		   "1030,1029,1028,1027,1026,1025,1024,1023,1022,1021,1020", "descending order across a chunk boundary");
	TAP_EQ_INT(tu_int(db, "SELECT id FROM events WHERE id < 5000 AND type = 1 ORDER BY id DESC LIMIT 1", -1),
		   tu_int(db, "SELECT max(id) FROM events WHERE +id < 5000 AND +type = 1", -2), "the last match before an id, descending");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds h JOIN events e ON e.id = h.request_event", -1),
		   tu_int(db, "SELECT count(*) FROM holds WHERE request_event IS NOT NULL", -2), "a join by id finds every hold's request");
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM holds h JOIN events e ON e.id = h.request_event WHERE e.tid IS NOT h.tid OR e.t_ns <> h.requested_ns", -1),
		   0, "and it is the hold's own event");
	scan_matches_events(db, UINT64_MAX, "every type");
	scan_matches_events(db, ls_evpack_type_bit(1) | ls_evpack_type_bit(3), "types 1 and 3");
	scan_matches_events(db, ~ls_evpack_type_bit(1), "every type but 1");
	ls_store_close(store);

	/* one chunk's bytes damaged: the query fails naming the chunk */
	tu_run("sqlite3 '%s' \"UPDATE event_data SET data = substr(data, 1, length(data) - 3) WHERE first_id = 2048\"", db_path);
	TAP_EQ_INT(ls_store_open(db_path, false, &store, &err), LS_OK, "the damaged database opens");
	if (!store)
		return;
	db = ls_store_borrow_db(store);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	TAP_EQ_INT(rc, SQLITE_CORRUPT, "a scan over it fails (SQLITE_CORRUPT)");
	TAP_OK(strstr(sqlite3_errmsg(db), "events: chunk 2048 is damaged") != NULL, "naming the chunk: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	TAP_EQ_INT(tu_int(db, "SELECT count(*) FROM events WHERE id < 2048", -1), 2048, "the chunks before it still read");
	{
		ls_evscan *scan = NULL;
		const ls_evrow *r;
		int64_t seen = 0;
		ls_error serr;
		ls_error_clear(&serr);
		rc = ls_evscan_open(db, db_path, UINT64_MAX, &scan, &serr) == LS_OK ? 1 : -1;
		while (rc == 1 && (rc = ls_evscan_next(scan, &r, &serr)) == 1)
			seen++;
		TAP_OK(rc == -1 && seen == 2048 && strstr(serr.message, "events: chunk 2048 is damaged") &&
			       !strcmp(serr.file, db_path),
		       "the scanner stops at the damaged chunk after the 2048 events before it, naming the file and the chunk: %s",
		       serr.message);
		ls_evscan_close(scan);
	}
	ls_store_close(store);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("Bail out! usage: test_evtab LOCKSTEP_SYNTH\n");
		return 1;
	}
	round_trip_every_column();
	constraints_match_a_full_scan(argv[1]);
	return tap_done();
}
