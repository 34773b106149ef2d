/* evtab.c — the `events` virtual table over the packed chunks (evtab.h, evpack.h).
 *
 * A query's constraints on id, t_ns and type become bounds: id and t_ns pick a range of
 * chunks from the chunk directory (first id, first and last time, a type summary per chunk,
 * read once per connection), the type summary skips chunks that hold none of the wanted
 * types, and inside a chunk rows outside the bounds are skipped. SQLite still checks every
 * constraint itself (none is omitted), so the bounds only have to be safe, never exact. */
#include "evtab.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evpack.h"
#include "grow.h"

struct chunk_dir {
	int64_t *first_id, *first_ns, *last_ns;
	uint64_t *types;
	int *n;
	size_t count;
};

typedef struct {
	sqlite3_vtab base;
	sqlite3 *db;
	bool dir_loaded;
	struct chunk_dir dir;
	sqlite3_stmt *data; /* SELECT data FROM event_data WHERE first_id = ?1 */
} evtab;

typedef struct {
	sqlite3_vtab_cursor base;
	int64_t id_lo, id_hi, t_lo, t_hi, type_lo, type_hi;
	bool desc, eof;
	size_t chunk;        /* the chunk being read (index into the directory) */
	size_t chunk_first, chunk_last;
	int row;             /* index into rows of the current row */
	ssize_t decoded;     /* directory index of the chunk in rows, -1 none */
	int n_rows;
	unsigned char *blob; /* owned: the decoded chunk's packed bytes, which rows point into */
	size_t blob_cap;
	ls_evrow rows[LS_EVPACK_CHUNK];
} evcursor;

/* ---- the chunk directory ---- */

static void dir_free(struct chunk_dir *d)
{
	free(d->first_id);
	free(d->first_ns);
	free(d->last_ns);
	free(d->types);
	free(d->n);
	memset(d, 0, sizeof(*d));
}

static int dir_load(evtab *t)
{
	sqlite3_stmt *st;
	struct chunk_dir *d = &t->dir;
	size_t cap[5] = { 0 };
	int rc;

	if (t->dir_loaded)
		return SQLITE_OK;
	rc = sqlite3_prepare_v2(t->db, "SELECT first_id, n, first_ns, last_ns, types FROM event_chunks ORDER BY first_id",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_free(t->base.zErrMsg);
		t->base.zErrMsg = sqlite3_mprintf("events: %s", sqlite3_errmsg(t->db));
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t need = d->count + 1;
		if (!ls_grow((void **)&d->first_id, &cap[0], need, sizeof(int64_t)) ||
		    !ls_grow((void **)&d->n, &cap[1], need, sizeof(int)) ||
		    !ls_grow((void **)&d->first_ns, &cap[2], need, sizeof(int64_t)) ||
		    !ls_grow((void **)&d->last_ns, &cap[3], need, sizeof(int64_t)) ||
		    !ls_grow((void **)&d->types, &cap[4], need, sizeof(uint64_t))) {
			rc = SQLITE_NOMEM;
			break;
		}
		d->first_id[d->count] = sqlite3_column_int64(st, 0);
		d->n[d->count] = sqlite3_column_int(st, 1);
		d->first_ns[d->count] = sqlite3_column_int64(st, 2);
		d->last_ns[d->count] = sqlite3_column_int64(st, 3);
		d->types[d->count] = (uint64_t)sqlite3_column_int64(st, 4);
		if (d->n[d->count] < 0 || d->n[d->count] > LS_EVPACK_CHUNK) {
			rc = SQLITE_CORRUPT;
			break;
		}
		d->count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		dir_free(d);
		sqlite3_free(t->base.zErrMsg);
		t->base.zErrMsg = sqlite3_mprintf("events: reading event_chunks: %s", sqlite3_errstr(rc));
		return rc == SQLITE_ROW ? SQLITE_ERROR : rc;
	}
	t->dir_loaded = true;
	return SQLITE_OK;
}

