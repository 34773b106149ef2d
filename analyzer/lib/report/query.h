/* query.h — running a user's SQL against a lockstep database, row by row. */
#ifndef LOCKSTEP_QUERY_H
#define LOCKSTEP_QUERY_H

#include "error.h"
#include "store.h"

/* Called once per result row. `names` and `values` have `n` entries; a value is NULL for SQL
 * NULL. `is_number[i]` tells integers and reals from text. All borrowed for the call only.
 * Return false to stop early. */
typedef bool (*ls_query_row_fn)(void *user, int n, const char *const *names, const char *const *values,
				const bool *is_number);

/* Runs every statement of `sql` in turn, reading only: a statement that would write anything
 * anywhere (the database, another file through ATTACH or VACUUM INTO, the connection's settings
 * through a pragma, code through load_extension) is refused with LS_ERR_USAGE and "refused: …",
 * before it runs. Errors name the database and quote SQLite's message. `rows` counts the rows
 * seen (may be NULL). Leaves the connection in SQLite's defensive mode. */
ls_status ls_query_run(ls_store *store, const char *sql, ls_query_row_fn fn, void *user, long long *rows,
		       ls_error *err);

#endif
