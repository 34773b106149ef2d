/* context.c — see context.h. */
#include "context.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "machine.h"

struct ls_context {
	ls_store *store;
	const ls_symbols *symbols;
	ls_timebase tb;
	char machine[1024];
	bool emulated;
	sqlite3_stmt *comm;
};

ls_status ls_context_open(ls_store *store, const ls_symbols *symbols, bool absolute_time,
			  ls_context **out, ls_error *err)
{
	ls_context *cx = calloc(1, sizeof(*cx));

	*out = NULL;
	if (!cx)
		return ls_error_set(err, LS_ERR_NOMEM, NULL, "out of memory");
	cx->store = store;
	cx->symbols = symbols;
	cx->tb.t0 = ls_store_meta_int(store, "t_begin_ns", 0);
	cx->tb.absolute = absolute_time;
	if (!ls_store_meta(store, "machine", cx->machine, sizeof(cx->machine)))
		cx->machine[0] = '\0';
	cx->emulated = ls_machine_emulated(cx->machine);
	/* A store without `tasks` (never the case for a complete load) names tasks by tid only. */
	sqlite3_prepare_v2(ls_store_borrow_db(store), "SELECT comm FROM tasks WHERE tid = ?", -1,
			   &cx->comm, NULL);
	*out = cx;
	return LS_OK;
}

void ls_context_close(ls_context *cx)
{
	if (!cx)
		return;
	sqlite3_finalize(cx->comm);
	free(cx);
}

const ls_timebase *ls_context_timebase(const ls_context *cx)
{
	return &cx->tb;
}

const char *ls_context_machine(const ls_context *cx)
{
	return cx->machine;
}

bool ls_context_emulated(const ls_context *cx)
{
	return cx->emulated;
}

const char *ls_context_time(const ls_context *cx, int64_t t, char *buf, size_t size)
{
	return ls_time_format(cx ? &cx->tb : NULL, t, buf, size);
}

const char *ls_context_comm(ls_context *cx, int64_t tid, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!cx || !cx->comm)
		return buf;
	sqlite3_reset(cx->comm);
	sqlite3_bind_int64(cx->comm, 1, tid);
	if (sqlite3_step(cx->comm) == SQLITE_ROW && sqlite3_column_text(cx->comm, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(cx->comm, 0));
	/* An unreset statement keeps a read cursor open: storing the findings (DROP TABLE) would
	 * then fail with "database table is locked". */
	sqlite3_reset(cx->comm);
	return buf;
}

const char *ls_context_task(ls_context *cx, int64_t tid, char *buf, size_t size)
{
	char comm[64];

	ls_context_comm(cx, tid, comm, sizeof(comm));
	if (comm[0])
		snprintf(buf, size, "%" PRId64 " (%s)", tid, comm);
	else
		snprintf(buf, size, "%" PRId64, tid);
	return buf;
}

const char *ls_context_site(const ls_context *cx, uint64_t ip, char *buf, size_t size)
{
	return ls_symbols_format(cx ? cx->symbols : NULL, ip, buf, size);
}