/* How many of the n sorted values are below t (or_equal: at most t): a binary search. */
static size_t count_below(const int64_t *v, size_t n, int64_t t, bool or_equal)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < t || (or_equal && v[mid] == t))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First chunk whose last event is at or after t (count when none). */
static size_t dir_first_ending_at_or_after(const struct chunk_dir *d, int64_t t)
{
	return count_below(d->last_ns, d->count, t, false);
}

/* Number of chunks whose first event is at or before t. */
static size_t dir_count_starting_at_or_before(const struct chunk_dir *d, int64_t t)
{
	return count_below(d->first_ns, d->count, t, true);
}

/* Chunk holding id (the directory is in id order, chunks are contiguous); before the first
 * chunk: 0, or SIZE_MAX when `upper` (an upper bound below every id). */
static size_t dir_chunk_of_id(const struct chunk_dir *d, int64_t id, bool upper)
{
	size_t n = count_below(d->first_id, d->count, id, true);

	if (n == 0)
		return upper ? SIZE_MAX : 0;
	return n - 1;
}

/* ---- the module ---- */

static const char schema[] =
	"CREATE TABLE x(id INTEGER, t_ns INTEGER, cpu INTEGER, tid INTEGER, type INTEGER, lock INTEGER,"
	" class INTEGER, mode INTEGER, trylock INTEGER, success INTEGER, reason INTEGER, obj INTEGER,"
	" kind INTEGER, mm INTEGER, vma INTEGER, seq INTEGER, addr INTEGER, start_addr INTEGER,"
	" end_addr INTEGER, deferred INTEGER, result INTEGER, phase INTEGER, begin INTEGER, ip INTEGER,"
	" payload TEXT)";

static int ev_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
	evtab *t;
	int rc;

	(void)aux;
	(void)argc;
	(void)argv;
	rc = sqlite3_declare_vtab(db, schema);
	if (rc != SQLITE_OK)
		return rc;
	t = sqlite3_malloc(sizeof(*t));
	if (!t)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof(*t));
	t->db = db;
	sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	*out = &t->base;
	(void)err;
	return SQLITE_OK;
}

static int ev_disconnect(sqlite3_vtab *vt)
{
	evtab *t = (evtab *)vt;

	sqlite3_finalize(t->data);
	dir_free(&t->dir);
	sqlite3_free(t);
	return SQLITE_OK;
}

/* idxStr: one letter pair per argv value: column (i id, t t_ns, y type) and operator
 * (= < l(<=) > g(>=)). idxNum bit 0: rows wanted in descending id order. */
static int ev_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
	char plan[64];
	int n = 0, argv = 0;
	double cost = 1e7;
	bool id_eq = false;

	(void)vt;
	for (int i = 0; i < info->nConstraint && n + 2 < (int)sizeof(plan); i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		char col, op;
		if (!c->usable)
			continue;
		switch (c->iColumn) {
		case -1:
		case LS_EVCOL_ID: col = 'i'; break;
		case LS_EVCOL_T_NS: col = 't'; break;
		case LS_EVCOL_TYPE: col = 'y'; break;
		default: continue;
		}
		switch (c->op) {
		case SQLITE_INDEX_CONSTRAINT_EQ: op = '='; break;
		case SQLITE_INDEX_CONSTRAINT_LT: op = '<'; break;
		case SQLITE_INDEX_CONSTRAINT_LE: op = 'l'; break;
		case SQLITE_INDEX_CONSTRAINT_GT: op = '>'; break;
		case SQLITE_INDEX_CONSTRAINT_GE: op = 'g'; break;
		default: continue;
		}
		plan[n++] = col;
		plan[n++] = op;
		info->aConstraintUsage[i].argvIndex = ++argv;
		info->aConstraintUsage[i].omit = 0;
		if (col == 'i' && op == '=')
			id_eq = true;
		else if (col != 'y')
			cost /= 30;
		else
			cost /= 3;
	}
	plan[n] = '\0';
	if (id_eq) {
		cost = 2;
		info->estimatedRows = 1;
		info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
	} else {
		info->estimatedRows = (sqlite3_int64)cost;
	}
	info->estimatedCost = cost;
	info->idxNum = 0;
	if (info->nOrderBy > 0) {
		bool desc = info->aOrderBy[0].desc, consumed = true;
		for (int i = 0; i < info->nOrderBy; i++) {
			int col = info->aOrderBy[i].iColumn;
			if ((col != LS_EVCOL_ID && col != LS_EVCOL_T_NS && col != -1) || info->aOrderBy[i].desc != desc)
				consumed = false;
		}
		if (consumed) {
			info->orderByConsumed = 1;
			info->idxNum = desc ? 1 : 0;
		}
	}
	if (n) {
		info->idxStr = sqlite3_mprintf("%s", plan);
		if (!info->idxStr)
			return SQLITE_NOMEM;
		info->needToFreeIdxStr = 1;
	}
	return SQLITE_OK;
}

