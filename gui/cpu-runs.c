/* cpu-runs.c — see cpu-runs.h. The runs of one CPU never overlap (the load writes them from one
 * CPU's switches in order), so the run covering t is the last one beginning at or before t, and
 * a window is read in order from there, with a seek forward wherever a pixel holds many runs. */
#include "cpu-runs.h"

#define RUN_COLS "id, tid, begin_ns, end_ns, end_state, switched_in"

GArray *lsv_cpu_runs_cpus(sqlite3 *db)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(int64_t));
	sqlite3_stmt *q = NULL;
	int64_t cpu = -1;

	if (sqlite3_prepare_v2(db, "SELECT min(cpu) FROM cpu_runs WHERE cpu > ?1", -1, &q, NULL) != SQLITE_OK)
		return out; /* a database without the table: no CPU lanes */
	for (;;) {
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, cpu);
		if (sqlite3_step(q) != SQLITE_ROW || sqlite3_column_type(q, 0) == SQLITE_NULL)
			break;
		cpu = sqlite3_column_int64(q, 0);
		g_array_append_val(out, cpu);
	}
	sqlite3_finalize(q);
	return out;
}

static void read_run(sqlite3_stmt *q, lsv_cpu_run *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->tid = sqlite3_column_int64(q, 1);
	r->begin = sqlite3_column_int64(q, 2);
	r->end = sqlite3_column_int64(q, 3);
	r->end_state = sqlite3_column_type(q, 4) == SQLITE_NULL ? LSV_CPU_STATE_NONE : (int32_t)sqlite3_column_int64(q, 4);
	r->switched_in = sqlite3_column_int(q, 5) != 0;
}

/* The run of q (bound to cpu and t) into *r; false when there is none. */
static bool one_run(sqlite3_stmt *q, int64_t t, lsv_cpu_run *r, bool *failed)
{
	int rc;

	sqlite3_reset(q);
	sqlite3_bind_int64(q, 2, t);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		read_run(q, r);
	else if (rc != SQLITE_DONE)
		*failed = true;
	return rc == SQLITE_ROW;
}

/* Rows read in order before the walk seeks instead: reading a row costs far less than a seek,
 * so runs are read one after another until a pixel holds this many; where pixels keep holding
 * many (zoomed out), the walk seeks sooner, where they hold one, later. */
#define SKIP_BEFORE_SEEK 32

bool lsv_cpu_runs_fetch(sqlite3 *db, int64_t cpu, int64_t a, int64_t b, double min_ns, GArray *out)
{
	sqlite3_stmt *covering = NULL, *after = NULL;
	bool failed = false;
	lsv_cpu_run r;
	int64_t need = a, step = min_ns >= 1 ? (int64_t)min_ns : 1;
	int patience = SKIP_BEFORE_SEEK;

	if (sqlite3_prepare_v2(db, "SELECT " RUN_COLS " FROM cpu_runs WHERE cpu = ?1 AND begin_ns <= ?2 "
				   "ORDER BY begin_ns DESC LIMIT 1", -1, &covering, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT " RUN_COLS " FROM cpu_runs WHERE cpu = ?1 AND begin_ns > ?2 "
				   "AND begin_ns <= ?3 ORDER BY begin_ns", -1, &after, NULL) != SQLITE_OK) {
		failed = true;
		goto end;
	}
	sqlite3_bind_int64(covering, 1, cpu);
	sqlite3_bind_int64(after, 1, cpu);
	sqlite3_bind_int64(after, 3, b);
	/* `need`: the earliest time still without a run. Each run taken serves it and, when shorter
	 * than `step`, the rest of that step too. */
	while (need <= b && !failed) {
		int64_t from = need - 1; /* the rows to read: beginning after this */
		if (one_run(covering, need, &r, &failed) && r.end >= need) {
			g_array_append_val(out, r);
			need = r.end >= need + step ? r.end + 1 : need + step;
			from = r.begin;
		}
		/* then in order, until a pixel holds too many runs: seek past them */
		int skipped = 0, rc;
		sqlite3_reset(after);
		sqlite3_bind_int64(after, 2, from);
		while ((rc = sqlite3_step(after)) == SQLITE_ROW) {
			read_run(after, &r);
			if (r.end < need) {
				if (++skipped >= patience) {
					patience = MAX(patience / 2, 1);
					break;
				}
				continue;
			}
			g_array_append_val(out, r);
			int64_t t = MAX(r.begin, need);
			need = r.end >= t + step ? r.end + 1 : t + step;
			if (!skipped)
				patience = MIN(patience * 2, SKIP_BEFORE_SEEK);
			skipped = 0;
		}
		if (rc == SQLITE_DONE)
			break; /* no run begins later within the window */
		if (rc != SQLITE_ROW)
			failed = true;
	}
end:
	sqlite3_finalize(covering);
	sqlite3_finalize(after);
	return !failed;
}

const char *lsv_cpu_state_describe(int32_t state)
{
	switch (state) {
	case LSV_CPU_STATE_NONE:
		return "not recorded";
	case 0:
		return "runnable (preempted)";
	case 256:
		return "preempted (R+)";
	case 1:
		return "sleeping (S)";
	case 2:
		return "uninterruptible (D)";
	case 4:
		return "stopped (T)";
	case 8:
		return "traced (t)";
	case 16:
		return "dead (X)";
	case 32:
		return "zombie (Z)";
	case 64:
		return "parked (P)";
	case 128:
		return "idle (I)";
	default:
		return "blocked";
	}
}
