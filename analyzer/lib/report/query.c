/* query.c — see query.h. Integers print as SQLite gives them (addresses are signed: the
 * schema doc says to use printf('0x%x', …) for hex). */
#include "query.h"

#include <stdlib.h>

ls_status ls_query_run(ls_store *store, const char *sql, ls_query_row_fn fn, void *user, long long *rows,
		       ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	const char *tail = sql;
	long long count = 0;
	ls_status st = LS_OK;

	while (tail && *tail && st == LS_OK) {
		sqlite3_stmt *stmt = NULL;
		const char **names = NULL, **values = NULL;
		bool *numeric = NULL, stop = false;
		int n, rc;

		if (sqlite3_prepare_v2(db, tail, -1, &stmt, &tail) != SQLITE_OK) {
			st = ls_error_set(err, LS_ERR_USAGE, ls_store_path(store), "SQL error: %s", sqlite3_errmsg(db));
			break;
		}
		if (!stmt)
			break; /* trailing whitespace or comment */
		n = sqlite3_column_count(stmt);
		names = calloc((size_t)n + 1, sizeof(*names));
		values = calloc((size_t)n + 1, sizeof(*values));
		numeric = calloc((size_t)n + 1, sizeof(*numeric));
		if (!names || !values || !numeric) {
			st = ls_error_set(err, LS_ERR_NOMEM, ls_store_path(store), "out of memory");
		} else {
			for (int i = 0; i < n; i++)
				names[i] = sqlite3_column_name(stmt, i);
			while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
				for (int i = 0; i < n; i++) {
					int t = sqlite3_column_type(stmt, i);
					values[i] = t == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(stmt, i);
					numeric[i] = t == SQLITE_INTEGER || t == SQLITE_FLOAT;
				}
				count++;
				stop = !fn(user, n, names, values, numeric);
			}
			if (!stop && rc != SQLITE_DONE)
				st = ls_error_set(err, LS_ERR_USAGE, ls_store_path(store), "SQL error: %s",
						  sqlite3_errmsg(db));
		}
		free(names);
		free(values);
		free(numeric);
		sqlite3_finalize(stmt);
		if (stop)
			break;
	}
	if (rows)
		*rows = count;
	return st;
}