static int ev_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out)
{
	evcursor *c = sqlite3_malloc(sizeof(*c));

	(void)vt;
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->decoded = -1;
	c->eof = true;
	*out = &c->base;
	return SQLITE_OK;
}

static int ev_close(sqlite3_vtab_cursor *cur)
{
	evcursor *c = (evcursor *)cur;

	free(c->blob);
	sqlite3_free(c);
	return SQLITE_OK;
}

/* Narrows [*lo, *hi] by "column OP value"; false when nothing can match (a NULL value). */
static bool apply_bound(int64_t *lo, int64_t *hi, char op, sqlite3_value *value)
{
	int type = sqlite3_value_numeric_type(value);
	int64_t v;

	if (type == SQLITE_NULL)
		return false;
	if (type == SQLITE_FLOAT) {
		double d = sqlite3_value_double(value);
		if (isnan(d))
			return false;
		if (d >= 9.2e18 || d <= -9.2e18)
			return true; /* beyond int64: leave the bound to SQLite */
		switch (op) {
		case '=':
			if (d != floor(d))
				return false;
			v = (int64_t)d;
			break;
		case '>': case 'l': v = (int64_t)floor(d); break;
		default: v = (int64_t)ceil(d); break; /* '<', 'g' */
		}
	} else if (type == SQLITE_INTEGER) {
		v = sqlite3_value_int64(value);
	} else {
		return true; /* text and blobs compare above every number: no bound we can use */
	}
	switch (op) {
	case '=':
		if (v > *lo)
			*lo = v;
		if (v < *hi)
			*hi = v;
		break;
	case '<':
		if (v == INT64_MIN)
			return false;
		if (v - 1 < *hi)
			*hi = v - 1;
		break;
	case 'l':
		if (v < *hi)
			*hi = v;
		break;
	case '>':
		if (v == INT64_MAX)
			return false;
		if (v + 1 > *lo)
			*lo = v + 1;
		break;
	case 'g':
		if (v > *lo)
			*lo = v;
		break;
	}
	return *lo <= *hi;
}

static uint64_t type_range_mask(int64_t lo, int64_t hi)
{
	uint64_t mask = 0;

	if (hi >= 63)
		mask |= 1ull << 63;
	for (int64_t t = lo < 0 ? 0 : lo; t <= hi && t < 63; t++)
		mask |= 1ull << t;
	return mask;
}

