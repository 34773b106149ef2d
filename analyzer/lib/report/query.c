/* query.c — see query.h. Integers print as SQLite gives them (addresses are signed: the
 * schema doc says to use printf('0x%x', …) for hex).
 *
 * A user's SQL must not write anything anywhere. Opening the database read-only keeps its own
 * file safe, but not the rest of the disk: `VACUUM INTO '/any/path'` writes a full copy, ATTACH
 * creates files, and some pragmas change what the connection is allowed to do. So while the
 * user's statements run, an authorizer allows only reading: SELECT and its reads, functions
 * other than load_extension, transactions, and pragmas from a list of those that only report. */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pragmas that only report, whatever their argument (a table or index name, a row limit). */
static const char *const introspection_pragmas[] = {
	"table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
	"foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
};

/* Pragmas that report when given no argument and set something when given one. */
static const char *const read_only_when_bare_pragmas[] = {
	"page_size", "page_count", "freelist_count", "user_version", "schema_version", "application_id",
	"encoding", "compile_options", "database_list", "collation_list", "function_list",
	"module_list", "pragma_list", "data_version", "max_page_count", "auto_vacuum",
	"journal_mode", "foreign_keys", "cache_size",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

struct refusal {
	char what[160];
};

static int authorize(void *user, int action, const char *a, const char *b, const char *db, const char *trigger)
{
	struct refusal *r = user;

	(void)db, (void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		if (b && (strcmp(b, "load_extension") == 0 || strcmp(b, "fts3_tokenizer") == 0)) {
			snprintf(r->what, sizeof(r->what), "%s() loads code", b);
			return SQLITE_DENY;
		}
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		if (a && in_list(a, introspection_pragmas, sizeof(introspection_pragmas) / sizeof(*introspection_pragmas)))
			return SQLITE_OK;
		if (a && !b && in_list(a, read_only_when_bare_pragmas,
				       sizeof(read_only_when_bare_pragmas) / sizeof(*read_only_when_bare_pragmas)))
			return SQLITE_OK;
		snprintf(r->what, sizeof(r->what), "PRAGMA %s%s%s changes the connection", a ? a : "?",
			 b ? "=" : "", b ? b : "");
		return SQLITE_DENY;
	case SQLITE_ATTACH:
		/* VACUUM INTO attaches its target file too */
		snprintf(r->what, sizeof(r->what), "ATTACH or VACUUM INTO writes '%s'", a ? a : "?");
		return SQLITE_DENY;
	default:
		snprintf(r->what, sizeof(r->what), "the statement writes");
		return SQLITE_DENY;
	}
}

/* The connection's own safety switches, on for good: no schema writes even if a pragma got
 * through, no extension loading through the C API either. */
static void harden(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
}

static ls_status refused(ls_store *store, const struct refusal *r, ls_error *err)
{
	return ls_error_set(err, LS_ERR_USAGE, ls_store_path(store), "refused: %s (queries only read)",
			    r->what[0] ? r->what : "the statement writes");
}

ls_status ls_query_run(ls_store *store, const char *sql, ls_query_row_fn fn, void *user, long long *rows,
		       ls_error *err)
{
	sqlite3 *db = ls_store_borrow_db(store);
	const char *tail = sql;
	long long count = 0;
	ls_status st = LS_OK;
	struct refusal refusal = { "" };

	harden(db);
	/* Connecting the `events` virtual table declares its schema, which the authorizer would
	 * see as a write: connect it first (it stays connected for the connection's life). */
	sqlite3_exec(db, "SELECT id FROM events WHERE 0", NULL, NULL, NULL);
	sqlite3_set_authorizer(db, authorize, &refusal);
	while (tail && *tail && st == LS_OK) {
		sqlite3_stmt *stmt = NULL;
		const char **names = NULL, **values = NULL;
		bool *numeric = NULL, stop = false;
		int n, rc;

		refusal.what[0] = '\0';
		rc = sqlite3_prepare_v2(db, tail, -1, &stmt, &tail);
		if (rc == SQLITE_AUTH || (rc != SQLITE_OK && refusal.what[0])) {
			st = refused(store, &refusal, err);
			break;
		}
		if (rc != SQLITE_OK) {
			st = ls_error_set(err, LS_ERR_USAGE, ls_store_path(store), "SQL error: %s", sqlite3_errmsg(db));
			break;
		}
		if (!stmt)
			break; /* trailing whitespace or comment */
		if (!sqlite3_stmt_readonly(stmt)) {
			sqlite3_finalize(stmt);
			st = refused(store, &refusal, err);
			break;
		}
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
			if (!stop && rc == SQLITE_AUTH)
				st = refused(store, &refusal, err);
			else if (!stop && rc != SQLITE_DONE)
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
	sqlite3_set_authorizer(db, NULL, NULL);
	if (rows)
		*rows = count;
	return st;
}