static int load_chunk(evcursor *c, evtab *t, size_t k)
{
	const void *data;
	size_t len = 0;
	int rc, bytes;
	bool ok;

	if (c->decoded == (ssize_t)k)
		return SQLITE_OK;
	c->decoded = -1;
	if (!t->data) {
		rc = sqlite3_prepare_v3(t->db, "SELECT data FROM event_data WHERE first_id = ?1", -1,
					SQLITE_PREPARE_PERSISTENT, &t->data, NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	sqlite3_bind_int64(t->data, 1, t->dir.first_id[k]);
	rc = sqlite3_step(t->data);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(t->data);
		sqlite3_free(t->base.zErrMsg);
		t->base.zErrMsg = sqlite3_mprintf("events: chunk %lld is missing from event_data",
						  (long long)t->dir.first_id[k]);
		return rc == SQLITE_DONE ? SQLITE_CORRUPT : rc;
	}
	data = sqlite3_column_blob(t->data, 0);
	bytes = sqlite3_column_bytes(t->data, 0);
	ok = data && ls_evpack_open(data, (size_t)bytes, &c->blob, &c->blob_cap, &len);
	sqlite3_reset(t->data);
	if (!ok || !ls_evpack_unpack(c->blob, len, t->dir.first_id[k], t->dir.n[k], c->rows)) {
		sqlite3_free(t->base.zErrMsg);
		t->base.zErrMsg = sqlite3_mprintf("events: chunk %lld is damaged", (long long)t->dir.first_id[k]);
		return SQLITE_CORRUPT;
	}
	c->n_rows = t->dir.n[k];
	c->decoded = (ssize_t)k;
	return SQLITE_OK;
}

static bool row_wanted(const evcursor *c, const ls_evrow *r)
{
	return r->v[LS_EVCOL_ID] >= c->id_lo && r->v[LS_EVCOL_ID] <= c->id_hi && r->v[LS_EVCOL_T_NS] >= c->t_lo &&
	       r->v[LS_EVCOL_T_NS] <= c->t_hi && r->v[LS_EVCOL_TYPE] >= c->type_lo && r->v[LS_EVCOL_TYPE] <= c->type_hi;
}

/* Moves to the next wanted row from the current position (row already advanced), across
 * chunks in the cursor's direction. */
static int seek(evcursor *c)
{
	evtab *t = (evtab *)c->base.pVtab;
	uint64_t mask = type_range_mask(c->type_lo, c->type_hi);

	for (;;) {
		if (c->chunk < c->chunk_first || c->chunk > c->chunk_last || c->chunk >= t->dir.count) {
			c->eof = true;
			return SQLITE_OK;
		}
		if ((t->dir.types[c->chunk] & mask) && t->dir.last_ns[c->chunk] >= c->t_lo &&
		    t->dir.first_ns[c->chunk] <= c->t_hi) {
			int rc = load_chunk(c, t, c->chunk);
			if (rc != SQLITE_OK)
				return rc;
			if (c->row == INT32_MIN) /* entering the chunk: from its end when descending */
				c->row = c->desc ? c->n_rows - 1 : 0;
			while (c->row >= 0 && c->row < c->n_rows) {
				if (row_wanted(c, &c->rows[c->row]))
					return SQLITE_OK;
				c->row += c->desc ? -1 : 1;
			}
		}
		if (c->desc) {
			if (c->chunk == 0) {
				c->eof = true;
				return SQLITE_OK;
			}
			c->chunk--;
		} else {
			c->chunk++;
		}
		c->row = INT32_MIN;
	}
}

static int ev_filter(sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str, int argc, sqlite3_value **argv)
{
	evcursor *c = (evcursor *)cur;
	evtab *t = (evtab *)cur->pVtab;
	int rc = dir_load(t);
	size_t first, last;

	if (rc != SQLITE_OK)
		return rc;
	c->desc = idx_num & 1;
	c->id_lo = c->t_lo = c->type_lo = INT64_MIN;
	c->id_hi = c->t_hi = c->type_hi = INT64_MAX;
	c->eof = false;
	for (int i = 0; i < argc && idx_str && idx_str[2 * i]; i++) {
		char col = idx_str[2 * i], op = idx_str[2 * i + 1];
		int64_t *lo = col == 'i' ? &c->id_lo : col == 't' ? &c->t_lo : &c->type_lo;
		int64_t *hi = col == 'i' ? &c->id_hi : col == 't' ? &c->t_hi : &c->type_hi;
		if (!apply_bound(lo, hi, op, argv[i])) {
			c->eof = true;
			return SQLITE_OK;
		}
	}
	if (t->dir.count == 0) {
		c->eof = true;
		return SQLITE_OK;
	}
	first = c->id_lo > t->dir.first_id[0] ? dir_chunk_of_id(&t->dir, c->id_lo, false) : 0;
	last = dir_chunk_of_id(&t->dir, c->id_hi, true);
	if (last == SIZE_MAX) {
		c->eof = true;
		return SQLITE_OK;
	}
	if (c->t_lo != INT64_MIN) {
		size_t f = dir_first_ending_at_or_after(&t->dir, c->t_lo);
		if (f > first)
			first = f;
	}
	if (c->t_hi != INT64_MAX) {
		size_t n = dir_count_starting_at_or_before(&t->dir, c->t_hi);
		if (n == 0) {
			c->eof = true;
			return SQLITE_OK;
		}
		if (n - 1 < last)
			last = n - 1;
	}
	if (first > last || first >= t->dir.count) {
		c->eof = true;
		return SQLITE_OK;
	}
	c->chunk_first = first;
	c->chunk_last = last;
	c->chunk = c->desc ? last : first;
	c->row = INT32_MIN;
	/* a lookup by id inside the chunk already decoded starts at that row */
	if (c->id_lo == c->id_hi && c->decoded == (ssize_t)c->chunk)
		c->row = (int)(c->id_lo - t->dir.first_id[c->chunk]);
	return seek(c);
}

static int ev_next(sqlite3_vtab_cursor *cur)
{
	evcursor *c = (evcursor *)cur;

	c->row += c->desc ? -1 : 1;
	return seek(c);
}

static int ev_eof(sqlite3_vtab_cursor *cur)
{
	return ((evcursor *)cur)->eof;
}

static int ev_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const evcursor *c = (const evcursor *)cur;
	const ls_evrow *r = &c->rows[c->row];

	if (col < 0 || col >= LS_EVCOL_COUNT || (r->null >> col & 1u))
		sqlite3_result_null(ctx);
	else if (col == LS_EVCOL_PAYLOAD)
		sqlite3_result_text(ctx, r->payload ? r->payload : "", (int)r->payload_len, SQLITE_TRANSIENT);
	else
		sqlite3_result_int64(ctx, r->v[col]);
	return SQLITE_OK;
}

static int ev_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	const evcursor *c = (const evcursor *)cur;

	*rowid = c->rows[c->row].v[LS_EVCOL_ID];
	return SQLITE_OK;
}

static const sqlite3_module events_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only: `events` exists without a CREATE VIRTUAL TABLE */
	.xConnect = ev_connect,
	.xBestIndex = ev_best_index,
	.xDisconnect = ev_disconnect,
	.xDestroy = ev_disconnect,
	.xOpen = ev_open,
	.xClose = ev_close,
	.xFilter = ev_filter,
	.xNext = ev_next,
	.xEof = ev_eof,
	.xColumn = ev_column,
	.xRowid = ev_rowid,
};

int ls_evtab_register(sqlite3 *db)
{
	return sqlite3_create_module(db, "events", &events_module, NULL);
}

static int auto_register(sqlite3 *db, char **err, const void *api)
{
	(void)err;
	(void)api;
	return ls_evtab_register(db);
}

static void install_once(void)
{
	/* sqlite3_auto_extension's argument type is void (*)(void); SQLite calls it with the
	 * signature of an extension entry point. */
	sqlite3_auto_extension((void (*)(void))(void *)auto_register);
}

void ls_evtab_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install_once);
}
